// client-js against the real server: bulk(action, filter) starts a system.bulk task
// that a watch follows to its counts; the filter takes the list's names; a bad
// filter is thrown with the server's problem and its pointer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { createClient, TaskstreamError } from '../../src/index.js';
import { Server } from '../support/server.js';
import { until } from '../support/wait.js';

let server;
before(async () => {
  server = await new Server().start();
});
after(async () => {
  await server.dispose();
});

/** Watches `id` to its end; the last state. */
async function ended(c, id) {
  const ends = [];
  const w = c.watch(id, { onDone: (t) => ends.push(t) });
  try {
    await until(() => ends.length === 1, 15000, `task ${id} to end`);
  } finally {
    w.close();
  }
  return ends[0];
}

test('bulk retry by kind, error type and metadata: a system.bulk task whose watch ends with its counts', async () => {
  const c = createClient({ baseUrl: server.url, EventSource });
  try {
    const failed = [];
    for (const customer of [42, 42, 7]) {
      const t = await c.start('demo.fail', {}, { metadata: { customer }, tags: ['js-bulk'] });
      assert.equal((await ended(c, t.id)).state, 'failed');
      failed.push(t);
    }
    const bulk = await c.bulk('retry', { kind: 'demo.fail', errorType: 'demo_failure', meta: { customer: 42 }, createdAfter: new Date(0) });
    assert.equal(bulk.kind, 'system.bulk');
    assert.deepEqual(bulk.params.filter, { kind: 'demo.fail', error_type: 'demo_failure', meta: { customer: 42 }, created_after: '1970-01-01T00:00:00.000Z' });
    const progress = [];
    const done = [];
    c.watch(bulk.id, { onProgress: (p) => progress.push(p), onDone: (t) => done.push(t) });
    await until(() => done.length === 1, 15000, 'the bulk task to end');
    assert.deepEqual(done[0].result, { action: 'retry', matched: 2, done: 2, skipped: 0 });
    assert.equal(progress.at(-1).current, 2);
    assert.equal((await c.get(failed[2].id)).attempt, 1);  // customer 7: not matched
    assert.equal((await c.get(failed[0].id)).attempt, 2);  // retried (committed before the bulk task counted it)

    const searched = await c.bulk('retry', { q: 'js-bulk', state: 'failed', kind: 'demo.fail', meta: { customer: 7 } });
    assert.deepEqual(searched.params.filter, { state: 'failed', kind: 'demo.fail', meta: { customer: 7 }, q: 'js-bulk' });
    assert.equal((await ended(c, searched.id)).result.done, 1);
    await assert.rejects(c.bulk('retry', { all: true, state: 'failed' }), (e) => e instanceof TaskstreamError && e.status === 422);

    const capped = await c.bulk('delete', { tag: 'js-bulk', state: 'failed' }, { max: 1, idempotencyKey: 'js-bulk-1' });
    const again = await c.bulk('delete', { tag: 'js-bulk', state: 'failed' }, { max: 1, idempotencyKey: 'js-bulk-1' });
    assert.equal(again.id, capped.id);  // the same key, the same bulk task
    assert.equal((await ended(c, capped.id)).result.matched, 1);
  } finally {
    c.close();
  }
});

test('bulk with a bad or empty filter throws the problem and starts nothing', async () => {
  const c = createClient({ baseUrl: server.url, EventSource });
  try {
    const before = [];
    for await (const t of c.list({ kind: 'system.bulk' })) before.push(t.id);
    await assert.rejects(c.bulk('cancel', { tag: 'not ok' }), (e) => {
      assert.ok(e instanceof TaskstreamError);
      assert.equal(e.status, 422);
      assert.equal(e.errors[0].pointer, '/filter/tag');
      return true;
    });
    await assert.rejects(c.bulk('cancel', {}), (e) => e.status === 422 && e.errors[0].pointer === '/filter');
    await assert.rejects(c.bulk('erase', { tag: 'a' }), (e) => e.status === 422 && e.errors[0].pointer === '/action');
    const afterwards = [];
    for await (const t of c.list({ kind: 'system.bulk' })) afterwards.push(t.id);
    assert.deepEqual(afterwards, before);
  } finally {
    c.close();
  }
});
