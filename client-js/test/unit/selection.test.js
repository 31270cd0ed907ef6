// Acting on picked rows, on fixtures: each id once, a few at a time; a 409 or 410
// counted as skipped, any other error as not done with its reason; the outcome in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actOnEach, describeOutcome } from '../../dashboard/selection.js';

test('each id is acted on once, at most `concurrency` at a time, and sorted by what came of it', async () => {
  let inFlight = 0;
  let most = 0;
  const seen = [];
  const act = async (id) => {
    seen.push(id);
    inFlight += 1;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    if (id === 'b') throw Object.assign(new Error('conflict'), { status: 409 });
    if (id === 'c') throw Object.assign(new Error('gone'), { status: 410 });
    if (id === 'd') throw Object.assign(new Error('x'), { status: 403, problem: { detail: 'not your task' } });
  };
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const out = await actOnEach(ids, act, 2);
  assert.deepEqual([...seen].sort(), ids);
  assert.equal(most, 2);
  assert.deepEqual(out.done.sort(), ['a', 'e', 'f']);
  assert.deepEqual(out.skipped.sort(), ['b', 'c']);
  assert.deepEqual(out.failed, [{ id: 'd', message: 'not your task' }]);
  assert.equal(describeOutcome('retry', out), 'Retried 3, skipped 2, not done 1 (not your task).');
  assert.equal(describeOutcome('delete', { done: ['a'], skipped: [], failed: [] }), 'Deleted 1, skipped 0.');
  assert.deepEqual(await actOnEach([], act), { done: [], skipped: [], failed: [] });
});
