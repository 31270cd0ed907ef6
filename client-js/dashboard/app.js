// The dashboard: start tasks from forms generated from their kinds' schemas,
// watch them live in one table, look into one, inspect producers' topics. All of
// it over client-js and the page's one multiplexed stream.
import { createClient } from '/client/index.js';
import { buildParams } from './form.js';
import { TaskTable } from './table.js';
import { TaskDetail } from './detail.js';
import { TopicInspector } from './inspector.js';
import { el, withCode, kindLimits } from './format.js';
import { parseLabels, labelsText, labelsFromQuery, putLabels } from './labels.js';
import { BulkActions } from './bulk.js';
import { History } from './history.js';
import { Failures } from './failures.js';
import { Selection } from './selection.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

// ---- signing in -------------------------------------------------------------------
// With authentication on, a person pastes a token: this tab keeps it (sessionStorage,
// never a URL), sends it as a Bearer header, and opens its stream by single-use
// ticket (an EventSource cannot send a header). With --auth-cookie the browser sends
// the cookie by itself, and no token is asked for.
const TOKEN_KEY = 'taskstream.token';
const token = sessionStorage.getItem(TOKEN_KEY);
// One stream for all of this browser's dashboard tabs (client-js elects one to hold it).
const client = createClient(token ? { token, tickets: true, shareAcrossTabs: true } : { shareAcrossTabs: true });
$('signout').hidden = !token;
$('signout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

/** The sign-in form instead of the dashboard. @param {string | null} why */
function askToSignIn(why) {
  showConnection('signin');
  document.querySelector('main').hidden = true;
  $('signin').hidden = false;
  showSignInError(why);
  $('signin-heading').focus();
}
function showSignInError(/** @type {string | null} */ text) {
  $('signin-error').textContent = text ?? '';
  $('signin-error').hidden = !text;
  if (text) $('signin-token').setAttribute('aria-invalid', 'true');
  else $('signin-token').removeAttribute('aria-invalid');
}
$('signin-form').addEventListener('submit', async (/** @type {Event} */ e) => {
  e.preventDefault();
  const candidate = $('signin-token').value.trim();
  if (!candidate) return showSignInError('Paste a token first.');
  $('signin-button').disabled = true;
  try {
    await createClient({ token: candidate }).kinds();
  } catch (err) {
    if (err.status === 401) {
      $('signin-button').disabled = false;
      return showSignInError(`The server refused this token: ${err.problem?.detail ?? err.message}`);
    }
    // 403 and the rest: signed in; the dashboard says what the token may not do.
  }
  sessionStorage.setItem(TOKEN_KEY, candidate);
  location.reload();
});

/** "Not allowed: …" for a 403, else the error's message. @param {any} err */
function refusal(err) {
  return err.status === 403 ? `Not allowed: ${err.problem?.detail ?? err.message}` : err.message;
}

// ---- connection and queue -------------------------------------------------
const CONNECTION_TEXT = {
  open: 'live', connecting: 'connecting…', retrying: 'reconnecting…', closed: 'offline',
  denied: 'not allowed to watch tasks', signin: 'sign in needed',
};
function showConnection(/** @type {keyof typeof CONNECTION_TEXT} */ state) {
  $('connection').dataset.state = state;
  $('connection-text').textContent = CONNECTION_TEXT[state] ?? state;
}

let statusTimer = 0;
async function refreshStatus() {
  clearTimeout(statusTimer);
  try {
    const s = await client.status();
    const pausedKinds = s.paused_kinds.length ? ` · paused kinds: ${s.paused_kinds.join(', ')}` : '';
    $('queue-summary').textContent = `${s.running} running · ${s.queued} queued · ${s.workers} workers${s.paused ? ' · paused' : ''}${pausedKinds}`;
    $('pause').disabled = s.paused;
    $('resume').disabled = !s.paused;
    // Another operator (or server) may have paused or resumed a kind since the kinds were read.
    for (const k of kinds) k.paused = s.paused_kinds.includes(k.name);
    showKindState();
  } catch (err) {
    $('queue-summary').textContent = err.status === 403 ? 'queue: not allowed' : 'queue: unknown';
  }
  statusTimer = window.setTimeout(refreshStatus, 5000);
}
/** The state filter says how many tasks (of the chosen kind) are in each state. */
async function refreshCounts() {
  try {
    const counts = await client.counts({ kind: $('filter-kind').value || undefined });
    for (const option of $('filter-state').options) {
      if (option.value) option.textContent = `${option.value} (${counts[option.value] ?? 0})`;
    }
  } catch {
    // the filter keeps its last counts
  }
}
let statusSoon = 0;
function refreshStatusSoon() {
  if (!statusSoon) statusSoon = window.setTimeout(() => { statusSoon = 0; void refreshStatus(); void refreshCounts(); }, 300);
}
$('pause').addEventListener('click', async () => { await client.pause().catch(() => {}); void refreshStatus(); });
$('resume').addEventListener('click', async () => { await client.resume().catch(() => {}); void refreshStatus(); });

// ---- tasks: table, filters in the URL, detail --------------------------------
const table = new TaskTable({
  body: $('task-rows'), end: $('table-end'), client, onOpen: (id) => openDetail(id), onPick: (id, on) => selection.pick(id, on),
});
const selection = new Selection({ client, $, table });
const detail = new TaskDetail({
  client,
  onClose: () => { table.select(null); setUrl({ task: '' }); },
  onDeleted: (id) => { table.remove(id); selection.drop(id); },
});
function openDetail(/** @type {string} */ id) {
  table.select(id);
  setUrl({ task: id });
  void detail.open(id);
}

function setUrl(/** @type {Record<string, string>} */ changes) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(changes)) {
    if (v) url.searchParams.set(k, v);
    else url.searchParams.delete(k);
  }
  history.replaceState(null, '', url);
}

function readFilter() {
  const q = new URL(location.href).searchParams;
  return { state: q.get('state') ?? '', kind: q.get('kind') ?? '', labels: labelsFromQuery(q), q: q.get('q') ?? '' };
}
const bulk = new BulkActions({ client, $, onError: (err) => refusal(err) });
$('filters').addEventListener('change', () => {
  const filter = {
    state: $('filter-state').value, kind: $('filter-kind').value, labels: parseLabels($('filter-labels').value), q: $('filter-q').value.trim(),
  };
  bulk.setFilter(filter);
  selection.clear();
  setUrl({ state: filter.state, kind: filter.kind, q: filter.q });
  const url = new URL(location.href);
  putLabels(url.searchParams, filter.labels);
  history.replaceState(null, '', url);
  void table.setFilter(filter);
  void refreshCounts();
});
$('filters').addEventListener('submit', (/** @type {Event} */ e) => e.preventDefault());

// ---- the start form ------------------------------------------------------------
/** @type {any[]} */
let kinds = [];
let params = buildParams($('params'), {});
const OPTION_FIELDS = { priority: 'opt-priority', delay_s: 'opt-delay', timeout_s: 'opt-timeout', max_retries: 'opt-retries' };
/** The text options, by the body field a server's error points at. */
const TEXT_FIELDS = { concurrency_key: 'opt-ckey', dedupe: 'opt-dedupe', tags: 'opt-tags', metadata: 'opt-meta', idempotency_key: 'opt-key' };

function chooseKind(/** @type {string} */ name) {
  const kind = kinds.find((k) => k.name === name);
  $('kind-help').replaceChildren(...withCode(kind?.description ?? ''));
  $('kind-limits').textContent = kind ? kindLimits(kind) : '';
  params = buildParams($('params'), kind?.params_schema ?? {}, kind?.params_order);
  $('opt-timeout').placeholder = kind ? String(kind.defaults.timeout_s) : '';
  $('opt-retries').placeholder = kind ? String(kind.defaults.max_retries) : '';
  $('form-result').textContent = '';
  showKindState();
}
$('kind').addEventListener('change', () => chooseKind($('kind').value));

/** Whether the chosen kind is paused, and the button that pauses or resumes it. */
function showKindState(/** @type {string} */ refused = '') {
  const kind = kinds.find((k) => k.name === $('kind').value);
  const button = $('kind-pause');
  button.hidden = !kind;
  if (!kind) return;
  $('kind-state').textContent = refused || (kind.paused ? 'Paused: its tasks are accepted and wait until it is resumed.' : '');
  button.textContent = kind.paused ? 'Resume this kind' : 'Pause this kind';
}
$('kind-pause').addEventListener('click', async () => {
  const index = kinds.findIndex((k) => k.name === $('kind').value);
  if (index < 0) return;
  try {
    const name = kinds[index].name;
    kinds[index] = await (kinds[index].paused ? client.resumeKind(name) : client.pauseKind(name));
    showKindState();
    void refreshStatus();
  } catch (err) {
    showKindState(refusal(err));
  }
});

function optionError(/** @type {string} */ field, /** @type {string | null} */ text) {
  const input = $(OPTION_FIELDS[field] ?? TEXT_FIELDS[field] ?? 'opt-key');
  const error = $(`${input.id}-error`);
  error.textContent = text ?? '';
  error.hidden = !text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function readOptions() {
  /** @type {Record<string, any>} */
  const opts = {};
  let ok = true;
  for (const [field, id] of Object.entries(OPTION_FIELDS)) {
    const input = $(id);
    optionError(field, null);
    if (input.value.trim() === '') continue;
    const n = Number(input.value);
    const min = input.min === '' ? -Infinity : Number(input.min);
    const max = input.max === '' ? Infinity : Number(input.max);
    if (!Number.isFinite(n) || (input.step === '1' && !Number.isInteger(n)) || n < min || n > max) {
      optionError(field, input.step === '1' ? `A whole number from ${min} to ${max}.` : `A number of at least ${min}.`);
      ok = false;
      continue;
    }
    opts[{ priority: 'priority', delay_s: 'delayS', timeout_s: 'timeoutS', max_retries: 'maxRetries' }[field]] = n;
  }
  optionError('concurrency_key', null);
  const concurrencyKey = $('opt-ckey').value.trim();
  if (concurrencyKey) opts.concurrencyKey = concurrencyKey;
  optionError('dedupe', null);
  const dedupeKey = $('opt-dedupe').value.trim();
  if (dedupeKey) opts.dedupe = { key: dedupeKey, mode: $('opt-dedupe-mode').value };
  optionError('tags', null);
  const tags = $('opt-tags').value.split(/\s+/).filter(Boolean);
  if (tags.length) opts.tags = tags;
  optionError('metadata', null);
  const metadata = $('opt-meta').value.trim();
  if (metadata) {
    try {
      opts.metadata = JSON.parse(metadata);
      if (typeof opts.metadata !== 'object' || opts.metadata === null || Array.isArray(opts.metadata)) throw new Error();
    } catch {
      optionError('metadata', 'A JSON object, such as {"customer": 42}.');
      ok = false;
    }
  }
  const key = $('opt-key').value.trim();
  if (key) opts.idempotencyKey = key;
  return ok ? opts : null;
}

$('start-form').addEventListener('submit', async (/** @type {Event} */ e) => {
  e.preventDefault();
  const formError = $('form-error');
  formError.hidden = true;
  $('form-result').textContent = '';
  const values = params.collect();
  const opts = readOptions();
  if (!values || !opts) return;  // the fields say what is wrong; nothing was sent
  $('start-button').disabled = true;
  try {
    const task = await client.start($('kind').value, values, opts);
    const link = el('button', { type: 'button', class: 'link', text: task.id });
    link.addEventListener('click', () => openDetail(task.id));
    $('form-result').replaceChildren('Started ', link);
    table.place(task, false);  // the stream may be ahead of this 202 already
  } catch (err) {
    let placed = 0;
    for (const { pointer, detail } of err.errors ?? []) {
      const top = pointer.replace(/^\//, '').split('/')[0];
      if (top in OPTION_FIELDS || top in TEXT_FIELDS) optionError(top, detail), placed++;
      else if (params.showServerError(pointer, detail)) placed++;
    }
    if (placed === 0 || placed < (err.errors?.length ?? 0)) {
      formError.textContent = err.status === 403 ? refusal(err) : err.problem?.detail ?? err.message;
      formError.hidden = false;
    }
  } finally {
    $('start-button').disabled = false;
  }
});

// ---- start ----------------------------------------------------------------------
async function main() {
  const filter = readFilter();
  $('filter-state').value = filter.state;
  $('filter-labels').value = labelsText(filter.labels);
  $('filter-q').value = filter.q;
  try {
    kinds = await client.kinds();
  } catch (err) {
    // Asked first: a server that wants a token says so here, before a stream is opened.
    if (err.status === 401) return askToSignIn(token ? `This token was refused: ${err.problem?.detail ?? err.message}` : null);
    $('form-error').textContent = `Could not load the task kinds: ${refusal(err)}`;
    $('form-error').hidden = false;
  }
  // Live first, then the pages: a task that changes in between is in the stream. The
  // pages are asked for once the stream is attached (its open), or after 5 s without one.
  /** @type {() => void} */
  let attached = () => {};
  const streaming = new Promise((resolve) => { attached = () => resolve(undefined); });
  client.watch('tasks/*', {
    onState: (task) => { table.place(task, true); bulk.state(task); failures.state(task); refreshStatusSoon(); },
    onProgress: (progress, id) => { table.progress(id, progress); bulk.progress(id, progress); failures.progress(id, progress); },
    onWaiting: (waiting, id) => table.waiting(id, waiting),
    onConnection: (state) => { showConnection(state); if (state === 'open' || state === 'denied') attached(); },
  });
  for (const k of kinds) {
    $('kind').append(el('option', { value: k.name, text: k.name }));
    $('filter-kind').append(el('option', { value: k.name, text: k.name }));
  }
  $('filter-kind').value = filter.kind;
  bulk.setFilter(filter);
  if (kinds.length) chooseKind(kinds[0].name);
  taskHistory.setKinds(kinds.map((k) => k.name));
  void taskHistory.refresh();
  void failures.refresh();
  void refreshStatus();
  void refreshCounts();
  await Promise.race([streaming, new Promise((resolve) => setTimeout(resolve, 5000))]);
  // The filter as it is now: a person may have changed it while the stream attached.
  await table.setFilter(readFilter());
  const task = new URL(location.href).searchParams.get('task');
  if (task) openDetail(task);
}

const taskHistory = new History({ client, $ });
const failures = new Failures({ client, $, onOpen: (id) => openDetail(id), onError: (err) => refusal(err) });
new TopicInspector(client);
void main();
