// One stream per browser, not per tab: an EventSource stand-in that tabs of an origin
// share. Web Locks elects one tab per stream (same credential, same topics) to hold the
// real connection; it hands every event to the others over a BroadcastChannel. A tab
// that joins late asks the holder for what it missed (the holder keeps its recent
// events); one it cannot catch up opens its own connection. When the holder's tab goes,
// the lock passes to another, which opens from the last event it had: nothing is lost,
// and what arrives twice is dropped by id.
import { isAfter } from './ids.js';

/** Events the holder keeps for tabs that join from an earlier id. */
const KEPT_EVENTS = 2000;

/** What a stream's URL says it carries — its path and topics — not where it resumes nor its ticket. @param {string} url */
export function streamKey(url) {
  const u = new URL(url, globalThis.location?.href ?? 'http://localhost/');
  const params = [...u.searchParams].filter(([k]) => k !== 'last_event_id' && k !== 'ticket');
  params.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return `${u.origin}${u.pathname}?${new URLSearchParams(params)}`;
}

/** @param {string} text */
async function sha256(text) {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** @param {string} url @param {string | null} id */
function resumingAt(url, id) {
  const u = new URL(url, globalThis.location?.href ?? 'http://localhost/');
  if (id) u.searchParams.set('last_event_id', id);
  return u.toString();
}

/**
 * An EventSource class whose instances share one connection per stream across the tabs
 * of an origin; `EventSourceImpl` itself where the browser has no Web Locks, BroadcastChannel
 * or SubtleCrypto (outside a secure context), or outside a browser.
 * @param {any} EventSourceImpl @param {string} credential who reads: tabs share only with the same one
 */
export function sharedAcrossTabs(EventSourceImpl, credential) {
  const locks = globalThis.navigator?.locks;
  const Channel = globalThis.BroadcastChannel;
  if (!locks || !Channel || !globalThis.crypto?.subtle) return EventSourceImpl;

  return class TabSharedEventSource {
    /** @param {string} url @param {any} [init] */
    constructor(url, init) {
      this.url = url;
      this.init = init;
      this.readyState = 0;
      /** @type {((e: any) => void) | null} */ this.onopen = null;
      /** @type {((e: any) => void) | null} */ this.onerror = null;
      /** An error relayed from the tab that holds the connection: that tab recovers it, not this one. */
      this.relayed = false;
      /** @type {Map<string, Set<(e: any) => void>>} */ this.listeners = new Map();
      this.me = Math.random().toString(36).slice(2);
      /** @type {string | null} the last event id this reader had (or where it was asked to resume) */
      this.lastId = new URL(url, globalThis.location?.href ?? 'http://localhost/').searchParams.get('last_event_id');
      /** @type {'waiting' | 'leader' | 'follower' | 'alone' | 'closed'} */ this.role = 'waiting';
      this.abort = new AbortController();
      /** @type {any} the real EventSource, held by the leader (or a tab on its own) */ this.source = null;
      /** @type {{ type: string, data: string, id: string }[]} */ this.kept = [];
      /** @type {string | null} after this id, `kept` holds every event the leader had */ this.keptFrom = this.lastId;
      /** @type {any[] | null} a follower's live events, held until its catch-up comes */ this.held = null;
      /** @type {() => void} */ this.unlock = () => {};
      void this.start();
    }

    async start() {
      const name = `taskstream-stream:${await sha256(`${credential}\n${streamKey(this.url)}`)}`;
      if (this.role === 'closed') return;
      this.channel = new Channel(name);
      this.channel.onmessage = (/** @type {MessageEvent} */ e) => this.heard(e.data);
      const lead = () => new Promise((resolve) => { this.unlock = () => resolve(undefined); this.lead(); });
      // The connection is this tab's if no tab holds it; else this tab follows, in line for it.
      locks.request(name, { ifAvailable: true }, (/** @type {any} */ lock) => {
        if (lock) return lead();
        if (this.role === 'waiting') {
          this.follow();
          locks.request(name, { signal: this.abort.signal }, () => (this.role === 'follower' ? lead() : null)).catch(() => {});
        }
        return null;
      }).catch(() => {});
    }

    // ---- the tab that holds the connection --------------------------------------
    lead() {
      if (this.role === 'closed') return this.unlock();
      this.role = 'leader';
      this.held = null;
      this.kept = [];
      this.keptFrom = this.lastId;
      this.open(resumingAt(this.url, this.lastId));
      this.channel.postMessage({ kind: 'leader' });  // the others say which event types they want
    }

    /** Opens the real connection, for this tab alone or for every tab. @param {string} url */
    open(url) {
      const source = new EventSourceImpl(url, this.init);
      this.source = source;
      this.sourceTypes = new Set();
      for (const type of this.listeners.keys()) this.listenAtSource(type);
      source.onopen = () => {
        this.readyState = 1;
        this.post({ kind: 'state', readyState: 1 });
        this.onopen?.({ type: 'open' });
      };
      source.onerror = () => {
        this.readyState = source.readyState;
        this.post({ kind: 'state', readyState: source.readyState === 2 ? 0 : source.readyState });
        this.relayed = false;
        this.onerror?.({ type: 'error' });
      };
    }

    /** @param {string} type */
    listenAtSource(type) {
      if (!this.source || this.sourceTypes.has(type)) return;
      this.sourceTypes.add(type);
      this.source.addEventListener(type, (/** @type {MessageEvent} */ m) => {
        if (m.lastEventId) this.keep({ type, data: m.data, id: m.lastEventId });
        this.post({ kind: 'event', type, data: m.data, id: m.lastEventId });
        this.deliver(type, m.data, m.lastEventId);
      });
    }

    /** @param {{ type: string, data: string, id: string }} e */
    keep(e) {
      this.kept.push(e);
      if (this.kept.length > KEPT_EVENTS) this.keptFrom = /** @type {any} */ (this.kept.shift()).id;
    }

    /** Whether `kept` holds every event after `since`. @param {string} since */
    covers(since) {
      if (this.keptFrom !== null) return since === this.keptFrom || isAfter(since, this.keptFrom);
      return this.kept.length > 0 && (since === this.kept[0].id || isAfter(since, this.kept[0].id));
    }

    /** @param {any} message */
    post(message) {
      if (this.role === 'leader') this.channel.postMessage(message);
    }

    // ---- the other tabs ---------------------------------------------------------------
    follow() {
      this.role = 'follower';
      if (this.lastId) this.held = [];
      this.channel.postMessage({ kind: 'hello', from: this.me, since: this.lastId, types: [...this.listeners.keys()] });
    }

    /** A message on the channel. @param {any} m */
    heard(m) {
      if (this.role === 'leader') {
        if (m.kind === 'hello' || m.kind === 'listen') for (const type of m.types) this.listenAtSource(type);
        if (m.kind === 'hello') {
          const caughtUp = m.since === null || this.covers(m.since);
          const replay = caughtUp && m.since !== null ? this.kept.filter((e) => isAfter(e.id, m.since)) : [];
          this.channel.postMessage({ kind: 'welcome', to: m.from, caughtUp, replay, readyState: this.readyState });
        }
        return;
      }
      if (this.role !== 'follower') return;
      if (m.kind === 'leader') {
        // A new holder: still waiting to catch up, ask it (the last one went first); else say what to listen for.
        if (this.held) this.channel.postMessage({ kind: 'hello', from: this.me, since: this.lastId, types: [...this.listeners.keys()] });
        else this.channel.postMessage({ kind: 'listen', types: [...this.listeners.keys()] });
      }
      else if (m.kind === 'welcome' && m.to === this.me) this.welcomed(m);
      else if (m.kind === 'state') this.mirror(m.readyState);
      else if (m.kind === 'event') {
        if (this.held) this.held.push(m);
        else this.deliver(m.type, m.data, m.id);
      }
    }

    /** @param {{ caughtUp: boolean, replay: any[], readyState: number }} m */
    welcomed({ caughtUp, replay, readyState }) {
      if (!caughtUp) {
        // The holder no longer has what this tab missed: it reads on its own.
        this.role = 'alone';
        this.abort.abort();
        this.channel.close();
        this.open(resumingAt(this.url, this.lastId));
        return;
      }
      const held = this.held ?? [];
      this.held = null;
      for (const e of [...replay, ...held]) this.deliver(e.type, e.data, e.id);
      this.mirror(readyState);
    }

    /** The holder's connection state, as this tab's. @param {number} readyState */
    mirror(readyState) {
      if (readyState === this.readyState) return;
      this.readyState = readyState;
      if (readyState === 1) this.onopen?.({ type: 'open' });
      else {
        this.relayed = true;
        this.onerror?.({ type: 'error' });
      }
    }

    // ---- what every role shares ----------------------------------------------------------
    /** @param {string} type @param {string} data @param {string} id */
    deliver(type, data, id) {
      if (id) {
        if (this.lastId !== null && !isAfter(id, this.lastId)) return;  // had it already
        this.lastId = id;
      }
      for (const fn of [...(this.listeners.get(type) ?? [])]) fn({ type, data, lastEventId: id ?? '' });
    }

    /** @param {string} type @param {(e: any) => void} fn */
    addEventListener(type, fn) {
      const known = this.listeners.has(type);
      if (!known) this.listeners.set(type, new Set());
      /** @type {Set<(e: any) => void>} */ (this.listeners.get(type)).add(fn);
      if (known) return;
      if (this.source) this.listenAtSource(type);
      if (this.role === 'follower') this.channel.postMessage({ kind: 'listen', types: [type] });
    }

    /** @param {string} type @param {(e: any) => void} fn */
    removeEventListener(type, fn) {
      this.listeners.get(type)?.delete(fn);
    }

    close() {
      const wasLeader = this.role === 'leader';
      this.role = 'closed';
      this.readyState = 2;
      this.abort.abort();
      this.source?.close();
      this.source = null;
      if (wasLeader) this.channel.postMessage({ kind: 'state', readyState: 0 });  // the next holder opens anew
      this.channel?.close();
      this.unlock();
    }
  };
}
