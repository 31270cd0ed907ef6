// client-js against the real server: start, watch, cancel, many tasks on one
// stream, a dropped connection, a restart, a pruned history, backoff after 503s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { createClient, TaskstreamError } from '../../src/index.js';
import { Server, RATED_KINDS } from '../support/server.js';
import { Proxy } from '../support/proxy.js';
import { until } from '../support/wait.js';

/** An EventSource that counts how many are open at once. */
class CountingEventSource extends EventSource {
  static open = 0;
  static most = 0;
  static made = 0;
  constructor(url, init) {
    super(url, init);
    CountingEventSource.made += 1;
    CountingEventSource.open += 1;
    CountingEventSource.most = Math.max(CountingEventSource.most, CountingEventSource.open);
  }
  close() {
    if (this.readyState !== 2) CountingEventSource.open -= 1;
    super.close();
  }
}

/** Every event a watch hands over, and a promise of the end of each task. */
function recorder() {
  const events = [];
  const done = new Map();
  const waiters = new Map();
  const connection = [];
  const handlers = {
    onState: (task) => events.push({ kind: 'state', id: task.id, state: task.state }),
    onProgress: (p, id) => events.push({ kind: 'progress', id, current: p.current }),
    onLog: (l, id) => events.push({ kind: 'log', id, message: l.message }),
    onDone: (task) => {
      done.set(task.id, task);
      waiters.get(task.id)?.(task);
    },
    onConnection: (state) => connection.push(state),
    onError: (err) => events.push({ kind: 'error', err }),
  };
  const finished = (id) => (done.has(id) ? Promise.resolve(done.get(id)) : new Promise((r) => waiters.set(id, r)));
  return { events, done, handlers, finished, connection };
}

let server;
before(async () => {
  server = await new Server().start();
});
after(async () => {
  await server.dispose();
});

const client = (url = server.url, extra = {}) =>
  createClient({ baseUrl: url, EventSource: CountingEventSource, backoff: { baseMs: 20, maxMs: 200 }, ...extra });

test('start, then watch: every state, progress step and log line, once and in order', async () => {
  const c = client();
  const task = await c.start('demo.countdown', { steps: 5, interval_ms: 20 });
  assert.equal(task.state, 'queued');
  const r = recorder();
  c.watch([task.id], r.handlers);
  const end = await r.finished(task.id);
  assert.equal(end.state, 'succeeded');
  assert.deepEqual(end.result, { steps: 5 });
  const states = r.events.filter((e) => e.kind === 'state').map((e) => e.state);
  assert.deepEqual(states, ['queued', 'running', 'succeeded']);
  assert.deepEqual(r.events.filter((e) => e.kind === 'progress').map((e) => e.current), [1, 2, 3, 4, 5]);
  assert.ok(r.events.some((e) => e.kind === 'log' && e.message.includes('5 steps')));
  c.close();
});

test('pauseKind holds the tasks of that kind while others run; resumeKind lets them start', async () => {
  const c = client();
  assert.equal((await c.pauseKind('demo.noop')).paused, true);
  try {
    assert.equal((await c.kinds()).find((k) => k.name === 'demo.noop').paused, true);
    const held = await c.start('demo.noop', {});
    const other = await c.start('demo.countdown', { steps: 3, interval_ms: 10 });
    const r = recorder();
    c.watch([held.id, other.id], r.handlers);
    assert.equal((await r.finished(other.id)).state, 'succeeded');
    assert.equal((await c.get(held.id)).state, 'queued');  // created first, the other done: held by the pause alone
    assert.equal((await c.resumeKind('demo.noop')).paused, false);
    assert.equal((await r.finished(held.id)).state, 'succeeded');
  } finally {
    await c.resumeKind('demo.noop');
    c.close();
  }
});

test('concurrencyKey: the second task of a key waits for the first; another key does not', async () => {
  const c = client();
  const first = await c.start('demo.countdown', { steps: 1000, interval_ms: 10 }, { concurrencyKey: 'customer 42' });
  const second = await c.start('demo.countdown', { steps: 1, interval_ms: 0 }, { concurrencyKey: 'customer 42' });
  const other = await c.start('demo.countdown', { steps: 1, interval_ms: 0 }, { concurrencyKey: 'customer 7' });
  assert.equal(second.concurrency_key, 'customer 42');
  const r = recorder();
  c.watch([first.id, second.id, other.id], r.handlers);
  assert.equal((await r.finished(other.id)).state, 'succeeded');
  const waiting = await c.get(second.id);
  assert.equal(waiting.state, 'queued');  // demo.countdown: one per key at once
  assert.equal(waiting.waiting.reason, 'key_limit');
  await c.cancel(first.id);
  assert.equal((await r.finished(second.id)).state, 'succeeded');
  const order = r.events.filter((e) => e.kind === 'state' && e.id !== other.id).map((e) => `${e.id === first.id ? 'first' : 'second'} ${e.state}`);
  assert.ok(order.indexOf('first cancelled') < order.indexOf('second running'), order.join(', '));
  c.close();
});

test('ttlS: a task not started by its deadline ends expired, and the watch says it is done', async () => {
  const c = client();
  await c.pauseKind('demo.noop');
  try {
    const task = await c.start('demo.noop', {}, { ttlS: 0.3 });
    assert.ok(task.expires_at);
    const r = recorder();
    c.watch(task.id, r.handlers);
    const end = await r.finished(task.id);
    assert.equal(end.state, 'expired');
    assert.equal(end.error.type, 'expired');
  } finally {
    await c.resumeKind('demo.noop');
    c.close();
  }
});

test('onWaiting: a watched task that waits hears why, and the known task carries it', async () => {
  const c = client();
  await c.pauseKind('demo.noop');
  try {
    const task = await c.start('demo.noop', {});
    const heard = await new Promise((resolve) => {
      c.watch(task.id, { onWaiting: (waiting, id) => resolve({ waiting, id }) });
    });
    assert.equal(heard.id, task.id);
    assert.equal(heard.waiting.reason, 'kind_paused');
    assert.equal(heard.waiting.detail, 'kind demo.noop is paused: its tasks start once it is resumed');
    assert.equal(heard.waiting.task_id, undefined);  // the task's own field, as its JSON has it
  } finally {
    await c.resumeKind('demo.noop');
    c.close();
  }
});

test('dedupe: join gives the same task; a watch of a replaced task follows its successor to the end', async () => {
  const c = client();
  await c.pauseKind('demo.noop');
  try {
    const first = await c.start('demo.noop', {}, { dedupe: { key: 'js report' } });
    const joined = await c.start('demo.noop', {}, { dedupe: { key: 'js report', mode: 'join' } });
    assert.equal(joined.id, first.id);
    await assert.rejects(c.start('demo.noop', {}, { dedupe: { key: 'js report', mode: 'reject' } }),
      (err) => err instanceof TaskstreamError && err.status === 409 && err.problem.task_id === first.id);
    const r = recorder();
    const watch = c.watch(first.id, r.handlers);
    await watch.ready;
    const second = await c.start('demo.noop', {}, { dedupe: { key: 'js report', mode: 'replace' } });
    const old = await r.finished(first.id);
    assert.equal(old.state, 'superseded');
    assert.equal(old.superseded_by, second.id);
    await c.resumeKind('demo.noop');
    assert.equal((await r.finished(second.id)).state, 'succeeded');  // followed without being asked
  } finally {
    await c.resumeKind('demo.noop');
    c.close();
  }
});

test('dedupe replace of a running task: it runs on, the new one names it in after and starts once it ended', async () => {
  const c = client();
  const options = { dedupe: { key: 'js busy export', mode: 'replace' } };
  const first = await c.start('demo.countdown', { steps: 1000, interval_ms: 10 }, options);
  const r = recorder();
  let started;
  const running = new Promise((ok) => { started = ok; });
  const watch = c.watch(first.id, { ...r.handlers, onProgress: () => started() });  // its first step: it runs
  try {
    await running;
    const second = await c.start('demo.countdown', { steps: 1, interval_ms: 0 }, options);
    assert.equal(second.after, first.id);
    assert.equal(second.links.after, `/v1/tasks/${first.id}`);
    assert.equal((await c.get(second.id)).waiting.reason, 'key_limit');
    await c.cancel(first.id);
    assert.equal((await r.finished(first.id)).state, 'cancelled');
    const w = c.watch(second.id, r.handlers);
    assert.equal((await r.finished(second.id)).state, 'succeeded');
    w.close();
  } finally {
    watch.close();
    c.close();
  }
});

test('a start rate: the kind says it, a task it holds back waits with rate_limit and until when', async () => {
  const own = await Server.withConfig(RATED_KINDS).start();
  const c = client(own.url);
  try {
    const kind = await c.kind('rated.hourly');
    assert.equal(kind.rate, '1/h');
    assert.equal(kind.key_rate, null);
    const first = await c.start('rated.hourly', {});
    const held = await c.start('rated.hourly', {});
    const r = recorder();
    c.watch([first.id], r.handlers);
    assert.equal((await r.finished(first.id)).state, 'succeeded');
    const waiting = (await c.get(held.id)).waiting;
    assert.equal(waiting.reason, 'rate_limit');
    assert.equal(waiting.detail, 'at most 1 per hour rated.hourly tasks start');
    assert.ok(Date.parse(waiting.until) > Date.now() + 3500e3, waiting.until);
  } finally {
    c.close();
    await own.dispose();
  }
});

test('the async iterator ends with the task', async () => {
  const c = client();
  const task = await c.start('demo.countdown', { steps: 3, interval_ms: 10 });
  const seen = [];
  for await (const event of c.watch(task.id)) seen.push(event.type);
  assert.equal(seen[0], 'state');
  assert.equal(seen.at(-1), 'state');
  assert.equal(seen.filter((t) => t === 'progress').length, 3);
  c.close();
});

test('cancel a running task: the watch sees it end cancelled', async () => {
  const c = client();
  const task = await c.start('demo.countdown', { steps: 1000, interval_ms: 20 });
  const r = recorder();
  let cancelled = false;
  c.watch(task.id, {
    ...r.handlers,
    onProgress: (p) => {
      if (!cancelled) {
        cancelled = true;
        c.cancel(task.id);
      }
    },
  });
  const end = await r.finished(task.id);
  assert.equal(end.state, 'cancelled');
  await assert.rejects(c.cancel(task.id), (err) => err instanceof TaskstreamError && err.status === 409);
  c.close();
});

test('forty tasks and three watches share one stream; each task ends once', async () => {
  const before = CountingEventSource.made;
  CountingEventSource.most = CountingEventSource.open;
  const c = client();
  const tasks = await Promise.all(Array.from({ length: 40 }, () => c.start('demo.countdown', { steps: 4, interval_ms: 10 })));
  const groups = [tasks.slice(0, 10), tasks.slice(10, 25), tasks.slice(25)];
  const recorders = groups.map(() => recorder());
  groups.forEach((g, i) => c.watch(g.map((t) => t.id), recorders[i].handlers));
  await Promise.all(groups.flatMap((g, i) => g.map((t) => recorders[i].finished(t.id))));
  for (const [i, g] of groups.entries()) {
    const ids = new Set(g.map((t) => t.id));
    const r = recorders[i];
    assert.ok(r.events.every((e) => e.kind === 'error' || ids.has(e.id)), 'a watch gets only its own tasks');
    for (const t of g) {
      const states = r.events.filter((e) => e.id === t.id && e.kind === 'state').map((e) => e.state);
      assert.deepEqual(states, ['queued', 'running', 'succeeded'], `task ${t.id}`);
      const steps = r.events.filter((e) => e.id === t.id && e.kind === 'progress').map((e) => e.current);
      assert.deepEqual(steps, [1, 2, 3, 4]);
    }
  }
  assert.equal(CountingEventSource.most, 1, 'never more than one EventSource open');
  assert.ok(CountingEventSource.made - before <= 3, 'opened once per watch at most');
  c.close();
});

test('a task added to an open watch arrives from its start; a removed one goes quiet', async () => {
  const c = client();
  const first = await c.start('demo.countdown', { steps: 200, interval_ms: 10 });
  const r = recorder();
  const w = c.watch(first.id, { ...r.handlers, untilDone: false });
  await until(() => r.events.some((e) => e.kind === 'progress'), 15000, 'the first task to progress');
  const second = await c.start('demo.countdown', { steps: 3, interval_ms: 10 });
  await w.add(second.id);
  await r.finished(second.id);
  assert.deepEqual(
    r.events.filter((e) => e.id === second.id && e.kind === 'state').map((e) => e.state),
    ['queued', 'running', 'succeeded'],
  );
  w.remove(first.id);
  const count = r.events.filter((e) => e.id === first.id).length;
  const third = await c.start('demo.countdown', { steps: 2, interval_ms: 10 });
  await w.add(third.id);
  await r.finished(third.id);
  assert.equal(r.events.filter((e) => e.id === first.id).length, count, 'no callbacks for a removed task');
  await c.cancel(first.id);
  c.close();
});

test('a dropped connection resumes from the last id: nothing missed, nothing twice', async () => {
  const proxy = await new Proxy(server.port).listen();
  const c = client(proxy.url);
  const task = await c.start('demo.countdown', { steps: 40, interval_ms: 15 });
  const r = recorder();
  c.watch(task.id, r.handlers);
  await until(() => r.events.filter((e) => e.kind === 'progress').length >= 5, 15000, 'five steps');
  proxy.dropAll();
  await r.finished(task.id);
  assert.deepEqual(r.events.filter((e) => e.kind === 'progress').map((e) => e.current), Array.from({ length: 40 }, (_, i) => i + 1));
  assert.ok(r.connection.includes('retrying'), `connection went ${r.connection}`);
  assert.equal(r.connection.at(-1), 'open');
  c.close();
  await proxy.close();
});

test('a server restart in the middle: every event once, in order', async () => {
  const restarting = await new Server().start();
  try {
    const c = client(restarting.url);
    const task = await c.start('demo.countdown', { steps: 60, interval_ms: 20 });
    const ids = [];
    const r = recorder();
    c.watch(task.id, r.handlers);
    const it = c.watch(task.id, { untilDone: true });
    const collecting = (async () => {
      for await (const e of it) ids.push(e.id);
    })();
    await until(() => r.events.filter((e) => e.kind === 'progress').length >= 5, 15000, 'five steps');
    await restarting.restart();
    const end = await r.finished(task.id);
    await collecting;
    assert.equal(end.state, 'succeeded');
    const sorted = [...ids].sort((a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(ids, sorted, 'in id order');
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.ok(r.connection.includes('retrying'));
    c.close();
  } finally {
    await restarting.dispose();
  }
});

/** A client whose stream goes through `proxy` and whose requests go straight to the server. */
const proxied = (proxy, target = server) =>
  client(proxy.url, { fetch: (url, init) => fetch(String(url).replace(proxy.url, target.url), init) });

test('backoff after 503s: retrying with growing waits, then open, then the events', async () => {
  const proxy = await new Proxy(server.port).listen();
  const c = proxied(proxy);
  const task = await c.start('demo.countdown', { steps: 3, interval_ms: 10 });
  proxy.refusing = 3;  // the stream's first three tries get a 503
  const r = recorder();
  c.watch(task.id, r.handlers);
  const end = await r.finished(task.id);
  assert.equal(end.state, 'succeeded');
  assert.equal(proxy.refused, 3);
  assert.deepEqual(r.events.filter((e) => e.kind === 'state').map((e) => e.state), ['queued', 'running', 'succeeded']);
  const states = r.connection.filter((s, i) => s !== r.connection[i - 1]);
  assert.ok(states.includes('retrying') && states.at(-1) !== 'connecting', `connection went ${r.connection}`);
  assert.ok(r.connection.includes('open'));
  c.close();
  assert.equal(c.connection, 'closed');
  await proxy.close();
});

test('a history pruned while the client was away: reset, the snapshot, and no gap', async () => {
  const pruning = await new Server(['--max-task-events', '5', '--prune-interval', '50ms']).start();
  const proxy = await new Proxy(pruning.port).listen();
  try {
    const c = proxied(proxy, pruning);
    const direct = client(pruning.url);
    const task = await c.start('demo.countdown', { steps: 40, interval_ms: 10 });
    const r = recorder();
    const resets = [];
    c.watch(task.id, { ...r.handlers, onReset: (snapshot) => resets.push(snapshot) });
    await until(() => r.events.some((e) => e.kind === 'progress'), 15000, 'a first step');
    proxy.refusing = 1e9;  // away: every try of the stream is refused
    proxy.dropAll();
    const other = recorder();
    direct.watch(task.id, other.handlers);
    await other.finished(task.id);
    // Push the task's events out of the server's memory (it keeps the last 4096):
    // they are left only in the store, which keeps 5 per topic.
    for (let i = 0; i < 10; i++) {
      await direct.publish('noise/flood', Array.from({ length: 500 }, (_, j) => ({ data: { n: i * 500 + j } })));
    }
    await until(() => pruning.log.includes('pruned'), 15000, 'the history to be pruned');
    proxy.refusing = 0;
    const end = await r.finished(task.id);
    assert.equal(end.state, 'succeeded');
    assert.ok(resets.some((s) => s && s.id === task.id && s.state === 'succeeded'), `the reset carried the task as it is: ${JSON.stringify(resets)} ${JSON.stringify(r.events.slice(-5))} ${pruning.log.slice(-800)}`);
    const steps = r.events.filter((e) => e.kind === 'progress').map((e) => e.current);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'steps in order');
    assert.equal(new Set(steps).size, steps.length, 'no step twice');
    c.close();
    direct.close();
  } finally {
    await proxy.close();
    await pruning.dispose();
  }
});
