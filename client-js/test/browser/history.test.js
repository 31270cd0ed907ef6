// The History panel in real headless Chromium against the real server: uPlot's charts
// of GET /v1/stats drawn under the page's CSP, for every kind and for one, over a
// chosen range, at 375 px, and with no serious accessibility violation (axe-core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { serverAndBrowser, openPage, shoot } from '../support/browser.js';

const require = createRequire(import.meta.url);
let server;
let browser;
serverAndBrowser((s, b) => { server = s; browser = b; });

async function ended(id) {
  const res = await fetch(`${server.url}/v1/tasks/${id}/events`);
  const text = await res.text();  // the stream ends with the task
  assert.match(text, /"state":"(succeeded|failed)"/);
}

async function start(kind) {
  const res = await fetch(`${server.url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind }) });
  assert.equal(res.status, 202);
  await ended((await res.json()).id);
}

/** How many rows of the chart's canvas the failed series' red line crosses: a few for a
 * flat line at zero, many for one that rises to a failure and back. */
const redRows = (page) => page.$eval('#history-counts canvas', (canvas) => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const rows = new Set();
  for (let i = 0; i < data.length; i += 4)
    if (data[i] > 170 && data[i + 1] < 80 && data[i + 2] < 80 && data[i + 3] > 200) rows.add(Math.floor(i / 4 / canvas.width));
  return rows.size;
});

test('the history charts tasks per step and the queue wait, for every kind and for one, over a chosen range', async () => {
  await start('demo.fail');
  await start('demo.fail');
  await start('demo.noop');
  const { page, context, errors } = await openPage(browser, server.url, { width: 375, height: 900 });
  await page.locator('#history-counts-label', { hasText: 'Tasks per minute: 3 created, 1 succeeded, 2 failed' }).waitFor();
  await page.locator('#history-counts canvas').waitFor();
  assert.ok(await redRows(page) > 20, 'the failed line rises to the failures');
  await page.locator('#history-wait-label', { hasText: 'demo.fail p95, demo.noop p95' }).waitFor();
  await shoot(page.locator('#history'), 'history-375');

  await page.selectOption('#history-kind', 'demo.noop');
  await page.locator('#history-counts-label', { hasText: 'Tasks per minute: 1 created, 1 succeeded, 0 failed' }).waitFor();
  await page.locator('#history-wait-label', { hasText: 'Queue wait in ms: wait p50, wait p95' }).waitFor();
  assert.ok(await redRows(page) <= 6, 'demo.noop\'s failed line stays flat at zero');
  await page.selectOption('#history-range', '24h');
  await page.locator('#history-counts-label', { hasText: 'Tasks per 15 minutes: 1 created' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe-core finds no serious or critical violation with the charts drawn and a bulk question open', async () => {
  const { page, context } = await openPage(browser, `${server.url}/?state=failed`, { bypassCSP: true });
  await page.locator('#history-counts canvas').waitFor();
  await page.click('#bulk-actions button[data-action="retry"]');
  await page.locator('#bulk-confirm').waitFor();
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  await context.close();
});
