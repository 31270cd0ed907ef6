// What a newcomer meets first on the dashboard, in real headless Chromium against
// the real server: the table's end counts live rows, a later state replaces what
// an earlier one said, nothing is clipped at phone width, and with authentication
// on a person signs in with a token and starts a task.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '../support/server.js';
import { sign } from '../support/tokens.js';
import { launch, openPage, shoot } from '../support/browser.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function api(base, method, path, body, token) {
  const headers = body ? { 'content-type': 'application/json' } : {};
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('the table\'s end counts the rows that arrive live, from "No tasks yet." on', async () => {
  const server = await new Server().start();
  try {
    const { page, context, errors } = await openPage(browser, server.url);
    await page.waitForFunction(() => document.getElementById('table-end').textContent === 'No tasks yet.');
    // The form lists a kind's params in the kind's order (steps first), not by name.
    await page.selectOption('#kind', 'demo.countdown');
    assert.deepEqual(await page.$$eval('#params input', (inputs) => inputs.map((i) => i.id)), ['param-steps', 'param-interval_ms']);
    await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'open');
    const first = await api(server.url, 'POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 1, interval_ms: 10 } });
    await page.locator(`tr[data-id="${first.body.id}"]`).waitFor();
    await page.waitForFunction(() => document.getElementById('table-end').textContent === '1 task');
    for (let i = 0; i < 6; i++) await api(server.url, 'POST', '/v1/tasks', { kind: 'demo.countdown', params: { steps: 1, interval_ms: 10 } });
    await page.waitForFunction(() => document.querySelectorAll('#task-rows tr').length === 7);
    assert.equal(await page.textContent('#table-end'), '7 tasks');
    // Beside the state filter, how many tasks are in each state.
    await page.waitForFunction(() => document.querySelector('#filter-state option[value="succeeded"]').textContent === 'succeeded (7)');
    assert.equal(await page.textContent('#filter-state option[value="failed"]'), 'failed (0)');
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await server.dispose();
  }
});

test('a task that succeeds after retries shows no error from an earlier attempt', async () => {
  const server = await new Server().start();
  try {
    const { page, context, errors } = await openPage(browser, server.url);
    await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'open');
    const { body: task } = await api(server.url, 'POST', '/v1/tasks', {
      kind: 'demo.flaky', params: { failures: 2 }, max_retries: 2, backoff_base_s: 0.01,
    });
    const row = page.locator(`tr[data-id="${task.id}"]`);
    // Its states arrive live, the two retries' errors among them, then its success.
    await page.waitForSelector(`tr[data-id="${task.id}"][data-state="succeeded"]`);
    assert.equal(await row.locator('td').nth(3).textContent(), '3/3');
    assert.doesNotMatch(await row.locator('.message').textContent(), /flaky failure/);
    await row.locator('button').click();
    await page.waitForFunction(() => document.getElementById('detail-outcome-heading').textContent === 'Result');
    assert.doesNotMatch(await page.textContent('#detail-outcome'), /flaky failure/);
    // Its attempts, from its history: two failed ones with their errors, then the success.
    await page.waitForFunction(() => document.querySelectorAll('#detail-attempts tr').length === 3);
    const attempts = await page.$$eval('#detail-attempts tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.deepEqual(attempts.map((a) => [a[0], a[1], a[3]]), [
      ['1', 'retrying', 'retryable_error: flaky failure 1 of 2'],
      ['2', 'retrying', 'retryable_error: flaky failure 2 of 2'],
      ['3', 'succeeded', ''],
    ]);
    assert.match(await page.textContent('#detail-fields'), /3 of 3 \(2 retries a run\)/);
    // On a wide screen the detail stands beside the table, not under the form.
    await page.setViewportSize({ width: 1600, height: 900 });
    const [tasks, detail] = [await page.locator('#tasks').boundingBox(), await page.locator('#detail').boundingBox()];
    assert.ok(detail.x >= tasks.x + tasks.width, `the detail (x ${detail.x}) is right of the table (ends at ${tasks.x + tasks.width})`);
    assert.match(await page.textContent('#detail-fields'), /Created(just now|\d+ s ago) \(/);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await server.dispose();
  }
});

test('at 375 px no state badge and no kind is clipped', async () => {
  const server = await new Server().start();
  try {
    for (const kind of ['demo.countdown', 'demo.fail', 'demo.flaky']) {
      await api(server.url, 'POST', '/v1/tasks', { kind, params: kind === 'demo.countdown' ? { steps: 1, interval_ms: 10 } : {} });
    }
    const { page, context } = await openPage(browser, server.url, { width: 375, height: 740 });
    await page.waitForFunction(() => document.querySelectorAll('#task-rows tr[data-state="succeeded"]').length >= 1 &&
      document.querySelectorAll('#task-rows tr[data-state="failed"]').length >= 1);
    const clipped = await page.$$eval('#task-rows tr', (rows) => rows.flatMap((row) => {
      const out = [];
      for (const selector of ['.state', '.kind']) {
        const node = row.querySelector(selector);
        const cell = node.closest('td').getBoundingClientRect();
        const box = node.getBoundingClientRect();
        if (box.right > cell.right + 0.5 || node.scrollWidth > node.clientWidth + 1) out.push(`${selector} "${node.textContent}"`);
      }
      return out;
    }));
    await shoot(page, 'phone-375-rows');
    assert.deepEqual(clipped, []);
    await context.close();
  } finally {
    await server.dispose();
  }
});

test('with authentication on: sign in with a token, start a task, and a token without scope is told so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taskstream-signin-'));
  const secret = randomBytes(32).toString('hex');
  writeFileSync(join(dir, 'secret'), secret);
  const server = await new Server(['--jwt-secret-file', join(dir, 'secret')]).start();
  const exp = Math.floor(Date.now() / 1000) + 600;
  const token = sign(secret, { sub: 'alice', exp, taskstream: { create: ['*'], subscribe: ['tasks/*'], control: true } });
  try {
    const { page, context, errors } = await openPage(browser, server.url);
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await page.getAttribute('#connection', 'data-state'), 'signin');
    assert.equal(await page.isVisible('main'), false);
    await shoot(page, 'sign-in');

    await page.getByLabel('Access token').fill('not-a-token');
    await page.click('#signin-button');
    await page.locator('#signin-error').waitFor({ state: 'visible' });
    assert.match(await page.textContent('#signin-error'), /refused/);

    await page.getByLabel('Access token').fill(token);
    await Promise.all([page.waitForEvent('load'), page.click('#signin-button')]);
    await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'open');
    assert.equal(await page.isVisible('#signin'), false);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('taskstream.token')), token);
    assert.ok(!page.url().includes(token), 'the token is never in the URL');

    await page.selectOption('#kind', 'demo.countdown');
    await page.fill('#param-steps', '3');
    await page.fill('#param-interval_ms', '20');
    await page.click('#start-button');
    const started = page.locator('#form-result button');
    await started.waitFor();
    const id = await started.textContent();
    await page.waitForSelector(`tr[data-id="${id}"][data-state="succeeded"]`);
    assert.equal((await api(server.url, 'GET', `/v1/tasks/${id}`, null, token)).body.owner, 'alice');

    // Signed out, the form comes back; a token that may not watch tasks says so.
    await Promise.all([page.waitForEvent('load'), page.click('#signout')]);
    await page.locator('#signin').waitFor({ state: 'visible' });
    const blind = sign(secret, { sub: 'bob', exp, taskstream: { create: ['*'] } });
    await page.getByLabel('Access token').fill(blind);
    await Promise.all([page.waitForEvent('load'), page.click('#signin-button')]);
    await page.waitForFunction(() => document.getElementById('connection').dataset.state === 'denied');
    assert.match(await page.textContent('#connection-text'), /not allowed/);
    await shoot(page, 'signed-in-denied');
    assert.deepEqual(errors.filter((e) => !/status of (401|403)/.test(e)), []);
    await context.close();
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
