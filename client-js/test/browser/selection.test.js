// Picked rows in the dashboard, in real headless Chromium against the real server:
// ticked rows cancelled together, every shown row picked at once and deleted after one
// question — the tasks the action does not apply to skipped — at 375 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api as call, taskWhen as pollTask } from '../support/api.js';
import { serverAndBrowser, openPage, shoot } from '../support/browser.js';

let server;
let browser;
serverAndBrowser((s, b) => { server = s; browser = b; });

const api = (method, path, body) => call(server.url, method, path, body);
const taskWhen = (id, check, what) => pollTask(server.url, id, check, what);

test('ticked rows are cancelled together; all shown are deleted after one question, the unfinished one skipped', async () => {
  const done = (await api('POST', '/v1/tasks', { kind: 'demo.noop', tags: ['ui-pick'] })).json.id;
  await taskWhen(done, (t) => t.state === 'succeeded', 'the noop to succeed');
  const running = [];
  for (let i = 0; i < 3; i++)
    running.push((await api('POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 1000, interval_ms: 50 }, tags: ['ui-pick'] })).json.id);
  for (const id of running) await taskWhen(id, (t) => t.state === 'running', 'a countdown to run');

  const { page, context, errors } = await openPage(browser, `${server.url}/?tag=ui-pick`, { width: 375, height: 800 });
  await page.waitForFunction((n) => document.querySelectorAll('#task-rows tr').length === n, 4);
  assert.equal(await page.isHidden('#selection'), true);
  await page.check(`tr[data-id="${running[0]}"] input.pick`);
  await page.check(`tr[data-id="${running[1]}"] input.pick`);
  await page.locator('#selection-count', { hasText: '2 selected' }).waitFor();
  await shoot(page.locator('#tasks'), 'selection-375');
  await page.click('#selection button[data-verb="cancel"]');
  await page.locator('#selection-result', { hasText: 'Cancelled 2, skipped 0.' }).waitFor();
  assert.equal(await page.isHidden('#selection'), true);
  for (const id of running.slice(0, 2)) await taskWhen(id, (t) => t.state === 'cancelled', 'a picked task to end cancelled');
  assert.equal((await api('GET', `/v1/tasks/${running[2]}`)).json.state, 'running');

  await page.check('#select-all');
  await page.locator('#selection-count', { hasText: '4 selected' }).waitFor();
  await page.click('#selection button[data-verb="delete"]');
  await page.locator('#selection-question', { hasText: 'Delete 4 tasks and their events?' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'selection-no');
  await page.click('#selection-yes');
  await page.locator('#selection-result', { hasText: 'Deleted 3, skipped 1.' }).waitFor();
  assert.deepEqual(await page.$$eval('#task-rows tr', (rows) => rows.map((r) => r.dataset.id)), [running[2]]);
  for (const id of [done, running[0], running[1]]) assert.equal((await api('GET', `/v1/tasks/${id}`)).status, 410);
  assert.equal(await page.isChecked('#select-all'), false);
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(e)), []);  // the running task's delete
  await api('POST', `/v1/tasks/${running[2]}/cancel`);
  await context.close();
});
