// Picked rows in the dashboard: ticked in the task table (or all shown at once), then
// cancelled, retried or deleted together — each one its own request, a few at a time, a
// task the action does not apply to (409) or that is gone (410) counted as skipped. A
// delete asks first. For every task a filter finds, the filter's bulk action is the tool.
const VERBS = { cancel: ['Cancel', 'cancelled'], retry: ['Retry', 'retried'], delete: ['Delete', 'deleted'] };

/**
 * Runs `act` on each id, `concurrency` at a time; what came of them.
 * @param {string[]} ids @param {(id: string) => Promise<unknown>} act @param {number} [concurrency]
 * @returns {Promise<{ done: string[], skipped: string[], failed: { id: string, message: string }[] }>}
 */
export async function actOnEach(ids, act, concurrency = 4) {
  /** @type {{ done: string[], skipped: string[], failed: { id: string, message: string }[] }} */
  const out = { done: [], skipped: [], failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      try {
        await act(id);
        out.done.push(id);
      } catch (/** @type {any} */ err) {
        if (err?.status === 409 || err?.status === 410) out.skipped.push(id);
        else out.failed.push({ id, message: err?.problem?.detail ?? err?.message ?? String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return out;
}

/** "Retried 3, skipped 1." (and the first failure). @param {string} action @param {Awaited<ReturnType<typeof actOnEach>>} r */
export function describeOutcome(action, r) {
  const [, past] = VERBS[/** @type {keyof typeof VERBS} */ (action)];
  let text = `${past[0].toUpperCase()}${past.slice(1)} ${r.done.length}, skipped ${r.skipped.length}`;
  if (r.failed.length) text += `, not done ${r.failed.length} (${r.failed[0].message})`;
  return `${text}.`;
}

export class Selection {
  /** @param {{ client: any, $: (id: string) => any, table: any }} deps */
  constructor({ client, $, table }) {
    this.client = client;
    this.$ = $;
    this.table = table;
    /** @type {Set<string>} */ this.ids = new Set();
    /** @type {string | null} */ this.pending = null;
    for (const button of $('selection').querySelectorAll('button[data-verb]'))
      button.addEventListener('click', () => this.ask(button.dataset.verb));
    $('selection-clear').addEventListener('click', () => this.clear());
    $('selection-yes').addEventListener('click', () => void this.run(this.pending ?? 'delete'));
    $('selection-no').addEventListener('click', () => this.show());
    $('select-all').addEventListener('change', () => {
      const on = $('select-all').checked;
      for (const id of table.shownIds()) this.pick(id, on);
    });
  }

  /** A row was ticked or unticked (by a person, or by "select all"). @param {string} id @param {boolean} on */
  pick(id, on) {
    if (on) this.ids.add(id);
    else this.ids.delete(id);
    this.table.check(id, on);
    this.show();
  }

  /** The rows are gone (another filter): nothing is picked. */
  clear() {
    for (const id of this.ids) this.table.check(id, false);
    this.ids.clear();
    this.$('select-all').checked = false;
    this.show();
  }

  /** A row left the table. @param {string} id */
  drop(id) {
    if (this.ids.delete(id)) this.show();
  }

  show() {
    this.pending = null;
    this.$('selection-confirm').hidden = true;
    this.$('selection').hidden = this.ids.size === 0;
    this.$('selection-count').textContent = `${this.ids.size} selected`;
  }

  /** @param {string} verb */
  ask(verb) {
    if (verb !== 'delete') return void this.run(verb);
    this.pending = verb;
    this.$('selection-question').textContent = `Delete ${this.ids.size} ${this.ids.size === 1 ? 'task' : 'tasks'} and their events? Unfinished ones are skipped.`;
    this.$('selection-confirm').hidden = false;
    this.$('selection-no').focus();
  }

  /** @param {string} verb */
  async run(verb) {
    const ids = [...this.ids];
    this.$('selection-confirm').hidden = true;
    this.$('selection-result').textContent = `${VERBS[/** @type {keyof typeof VERBS} */ (verb)][0]}: ${ids.length}…`;
    const act = (/** @type {string} */ id) => (verb === 'cancel' ? this.client.cancel(id) : verb === 'retry' ? this.client.retry(id) : this.client.delete(id));
    const outcome = await actOnEach(ids, act);
    if (verb === 'delete') for (const id of outcome.done) this.table.remove(id);
    this.clear();
    this.$('selection-result').textContent = describeOutcome(verb, outcome);
  }
}
