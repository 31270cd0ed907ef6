// One stream per browser, in real headless Chromium against the real server: dashboard
// tabs of one browser share one connection (the server counts one stream), each tab
// live; when the tab holding it closes another takes over from its last event, with
// nothing lost or doubled; another browser profile keeps its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api as call, taskWhen as pollTask } from '../support/api.js';
import { serverAndBrowser, openPage } from '../support/browser.js';

let server;
let browser;
serverAndBrowser((s, b) => { server = s; browser = b; });

const api = (method, path, body) => call(server.url, method, path, body);

/** The server's count of open event streams (its /metrics gauge). */
async function streamsOpen() {
  const { text } = await api('GET', '/metrics');
  const line = text.split('\n').find((l) => l.startsWith('taskstream_streams_open '));
  return Number(line.split(' ')[1]);
}

/** Polls the gauge until it is `n` (a bounded poll of the server, not a wait for time). */
async function streamsBecome(n) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const open = await streamsOpen();
    if (open === n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} open streams, the server counts ${open}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Counts the page's own requests for event streams. */
function countStreams(page) {
  const counter = { n: 0 };
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/v1/events') counter.n += 1; });
  return counter;
}

const live = (page) => page.waitForSelector('#connection[data-state="open"]');

test('dashboard tabs of one browser share one stream; another tab takes it over when the first closes', async () => {
  const first = await openPage(browser, server.url);
  await live(first.page);
  await streamsBecome(1);
  const second = await first.context.newPage();
  const secondStreams = countStreams(second);
  await second.goto(server.url);
  await live(second);  // mirrored from the first tab's connection
  const task = JSON.parse((await api('POST', '/v1/tasks', { kind: 'demo.noop' })).text);
  for (const page of [first.page, second]) await page.waitForSelector(`tr[data-id="${task.id}"][data-state="succeeded"]`);
  assert.equal(secondStreams.n, 0);
  assert.equal(await streamsOpen(), 1);

  // Another profile (its own locks and channels) keeps its own stream.
  const other = await openPage(browser, server.url);
  await live(other.page);
  await streamsBecome(2);
  await other.context.close();

  await first.page.close();
  await live(second);
  const after = JSON.parse((await api('POST', '/v1/tasks', { kind: 'demo.noop' })).text);
  await second.waitForSelector(`tr[data-id="${after.id}"][data-state="succeeded"]`);
  assert.equal(secondStreams.n, 1);  // it holds the stream now
  await streamsBecome(1);
  assert.deepEqual(first.errors, []);
  await first.context.close();
});

test('a topic watch shared by two tabs: events published while the holder hands over arrive once each, in order', async () => {
  const { page: a, context, errors } = await openPage(browser, server.url);
  const b = await context.newPage();
  const bStreams = countStreams(b);
  await b.goto(server.url);
  const watchIn = (page) => page.evaluate(async () => {
    const { createClient } = await import('/client/index.js');
    const client = createClient({ shareAcrossTabs: true });
    window.seen = [];
    const w = client.watch('handover/*', { onEvent: (e) => window.seen.push(e.data.n) });
    await w.ready;
    await new Promise((resolve) => {
      const check = () => (client.connection === 'open' ? resolve() : setTimeout(check, 20));
      check();
    });
  });
  await watchIn(a);
  await watchIn(b);
  const publish = async (n) => assert.equal((await api('POST', '/v1/topics/handover/x/events', { data: { n } })).status, 202);
  await publish(1);
  for (const page of [a, b]) await page.waitForFunction(() => window.seen.length === 1);
  assert.equal(bStreams.n, 0);  // its dashboard's stream and its watch's: both held by the first tab
  await a.close();  // the holder goes: b takes the stream over from the last event it had
  await publish(2);
  await publish(3);
  await publish(4);
  // Anything doubled would come before 4: the stream is in order.
  await b.waitForFunction(() => window.seen.includes(4));
  assert.deepEqual(await b.evaluate(() => window.seen), [1, 2, 3, 4]);
  assert.equal(bStreams.n, 2);  // both taken over
  assert.deepEqual(errors, []);
  await context.close();
});
