#!/usr/bin/env python3
"""make bench O1/O2, the operator's search (DESIGN 9.4): TASKS tasks created (their kind
paused: they stay queued), each with a tag and a metadata field that 1 in GROUPS tasks
share (100,000 over 2,000 groups: a filter matching 50), then REQUESTS pages of
`GET /v1/tasks?tag=…` and of `?meta.customer=…`, each timed from the request to the
last byte, and a tenth as many of `?q=` finding nothing (a text search's worst page: it
reads its bound of 5,000 tasks). Prints one JSON object: creations per second and p50/p99 of each page, and
fails if a page does not hold exactly the tasks of its group.

  search_load.py --port P [--port P2] [--tasks 100000] [--groups 2000] [--requests 200]
"""
import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time


def connect(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def create_all(ports, tasks, groups, threads=8):
    """Creates the tasks over `threads` keep-alive connections, spread over the servers."""
    counter = iter(range(tasks))
    lock = threading.Lock()
    failures = []

    def worker(port):
        conn = connect(port)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            group = i % groups
            body = json.dumps({"kind": "demo.noop", "tags": [f"batch-{group}", "bench"],
                               "metadata": {"customer": group, "region": "eu" if i % 2 else "us"}})
            conn.request("POST", "/v1/tasks", body, {"content-type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 202:
                failures.append(r.status)
                return

    workers = [threading.Thread(target=worker, args=(ports[n % len(ports)],)) for n in range(threads)]
    start = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=900)
    if failures or any(w.is_alive() for w in workers):
        sys.exit(f"search_load: creations failed: {failures[:5]}")
    return tasks / (time.monotonic() - start)


def timed_pages(port, query_of, groups, requests, expected):
    """p50 and p99 (ms) of `requests` pages, each checked to hold `expected` tasks of its group."""
    conn = connect(port)
    times = []
    for _ in range(requests):
        group = random.randrange(groups)
        start = time.perf_counter()
        conn.request("GET", f"/v1/tasks?{query_of(group)}&limit=50")
        r = conn.getresponse()
        body = r.read()
        times.append((time.perf_counter() - start) * 1000)
        tasks = json.loads(body)["tasks"] if r.status == 200 else None
        if tasks is None or len(tasks) != expected or any(t["metadata"]["customer"] != group for t in tasks):
            sys.exit(f"search_load: {query_of(group)} answered {r.status} with "
                     f"{'no list' if tasks is None else len(tasks)} tasks, not the {expected} of its group")
    times.sort()
    return round(statistics.median(times), 3), round(times[min(len(times) - 1, int(len(times) * 0.99))], 3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, action="append", required=True)
    p.add_argument("--tasks", type=int, default=100000)
    p.add_argument("--groups", type=int, default=2000)
    p.add_argument("--requests", type=int, default=200)
    a = p.parse_args()
    conn = connect(a.port[0])
    conn.request("POST", "/v1/kinds/demo.noop/pause")  # its tasks stay queued: the run measures the search alone
    paused = conn.getresponse()
    paused.read()
    if paused.status != 200:
        sys.exit(f"search_load: pausing demo.noop answered {paused.status}")
    created_per_second = create_all(a.port, a.tasks, a.groups)
    expected = min(50, a.tasks // a.groups)
    tag_p50, tag_p99 = timed_pages(a.port[-1], lambda g: f"tag=batch-{g}", a.groups, a.requests, expected)
    meta_p50, meta_p99 = timed_pages(a.port[-1], lambda g: f"meta.customer={g}", a.groups, a.requests, expected)
    both_p50, both_p99 = timed_pages(a.port[-1], lambda g: f"tag=bench&meta.customer={g}&state=queued", a.groups,
                                     a.requests, expected)
    # A text search that finds nothing: each page reads its whole bound of rows (the worst case of q=).
    text_p50, text_p99 = timed_pages(a.port[-1], lambda g: f"q=no-such-text-{g}", a.groups, max(5, a.requests // 10), 0)
    print(json.dumps({"created": a.tasks, "created_per_second": round(created_per_second, 1), "matched": expected,
                      "tag_p50_ms": tag_p50, "tag_p99_ms": tag_p99, "meta_p50_ms": meta_p50, "meta_p99_ms": meta_p99,
                      "combined_p50_ms": both_p50, "combined_p99_ms": both_p99,
                      "text_scan_p50_ms": text_p50, "text_scan_p99_ms": text_p99}))


if __name__ == "__main__":
    main()
