// The OpenAPI document against the real server: every documented operation is
// called, each answer's status must be documented for it, and its body must
// match the documented schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
// The server serves the same document at /v1/openapi.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Server } from '../support/server.js';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');

const here = dirname(fileURLToPath(import.meta.url));
const doc = JSON.parse(readFileSync(join(here, '../../../docs/openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi');

/** "/v1/tasks/{id}" → ~1v1~1tasks~1{id}, as a JSON pointer segment. */
const pointer = (segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** The documented path template of a concrete path, or null. */
function templateOf(path) {
  for (const template of Object.keys(doc.paths)) {
    const pattern = template.replace(/\{topic\}/, '.+').replace(/\{[^}]+\}/g, '[^/]+');
    if (new RegExp(`^${pattern}$`).test(path)) return template;
  }
  return null;
}

const called = new Set();

/** Calls the server, then checks the answer against the document. A stream is
 * closed after its head, or with `toEnd` read until the server ends it (10 s at most). */
async function call(server, method, target, { headers = {}, body, expect, toEnd = false } = {}) {
  const res = await fetch(server.url + target, {
    method,
    signal: AbortSignal.timeout(10000),
    headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const path = new URL(target, server.url).pathname;
  const template = templateOf(path);
  assert.ok(template, `${path} is not in the document`);
  const operation = doc.paths[template][method.toLowerCase()];
  assert.ok(operation, `${method} ${template} is not in the document`);
  called.add(`${method} ${template}`);
  if (expect !== undefined) assert.equal(res.status, expect, `${method} ${target}`);
  let where = `/paths/${pointer(template)}/${method.toLowerCase()}/responses/${res.status}`;
  let response = operation.responses[String(res.status)];
  assert.ok(response, `${method} ${template} answered ${res.status}, which the document does not list`);
  if (response.$ref) {
    where = response.$ref.slice(1);
    response = response.$ref.split('/').slice(1).reduce((node, key) => node[key], doc);
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  if (type === 'text/event-stream') {
    assert.ok(response.content?.['text/event-stream'], `${method} ${template} ${res.status}: a stream is not documented`);
    if (toEnd) res.streamed = await res.text();
    else await res.body.cancel();
    return res;
  }
  const text = await res.text();
  if (!response.content) {
    assert.equal(text, '', `${method} ${template} ${res.status} has a body the document does not describe`);
    return res;
  }
  assert.ok(response.content[type], `${method} ${template} ${res.status}: content type ${type} is not documented`);
  if (type.endsWith('json')) {
    const validate = ajv.getSchema(`openapi#${where}/content/${pointer(type)}/schema`);
    const value = JSON.parse(text);
    assert.ok(validate(value), `${method} ${target} ${res.status}: ${ajv.errorsText(validate.errors)}\n${text}`);
    res.json = value;
  }
  return res;
}

let server;
before(async () => {
  server = await new Server().start();
});
after(async () => {
  await server?.stop();
});

test('every operation of the document answers as documented, and the server serves the same document', async () => {
  const served = await call(server, 'GET', '/v1/openapi.json', { expect: 200 });
  assert.deepEqual(served.json, doc);

  await call(server, 'GET', '/v1/kinds', { expect: 200 });
  const quick = { kind: 'demo.countdown', params: { steps: 1, interval_ms: 0 } };
  const created = await call(server, 'POST', '/v1/tasks', { body: quick, headers: { 'idempotency-key': 'oa-1' }, expect: 202 });
  await call(server, 'POST', '/v1/tasks', { body: quick, headers: { 'idempotency-key': 'oa-1' }, expect: 200 });
  await call(server, 'POST', '/v1/tasks', { body: { kind: 'no.such' }, expect: 422 });
  await call(server, 'POST', '/v1/tasks', { body: '{not json', headers: { 'content-type': 'application/json' }, expect: 400 });
  await call(server, 'POST', '/v1/tasks', { body: 'x', headers: { 'content-type': 'text/plain' }, expect: 415 });
  const streamed = await call(server, 'POST', '/v1/tasks', { body: quick, headers: { accept: 'text/event-stream' }, expect: 200 });
  assert.ok(streamed.headers.get('location'));

  const id = created.json.id;
  await call(server, 'GET', `/v1/tasks/${id}/events`, { expect: 200 });
  const history = await call(server, 'GET', `/v1/tasks/${id}/events?limit=2`, { headers: { accept: 'application/json' }, expect: 200 });
  assert.equal(history.json.events.length, 2);
  await call(server, 'GET', `/v1/tasks/${id}/events?limit=0`, { headers: { accept: 'application/json' }, expect: 400 });
  await call(server, 'GET', `/v1/tasks/${id}`, { expect: 200 });
  await call(server, 'GET', '/v1/tasks/01AAAAAAAAAAAAAAAAAAAAAAAA', { expect: 404 });
  await call(server, 'GET', '/v1/tasks?limit=2', { expect: 200 });
  await call(server, 'GET', '/v1/tasks?limit=0', { expect: 400 });
  await call(server, 'GET', '/v1/task-counts?kind=demo.countdown', { expect: 200 });
  await call(server, 'GET', '/v1/task-counts?state=failed', { expect: 400 });
  const stats = await call(server, 'GET', '/v1/stats?kind=demo.countdown&step=120', { expect: 200 });
  assert.equal(stats.json.kinds[0].points.length, 30);
  await call(server, 'GET', '/v1/stats?step=30', { expect: 400 });

  const slow = await call(server, 'POST', '/v1/tasks', { body: { kind: 'demo.countdown', params: { steps: 1000, interval_ms: 100 } }, expect: 202 });
  await call(server, 'DELETE', `/v1/tasks/${slow.json.id}`, { expect: 409 });
  await call(server, 'POST', `/v1/tasks/${slow.json.id}/cancel`, { expect: 202 });
  // Read to its end, the cancelled state: only then is a second cancel a conflict (the
  // running attempt sees the first one, ends, and commits its end meanwhile).
  const ended = await call(server, 'GET', `/v1/tasks/${slow.json.id}/events`, { expect: 200, toEnd: true });
  assert.match(ended.streamed, /"state":"cancelled"/);
  await call(server, 'POST', `/v1/tasks/${slow.json.id}/cancel`, { expect: 409 });
  await call(server, 'POST', `/v1/tasks/${slow.json.id}/retry`, { expect: 202 });
  await call(server, 'POST', `/v1/tasks/${slow.json.id}/cancel`, { expect: 202 });
  const bulk = await call(server, 'POST', '/v1/tasks/bulk', { body: { action: 'cancel', filter: { kind: 'demo.countdown' } }, expect: 202 });
  await call(server, 'GET', `/v1/tasks/${bulk.json.id}/events`, { expect: 200, toEnd: true });
  const bulkEnd = await call(server, 'GET', `/v1/tasks/${bulk.json.id}`, { expect: 200 });
  const bulkResult = ajv.getSchema('openapi#/components/schemas/BulkResult');
  assert.ok(bulkResult(bulkEnd.json.result), ajv.errorsText(bulkResult.errors));
  await call(server, 'POST', '/v1/tasks/bulk', { body: { action: 'cancel', filter: { colour: 'red' } }, expect: 422 });
  const failing = await call(server, 'POST', '/v1/tasks', { body: { kind: 'demo.fail' }, expect: 202 });
  await call(server, 'GET', `/v1/tasks/${failing.json.id}/events`, { expect: 200, toEnd: true });
  const failures = await call(server, 'GET', '/v1/failures?q=demo', { expect: 200 });
  assert.equal(failures.json.groups[0].error_type, 'demo_failure');
  await call(server, 'GET', '/v1/failures?state=failed', { expect: 400 });
  await call(server, 'GET', '/v1/tasks?q=countdown&limit=1', { expect: 200 });
  await call(server, 'GET', '/v1/tasks?q=', { expect: 400 });
  await call(server, 'GET', `/v1/tasks/${id}/events`, { expect: 200 });
  await call(server, 'DELETE', `/v1/tasks/${id}`, { expect: 204 });
  await call(server, 'GET', `/v1/tasks/${id}`, { expect: 410 });

  await call(server, 'POST', '/v1/topics/orders/42/events', { body: { type: 'shipped', data: { carrier: 'DHL' } }, expect: 202 });
  await call(server, 'POST', '/v1/topics/orders/42/events', { body: [{ data: 1 }, { data: 2 }], expect: 202 });
  await call(server, 'POST', '/v1/topics/orders/42/events', { body: { nodata: 1 }, expect: 422 });
  const multiplexed = await fetch(`${server.url}/v1/events?topic=orders/*`);
  assert.equal(multiplexed.headers.get('content-type').split(';')[0], 'text/event-stream');
  await multiplexed.body.cancel();
  await call(server, 'GET', '/v1/events?topic=a', { headers: { 'last-event-id': 'x' }, expect: 400 });
  called.add('GET /v1/events');

  const ticket = await call(server, 'POST', '/v1/tickets', { body: { streams: ['/v1/events?topic=orders/*'] }, expect: 201 });
  assert.ok(ticket.json.ticket.startsWith('tk_'));
  await call(server, 'POST', '/v1/tickets', { body: { streams: [] }, expect: 422 });

  const noop = await call(server, 'GET', '/v1/kinds/demo.noop', { expect: 200 });
  assert.equal(noop.json.paused, false);
  await call(server, 'GET', '/v1/kinds/no.such', { expect: 404 });
  const paused = await call(server, 'POST', '/v1/kinds/demo.noop/pause', { expect: 200 });
  assert.equal(paused.json.paused, true);
  await call(server, 'POST', '/v1/kinds/no.such/pause', { expect: 404 });
  assert.equal((await call(server, 'POST', '/v1/kinds/demo.noop/resume', { expect: 200 })).json.paused, false);
  await call(server, 'POST', '/v1/admin/pause', { expect: 200 });
  await call(server, 'POST', '/v1/admin/resume', { expect: 200 });
  await call(server, 'GET', '/v1/admin/status', { expect: 200 });
  await call(server, 'GET', '/healthz', { expect: 200 });
  await call(server, 'GET', '/readyz', { expect: 200 });
  await call(server, 'GET', '/metrics', { expect: 200 });
  await call(server, 'GET', '/', { expect: 200 });

  const documented = Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${template}`));
  assert.deepEqual(documented.filter((op) => !called.has(op)), [], 'operations the test did not call');
});
