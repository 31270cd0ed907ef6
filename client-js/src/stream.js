import { isAfter } from './ids.js';
import { Backoff } from './backoff.js';
import { Ring } from './ring.js';
import { planJoin, receives, taskIdOf, wantedTopics } from './plan.js';

/** Events kept to catch up a watch that joins mid-stream without a reconnect. */
const RECENT_EVENTS = 2000;
const TASK_EVENT_TYPES = ['state', 'progress', 'log', 'waiting', 'reset'];

/**
 * One multiplexed EventSource shared by every watch of a client. It subscribes to
 * the union of what the watches name, re-opens from the last id when that union
 * grows, retries with backoff when the browser gives up, and hands each event to
 * the watches it concerns. Each watch drops what it has seen (by id), so a replay
 * after a re-open or reconnect reaches the application once.
 */
export class SharedStream {
  /**
   * @param {{ http: import('./http.js').Http, EventSource: any, backoff?: { baseMs?: number, maxMs?: number },
   *           ticket?: ((stream: string) => Promise<string>) | null }} options
   */
  constructor({ http, EventSource, backoff, ticket = null }) {
    this.http = http;
    /** Mints a single-use ticket for a stream (a browser's EventSource cannot send a token); null: none. */
    this.ticket = ticket;
    /** Counts opens, so that a ticket minted for an open since replaced is not used. */
    this.generation = 0;
    this.EventSourceImpl = EventSource;
    this.backoff = new Backoff(backoff);
    /** @type {Set<import('./watch.js').Watch>} */
    this.watches = new Set();
    /** @type {string[]} the topics of the open stream */
    this.subscribed = [];
    /** @type {Set<string>} event types listened for */
    this.listening = new Set();
    /** @type {string | null} the newest id this client has received */
    this.lastId = null;
    /** @type {Ring<{ id: string, type: string, data: any, taskId: string | null }>} */
    this.recent = new Ring(RECENT_EVENTS);
    /** The id after which `recent` holds everything the subscription had (null: not known yet). */
    this.recentFloor = null;
    /** @type {string | null} where a retry resumes: the open's starting id, then each id received */
    this.position = null;
    this.source = null;
    this.retryTimer = null;
    this.connection = 'closed';
  }

  /** Every topic the watches need (plan.js). */
  wantedTopics() {
    return wantedTopics(this.watches);
  }

  /** True when the open stream already receives every event of `topic`. @param {string} topic */
  receives(topic) {
    return receives(this.subscribed, topic);
  }

  /**
   * A watch joins (or changes). `from` is the id its own history reached: the
   * stream must bring it everything after that.
   * @param {import('./watch.js').Watch} watch
   * @param {string | null} [from]
   */
  join(watch, from = null) {
    this.watches.add(watch);
    this.listenFor(watch.eventTypes);
    const wanted = this.wantedTopics();
    const plan = planJoin({
      streaming: this.source !== null || this.retryTimer !== null,
      subscribed: this.subscribed,
      wanted,
      lastId: this.lastId,
      recentFloor: this.recentFloor,
      from,
    });
    if (plan.action === 'open') this.open(wanted, plan.from);
    else if (plan.action === 'catch-up') for (const e of this.recent) if (isAfter(e.id, plan.from)) watch.receive(e);
  }

  /** @param {import('./watch.js').Watch} watch */
  leave(watch) {
    this.watches.delete(watch);
    if (this.watches.size === 0) this.close();
  }

  /** @param {Iterable<string>} types */
  listenFor(types) {
    for (const type of types) {
      if (this.listening.has(type)) continue;
      this.listening.add(type);
      if (this.source) this.source.addEventListener(type, this.handler);
    }
  }

  /**
   * Opens the stream for `topics`, from after `from` (live when null).
   * @param {string[]} topics @param {string | null} from
   */
  open(topics, from) {
    this.stop();
    this.subscribed = topics;
    if (topics.length === 0) return;
    if (this.lastId === null && from !== null) this.recentFloor = from;
    this.position = from;
    const url = this.http.url('/v1/events', { topic: topics, last_event_id: from ?? undefined });
    this.setConnection('connecting');
    if (!this.ticket) {
      const init = this.http.token
        ? {
            // The `eventsource` package sends these headers; a browser's EventSource cannot.
            fetch: (/** @type {string} */ input, /** @type {any} */ options) =>
              this.http.fetchImpl(input, { ...options, headers: { ...options?.headers, ...this.http.authHeaders() } }),
          }
        : undefined;
      this.connect(url, init);
      return;
    }
    // A fresh ticket for every connection: one is good for a single use only.
    const generation = this.generation;
    const stream = `/v1/events?${new URLSearchParams(topics.map((t) => ['topic', t])).toString()}`;
    this.ticket(stream).then(
      (ticket) => {
        if (generation === this.generation) this.connect(`${url}&ticket=${encodeURIComponent(ticket)}`);
      },
      (/** @type {any} */ err) => {
        if (generation !== this.generation) return;
        // The token is refused (401) or may not read these streams (403): asking again
        // changes nothing until the application signs in anew.
        if (err?.status === 401 || err?.status === 403) this.setConnection('denied');
        else this.retryLater();
      },
    );
  }

  /** Opens the EventSource at `url` and follows it. @param {string} url @param {any} [init] */
  connect(url, init) {
    const source = new this.EventSourceImpl(url, init);
    this.source = source;
    this.handler = (/** @type {MessageEvent} */ message) => {
      if (this.source === source) this.dispatch(message);
    };
    for (const type of [...TASK_EVENT_TYPES, 'shutdown', ...this.listening]) source.addEventListener(type, this.handler);
    source.onopen = () => {
      if (this.source !== source) return;
      this.backoff.reset();
      this.setConnection('open');
    };
    source.onerror = () => {
      if (this.source !== source) return;
      // Given up (a non-200), or about to reconnect with a ticket already used: open anew ourselves.
      // (An error relayed from the tab holding a shared connection is that tab's to recover: tab_share.js.)
      if (source.readyState === 2 /* CLOSED */ || (this.ticket && !source.relayed)) {
        this.source = null;
        source.close();
        this.retryLater();
      } else {
        this.setConnection('retrying');  // the browser reconnects by itself, with Last-Event-ID
      }
    };
  }

  /** Re-opens from the last position after a backoff wait. */
  retryLater() {
    const wait = this.backoff.next();
    this.setConnection('retrying');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open(this.wantedTopics(), this.position);
    }, wait);
  }

  /** @param {MessageEvent} message */
  dispatch(message) {
    const { type, lastEventId: id } = message;
    if (type === 'shutdown') {
      this.setConnection('retrying');
      return;
    }
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      data = message.data;
    }
    const event = { id, type, data, taskId: taskIdOf(type, data) };
    if (type === 'reset') {
      // What came before is gone from the server: nothing kept spans the gap.
      this.recent.clear();
      this.recentFloor = id || null;
    }
    // A re-open from an earlier id replays what came already: each watch drops
    // what it has had, so only ids past the newest are new to the stream itself.
    if (id && (this.position === null || isAfter(id, this.position))) this.position = id;
    if (id && (this.lastId === null || isAfter(id, this.lastId))) {
      // Opened live, the first event is where what we know starts.
      if (this.recentFloor === null) this.recentFloor = this.lastId ?? id;
      this.lastId = id;
      const dropped = this.recent.push(event);
      if (dropped) this.recentFloor = dropped.id;
    }
    for (const w of [...this.watches]) w.receive(event);
  }

  /** @param {string} state */
  setConnection(state) {
    if (this.connection === state) return;
    this.connection = state;
    for (const w of [...this.watches]) w.connectionChanged(state);
  }

  stop() {
    this.generation += 1;  // a ticket still being minted is for nothing now
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
  }

  close() {
    this.stop();
    this.subscribed = [];
    this.setConnection('closed');
  }
}
