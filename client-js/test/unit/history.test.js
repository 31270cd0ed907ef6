// The dashboard's history charts, on fixtures: the columns uPlot draws (counts summed
// over kinds; one kind's wait p50 and p95, or each kind's p95) and the text beside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { chartData, countsSummary } from '../../dashboard/history_data.js';

const point = (at, created, succeeded, failed, p50, p95) => ({
  at, created, started: created, succeeded, failed, cancelled: 0, expired: 0,
  wait_p50_ms: p50, wait_p95_ms: p95, run_p50_ms: null, run_p95_ms: null,
});

test('one kind: its counts, its wait p50 and p95', () => {
  const data = chartData({ kinds: [{ kind: 'a', points: [point('2026-01-01T00:00:00Z', 2, 1, 1, 3, 9), point('2026-01-01T00:01:00Z', 0, 0, 0, null, null)] }] });
  assert.deepEqual(data.times, [1767225600, 1767225660]);
  assert.deepEqual(data.counts, [[2, 0], [1, 0], [1, 0]]);
  assert.deepEqual(data.waits, [{ label: 'wait p50', values: [3, null] }, { label: 'wait p95', values: [9, null] }]);
  assert.equal(countsSummary(data), '2 created, 1 succeeded, 1 failed');
});

test('every kind: counts summed, each kind\'s wait p95', () => {
  const data = chartData({ kinds: [
    { kind: 'a', points: [point('2026-01-01T00:00:00Z', 2, 2, 0, 1, 2)] },
    { kind: 'b', points: [point('2026-01-01T00:00:00Z', 3, 0, 3, 5, 50)] },
  ] });
  assert.deepEqual(data.counts, [[5], [2], [3]]);
  assert.deepEqual(data.waits.map((w) => [w.label, w.values]), [['a p95', [2]], ['b p95', [50]]]);
  assert.deepEqual(chartData({ kinds: [] }).times, []);
});
