// taskstream's JavaScript client: the REST API, and watches of tasks and topics
// that share one multiplexed EventSource. No runtime dependencies.
import { Http } from './http.js';
import { SharedStream } from './stream.js';
import { Watch, TERMINAL_STATES } from './watch.js';
import { TaskstreamError } from './errors.js';
import { sharedAcrossTabs } from './tab_share.js';

export { TaskstreamError, TERMINAL_STATES };

/** A task's history is read this many events a request. */
const HISTORY_PAGE = 1000;

/**
 * @param {import('../types/index.js').ClientOptions} [options]
 * @returns {import('../types/index.js').Client}
 */
export function createClient({
  baseUrl, token, fetch: fetchImpl, EventSource: EventSourceImpl, backoff, tickets, shareAcrossTabs = false,
} = {}) {
  const origin = baseUrl ?? (typeof location !== 'undefined' ? location.origin : undefined);
  if (!origin) throw new TaskstreamError('createClient: baseUrl is needed outside a browser page');
  const doFetch = fetchImpl ?? globalThis.fetch?.bind(globalThis);
  if (!doFetch) throw new TaskstreamError('createClient: no fetch: pass one');
  const http = new Http({ baseUrl: origin, token, fetch: doFetch });
  // Shared across tabs, a stream is keyed by who reads it: the token, or the page's cookies.
  const BaseES = EventSourceImpl ?? globalThis.EventSource;
  const ES = shareAcrossTabs && BaseES ? sharedAcrossTabs(BaseES, token ?? '') : BaseES;
  // Streams by ticket: `tickets: true` mints each from POST /v1/tickets (with the token
  // or the page's cookie); a function supplies them (from the application's own backend).
  const mint = async (/** @type {string} */ streamTarget) =>
    (await http.send('POST', '/v1/tickets', { body: { streams: [streamTarget] } })).body.ticket;
  const ticket = typeof tickets === 'function' ? tickets : tickets ? mint : null;
  const stream = new SharedStream({ http, EventSource: ES, backoff, ticket });

  const taskPath = (/** @type {string} */ id) => `/v1/tasks/${encodeURIComponent(id)}`;
  const kindPath = (/** @type {string} */ name) => `/v1/kinds/${encodeURIComponent(name)}`;

  /** @param {string} id */
  async function get(id) {
    return (await http.send('GET', taskPath(id))).body;
  }

  /** A list filter as GET /v1/tasks's query (the API's names; only what is given).
   * @param {import('../types/index.js').ListFilter} filter */
  function listQuery(filter) {
    const when = (/** @type {string | Date | undefined} */ t) => (t instanceof Date ? t.toISOString() : t);
    /** @type {Record<string, string | string[] | undefined>} */
    const query = {
      state: filter.state,
      kind: filter.kind,
      tag: filter.tag,
      key: filter.key,
      error_type: filter.errorType,
      created_after: when(filter.createdAfter),
      created_before: when(filter.createdBefore),
      q: filter.q,
    };
    for (const [field, value] of Object.entries(filter.meta ?? {})) query[`meta.${field}`] = String(value);
    return query;
  }

  /** @param {import('../types/index.js').ListFilter} filter @param {string | null} [cursor] */
  async function page(filter = {}, cursor = null) {
    const query = {
      ...listQuery(filter),
      limit: filter.limit === undefined ? undefined : String(filter.limit),
      cursor: cursor ?? undefined,
    };
    const { body } = await http.send('GET', '/v1/tasks', { query });
    return { tasks: body.tasks, nextCursor: body.next_cursor ?? null };
  }

  /** A list filter as a bulk action's filter object (the API's names; only what is given).
   * @param {import('../types/index.js').BulkFilter} filter */
  function filterObject(filter) {
    const when = (/** @type {string | Date | undefined} */ t) => (t instanceof Date ? t.toISOString() : t);
    /** @type {Record<string, unknown>} */
    const out = {
      state: filter.state,
      kind: filter.kind,
      tag: filter.tag,
      meta: filter.meta,
      key: filter.key,
      error_type: filter.errorType,
      created_after: when(filter.createdAfter),
      created_before: when(filter.createdBefore),
      q: filter.q,
      all: filter.all,
    };
    for (const name of Object.keys(out)) if (out[name] === undefined) delete out[name];
    return out;
  }

  /** Every committed event of a task, oldest first. @param {string} id */
  async function history(id) {
    const events = [];
    let after;
    for (;;) {
      const { body } = await http.send('GET', `${taskPath(id)}/events`, {
        query: { after, limit: String(HISTORY_PAGE) },
      });
      for (const e of body.events) events.push({ id: e.id, type: e.type, data: e.data, taskId: id });
      if (!body.next_after) return events;
      after = body.next_after;
    }
  }

  const client = {
    async kinds() {
      return (await http.send('GET', '/v1/kinds')).body.kinds;
    },
    async kind(name) {
      return (await http.send('GET', kindPath(name))).body;
    },
    async pauseKind(name) {
      return (await http.send('POST', `${kindPath(name)}/pause`)).body;
    },
    async resumeKind(name) {
      return (await http.send('POST', `${kindPath(name)}/resume`)).body;
    },

    async start(kind, params = {}, opts = {}) {
      /** @type {Record<string, unknown>} */
      const body = { kind, params };
      if (opts.priority !== undefined) body.priority = opts.priority;
      if (opts.delayS !== undefined) body.delay_s = opts.delayS;
      if (opts.runAt !== undefined) body.run_at = opts.runAt instanceof Date ? opts.runAt.toISOString() : opts.runAt;
      if (opts.timeoutS !== undefined) body.timeout_s = opts.timeoutS;
      if (opts.ttlS !== undefined) body.ttl_s = opts.ttlS;
      if (opts.expiresAt !== undefined)
        body.expires_at = opts.expiresAt instanceof Date ? opts.expiresAt.toISOString() : opts.expiresAt;
      if (opts.maxRetries !== undefined) body.max_retries = opts.maxRetries;
      if (opts.callbackUrl !== undefined) body.callback_url = opts.callbackUrl;
      if (opts.concurrencyKey !== undefined) body.concurrency_key = opts.concurrencyKey;
      if (opts.dedupe !== undefined) body.dedupe = opts.dedupe;
      if (opts.tags !== undefined) body.tags = opts.tags;
      if (opts.metadata !== undefined) body.metadata = opts.metadata;
      /** @type {Record<string, string>} */
      const headers = opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {};
      return (await http.send('POST', '/v1/tasks', { body, headers })).body;
    },

    get,
    page,
    history: (id) => history(id).then((list) => list.map(({ id: eventId, type, data }) => ({ id: eventId, type, data }))),

    list(filter = {}) {
      return {
        async *[Symbol.asyncIterator]() {
          let cursor = null;
          do {
            const next = await page(filter, cursor);
            yield* next.tasks;
            cursor = next.nextCursor;
          } while (cursor);
        },
        async *pages() {
          let cursor = null;
          do {
            const next = await page(filter, cursor);
            yield next;
            cursor = next.nextCursor;
          } while (cursor);
        },
      };
    },

    async bulk(action, filter, opts = {}) {
      /** @type {Record<string, unknown>} */
      const body = { action, filter: filterObject(filter ?? {}) };
      if (opts.max !== undefined) body.max = opts.max;
      /** @type {Record<string, string>} */
      const headers = opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {};
      return (await http.send('POST', '/v1/tasks/bulk', { body, headers })).body;
    },

    async cancel(id) {
      return (await http.send('POST', `${taskPath(id)}/cancel`)).body;
    },
    async retry(id) {
      return (await http.send('POST', `${taskPath(id)}/retry`)).body;
    },
    async delete(id) {
      await http.send('DELETE', taskPath(id));
    },

    async publish(topic, events) {
      const path = `/v1/topics/${topic.split('/').map(encodeURIComponent).join('/')}/events`;
      return (await http.send('POST', path, { body: events })).body.ids;
    },

    async counts(filter = {}) {
      return (await http.send('GET', '/v1/task-counts', { query: { kind: filter.kind } })).body.counts;
    },

    async failures(filter = {}) {
      const given = /** @type {Record<string, unknown>} */ (filter);
      if (['state', 'errorType', 'limit'].some((name) => given[name] !== undefined))
        throw new TaskstreamError('failures: the filter takes no state, errorType or limit (failed tasks are grouped by error type)');
      return (await http.send('GET', '/v1/failures', { query: listQuery(filter) })).body;
    },

    async stats(filter = {}) {
      const when = (/** @type {string | Date | undefined} */ t) => (t instanceof Date ? t.toISOString() : t);
      const query = {
        kind: filter.kind,
        from: when(filter.from),
        to: when(filter.to),
        step: filter.stepS === undefined ? undefined : String(filter.stepS),
      };
      return (await http.send('GET', '/v1/stats', { query })).body;
    },

    async status() {
      return (await http.send('GET', '/v1/admin/status')).body;
    },
    async pause() {
      return (await http.send('POST', '/v1/admin/pause')).body;
    },
    async resume() {
      return (await http.send('POST', '/v1/admin/resume')).body;
    },

    watch(targets, handlers = {}) {
      if (!ES) throw new TaskstreamError('watch: no EventSource here: pass one to createClient');
      const watch = new Watch({ stream, history, get }, handlers);
      const ready = watch.add(targets);
      return {
        add: (more) => watch.add(more),
        remove: (some) => watch.remove(some),
        close: () => watch.close(),
        ready,
        get tasks() {
          return watch.states;
        },
        [Symbol.asyncIterator]: () => watch[Symbol.asyncIterator](),
      };
    },

    get connection() {
      return stream.connection;
    },

    close() {
      for (const w of [...stream.watches]) w.close();
      stream.close();
    },
  };
  return /** @type {any} */ (client);
}
