// The live task table: newest first, rows updated in place from the client's
// one stream (redrawn at most once a frame), older pages loaded as the end of
// the table scrolls into view.
import { el, formatDuration, taskDuration, percentOf, rank, waitingLine } from './format.js';
import { matchesLabels, matchesText } from './labels.js';

export class TaskTable {
  /**
   * @param {{ body: HTMLElement, end: HTMLElement, client: any, onOpen: (id: string) => void,
   *   onPick?: (id: string, on: boolean) => void }} options
   */
  constructor({ body, end, client, onOpen, onPick = () => {} }) {
    this.body = body;
    this.end = end;
    this.client = client;
    this.onOpen = onOpen;
    this.onPick = onPick;
    /** @type {Map<string, { task: any, row: HTMLTableRowElement, cells: any, noticed: boolean }>} */
    this.rows = new Map();
    this.dirty = new Set();
    this.filter = { state: '', kind: '', labels: { tags: [], meta: {} }, q: '' };
    this.cursor = null;
    this.exhausted = true;  // until the first setFilter: no page is loaded before the filter is known
    this.loading = null;
    this.generation = 0;
    this.selected = null;
    this.frame = 0;
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void this.loadMore();
    }, { rootMargin: '200px' });
    this.observer.observe(end);
    // Durations of running tasks move on by themselves, and so does a waiting task's "next in".
    this.ticker = setInterval(() => {
      for (const [id, r] of this.rows) if (r.task.state === 'running' || r.task.waiting?.until) this.dirty.add(id);
      this.schedule();
    }, 1000);
  }

  /** @param {{ state: string, kind: string, labels: import('./labels.js').Labels, q: string }} filter */
  setFilter(filter) {
    this.filter = filter;
    this.generation += 1;
    this.rows.clear();
    this.dirty.clear();
    this.body.replaceChildren();
    this.cursor = null;
    this.exhausted = false;
    this.loading = null;
    return this.loadMore();
  }

  /** @param {any} task */
  matches(task) {
    return (!this.filter.state || task.state === this.filter.state) && (!this.filter.kind || task.kind === this.filter.kind) &&
      matchesLabels(task, this.filter.labels) && matchesText(task, this.filter.q);
  }

  /** The next page of older tasks, once at a time. */
  loadMore() {
    if (this.exhausted) return Promise.resolve();
    if (this.loading) return this.loading;
    const generation = this.generation;
    this.end.textContent = 'Loading…';
    this.loading = (async () => {
      try {
        const { state, kind, labels, q } = this.filter;
        const page = await this.client.page(
          { state: state || undefined, kind: kind || undefined, tag: labels.tags, meta: labels.meta, q: q || undefined, limit: 50 },
          this.cursor);
        if (generation !== this.generation) return;
        for (const task of page.tasks) this.place(task, false);
        this.cursor = page.nextCursor;
        this.exhausted = !page.nextCursor;
        this.showEnd();
      } catch (err) {
        if (generation === this.generation) this.end.textContent = `Could not load tasks: ${err.message}`;
      } finally {
        if (generation === this.generation) this.loading = null;
      }
      // Still in view (a tall screen): the observer will not fire again by itself.
      if (!this.exhausted && generation === this.generation) {
        const box = this.end.getBoundingClientRect();
        if (box.top < window.innerHeight + 200) void this.loadMore();
      }
    })();
    return this.loading;
  }

  /** What the table's end says: how many tasks, once every page is in (rows come and go live). */
  showEnd() {
    if (!this.exhausted) return;
    const n = this.rows.size;
    this.end.textContent = n === 0 ? 'No tasks yet.' : n === 1 ? '1 task' : `${n} tasks`;
  }

  /**
   * A task as the stream or a page has it: the whole task, so it replaces what was
   * known (a later state without an error has none). A page's copy never replaces a newer one.
   * @param {any} task @param {boolean} live
   */
  place(task, live) {
    const known = this.rows.get(task.id);
    if (known) {
      // A state event carries no `waiting`: what a notice said holds while the state does;
      // and a page's copy, read before that notice, does not undo it.
      const same = task.state === known.task.state;
      const kept = same ? known.task.waiting : undefined;
      const waiting = !live && same && known.noticed ? kept : task.waiting ?? kept;
      if (live || rank(task) >= rank(known.task)) {
        if (!same) known.noticed = false;
        known.task = { ...task, waiting };
      }
      this.mark(task.id);
      return;
    }
    if (!this.matches(task)) return;
    // A live task older than the last page loaded belongs to a page not loaded yet.
    if (live && this.cursor && !this.exhausted && task.id < this.oldestId()) return;
    const entry = this.makeRow(task);
    this.rows.set(task.id, entry);
    // Newest first: ids sort by creation time.
    let before = null;
    for (const row of this.body.children) {
      if (/** @type {HTMLElement} */ (row).dataset.id < task.id) {
        before = row;
        break;
      }
    }
    this.body.insertBefore(entry.row, before);
    this.mark(task.id);
    this.showEnd();
  }

  oldestId() {
    const last = /** @type {HTMLElement | null} */ (this.body.lastElementChild);
    return last?.dataset.id ?? '';
  }

  /** @param {string} id @param {any} progress */
  progress(id, progress) {
    const r = this.rows.get(id);
    if (!r) return;
    r.task.progress = progress;
    this.mark(id);
  }

  /** Why a waiting task waits now (a `waiting` event). @param {string} id @param {any} waiting */
  waiting(id, waiting) {
    const r = this.rows.get(id);
    if (!r) return;
    r.task.waiting = waiting;
    r.noticed = true;  // heard live: newer than any page's copy of this state
    this.mark(id);
  }

  /** @param {string} id */
  remove(id) {
    const r = this.rows.get(id);
    if (!r) return;
    r.row.remove();
    this.rows.delete(id);
    this.showEnd();
  }

  /** The ids of the rows shown, newest first. */
  shownIds() {
    return [...this.body.children].map((row) => /** @type {HTMLElement} */ (row).dataset.id ?? '');
  }

  /** Ticks or unticks a row's box. @param {string} id @param {boolean} on */
  check(id, on) {
    const r = this.rows.get(id);
    if (r) r.cells.pick.checked = on;
  }

  /** @param {string | null} id */
  select(id) {
    if (this.selected) this.rows.get(this.selected)?.row.classList.remove('selected');
    this.selected = id;
    if (id) this.rows.get(id)?.row.classList.add('selected');
  }

  /** @param {string} id */
  mark(id) {
    this.dirty.add(id);
    this.schedule();
  }

  schedule() {
    if (this.frame || this.dirty.size === 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const now = Date.now();
      for (const id of this.dirty) {
        const r = this.rows.get(id);
        if (r) this.render(r, now);
      }
      this.dirty.clear();
    });
  }

  /** @param {any} task */
  makeRow(task) {
    const pick = el('input', { type: 'checkbox', class: 'pick', 'aria-label': `Select task ${task.id.slice(-8)}` });
    pick.addEventListener('change', () => this.onPick(task.id, pick.checked));
    const open = el('button', { type: 'button', text: task.id.slice(-8), 'aria-label': `Task ${task.id}` });
    open.addEventListener('click', () => this.onOpen(task.id));
    const kind = el('span', { class: 'kind', text: task.kind });
    const state = el('span', { class: 'state' });
    const fill = el('span', { class: 'fill' });
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': `Progress of ${task.id.slice(-8)}` }, [fill]);
    const pct = el('span', { class: 'pct' });
    const message = el('span', { class: 'message' });
    const attempt = el('td', { class: 'wide' });
    const duration = el('td', { class: 'wide' });
    const row = el('tr', { 'data-id': task.id }, [
      el('td', { class: 'task' }, [pick, open, kind]),
      el('td', {}, [state]),
      el('td', {}, [el('div', { class: 'progress' }, [bar, pct]), message]),
      attempt,
      duration,
    ]);
    return { task, row, cells: { pick, state, bar, fill, pct, message, attempt, duration }, noticed: false };
  }

  /** @param {{ task: any, row: HTMLTableRowElement, cells: any }} r @param {number} now */
  render({ task, row, cells }, now) {
    cells.state.textContent = task.state;
    cells.state.dataset.state = task.state;
    row.dataset.state = task.state;
    const percent = percentOf(task);
    cells.fill.style.transform = `scaleX(${percent / 100})`;  // no layout, only compositing
    cells.bar.setAttribute('aria-valuenow', String(Math.round(percent)));
    cells.pct.textContent = `${Math.floor(percent)} %`;
    const waits = (task.state === 'queued' || task.state === 'retrying') && task.waiting;
    cells.message.textContent = waits ? `waiting: ${waitingLine(task.waiting, now)}`
      : task.error?.message ?? task.progress?.message ?? '';
    cells.attempt.textContent = `${task.attempt}/${task.max_attempts}`;
    cells.duration.textContent = formatDuration(taskDuration(task, now));
  }
}
