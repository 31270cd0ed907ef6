// The task history as the dashboard charts it, pure: the ranges offered, and the
// columns uPlot draws from a GET /v1/stats answer.

export const RANGES = { '1h': [3600, 60], '24h': [86400, 900], '7d': [604800, 3600] };
export const COUNTS = [['created', '#0b57d0'], ['succeeded', '#1a7f37'], ['failed', '#c62828']];
export const WAIT_COLORS = ['#6a1b9a', '#ef6c00', '#00838f', '#5d4037', '#ad1457', '#2e7d32'];

/** The history as chart columns: times (s), each count summed over kinds, and each kind's
 * wait p95 (every kind) or its p50 and p95 (one kind). @param {any} stats */
export function chartData(stats) {
  const times = (stats.kinds[0]?.points ?? []).map((/** @type {any} */ p) => Date.parse(p.at) / 1000);
  const counts = COUNTS.map(([name]) => times.map((_, i) => stats.kinds.reduce((sum, k) => sum + k.points[i][name], 0)));
  /** @type {{ label: string, values: (number | null)[] }[]} */
  const waits = stats.kinds.length === 1
    ? [{ label: 'wait p50', values: stats.kinds[0].points.map((/** @type {any} */ p) => p.wait_p50_ms) },
      { label: 'wait p95', values: stats.kinds[0].points.map((/** @type {any} */ p) => p.wait_p95_ms) }]
    : stats.kinds.slice(0, WAIT_COLORS.length).map((/** @type {any} */ k) => ({
      label: `${k.kind} p95`, values: k.points.map((/** @type {any} */ p) => p.wait_p95_ms) }));
  return { times, counts, waits };
}

/** "12 created, 3 succeeded, 9 failed": a chart's text for screen readers. @param {any} data */
export function countsSummary(data) {
  return COUNTS.map(([name], i) => `${data.counts[i].reduce((a, b) => a + b, 0)} ${name}`).join(', ');
}
