// One task up close: its fields, params, result or error, the live log tail,
// and the actions its state allows.
import { el, allowedActions, formatDuration, taskDuration, rank, relativeTime, attemptsFrom, waitingLine } from './format.js';

const LOG_LINES = 500;

export class TaskDetail {
  /** @param {{ client: any, onClose: () => void, onDeleted: (id: string) => void }} options */
  constructor({ client, onClose, onDeleted }) {
    this.client = client;
    this.onClose = onClose;
    this.onDeleted = onDeleted;
    this.section = /** @type {HTMLElement} */ (document.getElementById('detail'));
    this.heading = /** @type {HTMLElement} */ (document.getElementById('detail-heading'));
    this.fields = /** @type {HTMLElement} */ (document.getElementById('detail-fields'));
    this.params = /** @type {HTMLElement} */ (document.getElementById('detail-params'));
    this.outcomeHeading = /** @type {HTMLElement} */ (document.getElementById('detail-outcome-heading'));
    this.outcome = /** @type {HTMLElement} */ (document.getElementById('detail-outcome'));
    this.log = /** @type {HTMLElement} */ (document.getElementById('detail-log'));
    this.error = /** @type {HTMLElement} */ (document.getElementById('detail-error'));
    this.attempts = /** @type {HTMLElement} */ (document.getElementById('detail-attempts'));
    this.copied = /** @type {HTMLElement} */ (document.getElementById('detail-copied'));
    /** Every state the task has had (its history, then live): its attempts. @type {any[]} */
    this.states = [];
    document.getElementById('detail-copy')?.addEventListener('click', () => this.copyId());
    this.buttons = {
      cancel: /** @type {HTMLButtonElement} */ (document.getElementById('detail-cancel')),
      retry: /** @type {HTMLButtonElement} */ (document.getElementById('detail-retry')),
      delete: /** @type {HTMLButtonElement} */ (document.getElementById('detail-delete')),
    };
    this.task = null;
    this.watch = null;
    this.buttons.cancel.addEventListener('click', () => this.act('cancel'));
    this.buttons.retry.addEventListener('click', () => this.act('retry'));
    this.buttons.delete.addEventListener('click', () => this.act('delete'));
    document.getElementById('detail-close')?.addEventListener('click', () => this.close());
    this.section.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
  }

  /** A button that opens task `id` here. @param {string} id */
  linkTo(id) {
    const link = el('button', { type: 'button', class: 'link', text: id });
    link.addEventListener('click', () => void this.open(id));
    return link;
  }

  /** @param {string} id */
  async open(id) {
    this.close(false);
    this.section.hidden = false;
    this.log.replaceChildren();
    this.attempts.replaceChildren();
    this.copied.textContent = '';
    this.states = [];
    this.showError(null);
    this.heading.textContent = `Task ${id.slice(-8)}`;
    this.heading.focus();
    let found;
    try {
      found = await this.client.get(id);
      this.show(found);
    } catch (err) {
      this.showError(err.message);
      return;
    }
    // Its history (the log tail) first, then live, over the page's one stream.
    this.watch = this.client.watch(id, {
      untilDone: false,
      onState: (task) => {
        this.states.push(task);
        this.showAttempts();
        // Why it waits comes with a GET and `waiting` events: the same state change replayed keeps it.
        const read = this.task;
        const same = read?.waiting && read.state === task.state && read.updated_at === task.updated_at;
        this.show(same ? { ...task, waiting: read.waiting } : task);
        // Replaced while looked at, by a newer task with its dedupe key: that one is what to look at now.
        if (task.state === 'superseded' && found.state !== 'superseded' && task.superseded_by && task.id === this.task?.id)
          void this.open(task.superseded_by);
      },
      onProgress: (progress) => {
        if (this.task) this.show({ ...this.task, progress });
      },
      onLog: (line) => this.addLog(line),
      onWaiting: (waiting) => {
        if (this.task && (this.task.state === 'queued' || this.task.state === 'retrying')) this.show({ ...this.task, waiting });
      },
      onError: (err) => this.showError(err.message),
    });
  }

  /** @param {any} task */
  show(task) {
    if (this.task && this.task.id !== task.id) return;
    this.task = task;
    const now = Date.now();
    /** "3 min ago" with the exact time on hover. @param {string | null | undefined} iso */
    const when = (iso) => (iso ? el('time', { datetime: iso, title: iso, text: `${relativeTime(iso, now)} (${iso})` }) : '–');
    const waiting = task.state === 'queued' || task.state === 'retrying';
    const rows = [
      ['Id', task.id],
      ['Kind', task.kind],
      ['State', task.state],
      ...(task.waiting ? [['Waiting', waitingLine(task.waiting, now)]] : []),
      ['Attempt', `${task.attempt} of ${task.max_attempts}` + (task.max_retries !== undefined ? ` (${task.max_retries} retries a run)` : '')],
      ['Progress', task.progress?.message ?? (task.progress?.percent !== undefined ? `${Math.floor(task.progress.percent)} %` : '–')],
      ['Created', when(task.created_at)],
      [task.state === 'retrying' ? 'Next attempt' : 'Scheduled', waiting ? when(task.scheduled_at) : task.scheduled_at ?? '–'],
      ['Started', when(task.started_at)],
      ['Finished', when(task.finished_at)],
      ['Duration', formatDuration(taskDuration(task, now))],
      ['Priority', String(task.priority)],
      ...(task.concurrency_key ? [['Concurrency key', task.concurrency_key]] : []),
      ...(task.dedupe_key ? [['Dedupe key', task.dedupe_key]] : []),
      ...(task.tags?.length ? [['Tags', task.tags.join(' ')]] : []),
      ...(task.metadata && Object.keys(task.metadata).length ? [['Metadata', JSON.stringify(task.metadata)]] : []),
      ...(task.superseded_by ? [['Superseded by', this.linkTo(task.superseded_by)]] : []),
      ...(task.after ? [['Starts after', this.linkTo(task.after)]] : []),
    ];
    this.fields.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: /** @type {string} */ (k) }), el('dd', {}, [v])]));
    this.params.textContent = JSON.stringify(task.params, null, 2);
    if (task.error) {
      this.outcomeHeading.textContent = 'Error';
      this.outcome.textContent = `${task.error.type}: ${task.error.message}`;
    } else {
      this.outcomeHeading.textContent = 'Result';
      this.outcome.textContent = task.result === undefined ? '–' : JSON.stringify(task.result, null, 2);
    }
    const allowed = allowedActions(task.state);
    for (const [name, button] of Object.entries(this.buttons)) button.disabled = !allowed[name];
  }

  /** Each attempt: how it ended, how long it ran, its error. */
  showAttempts() {
    this.attempts.replaceChildren(...attemptsFrom(this.states).map((a) => el('tr', {}, [
      el('td', { text: String(a.number) }),
      el('td', { text: a.outcome }),
      el('td', { text: formatDuration(a.ranMs) }),
      el('td', { text: a.error ? `${a.error.type}: ${a.error.message}` : '' }),
    ])));
  }

  async copyId() {
    if (!this.task) return;
    try {
      await navigator.clipboard.writeText(this.task.id);
      this.copied.textContent = 'Copied.';
    } catch {
      this.copied.textContent = 'Could not copy: select the id instead.';
    }
  }

  /** @param {{ level: string, message: string }} line */
  addLog(line) {
    this.log.append(el('li', { class: `level-${line.level}`, text: `${line.level}: ${line.message}` }));
    while (this.log.childElementCount > LOG_LINES) this.log.firstElementChild?.remove();
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** @param {'cancel' | 'retry' | 'delete'} action */
  async act(action) {
    if (!this.task) return;
    const id = this.task.id;
    this.showError(null);
    this.buttons[action].disabled = true;
    try {
      if (action === 'delete') {
        await this.client.delete(id);
        this.onDeleted(id);
        this.close();
        return;
      }
      const answer = await this.client[action](id);
      // The stream may have brought a newer state already (cancelled, before this 202).
      if (this.task && rank(answer) >= rank(this.task)) this.show(answer);
      else if (this.task) this.show(this.task);
    } catch (err) {
      this.showError(err.message);
      if (this.task) this.show(this.task);
    }
  }

  /** @param {string | null} text */
  showError(text) {
    this.error.textContent = text ?? '';
    this.error.hidden = !text;
  }

  close(notify = true) {
    this.watch?.close();
    this.watch = null;
    this.task = null;
    this.section.hidden = true;
    if (notify) this.onClose();
  }
}
