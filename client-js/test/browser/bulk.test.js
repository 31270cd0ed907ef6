// Bulk actions in the dashboard, in real headless Chromium against the real server:
// offered for a filter that names something, one confirmation away, its progress and
// counts live from the page's stream, stoppable; no filter, no bulk action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api as call, taskWhen as pollTask } from '../support/api.js';
import { serverAndBrowser, openPage, shoot } from '../support/browser.js';

let server;
let browser;
serverAndBrowser((s, b) => { server = s; browser = b; });

const api = (method, path, body) => call(server.url, method, path, body);
const taskWhen = (id, check, what) => pollTask(server.url, id, check, what);

test('retry all the failed tasks of a tag: asked once, the counts live, the tasks run again', async () => {
  const failed = [];
  for (let i = 0; i < 3; i++) {
    const { json } = await api('POST', '/v1/tasks', { kind: 'demo.fail', tags: ['ui-bulk'] });
    failed.push(json.id);
  }
  for (const id of failed) await taskWhen(id, (t) => t.state === 'failed', 'a failure');
  const other = (await api('POST', '/v1/tasks', { kind: 'demo.fail', tags: ['ui-else'] })).json.id;
  await taskWhen(other, (t) => t.state === 'failed', 'a failure');

  const { page, context, errors } = await openPage(browser, `${server.url}/?state=failed&tag=ui-bulk`, { width: 375, height: 800 });
  await page.locator('#task-rows tr').nth(2).waitFor();
  await page.click('#bulk-actions button[data-action="retry"]');
  await page.locator('#bulk-question', { hasText: 'Retry every task with state failed, tag ui-bulk?' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'bulk-no');  // the safe answer has the focus
  await page.click('#bulk-yes');
  await page.locator('#bulk-text', { hasText: 'Done: retried 3, skipped 0, of 3.' }).waitFor();
  assert.equal(await page.isHidden('#bulk-stop'), true);
  await shoot(page.locator('#tasks'), 'bulk-retried-375');
  for (const id of failed) assert.equal((await api('GET', `/v1/tasks/${id}`)).json.attempt, 2);
  assert.equal((await api('GET', `/v1/tasks/${other}`)).json.attempt, 1);

  await page.click('#bulk-actions button[data-action="delete"]');
  await page.click('#bulk-no');  // kept: nothing is deleted
  assert.equal(await page.isHidden('#bulk-confirm'), true);
  for (const id of failed) assert.equal((await api('GET', `/v1/tasks/${id}`)).status, 200);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a running bulk cancel shows its bar and can be stopped; without a filter no bulk action is offered', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.locator('#filter-kind option[value="demo.countdown"]').waitFor({ state: 'attached' });
  assert.equal(await page.isHidden('#bulk-actions'), true);  // no filter: every task would be its target
  await page.selectOption('#filter-kind', 'demo.countdown');
  await page.locator('#bulk-actions').waitFor();

  // A bulk task waits while its kind is paused: its bar shows it queued, Stop ends it.
  assert.equal((await api('POST', '/v1/kinds/system.bulk/pause')).status, 200);
  await page.click('#bulk-actions button[data-action="cancel"]');
  await page.click('#bulk-yes');
  await page.locator('#bulk-text', { hasText: 'Cancel: queued' }).waitFor();
  await page.click('#bulk-stop');
  await page.locator('#bulk-text', { hasText: 'The bulk action ended cancelled.' }).waitFor();
  assert.equal((await api('POST', '/v1/kinds/system.bulk/resume')).status, 200);
  assert.deepEqual(errors, []);
  await context.close();
});
