"""Celery's side of the task-queue scenarios of `make bench` (DESIGN 9.5), as Celery's
documentation shows it: a Redis broker and result backend, `acks_late`, tasks sent
with `delay`, results read through the backend. Run with Debian's python3 (its
python3-celery). Each load mode prints one JSON line (the shape of queue_load's).

  CELERY_BENCH_REDIS=PORT python3 -m celery -A celery_bench worker --concurrency 4   the server side
  CELERY_BENCH_REDIS=PORT python3 celery_bench.py create   --producers N --seconds S   Q1 (no worker running)
  CELERY_BENCH_REDIS=PORT python3 celery_bench.py run      --tasks N [--producers 8]   Q2 (on a fresh Redis)
  CELERY_BENCH_REDIS=PORT python3 celery_bench.py watch    --rate R --seconds S        Q3
  CELERY_BENCH_REDIS=PORT python3 celery_bench.py progress --tasks N --steps K         Q4 (the state polled every 5 ms)
"""
import argparse
import json
import multiprocessing
import os
import queue
import threading
import time

from celery import Celery

PORT = os.environ.get("CELERY_BENCH_REDIS", "6379")
app = Celery("celery_bench", broker=f"redis://127.0.0.1:{PORT}/0", backend=f"redis://127.0.0.1:{PORT}/1")
app.conf.task_acks_late = True  # a task lost with its worker runs again, as taskstream's do


@app.task(name="noop")
def noop():
    return None


@app.task(bind=True, name="countdown")
def countdown(self, steps):
    for step in range(1, steps + 1):
        self.update_state(state="PROGRESS", meta={"step": step, "at": time.time()})
    return {"steps": steps}


def percentile(values, p):
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def produce(until, count_or_none, out):
    """One producer process: sends noops until `until` (or `count_or_none` of them)."""
    latencies = []
    while time.monotonic() < until and (count_or_none is None or len(latencies) < count_or_none):
        sent = time.monotonic()
        noop.delay()
        latencies.append((time.monotonic() - sent) * 1000)
    out.put(latencies)


def in_processes(producers, until, counts):
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=produce, args=(until, counts[i], out)) for i in range(producers)]
    for p in procs:
        p.start()
    latencies = [x for _ in procs for x in out.get(timeout=until - time.monotonic() + 60)]
    for p in procs:
        p.join()
    return latencies


def create(args):
    start = time.monotonic()
    latencies = in_processes(args.producers, start + args.seconds, [None] * args.producers)
    elapsed = time.monotonic() - start
    return {"producers": args.producers, "created": len(latencies), "per_second": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99)}


def run(args):
    """Ends when the result backend (empty before) holds every task's result: its key count, polled every 10 ms."""
    start = time.monotonic()
    share = [args.tasks // args.producers + (1 if i < args.tasks % args.producers else 0) for i in range(args.producers)]
    in_processes(args.producers, start + 120, share)
    backend = app.backend.client  # opened after the producers' fork
    before, ended = 0, 0
    while ended < args.tasks and time.monotonic() < start + 120:
        time.sleep(0.01)
        ended = backend.dbsize() - before
    elapsed = time.monotonic() - start
    return {"tasks": args.tasks, "ended": ended, "seconds": elapsed, "per_second": ended / elapsed}


def watch(args):
    """Sends at a fixed rate; a watcher thread waits for each result in turn (`AsyncResult.get`)."""
    total = round(args.rate * args.seconds)
    sent = queue.Queue()  # (result, when sent), in the order sent
    latencies = []

    def watcher():
        for _ in range(total):
            result, at = sent.get(timeout=args.seconds + 30)
            result.get(timeout=30)
            latencies.append((time.monotonic() - at) * 1000)

    thread = threading.Thread(target=watcher)
    thread.start()
    start = time.monotonic()
    for i in range(total):
        wait = start + i / args.rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        at = time.monotonic()
        sent.put((noop.delay(), at))
    thread.join(timeout=args.seconds + 60)
    return {"rate": args.rate, "tasks": total, "seen": len(latencies), "p50_ms": percentile(latencies, 0.5),
            "p99_ms": percentile(latencies, 0.99)}


def progress(args):
    latencies = []
    flowing = 0.0
    for _ in range(args.tasks):
        result = countdown.delay(args.steps)
        seen_step, first, last = 0, None, None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state, info = result.state, result.info  # two reads: the task may have ended between them
            if state == "PROGRESS" and isinstance(info, dict) and info.get("step", 0) > seen_step:
                seen_step = info["step"]
                latencies.append((time.time() - info["at"]) * 1000)
                last = time.monotonic()
                first = first or last
            if state == "SUCCESS":
                break
            time.sleep(0.005)
        if first is not None:
            flowing += last - first
    return {"tasks": args.tasks, "steps": args.steps, "seen": len(latencies),
            "steps_per_second": len(latencies) / flowing if flowing > 0 else 0,
            "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["create", "run", "watch", "progress"])
    parser.add_argument("--producers", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rate", type=float, default=500)
    parsed = parser.parse_args()
    print(json.dumps({"create": create, "run": run, "watch": watch, "progress": progress}[parsed.mode](parsed)))
