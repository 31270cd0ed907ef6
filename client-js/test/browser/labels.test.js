// Tags and metadata in the dashboard, in real headless Chromium against the real
// server: set from the start form, shown in the detail, and the table filtered by
// them — typed in the filter or given in the URL, live rows included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, shoot } from '../support/browser.js';

let server;
let browser;
serverAndBrowser((s, b) => { server = s; browser = b; });

async function create(body) {
  const res = await fetch(`${server.url}/v1/tasks`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(res.status, 202);
  return res.json();
}

const rowIds = (page) => page.$$eval('#task-rows tr', (rows) => rows.map((r) => r.dataset.id));

test('tags and metadata from the start form show in the task\'s detail; a bad tag is pointed at', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.selectOption('#kind', 'demo.noop');
  await page.click('.advanced summary');
  await page.fill('#opt-tags', 'form-nightly  customer:42');
  await page.fill('#opt-meta', '{"customer": 42, "region": "eu"}');
  await page.click('#start-button');
  const started = page.locator('#form-result button');
  await started.waitFor();
  await started.click();
  await page.waitForSelector('#detail:not([hidden])');
  await page.locator('#detail-fields dd', { hasText: /^form-nightly customer:42$/ }).waitFor();
  await page.locator('#detail-fields dd', { hasText: '{"customer":42,"region":"eu"}' }).waitFor();
  await shoot(page.locator('#detail'), 'detail-labels');

  await page.fill('#opt-tags', 'fine not/ok?');
  await page.click('#start-button');
  await page.locator('#opt-tags-error', { hasText: 'has a character other than' }).waitFor();
  assert.equal(await page.getAttribute('#opt-tags', 'aria-invalid'), 'true');
  await page.fill('#opt-tags', '');
  await page.fill('#opt-meta', '[1, 2]');
  await page.click('#start-button');
  await page.locator('#opt-meta-error', { hasText: 'A JSON object' }).waitFor();
  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);  // the bad tag's answer
  await context.close();
});

test('the filter finds tasks by tag and metadata, keeps itself in the URL, and takes live rows that match', async () => {
  const a = await create({ kind: 'demo.noop', tags: ['ui-batch'], metadata: { customer: 42 } });
  const b = await create({ kind: 'demo.noop', tags: ['ui-batch'], metadata: { customer: 7 } });
  await create({ kind: 'demo.noop', tags: ['ui-other'] });
  const { page, context, errors } = await openPage(browser, server.url);
  await page.fill('#filter-labels', 'ui-batch');
  await page.press('#filter-labels', 'Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('tag') === 'ui-batch');
  await page.waitForFunction((n) => document.querySelectorAll('#task-rows tr').length === n, 2);
  assert.deepEqual(await rowIds(page), [b.id, a.id]);

  await page.fill('#filter-labels', 'ui-batch customer=42');
  await page.press('#filter-labels', 'Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('meta.customer') === '42');
  await page.waitForFunction((n) => document.querySelectorAll('#task-rows tr').length === n, 1);
  assert.deepEqual(await rowIds(page), [a.id]);
  // A task that arrives on the stream joins the table only if it matches.
  const live = await create({ kind: 'demo.noop', tags: ['ui-batch'], metadata: { customer: 42 } });
  await create({ kind: 'demo.noop', tags: ['ui-batch'], metadata: { customer: 8 } });
  await page.waitForSelector(`tr[data-id="${live.id}"]`);
  await page.waitForFunction((n) => document.querySelectorAll('#task-rows tr').length === n, 2);
  await context.close();

  // The URL alone opens the same view.
  const again = await openPage(browser, `${server.url}/?tag=ui-batch&meta.customer=42`);
  assert.equal(await again.page.inputValue('#filter-labels'), 'ui-batch customer=42');
  await again.page.waitForFunction((n) => document.querySelectorAll('#task-rows tr').length === n, 2);
  assert.deepEqual(await rowIds(again.page), [live.id, a.id]);
  assert.deepEqual([...errors, ...again.errors], []);
  await again.context.close();
});

test('the search box finds tasks by text in their kind, tags or error, keeps it in the URL, and takes live rows that match', async () => {
  const full = await create({ kind: 'demo.fail', params: { message: 'Disk FULL on sda' }, tags: ['ui-search'] });
  await create({ kind: 'demo.fail', params: { message: 'no route to host' }, tags: ['ui-search'] });
  await create({ kind: 'demo.noop', tags: ['ui-search'] });
  const { page, context, errors } = await openPage(browser, server.url);
  await page.fill('#filter-labels', 'ui-search');
  await page.fill('#filter-q', 'disk full');
  await page.press('#filter-q', 'Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'disk full');
  await page.waitForSelector(`tr[data-id="${full.id}"]`);
  assert.deepEqual(await rowIds(page), [full.id]);
  // A task failing with the text later joins the table; one without it does not.
  const live = await create({ kind: 'demo.fail', params: { message: 'disk full again' }, tags: ['ui-search'] });
  await create({ kind: 'demo.fail', params: { message: 'other' }, tags: ['ui-search'] });
  await page.waitForSelector(`tr[data-id="${live.id}"]`);
  await page.locator(`tr[data-id="${live.id}"] .message`, { hasText: 'disk full again' }).waitFor();
  assert.deepEqual(await rowIds(page), [live.id, full.id]);
  await context.close();

  const again = await openPage(browser, `${server.url}/?tag=ui-search&q=DISK`);
  assert.equal(await again.page.inputValue('#filter-q'), 'DISK');
  await again.page.waitForFunction((n) => document.querySelectorAll('#task-rows tr').length === n, 2);
  assert.deepEqual(await rowIds(again.page), [live.id, full.id]);
  assert.deepEqual([...errors.filter((e) => !/status of 4/.test(e)), ...again.errors], []);
  await again.context.close();
});
