import { TaskstreamError } from './errors.js';
import { isAfter } from './ids.js';

export const TERMINAL_STATES = Object.freeze(['succeeded', 'failed', 'cancelled', 'expired', 'superseded']);
/** Items the async iterator holds for a reader that does not keep up. */
const ITERATOR_BOUND = 10000;

/** @param {string} target */
const isTopic = (target) => target.includes('/') || target.includes('*');

/**
 * What one `client.watch(...)` call sees: some tasks (by id) and topics, its
 * callbacks, and its place in the shared stream. It drops every event it has had
 * already (by id), so the application gets each once and in order.
 */
export class Watch {
  /**
   * @param {{ stream: import('./stream.js').SharedStream, history: (id: string) => Promise<any[]>, get: (id: string) => Promise<any> }} client
   * @param {import('../types/index.js').WatchHandlers & import('../types/index.js').WatchOptions} options
   */
  constructor(client, options) {
    this.client = client;
    this.handlers = options;
    /** @type {Set<string>} task ids */
    this.tasks = new Set();
    /** Successors of superseded tasks being added: the watch is not done meanwhile. */
    this.following = 0;
    /** @type {Set<string>} topics and patterns */
    this.topics = new Set();
    /** @type {Set<string>} producer event types to listen for */
    this.eventTypes = new Set(['message', ...(options.eventTypes ?? [])]);
    /** @type {Map<string, string>} the last id delivered per explicitly watched task */
    this.taskLast = new Map();
    /** @type {string | null} the last id delivered from the stream */
    this.seenThrough = null;
    /** @type {Map<string, any>} the newest state of each task, as this watch knows it */
    this.states = new Map();
    this.untilDone = options.untilDone;
    this.closed = false;
    /** @type {any[]} */
    this.buffer = [];
    /** @type {((result: IteratorResult<any>) => void)[]} */
    this.waiting = [];
    /** @type {Error | null} */
    this.failure = null;
    /** Without callbacks the events wait for the async iterator; with them, only once it is asked for. */
    this.buffering = !Object.keys(options).some((k) => k.startsWith('on') && typeof options[k] === 'function');
    this.replaying = false;
    /** Adds and resets run one after another, each after the one before. */
    this.chain = Promise.resolve();
  }

  /**
   * Starts watching more task ids or topics.
   * @param {string | string[]} targets
   * @returns {Promise<void>} once their history (for tasks) has been delivered
   */
  add(targets) {
    const list = Array.isArray(targets) ? targets : [targets];
    const run = this.chain.then(() => this.addNow(list));
    this.chain = run.catch(() => {});
    return run;
  }

  /** @param {string[]} list */
  async addNow(list) {
    if (this.closed) return;
    const newTopics = list.filter((t) => isTopic(t) && !this.topics.has(t));
    const newTasks = [...new Set(list.filter((t) => !isTopic(t) && !this.tasks.has(t)))];
    if (this.untilDone === undefined) this.untilDone = newTopics.length === 0 && this.topics.size === 0;
    let from = /** @type {string | null} */ (null);
    for (const id of newTasks) {
      let history;
      try {
        history = await this.client.history(id);
      } catch (err) {
        this.report(err);
        continue;
      }
      if (this.closed) return;
      // Its history first: events the stream brings later start after its last id.
      this.taskLast.set(id, '0');
      this.tasks.add(id);
      this.replaying = true;  // a retried task's history holds an end that was not the last
      for (const e of history) this.deliver(e);
      this.replaying = false;
      const last = this.taskLast.get(id) ?? '0';
      if (from === null || isAfter(from, last)) from = last;
    }
    for (const t of newTopics) this.topics.add(t);
    if (this.closed) return;
    if (this.finishedAll()) {
      this.close();
      return;
    }
    if (newTasks.length === 0 && newTopics.length === 0 && this.client.stream.watches.has(this)) return;
    this.client.stream.join(this, from);
    this.connectionChanged(this.client.stream.connection);
  }

  /**
   * Stops the callbacks for these task ids or topics.
   * @param {string | string[]} targets
   */
  remove(targets) {
    for (const t of Array.isArray(targets) ? targets : [targets]) {
      this.tasks.delete(t);
      this.topics.delete(t);
      this.taskLast.delete(t);
      this.states.delete(t);
    }
  }

  /** @param {string} taskId */
  covers(taskId) {
    if (this.tasks.has(taskId)) return true;
    const topic = `tasks/${taskId}`;
    for (const t of this.topics) if (t === topic || (t.endsWith('*') && topic.startsWith(t.slice(0, -1)))) return true;
    return false;
  }

  hasProducerTopics() {
    for (const t of this.topics) if (!t.startsWith('tasks/')) return true;
    return false;
  }

  /**
   * An event from the stream (or from a task's history).
   * @param {{ id: string, type: string, data: any, taskId: string | null }} event
   */
  receive(event) {
    if (this.closed) return;
    if (event.taskId !== null) {
      if (!this.covers(event.taskId)) return;
    } else if (event.type === 'reset') {
      if (!this.seen(event)) return;
      this.resync();  // a multiplexed stream's reset names no task: ask for each one
      return;
    } else if (!this.hasProducerTopics()) {
      return;
    }
    if (!this.seen(event)) return;
    this.deliver(event);
  }

  /**
   * Marks the event as had; false when it was had already.
   * @param {{ id: string, taskId: string | null }} event
   */
  seen({ id, taskId }) {
    if (!id) return true;
    const own = taskId !== null && this.taskLast.has(taskId);
    const last = own ? this.taskLast.get(taskId ?? '') ?? null : this.seenThrough;
    if (last !== null && !isAfter(id, last)) return false;
    if (own && taskId !== null) this.taskLast.set(taskId, id);
    if (this.seenThrough === null || isAfter(id, this.seenThrough)) this.seenThrough = id;
    return true;
  }

  /** @param {{ id: string, type: string, data: any, taskId: string | null }} event */
  deliver(event) {
    const { type, data, taskId } = event;
    if (taskId !== null && this.taskLast.has(taskId) && event.id) this.taskLast.set(taskId, event.id);
    const h = this.handlers;
    try {
      if (type === 'state' || type === 'reset') {
        this.states.set(data.id, data);
        if (type === 'reset') h.onReset?.(data);
        h.onState?.(data, { reset: type === 'reset' });
        if (TERMINAL_STATES.includes(data.state)) h.onDone?.(data);
        if (data.state === 'superseded' && data.superseded_by && this.tasks.has(data.id)) this.follow(data.superseded_by);
      } else if (type === 'progress' && taskId !== null) {
        const { task_id: _, ...progress } = data;
        const known = this.states.get(taskId);
        if (known) known.progress = progress;
        h.onProgress?.(progress, taskId);
      } else if (type === 'log' && taskId !== null) {
        h.onLog?.(data, taskId);
      } else if (type === 'waiting' && taskId !== null) {
        const { task_id: _, at: __, ...waiting } = data;
        const known = this.states.get(taskId);
        if (known) known.waiting = waiting;
        h.onWaiting?.(waiting, taskId);
      } else {
        h.onEvent?.({ id: event.id, type, data });
      }
    } catch (err) {
      queueMicrotask(() => {
        throw err;  // the application's own error: not ours to swallow
      });
    }
    this.push(event);
    if (this.finishedAll()) this.close();
  }

  /** A watched task was replaced (dedupe): its successor is watched too. @param {string} id */
  follow(id) {
    this.following += 1;
    void this.add(id).finally(() => {
      this.following -= 1;
      if (this.finishedAll()) this.close();
    });
  }

  /** Every watched task has ended, and the watch was asked to stop then. */
  finishedAll() {
    if (this.replaying || this.following > 0 || !this.untilDone || this.tasks.size === 0 || this.topics.size > 0) return false;
    for (const id of this.tasks) if (!TERMINAL_STATES.includes(this.states.get(id)?.state)) return false;
    return true;
  }

  /** After a reset without a task: each task's state is asked for again and replaces ours. */
  resync() {
    const ids = [...this.tasks, ...[...this.states.keys()].filter((id) => !this.tasks.has(id))];
    this.chain = this.chain.then(async () => {
      for (const id of ids) {
        if (this.closed) return;
        try {
          const task = await this.client.get(id);
          this.deliver({ id: '', type: 'reset', data: task, taskId: id });
        } catch (err) {
          this.report(err);
        }
      }
      this.handlers.onReset?.(null);
    });
  }

  /** @param {string} state */
  connectionChanged(state) {
    if (!this.closed || state === 'closed') this.handlers.onConnection?.(state);
  }

  /** @param {unknown} err */
  report(err) {
    const error = err instanceof Error ? err : new TaskstreamError(String(err));
    if (this.handlers.onError) this.handlers.onError(error);
    else console.error(error);
  }

  /** @param {any} item */
  push(item) {
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return;
    }
    if (!this.buffering) return;
    if (this.buffer.length >= ITERATOR_BOUND) {
      this.failure = new TaskstreamError(`the watch's reader fell ${ITERATOR_BOUND} events behind`);
      this.close();
      return;
    }
    this.buffer.push(item);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.client.stream.leave(this);
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
  }

  /** @returns {AsyncIterator<any>} */
  [Symbol.asyncIterator]() {
    this.buffering = true;
    return {
      next: () => {
        if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift(), done: false });
        if (this.failure) return Promise.reject(this.failure);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiting.push(resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
