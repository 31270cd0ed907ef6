// The stream shared across tabs, on fakes — Node's own BroadcastChannel and
// SubtleCrypto, a small Web Locks queue, a scripted EventSource: one connection per
// stream and credential; a tab that joins from an earlier id caught up from what the
// holder kept, or on its own when it kept too little; the next in line takes over from
// its last event when the holder closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sharedAcrossTabs, streamKey } from '../../src/tab_share.js';
import { until } from '../support/wait.js';

/** Web Locks, as tabs of one origin see them: one holder per name, the rest in line. */
class FakeLocks {
  constructor() {
    /** @type {Map<string, { run: () => void, reject: (e: any) => void }[] | null>} */
    this.names = new Map();
  }

  request(name, options, callback) {
    return new Promise((resolve, reject) => {
      const run = () => {
        if (!this.names.has(name)) this.names.set(name, []);
        Promise.resolve(callback({ name })).then((v) => {
          resolve(v);
          const next = this.names.get(name).shift();
          if (next) next.run();
          else this.names.delete(name);
        }, reject);
      };
      if (!this.names.has(name)) return run();
      if (options.ifAvailable) return Promise.resolve(callback(null)).then(resolve, reject);
      const entry = { run, reject };
      this.names.get(name).push(entry);
      options.signal?.addEventListener('abort', () => {
        const line = this.names.get(name);
        if (line?.includes(entry)) line.splice(line.indexOf(entry), 1);
        reject(new Error('AbortError'));
      });
    });
  }
}

/** An EventSource whose events the test sends. */
class ScriptedSource {
  static made = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = new Map();
    ScriptedSource.made.push(this);
  }
  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }
  opened() {
    this.readyState = 1;
    this.onopen?.();
  }
  send(type, id, data) {
    for (const fn of this.listeners.get(type) ?? []) fn({ type, data, lastEventId: id });
  }
  close() {
    this.readyState = 2;
    this.closed = true;
  }
}

let saved;
before(() => {
  saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { locks: new FakeLocks() }, configurable: true });
});
after(() => {
  if (saved) Object.defineProperty(globalThis, 'navigator', saved);
  else delete globalThis.navigator;
});

/** A tab's reader of `url`: the events it got, as [type, id, data]. */
function reader(Shared, url) {
  const source = new Shared(url);
  const got = [];
  source.addEventListener('message', (e) => got.push([e.type, e.lastEventId, e.data]));
  return { source, got };
}

const STREAM = 'http://127.0.0.1:9/v1/events?topic=b&topic=a';

test('the key of a stream: its topics, not where it resumes nor its ticket', () => {
  assert.equal(streamKey(`${STREAM}&last_event_id=00000000000000000007&ticket=abc`),
    streamKey('http://127.0.0.1:9/v1/events?topic=a&topic=b'));
  assert.notEqual(streamKey(STREAM), streamKey('http://127.0.0.1:9/v1/events?topic=a'));
});

test('one connection for the tabs of a stream; a late tab caught up from what the holder kept; the next takes over', async () => {
  ScriptedSource.made = [];
  const Shared = sharedAcrossTabs(ScriptedSource, 'token-1');
  const first = reader(Shared, STREAM);
  await until(() => ScriptedSource.made.length === 1, 2000, 'the first tab to open');
  const real = ScriptedSource.made[0];
  real.opened();
  real.send('message', '00000000000000000001', 'one');
  real.send('message', '00000000000000000002', 'two');

  // Joins from after event 1: the holder sends 2, then the live ones follow.
  const late = reader(Shared, `${STREAM}&last_event_id=00000000000000000001`);
  await until(() => late.got.length === 1, 2000, 'the late tab to catch up');
  real.send('message', '00000000000000000003', 'three');
  await until(() => late.got.length === 2, 2000, 'the live event in the late tab');
  assert.deepEqual(late.got.map(([, id]) => id), ['00000000000000000002', '00000000000000000003']);
  assert.equal(late.source.readyState, 1);
  assert.equal(ScriptedSource.made.length, 1);
  assert.deepEqual(first.got.map(([, , d]) => d), ['one', 'two', 'three']);

  // Another credential does not share.
  const stranger = reader(sharedAcrossTabs(ScriptedSource, 'token-2'), STREAM);
  await until(() => ScriptedSource.made.length === 2, 2000, 'another credential to open its own');
  stranger.source.close();

  // The holder goes: the late tab opens from the last event it had.
  first.source.close();
  await until(() => ScriptedSource.made.length === 3, 2000, 'the next tab to take over');
  const taken = ScriptedSource.made[2];
  assert.match(taken.url, /last_event_id=00000000000000000003/);
  taken.opened();
  taken.send('message', '00000000000000000003', 'three');  // a replay of what it had: dropped
  taken.send('message', '00000000000000000004', 'four');
  await until(() => late.got.length === 3, 2000, 'the event after the takeover');
  assert.deepEqual(late.got.map(([, , d]) => d), ['two', 'three', 'four']);
  late.source.close();
});

test('a tab that joins from before what the holder kept reads on its own connection', async () => {
  ScriptedSource.made = [];
  const Shared = sharedAcrossTabs(ScriptedSource, 'token-3');
  const first = reader(Shared, STREAM);
  await until(() => ScriptedSource.made.length === 1, 2000, 'the first tab to open');
  ScriptedSource.made[0].opened();
  ScriptedSource.made[0].send('message', '00000000000000000010', 'ten');
  const behind = reader(Shared, `${STREAM}&last_event_id=00000000000000000005`);
  await until(() => ScriptedSource.made.length === 2, 2000, 'the tab behind to open its own');
  assert.match(ScriptedSource.made[1].url, /last_event_id=00000000000000000005/);
  first.source.close();
  behind.source.close();
});
