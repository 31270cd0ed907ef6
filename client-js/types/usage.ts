// Compiles only if the types describe the client as an application uses it.
import { createClient, TaskstreamError, TERMINAL_STATES, type BulkResult, type Task, type WatchEvent } from '@taskstream/client';

async function example(): Promise<void> {
  const client = createClient({ baseUrl: 'http://127.0.0.1:8080', backoff: { maxMs: 10000 } });
  const kinds = await client.kinds();
  const first: string = kinds[0].name;
  const paused: boolean = (await client.pauseKind(first)).paused;
  console.log(paused, (await client.resumeKind(first)).max_concurrency, (await client.kind(first)).defaults.timeout_s);
  const again: Task = await client.get('01M8T1C3ST9M9DQBQ40B7BDQF4');
  if (again.waiting?.reason === 'key_limit') console.log(again.waiting.detail, again.waiting.until ?? '');
  const task: Task = await client.start(first, { steps: 3 }, { priority: 1, idempotencyKey: 'k', delayS: 2, concurrencyKey: 'customer-42', ttlS: 60, dedupe: { key: 'report-7', mode: 'replace' } });
  if (task.state === 'superseded') console.log(task.superseded_by ?? '', task.dedupe_key ?? '');
  if (task.after) console.log(`starts after ${task.after} (${task.links.after ?? ''})`);
  const tagged: Task = await client.start(first, {}, { tags: ['nightly', 'customer:42'], metadata: { customer: 42, region: 'eu' } });
  console.log(tagged.tags?.join(' ') ?? '', tagged.metadata?.region ?? '');
  for await (const t of client.list({ tag: ['nightly'], meta: { customer: 42, urgent: true } })) console.log(t.id);
  for await (const t of client.list({ errorType: 'timeout', state: 'failed' })) console.log(t.error?.message ?? '');
  const history = await client.stats({ kind: 'reports.export', from: new Date(Date.now() - 86400000), stepS: 3600 });
  for (const p of history.kinds[0]?.points ?? []) console.log(p.at, p.failed, p.wait_p95_ms ?? '-');
  const bulk = await client.bulk('retry', { errorType: 'timeout', state: 'failed', kind: 'reports.export' }, { max: 500 });
  client.watch(bulk.id, { onDone: (t) => console.log((t.result as BulkResult).done) });
  for await (const t of client.list({ key: 'customer-42', createdAfter: new Date(0), createdBefore: '2030-01-01T00:00:00Z' })) console.log(t.id);
  const watch = client.watch([task.id, 'orders/*'], {
    eventTypes: ['created'],
    onState: (t, { reset }) => console.log(t.state, reset),
    onProgress: (p, id) => console.log(id, p.percent ?? 0),
    onLog: (line) => console.log(line.level, line.message),
    onWaiting: (w, id) => console.log(id, w.reason, w.detail, w.until ?? ''),
    onDone: (t) => console.log(TERMINAL_STATES.includes(t.state as 'succeeded')),
    onConnection: (state) => console.log(state === 'open'),
    onError: (err) => console.log(err.status, err.errors.map((e) => e.pointer)),
  });
  await watch.add('other-task');
  watch.remove('orders/*');
  for await (const event of watch) {
    const e: WatchEvent = event;
    if (e.taskId === null) console.log(e.type);
  }
  watch.close();
  for await (const t of client.list({ state: 'running', limit: 50 })) console.log(t.id);
  for await (const page of client.list().pages()) console.log(page.nextCursor);
  const ids: string[] = await client.publish('orders/1', [{ type: 'created', data: { n: 1 } }]);
  await client.cancel(ids[0]).catch((e: unknown) => e instanceof TaskstreamError && e.status === 409);
  await client.delete(task.id);
  client.close();
}

void example;
