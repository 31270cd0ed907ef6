// The Failures panel in real headless Chromium against the real server: failed tasks
// grouped by kind and error type as they fail, the newest one opened from its group,
// "Retry all" one confirmation away with its bar live, at 375 px, and axe-core clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { api as call, taskWhen as pollTask } from '../support/api.js';
import { serverAndBrowser, openPage, shoot } from '../support/browser.js';

const require = createRequire(import.meta.url);
let server;
let browser;
serverAndBrowser((s, b) => { server = s; browser = b; });

const api = (method, path, body) => call(server.url, method, path, body);

const group = (page, kind) => page.locator(`#failures-rows tr[data-kind="${kind}"]`);

test('failures group live by kind and error type; the newest opens; retry all of a group, its bar live', async () => {
  const { page, context, errors } = await openPage(browser, server.url, { width: 375, height: 800 });
  await page.locator('#failures-summary', { hasText: 'No failed tasks.' }).waitFor();
  const failed = [];
  for (let i = 0; i < 3; i++)
    failed.push((await api('POST', '/v1/tasks', { kind: 'demo.fail', params: { message: `ui failure ${i}` } })).json.id);
  await api('POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 1000, interval_ms: 50 }, timeout_s: 0.05 });
  // Heard on the page's stream as they fail: the groups are read again.
  await group(page, 'demo.fail').getByRole('button', { name: /Retry all 3 demo.fail tasks/ }).waitFor();
  await group(page, 'demo.countdown').locator('td', { hasText: /^timeout$/ }).waitFor();
  await page.locator('#failures-summary', { hasText: '4 failed tasks in 2 groups.' }).waitFor();
  assert.deepEqual(await page.$$eval('#failures-rows tr', (rows) => rows.map((r) => r.dataset.kind)), ['demo.fail', 'demo.countdown']);
  await shoot(page.locator('#failures'), 'failures-375');

  await group(page, 'demo.fail').locator('button.link').click();
  await page.waitForSelector('#detail:not([hidden])');
  await page.waitForFunction((id) => new URL(location.href).searchParams.get('task') === id, failed[2]);

  await group(page, 'demo.fail').getByRole('button', { name: /Retry all 3/ }).click();
  await page.locator('#failures-bulk-question', { hasText: 'Retry every task with state failed, kind demo.fail, error type demo_failure?' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'failures-bulk-no');
  await page.click('#failures-bulk-yes');
  await page.locator('#failures-bulk-text', { hasText: 'Done: retried 3, skipped 0, of 3.' }).waitFor();
  for (const id of failed) assert.equal((await api('GET', `/v1/tasks/${id}`)).json.attempt, 2);
  // The countdown's group was not touched.
  const timedOut = await api('GET', '/v1/failures?kind=demo.countdown');
  assert.equal(timedOut.json.groups[0].count, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe-core finds no serious or critical violation with failures listed and a retry question open', async () => {
  const { page, context } = await openPage(browser, server.url, { bypassCSP: true });
  await page.locator('#failures-rows tr').first().waitFor();
  await page.locator('#failures-rows button', { hasText: /^Retry all/ }).first().click();
  await page.locator('#failures-bulk-confirm').waitFor();
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  await context.close();
});
