// client-js against the real server: tags and metadata on start, in what a watch
// hands over, and as list filters; bad ones thrown with the server's problem.
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

/** Every task `list(filter)` yields, by id. */
async function ids(c, filter) {
  const out = [];
  for await (const t of c.list(filter)) out.push(t.id);
  return out;
}

test('tags and metadata: kept, handed over by a watch, and found by list filters', async () => {
  const c = createClient({ baseUrl: server.url, EventSource });
  try {
    const a = await c.start('demo.noop', {}, { tags: ['js-nightly', 'customer:42'], metadata: { customer: 42, region: 'eu' } });
    const b = await c.start('demo.noop', {}, { tags: ['js-nightly'], metadata: { customer: 7, urgent: true } });
    assert.deepEqual(a.tags, ['js-nightly', 'customer:42']);
    assert.deepEqual((await c.get(a.id)).metadata, { customer: 42, region: 'eu' });
    const ends = [];
    c.watch([a.id, b.id], { onDone: (t) => ends.push(t) });
    await until(() => ends.length === 2, 15000, 'both tasks to end');
    for (const t of ends) assert.deepEqual(t.tags, t.id === a.id ? a.tags : b.tags);  // the state events carry them

    assert.deepEqual(await ids(c, { tag: 'js-nightly' }), [b.id, a.id]);
    assert.deepEqual(await ids(c, { tag: ['js-nightly', 'customer:42'] }), [a.id]);
    assert.deepEqual(await ids(c, { meta: { customer: 42 } }), [a.id]);
    assert.deepEqual(await ids(c, { tag: 'js-nightly', meta: { urgent: true }, state: 'succeeded' }), [b.id]);
    assert.deepEqual(await ids(c, { meta: { region: 'us' } }), []);
    const keyed = await c.start('demo.noop', {}, { concurrencyKey: 'js key 9' });
    assert.deepEqual(await ids(c, { key: 'js key 9' }), [keyed.id]);
    assert.deepEqual(await ids(c, { key: 'js key 9', createdAfter: keyed.created_at }), [keyed.id]);
    assert.deepEqual(await ids(c, { key: 'js key 9', createdBefore: new Date(Date.parse(keyed.created_at)) }), []);
    const failed = await c.start('demo.fail', { message: 'js' }, { tags: ['js-failing'] });
    const failures = [];
    c.watch(failed.id, { onDone: (t) => failures.push(t) });
    await until(() => failures.length === 1, 15000, 'the failing task to end');
    assert.deepEqual(await ids(c, { errorType: 'demo_failure', tag: 'js-failing' }), [failed.id]);
    assert.deepEqual(await ids(c, { q: 'JS-FAIL' }), [failed.id]);  // a tag's text, in any case
    assert.deepEqual(await ids(c, { q: 'customer:4', kind: 'demo.noop' }), [a.id]);
    const firstPage = await c.page({ tag: 'js-nightly', limit: 1 });
    assert.deepEqual(firstPage.tasks.map((t) => t.id), [b.id]);
    assert.deepEqual((await c.page({ tag: 'js-nightly', limit: 1 }, firstPage.nextCursor)).tasks.map((t) => t.id), [a.id]);
  } finally {
    c.close();
  }
});

test('bad tags and metadata: a 422 whose errors point at them; a bad filter, a 400', async () => {
  const c = createClient({ baseUrl: server.url, EventSource });
  await assert.rejects(c.start('demo.noop', {}, { tags: ['ok', 'not ok'] }),
    (err) => err instanceof TaskstreamError && err.status === 422 && err.errors[0].pointer === '/tags/1');
  await assert.rejects(c.start('demo.noop', {}, { metadata: { blob: 'x'.repeat(5000) } }),
    (err) => err instanceof TaskstreamError && err.status === 422 && err.errors[0].pointer === '/metadata');
  await assert.rejects(c.page({ tag: 'a b' }), (err) => err instanceof TaskstreamError && err.status === 400);
  c.close();
});
