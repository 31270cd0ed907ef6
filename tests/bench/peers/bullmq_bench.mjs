// BullMQ's side of the task-queue scenarios of `make bench` (DESIGN 9.5), written as
// BullMQ's documentation shows: a Queue adds jobs, a Worker runs them, QueueEvents
// tells a watcher. Each mode prints one JSON line (the shape of queue_load's).
//
//   node bullmq_bench.mjs worker   --redis PORT [--concurrency 50]       the server side (pinned to CPU 0)
//   node bullmq_bench.mjs create   --redis PORT --producers N --seconds S   Q1 (no worker running)
//   node bullmq_bench.mjs run      --redis PORT --tasks N [--producers 8]   Q2, Q5
//   node bullmq_bench.mjs watch    --redis PORT --rate R --seconds S        Q3
//   node bullmq_bench.mjs progress --redis PORT --tasks N --steps K         Q4
import { Queue, QueueEvents, Worker } from 'bullmq';

const [mode, ...rest] = process.argv.slice(2);
const opt = {};
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);
const connection = { host: '127.0.0.1', port: opt.redis };
const QUEUE = 'bench';

const now = () => performance.now();
function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const print = (result) => console.log(JSON.stringify(result));
const within = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref());

// The same work as taskstream's demo.noop and demo.countdown (steps with no pause, each reported).
async function processor(job) {
  if (job.name !== 'countdown') return null;
  for (let step = 1; step <= job.data.steps; step++) await job.updateProgress({ step, at: Date.now() });
  return { steps: job.data.steps };
}

// BullMQ's guide shows `concurrency: 50`; with no-op jobs it runs a third faster than 4
// (taskstream's worker threads) here, so the bench gives it 50.
async function worker() {
  const w = new Worker(QUEUE, processor, { connection, concurrency: opt.concurrency || 50 });
  await w.waitUntilReady();
  console.log('ready');
  const stop = async () => { await w.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A QueueEvents reader, ready before the first job is added. */
async function events() {
  const e = new QueueEvents(QUEUE, { connection });
  await e.waitUntilReady();
  return e;
}

async function create(queue) {
  const latencies = [];
  const until = now() + opt.seconds * 1000;
  const start = now();
  await Promise.all(Array.from({ length: opt.producers }, async () => {
    while (now() < until) {
      const sent = now();
      await queue.add('noop', {});
      latencies.push(now() - sent);
    }
  }));
  const elapsed = (now() - start) / 1000;
  print({ producers: opt.producers, created: latencies.length, per_second: latencies.length / elapsed,
          p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99) });
}

async function run(queue) {
  const e = await events();
  let ended = 0, next = 0;
  const start = now();
  const all = new Promise((resolve) => e.on('completed', () => { if (++ended === opt.tasks) resolve(); }));
  await Promise.all(Array.from({ length: opt.producers || 8 }, async () => {
    while (next < opt.tasks) { next++; await queue.add('noop', {}); }
  }));
  await Promise.race([all, within(120000, 'Q2')]);
  const seconds = (now() - start) / 1000;
  print({ tasks: opt.tasks, ended, seconds, per_second: ended / seconds });
  await e.close();
}

async function watch(queue) {
  const e = await events();
  const sentAt = new Map(), endedAt = new Map(), latencies = [];
  const total = Math.round(opt.rate * opt.seconds);
  const pair = (id) => { if (sentAt.has(id) && endedAt.has(id)) latencies.push(endedAt.get(id) - sentAt.get(id)); };
  let allSeen;
  const seen = new Promise((resolve) => { allSeen = resolve; });
  e.on('completed', ({ jobId }) => { endedAt.set(jobId, now()); pair(jobId); if (latencies.length === total) allSeen(); });
  const start = now();
  const sends = [];
  for (let i = 0; i < total; i++) {  // each add at its time, not after the previous answer
    const wait = start + (i * 1000) / opt.rate - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = now();
    sends.push(queue.add('noop', {}).then((job) => { sentAt.set(job.id, sent); pair(job.id); }));
  }
  await Promise.all(sends);
  await Promise.race([seen, within(opt.seconds * 1000 + 30000, 'Q3')]);
  print({ rate: opt.rate, tasks: total, seen: latencies.length, p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99) });
  await e.close();
}

async function progress(queue) {
  const e = await events();
  const latencies = [];
  let flowing = 0, first = null, last = null, done = null;
  e.on('progress', ({ data }) => {
    latencies.push(Date.now() - data.at);
    last = now();
    if (first === null) first = last;
  });
  e.on('completed', () => done && done());
  for (let t = 0; t < opt.tasks; t++) {
    first = null;
    const ended = new Promise((resolve) => { done = resolve; });
    await queue.add('countdown', { steps: opt.steps });
    await Promise.race([ended, within(30000, 'Q4')]);
    if (first !== null) flowing += (last - first) / 1000;
  }
  print({ tasks: opt.tasks, steps: opt.steps, seen: latencies.length, steps_per_second: flowing > 0 ? latencies.length / flowing : 0,
          p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99) });
  await e.close();
}

if (mode === 'worker') {
  await worker();
} else {
  const queue = new Queue(QUEUE, { connection });
  await queue.waitUntilReady();
  await { create, run, watch, progress }[mode](queue);
  await queue.close();
  process.exit(0);
}
