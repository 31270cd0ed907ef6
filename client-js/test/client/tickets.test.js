// Streams by ticket against the real server with authentication on: the client
// mints a single-use ticket before each connection (reconnects after a restart
// included), and never sends the token on the stream itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { createClient } from '../../src/index.js';
import { Server } from '../support/server.js';
import { sign } from '../support/tokens.js';

/** An EventSource that records the URLs it is opened with and whether a token came along. */
class RecordingEventSource extends EventSource {
  static urls = [];
  static withInit = 0;
  constructor(url, init) {
    super(url, init);
    RecordingEventSource.urls.push(String(url));
    if (init) RecordingEventSource.withInit += 1;
  }
}

let dir;
let server;
let token;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskstream-tickets-'));
  const secret = randomBytes(32).toString('hex');
  writeFileSync(join(dir, 'secret'), secret);
  server = await new Server(['--jwt-secret-file', join(dir, 'secret'), '--drain-timeout', '0']).start();
  token = sign(secret, {
    sub: 'alice',
    exp: Math.floor(Date.now() / 1000) + 600,
    taskstream: { create: ['*'], subscribe: ['tasks/*'], control: true },
  });
});
after(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('with tickets: true, every connection opens with a fresh ticket and the watch survives a restart', async () => {
  let minted = 0;
  const fetchCounting = (input, options) => {
    if (String(input).endsWith('/v1/tickets')) minted += 1;
    return fetch(input, options);
  };
  const client = createClient({
    baseUrl: server.url, token, tickets: true, fetch: fetchCounting,
    EventSource: RecordingEventSource, backoff: { baseMs: 20, maxMs: 200 },
  });
  const task = await client.start('demo.countdown', { steps: 30, interval_ms: 50 });
  const states = [];
  const steps = [];
  const watch = client.watch(task.id, {
    onState: (t) => states.push(t.state),
    onProgress: (p) => steps.push(p.current),
  });
  await watch.ready;
  const before = minted;
  assert.ok(before >= 1, 'a ticket was minted for the first connection');
  await server.restart();  // the stream drops; its ticket is spent: a reconnect needs a new one
  for await (const _ of watch) {
    // runs until the task has ended
  }
  assert.equal(states.at(-1), 'succeeded');
  // The restart interrupts the attempt (--drain-timeout 0), which runs again from
  // step 1: the steps of the first run that came before the restart, then all 30.
  const counting = (n) => Array.from({ length: n }, (_, i) => i + 1);
  assert.deepEqual(steps.slice(-30), counting(30), 'every step of the attempt that finished, once');
  assert.deepEqual(steps.slice(0, -30), counting(steps.length - 30), 'the interrupted run\'s steps once each');
  assert.ok(minted > before, 'a new ticket was minted to reconnect');
  const urls = RecordingEventSource.urls;
  assert.ok(urls.every((u) => /[?&]ticket=tk_/.test(u)), 'each stream URL carries a ticket');
  assert.equal(new Set(urls.map((u) => new URL(u).searchParams.get('ticket'))).size, urls.length, 'never the same ticket twice');
  assert.equal(RecordingEventSource.withInit, 0, 'the token never goes along with the stream');
  assert.ok(urls.every((u) => !u.includes(token)), 'nor into its URL');
  client.close();
});

test('without tickets, a stream needs the token (401 by ticket-less URL from a plain EventSource)', async () => {
  const res = await fetch(`${server.url}/v1/events?topic=tasks/*`, { headers: { Accept: 'text/event-stream' } });
  assert.equal(res.status, 401);
  await res.body?.cancel();
});
