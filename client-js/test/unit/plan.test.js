// The subscription plan on fixtures: which topics the shared stream asks for, and
// what a joining watch needs (open, catch up from the kept events, or nothing).
// No server, no EventSource.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_TOPICS, planJoin, receives, taskIdOf, wantedTopics } from '../../src/plan.js';

const id = (n) => String(n).padStart(16, '0');
const watch = (topics = [], tasks = []) => ({ topics: new Set(topics), tasks: new Set(tasks) });

test('wantedTopics: task topics beside the watches\' topics, none a pattern covers, sorted', () => {
  const wanted = wantedTopics([watch(['orders/*'], ['B']), watch(['tasks/A*'], ['A1', 'C'])]);
  assert.deepEqual(wanted, ['orders/*', 'tasks/A*', 'tasks/B', 'tasks/C']);
});

test('wantedTopics: past the server\'s bound, every task through one pattern; too many topics is an error', () => {
  const tasks = Array.from({ length: MAX_TOPICS }, (_, i) => `T${i}`);
  assert.deepEqual(wantedTopics([watch(['news'], tasks)]), ['news', 'tasks/*']);
  const topics = Array.from({ length: MAX_TOPICS + 1 }, (_, i) => `t${i}`);
  assert.throws(() => wantedTopics([watch(topics)]), /at most 32 topics/);
});

test('receives: exact topics and prefix patterns', () => {
  assert.equal(receives(['tasks/*'], 'tasks/X'), true);
  assert.equal(receives(['tasks/X'], 'tasks/XY'), false);
  assert.equal(receives(['orders'], 'orders'), true);
});

test('planJoin: the first watch opens the stream from its history\'s end', () => {
  assert.deepEqual(
    planJoin({ streaming: false, subscribed: [], wanted: ['tasks/A'], lastId: null, recentFloor: null, from: id(5) }),
    { action: 'open', from: id(5) },
  );
});

test('planJoin: new topics re-open from the earliest point anyone needs', () => {
  const state = { streaming: true, subscribed: ['tasks/A'], wanted: ['tasks/A', 'tasks/B'], recentFloor: id(1) };
  assert.deepEqual(planJoin({ ...state, lastId: id(9), from: id(4) }), { action: 'open', from: id(4) });
  assert.deepEqual(planJoin({ ...state, lastId: id(3), from: id(4) }), { action: 'open', from: id(3) });
  assert.deepEqual(planJoin({ ...state, lastId: id(9), from: null }), { action: 'open', from: id(9) });
});

test('planJoin: topics already carried are caught up from the kept events, or re-opened when those start too late', () => {
  const state = { streaming: true, subscribed: ['tasks/*'], wanted: ['tasks/*'], lastId: id(20) };
  assert.deepEqual(planJoin({ ...state, recentFloor: id(10), from: id(12) }), { action: 'catch-up', from: id(12) });
  assert.deepEqual(planJoin({ ...state, recentFloor: id(10), from: id(10) }), { action: 'catch-up', from: id(10) });
  assert.deepEqual(planJoin({ ...state, recentFloor: id(10), from: id(9) }), { action: 'open', from: id(9) });
  assert.deepEqual(planJoin({ ...state, recentFloor: null, from: id(12) }), { action: 'open', from: id(12) });
  // Nothing it lacks: its history reaches the stream's newest id, or it wants live events only.
  assert.deepEqual(planJoin({ ...state, recentFloor: id(10), from: id(20) }), { action: 'none' });
  assert.deepEqual(planJoin({ ...state, recentFloor: id(10), from: null }), { action: 'none' });
});

test('taskIdOf: task events name their task; producers\' events none', () => {
  assert.equal(taskIdOf('state', { id: 'T', state: 'queued' }), 'T');
  assert.equal(taskIdOf('progress', { task_id: 'T', percent: 5 }), 'T');
  assert.equal(taskIdOf('message', { id: 'T', state: 'queued' }), null);
  assert.equal(taskIdOf('state', 'text'), null);
});
