// Types of @taskstream/client (hand-written; checked against usage.ts by `npm run types`).

export type TaskState = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'superseded';

export interface Progress {
  percent?: number;
  current?: number;
  total?: number;
  message?: string;
}

/** Why a queued or retrying task has not started. */
export interface Waiting {
  reason: 'scheduled' | 'paused' | 'kind_paused' | 'key_limit' | 'kind_limit' | 'rate_limit' | 'workers_busy';
  /** The same for a person: "1 of 1 reports.export tasks for customer 42 are running". */
  detail: string;
  /** When it may start (scheduled), or when its rate lets it start next (rate_limit). */
  until?: string;
}

export interface Task {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  state: TaskState;
  progress: Progress;
  attempt: number;
  max_attempts: number;
  priority: number;
  /** Its kind runs at most `key_concurrency` tasks with this key at once. */
  concurrency_key?: string;
  /** Its start deadline: not started by then, it ends `expired`. */
  expires_at?: string;
  /** Why it has not started (in answers to get and list, while queued or retrying). */
  waiting?: Waiting;
  /** Its dedupe key (StartOptions.dedupe). */
  dedupe_key?: string;
  /** A superseded task: the task that replaced it. */
  superseded_by?: string;
  /** It replaced a running task with its dedupe key: that task, which it starts after. */
  after?: string;
  /** Its tags (StartOptions.tags): list filters find it by them. */
  tags?: string[];
  /** Its metadata (StartOptions.metadata). */
  metadata?: Record<string, unknown>;
  created_at: string;
  scheduled_at: string;
  started_at: string | null;
  finished_at: string | null;
  timeout_s?: number;
  result?: unknown;
  error?: { type: string; message: string };
  links: { self: string; events: string; superseded_by?: string; after?: string };
}

export interface LogLine {
  level: string;
  message: string;
  task_id: string;
}

export interface Kind {
  name: string;
  description: string;
  params_schema: Record<string, any>;
  /** Every param, in the order a form lists them. */
  params_order: string[];
  defaults: { timeout_s: number; max_retries: number; backoff_ms: number; ttl_s: number };
  /** At most this many of the kind run at once, across every server (0: no limit but the workers). */
  max_concurrency: number;
  /** At most this many with the same `concurrency_key` run at once (0: no limit per key). */
  key_concurrency: number;
  /** At most this many starts per interval across every server, spaced evenly ("100/s", "20/m", "1000/h"); null: no rate. */
  rate: string | null;
  /** The same per `concurrency_key`; null: none. */
  key_rate: string | null;
  /** Paused by an operator: its tasks are accepted and wait until it is resumed. */
  paused: boolean;
}

/** An event as the async iterator gives it. */
export interface WatchEvent {
  id: string;
  type: string;
  data: any;
  /** The task it is about; null for a producer's event. */
  taskId: string | null;
}

/** `denied`: a ticket for the stream was refused (401 or 403); it is not asked for again. */
export type ConnectionState = 'connecting' | 'open' | 'retrying' | 'closed' | 'denied';

export interface WatchHandlers {
  onState?(task: Task, meta: { reset: boolean }): void;
  onProgress?(progress: Progress, taskId: string): void;
  onLog?(line: LogLine, taskId: string): void;
  /** Why a waiting task waits changed (at most one a second per task): its `waiting` now. */
  onWaiting?(waiting: Waiting, taskId: string): void;
  onDone?(task: Task): void;
  /** A producer's event on a watched topic. */
  onEvent?(event: { id: string; type: string; data: any }): void;
  /** The server's history did not reach back far enough: `task` is the state now (null: all were re-read). */
  onReset?(task: Task | null): void;
  onError?(error: TaskstreamError): void;
  onConnection?(state: ConnectionState): void;
}

export interface WatchOptions {
  /** Producer event types to listen for, besides `message` (EventSource has no wildcard). */
  eventTypes?: string[];
  /** Close the watch when every watched task has ended (default: when it names no topic). */
  untilDone?: boolean;
}

export interface WatchHandle extends AsyncIterable<WatchEvent> {
  add(targets: string | string[]): Promise<void>;
  remove(targets: string | string[]): void;
  close(): void;
  /** Resolves once the first targets' history has been delivered. */
  readonly ready: Promise<void>;
  /** The newest state of each task this watch has seen. */
  readonly tasks: ReadonlyMap<string, Task>;
}

export interface StartOptions {
  priority?: number;
  delayS?: number;
  runAt?: string | Date;
  timeoutS?: number;
  /** Seconds it may wait to start (from when it may start); then it ends `expired`. */
  ttlS?: number;
  /** Its start deadline (not with ttlS). */
  expiresAt?: string | Date;
  maxRetries?: number;
  callbackUrl?: string;
  /** Tasks of the kind with the same key run at most its `key_concurrency` at once. */
  concurrencyKey?: string;
  /**
   * While a task of the kind with this key (and your owner) is unfinished: `join` it (the
   * answer is that task), `replace` it (if it has not started it ends `superseded`, and a
   * watch of it follows the new one) or `reject` (a 409 whose problem names it).
   */
  dedupe?: { key: string; mode?: 'join' | 'replace' | 'reject' };
  /** Up to 10 tags of 1 to 64 characters of A-Z a-z 0-9 _ . : / - ; repeats are dropped. */
  tags?: string[];
  /** A JSON object of at most 4 KiB; its top-level strings, numbers and booleans can be filtered on. */
  metadata?: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface ListFilter {
  state?: TaskState;
  kind?: string;
  /** Only tasks with this tag, or with every one of these. */
  tag?: string | string[];
  /** Only tasks whose metadata has each of these top-level fields with this value. */
  meta?: Record<string, string | number | boolean>;
  /** Only tasks with this concurrency key. */
  key?: string;
  /** Only finished tasks whose error has this type. */
  errorType?: string;
  /** Only tasks created at or after this time. */
  createdAfter?: string | Date;
  /** Only tasks created before this time. */
  createdBefore?: string | Date;
  /** Text in the id, kind, a tag, or the error's type or message (ASCII letters in any case). A
   * search's page reads at most 5,000 tasks: it may hold fewer than `limit` and still go on. */
  q?: string;
  limit?: number;
}

/** What a bulk action takes: a list's filters (at least one), or `{ all: true }` alone for every task. */
export type BulkFilter = Omit<ListFilter, 'limit'> & { all?: true };

/** One step of a kind's history (GET /v1/stats). A percentile is null when the step has none. */
export interface StatsPoint {
  at: string;
  created: number;
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  expired: number;
  wait_p50_ms: number | null;
  wait_p95_ms: number | null;
  run_p50_ms: number | null;
  run_p95_ms: number | null;
}

/** The failed tasks of one kind and error type (GET /v1/failures), with its newest one. */
export interface FailureGroup {
  kind: string;
  error_type: string;
  count: number;
  last_task_id: string;
  last_message: string;
  last_failed_at: string;
}

/** Failed tasks by kind and error type, most first; `complete` is false when only the newest
 * 10,000 failed tasks were read. */
export interface Failures {
  groups: FailureGroup[];
  read: number;
  complete: boolean;
}

export interface Stats {
  from: string;
  to: string;
  step_s: number;
  kinds: { kind: string; points: StatsPoint[] }[];
}

export interface StatsFilter {
  kind?: string;
  /** Default: an hour before `to`. */
  from?: string | Date;
  /** Default: now. */
  to?: string | Date;
  /** Seconds per point, a multiple of 60 (default 60); at most 1,440 points. */
  stepS?: number;
}

export type BulkAction = 'cancel' | 'retry' | 'delete';

/** The `result` of a finished system.bulk task. */
export interface BulkResult {
  action: BulkAction;
  /** Tasks the filter found (created before the bulk task). */
  matched: number;
  done: number;
  /** Tasks the action did not apply to when it reached them (e.g. already finished, for a cancel). */
  skipped: number;
}

export interface BulkOptions {
  /** At most this many tasks, newest first (the server's default: 10,000). */
  max?: number;
  idempotencyKey?: string;
}

export interface TaskPage {
  tasks: Task[];
  nextCursor: string | null;
}

export interface ClientOptions {
  /** The server's origin; in a page, the page's own by default. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer` on every request. */
  token?: string;
  fetch?: typeof fetch;
  /** An EventSource implementation (in Node, e.g. the `eventsource` package). */
  EventSource?: any;
  /** The waits between tries after the browser gives up on the stream. */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * Open streams with single-use tickets (a browser's EventSource cannot send a token):
   * `true` mints one from `POST /v1/tickets` before every connection; a function gets
   * one for the stream target it is given (`/v1/events?topic=…`).
   */
  tickets?: boolean | ((stream: string) => Promise<string>);
  /**
   * One stream per browser instead of one per tab: tabs of this origin that read the same topics with
   * the same token (or, without one, the same cookies) share one connection — Web Locks elects the tab
   * that holds it, a BroadcastChannel hands its events to the others, and another tab takes over when
   * it closes. Needs a secure context (https or localhost); elsewhere each tab keeps its own. Default false.
   */
  shareAcrossTabs?: boolean;
}

export interface AdminStatus {
  paused: boolean;
  queued: number;
  running: number;
  active: number;
  workers: number;
  /** Kinds an operator paused, by name. */
  paused_kinds: string[];
}

export interface Client {
  kinds(): Promise<Kind[]>;
  kind(name: string): Promise<Kind>;
  /** Admin: no task of the kind starts, on any server, until resumed; its tasks still queue. */
  pauseKind(name: string): Promise<Kind>;
  resumeKind(name: string): Promise<Kind>;
  start(kind: string, params?: Record<string, unknown>, options?: StartOptions): Promise<Task>;
  get(id: string): Promise<Task>;
  /** Newest first, across cursor pages; `.pages()` gives the pages themselves. */
  list(filter?: ListFilter): AsyncIterable<Task> & { pages(): AsyncIterable<TaskPage> };
  page(filter?: ListFilter, cursor?: string | null): Promise<TaskPage>;
  /** A task's committed events, oldest first. */
  history(id: string): Promise<{ id: string; type: string; data: any }[]>;
  /** Cancels, retries or deletes every task `filter` finds (at least one filter, or `{ all: true }`),
   * as a task of the built-in kind system.bulk: resolves with that task once committed; watch it for
   * its progress, its `result` is a BulkResult. */
  bulk(action: BulkAction, filter: BulkFilter, options?: BulkOptions): Promise<Task>;
  cancel(id: string): Promise<Task>;
  retry(id: string): Promise<Task>;
  delete(id: string): Promise<void>;
  publish(topic: string, events: { type?: string; data: unknown } | { type?: string; data: unknown }[]): Promise<string[]>;
  /** Admin: the task history per kind, a point per step: counts, queue wait and run time percentiles. */
  stats(filter?: StatsFilter): Promise<Stats>;
  /** The failed tasks the filter finds, by kind and error type; each group is one
   * `bulk('retry', { state: 'failed', kind, errorType })` away. */
  failures(filter?: Omit<ListFilter, 'state' | 'errorType' | 'limit'>): Promise<Failures>;
  /** How many tasks (of a kind) are in each state. */
  counts(filter?: { kind?: string }): Promise<Record<TaskState, number>>;
  status(): Promise<AdminStatus>;
  pause(): Promise<AdminStatus>;
  resume(): Promise<AdminStatus>;
  /** Task ids and topics (`orders/1`, `tasks/*`), all over the client's one stream. */
  watch(targets: string | string[], handlers?: WatchHandlers & WatchOptions): WatchHandle;
  readonly connection: ConnectionState;
  close(): void;
}

export declare function createClient(options?: ClientOptions): Client;

export declare const TERMINAL_STATES: readonly ['succeeded', 'failed', 'cancelled'];

export declare class TaskstreamError extends Error {
  constructor(message: string, details?: { status?: number; problem?: Record<string, any>; cause?: unknown });
  readonly status: number;
  readonly problem?: Record<string, any>;
  readonly type?: string;
  readonly errors: { pointer: string; detail: string }[];
}
