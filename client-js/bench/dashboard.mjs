// Figures for the dashboard (run by `make bench`, not a test): time to first
// render, bytes over the wire, and frame rate while N tasks run at once.
import { Server } from '../test/support/server.js';
import { launch } from '../test/support/browser.js';

const RUNNING = Number(process.env.DASHBOARD_RUNNING ?? 200);
const INTERVAL_MS = Number(process.env.DASHBOARD_INTERVAL_MS ?? 1000);
const server = await new Server(['--workers', String(RUNNING)]).start();
const browser = await launch();
try {
  // A cold load: time to first paint, to the first task row, and what came over the wire.
  await fetch(`${server.url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'demo.countdown', params: { steps: 1, interval_ms: 0 } }) });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const started = Date.now();
  await page.goto(server.url);
  await page.waitForSelector('#task-rows tr');
  const rowMs = Date.now() - started;
  const load = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource').filter((r) => !r.name.includes('/v1/'));
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    const bytes = [nav, ...resources].reduce((n, r) => n + r.transferSize, 0);
    const body = [nav, ...resources].reduce((n, r) => n + r.encodedBodySize, 0);
    return { fcp, bytes, body, files: resources.length + 1 };
  });

  // N tasks running at once, each stepping every INTERVAL_MS: frames the page draws meanwhile.
  const body = JSON.stringify({ kind: 'demo.countdown', params: { steps: Math.ceil(60000 / INTERVAL_MS), interval_ms: INTERVAL_MS } });
  await Promise.all(Array.from({ length: RUNNING }, () => fetch(`${server.url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })));
  await page.waitForFunction((n) => document.querySelectorAll('#task-rows tr[data-state="running"]').length >= n, RUNNING, { timeout: 30000 });
  const frames = await page.evaluate(() => new Promise((resolve) => {
    const gaps = [];
    let last = performance.now();
    const end = last + 5000;
    const tick = (now) => {
      gaps.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(tick);
      else resolve(gaps);
    };
    requestAnimationFrame(tick);
  }));
  const sorted = [...frames].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)];
  const figures = {
    first_contentful_paint_ms: Math.round(load.fcp),
    first_task_row_ms: rowMs,
    bytes_over_the_wire: load.bytes,
    body_bytes: load.body,
    files: load.files,
    running_tasks: RUNNING,
    progress_events_per_s: Math.round((RUNNING * 1000) / INTERVAL_MS),
    fps_while_running: Math.round((frames.length / 5) * 10) / 10,
    frame_gap_p99_ms: Math.round(p99 * 10) / 10,
    frame_gap_max_ms: Math.round(sorted.at(-1) * 10) / 10,
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await browser.close();
  await server.dispose();
}
