// client-js against the real server: stats() answers the task history per kind, a
// point per step; a bad step is thrown with the server's problem; failures() the failed tasks by group.
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

test('stats: the tasks a kind created, started and ended, with their wait and run times, per step', async () => {
  const c = createClient({ baseUrl: server.url, EventSource });
  try {
    const done = [];
    for (let i = 0; i < 3; i++) {
      const t = await c.start('demo.noop');
      c.watch(t.id, { onDone: (end) => done.push(end) });
    }
    await until(() => done.length === 3, 15000, 'three tasks to end');
    const stats = await c.stats({ kind: 'demo.noop', from: new Date(Date.now() - 1800 * 1000), stepS: 600 });
    assert.equal(stats.step_s, 600);
    assert.equal(stats.kinds.length, 1);
    const sum = (name) => stats.kinds[0].points.reduce((n, p) => n + p[name], 0);
    assert.deepEqual([sum('created'), sum('started'), sum('succeeded'), sum('failed')], [3, 3, 3, 0]);
    const busy = stats.kinds[0].points.filter((p) => p.succeeded > 0);
    assert.ok(busy.every((p) => typeof p.wait_p95_ms === 'number' && typeof p.run_p50_ms === 'number'));
    const all = await c.stats();
    assert.equal(all.kinds[0].points.length, 60);  // an hour, a point a minute
    await assert.rejects(c.stats({ stepS: 30 }), (e) => e instanceof TaskstreamError && e.status === 400);
  } finally {
    c.close();
  }
});

test('failures(): failed tasks by kind and error type; a filter it does not take is thrown before asking', async () => {
  const c = createClient({ baseUrl: server.url, EventSource });
  try {
    const failed = await c.start('demo.fail', { message: 'js failure' }, { tags: ['js-failures'] });
    const ends = [];
    c.watch(failed.id, { onDone: (t) => ends.push(t) });
    await until(() => ends.length === 1, 15000, 'the task to fail');
    const { groups, complete } = await c.failures({ tag: 'js-failures', createdAfter: new Date(0) });
    assert.equal(complete, true);
    assert.deepEqual(groups.map((g) => [g.kind, g.error_type, g.count, g.last_task_id, g.last_message]),
      [['demo.fail', 'demo_failure', 1, failed.id, 'js failure']]);
    assert.deepEqual((await c.failures({ q: 'no such text' })).groups, []);
    await assert.rejects(c.failures({ state: 'failed' }), (e) => e instanceof TaskstreamError && /no state/.test(e.message));
  } finally {
    c.close();
  }
});
