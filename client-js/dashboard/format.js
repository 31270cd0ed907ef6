// Small pure helpers for what the dashboard shows.
import { TERMINAL_STATES } from '/client/index.js';

const ACTIVE_STATES = ['queued', 'running', 'retrying'];

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
    retry: state === 'failed' || state === 'cancelled' || state === 'expired',
    delete: TERMINAL_STATES.includes(state),
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
  const order = { queued: 0, retrying: 1, running: 2, succeeded: 3, failed: 3, cancelled: 3, expired: 3 };
  return (task.attempt ?? 0) * 10 + (order[task.state] ?? 0) + (task.finished_at ? 5 : 0);
}

/** Text with `code` spans as <code> elements (kind descriptions are written in Markdown's manner). @param {string} text */
export function withCode(text) {
  return String(text ?? '').split('`').map((part, i) => (i % 2 === 1 ? el('code', { text: part }) : part));
}

/** "just now", "12 s ago", "3 min ago", "in 5 s": how far `iso` is from `now`. @param {string} iso @param {number} now */
export function relativeTime(iso, now) {
  const ms = Date.parse(iso) - now;
  if (!Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs < 1500) return 'just now';
  const [n, unit] = abs < 60e3 ? [Math.round(abs / 1e3), 's'] : abs < 3600e3 ? [Math.round(abs / 60e3), 'min']
    : abs < 86400e3 ? [Math.round(abs / 3600e3), 'h'] : [Math.round(abs / 86400e3), 'd'];
  return ms < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/**
 * A task's attempts from its `state` events (each the whole task), oldest first:
 * its number, how it ended, its error, and how long it ran (ms; NaN while it runs).
 * @param {any[]} states
 */
export function attemptsFrom(states) {
  /** @type {{ number: number, outcome: string, error: any, startedAt: string | null, endedAt: string | null }[]} */
  const attempts = [];
  const current = (/** @type {number} */ n) => {
    if (attempts.at(-1)?.number !== n) attempts.push({ number: n, outcome: 'running', error: null, startedAt: null, endedAt: null });
    return /** @type {any} */ (attempts.at(-1));
  };
  for (const t of states) {
    if (t.state === 'queued') continue;
    if (t.state === 'running') Object.assign(current(t.attempt), { outcome: 'running', startedAt: t.started_at ?? null, error: null });
    // A retry is counted at once: the attempt that failed is the one before.
    else if (t.state === 'retrying') Object.assign(current(t.attempt - 1), { outcome: 'retrying', error: t.error ?? null, endedAt: t.updated_at ?? null });
    else Object.assign(current(t.attempt), { outcome: t.state, error: t.error ?? null, endedAt: t.finished_at ?? t.updated_at ?? null });
  }
  return attempts.map((a) => ({ ...a, ranMs: a.startedAt && a.endedAt ? Date.parse(a.endedAt) - Date.parse(a.startedAt) : NaN }));
}

/**
 * Why a task waits, for a person: its detail, and when a rate lets it start ("in 12 min").
 * @param {{reason: string, detail: string, until?: string}} waiting @param {number} now
 */
export function waitingLine(waiting, now) {
  if (waiting.reason !== 'rate_limit' || !waiting.until) return waiting.detail;
  return `${waiting.detail}; next ${relativeTime(waiting.until, now)} (${waiting.until})`;
}

/**
 * What a kind limits, for a person: "Limits: 2 at once, 1 per key at once, 4/s starts"; '' for none.
 * @param {{max_concurrency?: number, key_concurrency?: number, rate?: string | null, key_rate?: string | null}} kind
 */
export function kindLimits(kind) {
  const parts = [];
  if (kind.max_concurrency) parts.push(`${kind.max_concurrency} at once`);
  if (kind.key_concurrency) parts.push(`${kind.key_concurrency} per key at once`);
  if (kind.rate) parts.push(`${kind.rate} starts`);
  if (kind.key_rate) parts.push(`${kind.key_rate} starts per key`);
  return parts.length ? `Limits: ${parts.join(', ')}.` : '';
}
