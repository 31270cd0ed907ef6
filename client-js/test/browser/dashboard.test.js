// The dashboard in real headless Chromium against the real server: a generated
// form, live rows, cancel, a kind paused and resumed, a concurrency key, a start
// rate, a restart,
// infinite scroll, a phone-width viewport and an accessibility scan. Screenshots
// land in the build dir; some checks read their pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Server, RATED_KINDS } from '../support/server.js';
import { serverAndBrowser, openPage, shoot, shootInside, colourShare } from '../support/browser.js';

const require = createRequire(import.meta.url);
const BAR = [0x1f, 0x8a, 0x70];     // --bar in style.css
const ACCENT = [0x1f, 0x6f, 0x5c];  // --accent: the Start button

let server;
let browser;
serverAndBrowser((s, b) => { server = s; browser = b; });

async function api(base, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function taskCount(base) {
  let n = 0;
  let cursor = '';
  for (;;) {
    const { body } = await api(base, 'GET', `/v1/tasks?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    n += body.tasks.length;
    if (!body.next_cursor) return n;
    cursor = body.next_cursor;
  }
}

const row = (page, id) => page.locator(`tr[data-id="${id}"]`);

test('GET / serves the dashboard with a strict CSP and revalidates with its ETag', async () => {
  const res = await fetch(`${server.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  assert.doesNotMatch(res.headers.get('content-security-policy'), /unsafe-inline/);
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${server.url}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const js = await fetch(`${server.url}/client/index.js`);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.equal((await fetch(`${server.url}/nope.js`)).status, 404);
});

test('a generated form starts a task and its bar reaches 100 %', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.selectOption('#kind', 'demo.countdown');
  await page.fill('#param-steps', '5');
  await page.fill('#param-interval_ms', '60');
  await page.click('#start-button');
  const started = page.locator('#form-result button');
  await started.waitFor();
  const id = await started.textContent();
  const r = row(page, id);
  await r.locator('[aria-valuenow="100"]').waitFor();
  await page.waitForSelector(`tr[data-id="${id}"][data-state="succeeded"]`);
  await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'open');
  const png = await shootInside(page, r.locator('.bar'), 'bar-100');
  assert.ok((await colourShare(browser, png, BAR)) > 0.9, 'the bar is filled');
  await shoot(page, 'dashboard');
  const { body: task } = await api(server.url, 'GET', `/v1/tasks/${id}`);
  assert.equal(task.state, 'succeeded');
  assert.deepEqual(task.params, { steps: 5, interval_ms: 60 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('an invalid field shows its message and nothing is created', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.selectOption('#kind', 'demo.countdown');
  const before = await taskCount(server.url);
  await page.fill('#param-steps', '0');  // the schema's minimum is 1
  await page.click('#start-button');
  await page.locator('#param-steps-error').waitFor({ state: 'visible' });
  assert.match(await page.textContent('#param-steps-error'), /at least 1/i);
  assert.equal(await page.getAttribute('#param-steps', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'param-steps');
  // An option only the server checks: its 422 lands next to that field.
  await page.fill('#param-steps', '2');
  await page.click('.advanced summary');
  await page.fill('#opt-timeout', '99999999');
  await page.click('#start-button');
  await page.locator('#opt-timeout-error').waitFor({ state: 'visible' });
  assert.notEqual((await page.textContent('#opt-timeout-error')).trim(), '');
  assert.equal(await page.getAttribute('#param-steps', 'aria-invalid'), null);
  await shoot(page, 'invalid-field');
  assert.equal(await taskCount(server.url), before);
  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
  await context.close();
});

test('cancel a running task from its detail; the buttons follow its state', async () => {
  const { body: task } = await api(server.url, 'POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 1000, interval_ms: 50 } });
  const { page, context, errors } = await openPage(browser, server.url);
  const r = row(page, task.id);
  await page.waitForSelector(`tr[data-id="${task.id}"][data-state="running"]`);
  await r.locator('button').click();
  await page.waitForSelector('#detail:not([hidden])');
  await page.waitForFunction(() => !document.getElementById('detail-cancel').disabled);
  assert.equal(await page.isDisabled('#detail-retry'), true);
  assert.equal(await page.isDisabled('#detail-delete'), true);
  await page.locator('#detail-log li').first().waitFor();  // the log tail, from its history
  await page.click('#detail-cancel');
  await page.waitForSelector(`tr[data-id="${task.id}"][data-state="cancelled"]`);
  await page.waitForFunction(() => !document.getElementById('detail-retry').disabled);
  assert.equal(await page.isDisabled('#detail-cancel'), true);
  assert.equal(await page.isDisabled('#detail-delete'), false);
  await shoot(page, 'cancelled');
  assert.equal((await api(server.url, 'GET', `/v1/tasks/${task.id}`)).body.state, 'cancelled');
  assert.match(page.url(), new RegExp(`task=${task.id}`));
  assert.deepEqual(errors, []);
  await context.close();
});

test('pause a kind from the form: its task waits in the table, the queue says so, resume runs it', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.selectOption('#kind', 'demo.noop');
  await page.click('#kind-pause');
  await page.waitForFunction(() => document.getElementById('kind-state').textContent.startsWith('Paused'));
  assert.equal(await page.textContent('#kind-pause'), 'Resume this kind');
  assert.equal((await api(server.url, 'GET', '/v1/kinds/demo.noop')).body.paused, true);
  await page.waitForFunction(() => document.getElementById('queue-summary').textContent.includes('paused kinds: demo.noop'));
  await page.click('#start-button');
  const started = page.locator('#form-result button');
  await started.waitFor();
  const id = await started.textContent();
  await page.waitForSelector(`tr[data-id="${id}"][data-state="queued"]`);
  await shoot(page, 'kind-paused');
  await page.click('#kind-pause');
  await page.waitForSelector(`tr[data-id="${id}"][data-state="succeeded"]`);
  assert.equal(await page.textContent('#kind-state'), '');
  assert.equal((await api(server.url, 'GET', '/v1/kinds/demo.noop')).body.paused, false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a concurrency key from the form: the second task of the key waits, its detail names the key', async () => {
  const { body: first } = await api(server.url, 'POST', '/v1/tasks',
    { kind: 'demo.countdown', params: { steps: 1000, interval_ms: 10 }, concurrency_key: 'customer 42' });
  const { page, context, errors } = await openPage(browser, server.url);
  await page.selectOption('#kind', 'demo.countdown');
  await page.fill('#param-steps', '1');
  await page.click('.advanced summary');
  await page.fill('#opt-ckey', 'customer 42');
  await page.click('#start-button');
  const started = page.locator('#form-result button');
  await started.waitFor();
  const id = await started.textContent();
  await page.waitForSelector(`tr[data-id="${id}"][data-state="queued"]`);  // demo.countdown: one per key at once
  await started.click();
  await page.waitForSelector('#detail:not([hidden])');
  await page.locator('#detail-fields dd', { hasText: '1 of 1 demo.countdown tasks for customer 42 are running' }).waitFor();
  await page.locator('#detail-fields dd', { hasText: /^customer 42$/ }).waitFor();
  await api(server.url, 'POST', `/v1/tasks/${first.id}/cancel`);
  await page.waitForSelector(`tr[data-id="${id}"][data-state="succeeded"]`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a start rate: the form names the kind\'s limits, a held task\'s detail says when it may start', async () => {
  const own = await Server.withConfig(RATED_KINDS).start();
  const { page, context, errors } = await openPage(browser, own.url);
  try {
    await page.selectOption('#kind', 'rated.hourly');
    await page.waitForFunction(() => document.getElementById('kind-limits').textContent === 'Limits: 1/h starts.');
    const { body: first } = await api(own.url, 'POST', '/v1/tasks', { kind: 'rated.hourly' });
    const { body: held } = await api(own.url, 'POST', '/v1/tasks', { kind: 'rated.hourly' });
    await page.waitForSelector(`tr[data-id="${first.id}"][data-state="succeeded"]`);
    await row(page, held.id).locator('button').click();
    await page.waitForSelector('#detail:not([hidden])');
    await page.locator('#detail-fields dd', { hasText: /^at most 1 per hour rated\.hourly tasks start; next in (59|60) min/ }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await own.dispose();
  }
});

test('a waiting task\'s row says why it waits, and changes when the reason does', async () => {
  const { body: first } = await api(server.url, 'POST', '/v1/tasks',
    { kind: 'demo.countdown', params: { steps: 1000, interval_ms: 10 }, concurrency_key: 'customer 9' });
  const { page, context, errors } = await openPage(browser, server.url);
  try {
    const { body: held } = await api(server.url, 'POST', '/v1/tasks',
      { kind: 'demo.countdown', params: { steps: 1 }, concurrency_key: 'customer 9' });
    await row(page, held.id).locator('.message', { hasText: 'waiting: 1 of 1 demo.countdown tasks for customer 9 are running' }).waitFor();
    await api(server.url, 'POST', '/v1/kinds/demo.countdown/pause');
    await row(page, held.id).locator('.message', { hasText: 'waiting: kind demo.countdown is paused' }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await api(server.url, 'POST', '/v1/kinds/demo.countdown/resume');
    await api(server.url, 'POST', `/v1/tasks/${first.id}/cancel`);
    await context.close();
  }
});

test('a dedupe key from the form: join names the same task, and the detail follows a task that is replaced', async () => {
  await api(server.url, 'POST', '/v1/kinds/demo.noop/pause');
  const { page, context, errors } = await openPage(browser, server.url);
  try {
    await page.selectOption('#kind', 'demo.noop');
    await page.click('.advanced summary');
    await page.fill('#opt-dedupe', 'nightly report');
    const ids = [];
    for (let i = 0; i < 2; i++) {
      await page.evaluate(() => document.getElementById('form-result').replaceChildren());
      await page.click('#start-button');
      ids.push(await page.locator('#form-result button').textContent());
    }
    assert.equal(ids[0], ids[1]);  // joined
    await page.click('#form-result button');
    await page.waitForSelector('#detail:not([hidden])');
    await page.locator('#detail-fields dd', { hasText: /^nightly report$/ }).waitFor();
    const { body: successor } = await api(server.url, 'POST', '/v1/tasks',
      { kind: 'demo.noop', dedupe: { key: 'nightly report', mode: 'replace' } });
    await page.waitForFunction((id) => document.getElementById('detail-heading')?.textContent === `Task ${id.slice(-8)}`,
      successor.id);
    await page.waitForSelector(`tr[data-id="${ids[0]}"][data-state="superseded"]`);
    assert.deepEqual(errors, []);
  } finally {
    await api(server.url, 'POST', '/v1/kinds/demo.noop/resume');
    await context.close();
  }
});

test('a replacement of a running task: its row says it waits behind it, its detail links to it', async () => {
  const exportTask = (steps) => ({ kind: 'demo.countdown', params: { steps, interval_ms: 10 },
    dedupe: { key: 'busy export', mode: 'replace' } });
  const { body: first } = await api(server.url, 'POST', '/v1/tasks', exportTask(1000));
  const { page, context, errors } = await openPage(browser, server.url);
  try {
    await page.waitForSelector(`tr[data-id="${first.id}"][data-state="running"]`);
    const { body: second } = await api(server.url, 'POST', '/v1/tasks', exportTask(1));
    assert.equal(second.after, first.id);
    await row(page, second.id).locator('.message', { hasText: `waiting: it starts once task ${first.id}` }).waitFor();
    await row(page, second.id).locator('button').click();
    await page.waitForSelector('#detail:not([hidden])');
    await page.locator('#detail-fields dt', { hasText: /^Starts after$/ }).waitFor();
    await api(server.url, 'POST', `/v1/tasks/${first.id}/cancel`);
    await page.waitForSelector(`tr[data-id="${second.id}"][data-state="succeeded"]`);
    assert.deepEqual(errors, []);
  } finally {
    await api(server.url, 'POST', `/v1/tasks/${first.id}/cancel`);
    await context.close();
  }
});

test('an expired task: its badge, the state filter finds it, its detail offers a retry', async () => {
  await api(server.url, 'POST', '/v1/kinds/demo.noop/pause');
  const { body: task } = await api(server.url, 'POST', '/v1/tasks', { kind: 'demo.noop', ttl_s: 0.2 });
  const { page, context, errors } = await openPage(browser, `${server.url}/?state=expired`);
  try {
    await page.waitForSelector(`tr[data-id="${task.id}"][data-state="expired"]`);
    await page.waitForFunction(() => /expired \([1-9]\d*\)/.test(document.getElementById('filter-state').textContent));
    await row(page, task.id).locator('button').click();
    await page.waitForSelector('#detail:not([hidden])');
    await page.waitForFunction(() => !document.getElementById('detail-retry').disabled);
    assert.deepEqual(errors, []);
  } finally {
    await api(server.url, 'POST', '/v1/kinds/demo.noop/resume');
    await context.close();
  }
});

test('the indicator follows a server restart and the table catches up', async () => {
  const own = await new Server(['--drain-timeout', '0']).start();
  try {
    const { body: running } = await api(own.url, 'POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 20, interval_ms: 100 } });
    const { page, context } = await openPage(browser, own.url);
    await page.waitForSelector(`tr[data-id="${running.id}"][data-state="running"]`);
    await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'open');
    await own.stop();
    await page.waitForFunction(() => ['retrying', 'connecting', 'closed'].includes(document.getElementById('connection').dataset.state));
    await shoot(page, 'reconnecting');
    await own.start();
    // Created after the restart: it arrives over the stream, not a page load.
    const { body: later } = await api(own.url, 'POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 3, interval_ms: 20 } });
    await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'open', null, { timeout: 30000 });
    await page.waitForSelector(`tr[data-id="${later.id}"][data-state="succeeded"]`, { timeout: 30000 });
    await page.waitForSelector(`tr[data-id="${running.id}"][data-state="succeeded"]`, { timeout: 30000 });
    assert.equal(await row(page, running.id).locator('[role=progressbar]').getAttribute('aria-valuenow'), '100');
    assert.equal(await page.locator('#task-rows tr').count(), 2);
    await shoot(page, 'after-restart');
    await context.close();
  } finally {
    await own.dispose();
  }
});

test('infinite scroll over 300 tasks loads each exactly once', async () => {
  const own = await new Server().start();
  try {
    const ids = [];
    for (let i = 0; i < 300; i++) {
      const { body } = await api(own.url, 'POST', '/v1/tasks', { kind: 'demo.fail', params: { message: `task ${i}` } });
      ids.push(body.id);
    }
    const { page, context, errors } = await openPage(browser, own.url, { height: 700 });
    await page.locator('#task-rows tr').first().waitFor();
    for (let i = 0; i < 20; i++) {
      if ((await page.textContent('#table-end')) === '300 tasks') break;
      // Counted before the scroll: a page that loads at once must not be taken for the baseline.
      const before = await page.locator('#task-rows tr').count();
      await page.locator('#table-end').scrollIntoViewIfNeeded();
      await page.waitForFunction((n) => document.querySelectorAll('#task-rows tr').length > n || document.getElementById('table-end').textContent === '300 tasks', before);
    }
    assert.equal(await page.textContent('#table-end'), '300 tasks');
    const shown = await page.$$eval('#task-rows tr', (rows) => rows.map((r) => r.dataset.id));
    assert.equal(shown.length, 300);
    assert.equal(new Set(shown).size, 300);
    assert.deepEqual(shown, [...ids].reverse(), 'newest first, each once');
    // A filter is in the URL, and the URL restores it.
    await page.selectOption('#filter-kind', 'demo.countdown');
    await page.waitForFunction(() => document.getElementById('table-end').textContent === 'No tasks yet.');
    assert.match(page.url(), /kind=demo\.countdown/);
    const { page: shared } = await openPage(browser, page.url());
    await shared.waitForFunction(() => document.getElementById('filter-kind').value === 'demo.countdown');
    assert.equal(await shared.locator('#task-rows tr').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await own.dispose();
  }
});

test('usable at 375 px: nothing wider than the screen, the form and the table on it', async () => {
  await api(server.url, 'POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 3, interval_ms: 10 } });
  const { page, context, errors } = await openPage(browser, server.url, { width: 375, height: 740 });
  await page.locator('#task-rows tr').first().waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the page is ${width} px wide`);
  for (const selector of ['#start-button', '#kind', '#task-table']) {
    const box = await page.locator(selector).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${selector} fits`);
  }
  const png = await shoot(page, 'phone-375');
  assert.ok((await colourShare(browser, png, ACCENT, 8)) > 0.001, 'the Start button is drawn');
  // Keyboard only: Tab reaches the kind select with a visible focus ring.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe-core finds no serious or critical violation', async () => {
  const { body: task } = await api(server.url, 'POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 2, interval_ms: 10 } });
  // Only axe's own script needs the CSP lifted.
  const { page, context } = await openPage(browser, `${server.url}/?task=${task.id}`, { bypassCSP: true });
  await page.waitForSelector('#detail:not([hidden])');
  await page.locator('#task-rows tr').first().waitFor();
  await page.click('.advanced summary');
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  await context.close();
});
