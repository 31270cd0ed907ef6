// The failures view (GET /v1/failures): the failed tasks by kind and error type, most
// first, each group with its newest failure's message (a button that opens it) and "Retry all", a bulk
// retry of {state: failed, kind, error_type} whose bar is live below the groups. Read
// again every 30 s, soon after a task fails, and when its bulk action ends.
import { el } from './format.js';
import { BulkActions } from './bulk.js';

export class Failures {
  /** @param {{ client: any, $: (id: string) => any, onOpen: (id: string) => void, onError: (err: any) => string }} deps */
  constructor({ client, $, onOpen, onError }) {
    this.client = client;
    this.$ = $;
    this.onOpen = onOpen;
    this.onError = onError;
    this.timer = 0;
    this.soon = 0;
    this.bulk = new BulkActions({ client, $, onError, prefix: 'failures-bulk', onEnd: () => this.refreshSoon() });
  }

  async refresh() {
    clearTimeout(this.timer);
    try {
      const failures = await this.client.failures();
      this.$('failures-error').hidden = true;
      this.draw(failures);
    } catch (err) {
      this.$('failures-error').textContent = `Could not read the failures: ${this.onError(err)}`;
      this.$('failures-error').hidden = false;
    }
    this.timer = window.setTimeout(() => void this.refresh(), 30000);
  }

  /** A task changed state: a failure (or a retry of one) changes the groups. @param {any} task */
  state(task) {
    this.bulk.state(task);
    if (task.state === 'failed' || (task.attempt > 1 && task.state === 'queued')) this.refreshSoon();
  }

  /** @param {string} id @param {any} progress */
  progress(id, progress) {
    this.bulk.progress(id, progress);
  }

  refreshSoon() {
    if (!this.soon) this.soon = window.setTimeout(() => { this.soon = 0; void this.refresh(); }, 1000);
  }

  /** @param {{ groups: any[], read: number, complete: boolean }} failures */
  draw({ groups, read, complete }) {
    const total = groups.reduce((n, g) => n + g.count, 0);
    this.$('failures-summary').textContent = total === 0 ? 'No failed tasks.'
      : `${total} failed ${total === 1 ? 'task' : 'tasks'} in ${groups.length} ${groups.length === 1 ? 'group' : 'groups'}` +
        (complete ? '.' : ` (the newest ${read} read).`);
    this.$('failures-rows').replaceChildren(...groups.map((g) => this.row(g)));
  }

  /** @param {any} g */
  row(g) {
    const type = g.error_type || '(none)';
    const last = el('button', { type: 'button', class: 'link', text: g.last_message || g.last_task_id.slice(-8),
      'aria-label': `Open the newest ${g.kind} task failed with ${type}` });
    last.addEventListener('click', () => this.onOpen(g.last_task_id));
    const retry = el('button', { type: 'button', text: `Retry all ${g.count}`,
      'aria-label': `Retry all ${g.count} ${g.kind} tasks failed with ${type}` });
    const filter = { state: 'failed', kind: g.kind, ...(g.error_type ? { error_type: g.error_type } : {}) };
    retry.addEventListener('click', () => this.bulk.ask('retry', { filter, words: `state failed, kind ${g.kind}, error type ${type}` }));
    return el('tr', { 'data-kind': g.kind, 'data-error-type': g.error_type }, [
      el('td', {}, [el('span', { class: 'kind', text: g.kind }), el('span', { class: 'newest' }, [last])]),
      el('td', { text: type }),
      el('td', { class: 'count wide', text: String(g.count) }),
      el('td', {}, [retry]),
    ]);
  }
}
