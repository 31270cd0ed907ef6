// Bulk actions in the dashboard: cancel, retry or delete every task a filter finds (the
// table's, or a failures group's), one confirmation away. The system.bulk task that does
// it is followed on the page's one stream: its bar and counts live here, with a button to
// stop it. One instance per place it is offered: its elements' ids start with `prefix`.

const VERBS = { cancel: ['Cancel', 'cancelled'], retry: ['Retry', 'retried'], delete: ['Delete', 'deleted'] };
const ENDS = new Set(['succeeded', 'failed', 'cancelled', 'expired', 'superseded']);

/** The dashboard's filter {state, kind, labels, q} as client.bulk takes it; null when it names nothing. @param {any} f */
export function bulkFilter(f) {
  /** @type {Record<string, unknown>} */
  const out = {};
  if (f.state) out.state = f.state;
  if (f.kind) out.kind = f.kind;
  if (f.labels.tags.length) out.tag = f.labels.tags;
  if (Object.keys(f.labels.meta).length) out.meta = f.labels.meta;
  if (f.q) out.q = f.q;
  return Object.keys(out).length ? out : null;
}

/** "state failed, kind demo.fail, tag nightly, customer=42": the filter in words. @param {any} f */
export function describeFilter(f) {
  const parts = [];
  if (f.state) parts.push(`state ${f.state}`);
  if (f.kind) parts.push(`kind ${f.kind}`);
  for (const tag of f.labels.tags) parts.push(`tag ${tag}`);
  for (const [k, v] of Object.entries(f.labels.meta)) parts.push(`${k}=${v}`);
  if (f.q) parts.push(`text "${f.q}"`);
  return parts.join(', ');
}

export class BulkActions {
  /** @param {{ client: any, $: (id: string) => any, onError: (err: any) => string, prefix?: string, onEnd?: () => void }} deps */
  constructor({ client, $, onError, prefix = 'bulk', onEnd = () => {} }) {
    this.client = client;
    this.$ = (/** @type {string} */ name) => $(name ? `${prefix}-${name}` : prefix);
    this.onError = onError;
    this.onEnd = onEnd;
    /** What the actions take: the API's filter, and the same in words. @type {{ filter: any, words: string } | null} */
    this.target = null;
    /** @type {string | null} */ this.action = null;
    /** @type {string | null} */ this.taskId = null;
    // The stream may bring a bulk task's states before its POST is answered: the latest
    // of the recent ones is kept, to be shown once the answer names the task.
    /** @type {Map<string, any>} */ this.recent = new Map();
    for (const button of this.$('').querySelectorAll('button[data-action]'))
      button.addEventListener('click', () => this.ask(button.dataset.action));
    this.$('no').addEventListener('click', () => this.closeQuestion());
    this.$('yes').addEventListener('click', () => void this.start());
    this.$('stop').addEventListener('click', () => void this.stop());
  }

  /** The table's filter changed: the actions apply to it (and are offered only when it names something). */
  setFilter(/** @type {any} */ filter) {
    const apiFilter = bulkFilter(filter);
    this.target = apiFilter && { filter: apiFilter, words: describeFilter(filter) };
    this.$('actions').hidden = !apiFilter;
    this.closeQuestion();
  }

  /** Asks before acting on `target` (by default the filter's). @param {string} action @param {{ filter: any, words: string }} [target] */
  ask(action, target) {
    if (target) this.target = target;
    if (!this.target) return;
    this.action = action;
    const [verb] = VERBS[action];
    this.$('question').textContent =
      `${verb} every task with ${this.target.words}? Each one the action does not apply to is skipped.`;
    this.$('yes').textContent = `${verb} them`;
    this.$('yes').classList.toggle('danger', action === 'delete');
    this.$('confirm').hidden = false;
    this.$('no').focus();
  }

  closeQuestion() {
    this.$('confirm').hidden = true;
  }

  async start() {
    const filter = this.target?.filter;
    if (!filter || !this.action) return;
    this.closeQuestion();
    this.$('error').hidden = true;
    try {
      const task = await this.client.bulk(this.action, filter);
      this.taskId = task.id;
      this.$('status').hidden = false;
      this.$('stop').hidden = false;
      this.show(this.recent.get(task.id) ?? task);
    } catch (err) {
      this.$('error').textContent = `The bulk action was refused: ${this.onError(err)}`;
      this.$('error').hidden = false;
    }
  }

  async stop() {
    if (!this.taskId) return;
    try {
      await this.client.cancel(this.taskId);
    } catch (err) {
      this.$('error').textContent = `Could not stop it: ${this.onError(err)}`;
      this.$('error').hidden = false;
    }
  }

  /** A task's state from the page's stream: this one's is shown. */
  state(/** @type {any} */ task) {
    if (task.kind !== 'system.bulk') return;
    this.recent.delete(task.id);
    this.recent.set(task.id, task);
    if (this.recent.size > 20) this.recent.delete(this.recent.keys().next().value);
    if (task.id === this.taskId) this.show(task);
  }

  /** A task's progress from the page's stream. */
  progress(/** @type {string} */ id, /** @type {any} */ p) {
    if (id !== this.taskId) return;
    this.$('bar').value = p.percent ?? 0;
    if (p.message) this.$('text').textContent = p.message;
  }

  show(/** @type {any} */ task) {
    const action = task.params?.action ?? 'cancel';
    const [verb, done] = VERBS[action];
    if (!ENDS.has(task.state)) {
      this.$('text').textContent = task.progress?.message ?? `${verb}: ${task.state}…`;
      this.$('bar').value = task.progress?.percent ?? 0;
      return;
    }
    this.$('stop').hidden = true;
    const r = task.result;
    this.$('bar').value = task.state === 'succeeded' ? 100 : this.$('bar').value;
    this.$('text').textContent = r
      ? `Done: ${done} ${r.done}, skipped ${r.skipped}, of ${r.matched}.`
      : `The bulk action ended ${task.state}${task.progress?.message ? ` after ${task.progress.message}` : ''}.`;
    this.onEnd();
  }
}
