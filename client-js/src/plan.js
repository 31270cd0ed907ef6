/**
 * The subscription plan: which topics one shared stream asks the server for, and
 * what a watch that joins needs — a re-open, a catch-up from the events kept, or
 * nothing. Pure functions of what the client knows, apart from the transport
 * (stream.js), so they are tested on fixtures without a server.
 */
import { TaskstreamError } from './errors.js';
import { isAfter, earlier } from './ids.js';

/** The server names at most this many topics per stream. */
export const MAX_TOPICS = 32;

/**
 * The task an event is about, or null for a producer's event.
 * @param {string} type @param {any} data
 */
export function taskIdOf(type, data) {
  if (data === null || typeof data !== 'object') return null;
  if ((type === 'state' || type === 'reset') && typeof data.id === 'string' && typeof data.state === 'string') return data.id;
  if ((type === 'progress' || type === 'log' || type === 'waiting') && typeof data.task_id === 'string') return data.task_id;
  return null;
}

/**
 * Every topic the watches need, as the server should be asked for them: their topics
 * and patterns, and `tasks/<id>` for each task no pattern covers — or, past the
 * server's bound, every task (`tasks/*`; each watch picks its own out). Sorted.
 * @param {Iterable<{ topics: Iterable<string>, tasks: Iterable<string> }>} watches
 * @returns {string[]}
 */
export function wantedTopics(watches) {
  const topics = new Set();
  const tasks = new Set();
  for (const w of watches) {
    for (const t of w.topics) topics.add(t);
    for (const id of w.tasks) tasks.add(id);
  }
  const patterns = [...topics].filter((t) => t.endsWith('*')).map((t) => t.slice(0, -1));
  const covered = (/** @type {string} */ topic) => patterns.some((p) => topic.startsWith(p));
  const taskTopics = [...tasks].map((id) => `tasks/${id}`).filter((t) => !topics.has(t) && !covered(t));
  if (topics.size > MAX_TOPICS) throw new TaskstreamError(`a client can watch at most ${MAX_TOPICS} topics at once`);
  if (topics.size + taskTopics.length > MAX_TOPICS) {
    return [...[...topics].filter((t) => !t.startsWith('tasks/')), 'tasks/*'].sort();
  }
  return [...topics, ...taskTopics].sort();
}

/**
 * True when a stream subscribed to `subscribed` receives every event of `topic`.
 * @param {string[]} subscribed @param {string} topic
 */
export function receives(subscribed, topic) {
  return subscribed.some((t) => (t.endsWith('*') ? topic.startsWith(t.slice(0, -1)) : t === topic));
}

/**
 * What a joining watch needs. `from`: the id its own history reached (null: live
 * only). `lastId`: the newest id the stream brought; `recentFloor`: the id after
 * which the kept events are complete (null: none kept).
 * @param {{ streaming: boolean, subscribed: string[], wanted: string[], lastId: string | null,
 *           recentFloor: string | null, from: string | null }} state
 * @returns {{ action: 'open', from: string | null } | { action: 'catch-up', from: string } | { action: 'none' }}
 */
export function planJoin({ streaming, subscribed, wanted, lastId, recentFloor, from }) {
  if (!streaming) return { action: 'open', from };
  // New topics: the stream has not carried them. Ask again from the earliest point
  // anyone needs; each watch drops what it has had already.
  if (wanted.some((t) => !subscribed.includes(t))) return { action: 'open', from: earlier(lastId, from) };
  if (from === null || lastId === null || !isAfter(lastId, from)) return { action: 'none' };
  // Already received: caught up from what was kept, or re-opened when that starts too late.
  const kept = recentFloor !== null && !isAfter(recentFloor, from);
  return kept ? { action: 'catch-up', from } : { action: 'open', from };
}
