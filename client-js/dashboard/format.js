// Small pure helpers for what the dashboard shows.

export const ACTIVE_STATES = ['queued', 'running', 'retrying'];
export const TERMINAL = ['succeeded', 'failed', 'cancelled'];

/** "1.2 s", "3 m 04 s", "2 h 05 m". @param {number} ms */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** How long the task has run (or ran). @param {any} task @param {number} now */
export function taskDuration(task, now) {
  if (!task.started_at) return NaN;
  const end = task.finished_at ? Date.parse(task.finished_at) : now;
  return end - Date.parse(task.started_at);
}

/** The percent to draw: given, from current/total, or 100 for a success. @param {any} task */
export function percentOf(task) {
  const p = task.progress ?? {};
  if (typeof p.percent === 'number') return Math.max(0, Math.min(100, p.percent));
  if (typeof p.current === 'number' && typeof p.total === 'number' && p.total > 0) return Math.min(100, (100 * p.current) / p.total);
  return task.state === 'succeeded' ? 100 : 0;
}

/** Which buttons the API would accept for a task in this state (else 409). @param {string} state */
export function allowedActions(state) {
  return {
    cancel: ACTIVE_STATES.includes(state),
    retry: state === 'failed' || state === 'cancelled',
    delete: TERMINAL.includes(state),
  };
}

/** @param {string} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} [children] */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

/**
 * How far along a task is, so that an older copy (a response that crossed a
 * newer event) does not undo a newer one.
 * @param {any} task
 */
export function rank(task) {
  const order = { queued: 0, retrying: 1, running: 2, succeeded: 3, failed: 3, cancelled: 3 };
  return (task.attempt ?? 0) * 10 + (order[task.state] ?? 0) + (task.finished_at ? 5 : 0);
}
