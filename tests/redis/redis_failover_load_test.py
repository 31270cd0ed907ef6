#!/usr/bin/env python3
"""A failover under load, against real processes on loopback: a primary, two replicas,
three sentinels and two servers on redis+sentinel://. While tasks are created on both
servers, a producer publishes and a reader follows its topic, the primary is killed
(-9). With --redis-min-replicas 1: every task acknowledged (202) before, during and
after is there and ends exactly once; every event acknowledged is read exactly once, in
order, by a reader that reconnects with its last id, to the other server each time. With 0 the run says (not asserts)
what was lost, for the table of docs/redis-in-production.md.

Usage: redis_failover_load_test.py TASKSTREAM_BINARY"""

import json
import os
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from checklist import check, finish  # noqa: E402
from raw_http import Server  # noqa: E402
from redis_nodes import DATA_PASSWORD, SENTINEL_PASSWORD, sentinel_cluster, until  # noqa: E402

TERMINAL = {"succeeded", "failed", "cancelled", "expired", "superseded"}


def creator(server, stop, made):
    """Creates short tasks one after another until `stop`: (status, id or None) each."""
    while not stop.is_set():
        try:
            r = server.call("POST", "/v1/tasks", {"kind": "demo.countdown", "params": {"steps": 3, "interval_ms": 30}})
            made.append((r.status, r.json()["id"] if r.status == 202 else None))
        except (OSError, EOFError, ValueError):
            made.append((0, None))
        time.sleep(0.01)


def publisher(server, stop, sent):
    """Publishes {"n": n} to load/p until `stop`: n → status."""
    n = 0
    while not stop.is_set():
        n += 1
        try:
            sent[n] = server.call("POST", "/v1/topics/load/p/events", {"data": {"n": n}}).status
        except (OSError, EOFError):
            sent[n] = 0
        time.sleep(0.01)


def reader(addresses, stop, got, opened):
    """Follows load/* until `stop`, reconnecting with its last id, each time to the next of
    `addresses` (another server), and by choice after every 10 events (so that it resumes
    before, during and after the failover): (id, n) as read; `opened` is set once its first
    stream has answered. Returns through `got`; its count of connections in `opened.turns`."""
    last = None
    turn = 0
    while not stop.is_set():
        address = addresses[turn % len(addresses)]
        turn += 1
        try:
            sock = socket.create_connection(address, timeout=2.0)
            head = f"GET /v1/events?topic=load/* HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
            if last:
                head += f"Last-Event-ID: {last}\r\n"
            sock.sendall((head + "\r\n").encode())
            buf = b""
            opened.turns = turn
            this_time = 0
            while not stop.is_set() and this_time < 10:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                if buf == b"" and chunk.startswith(b"HTTP/1.1 200"):
                    opened.set()
                buf += chunk
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    fields = dict(line.split(": ", 1) for line in block.decode().splitlines() if ": " in line)
                    if "id" in fields and "data" in fields and fields.get("event", "message") == "message":
                        got.append((int(fields["id"]), json.loads(fields["data"])["n"]))
                        last = fields["id"]
                        this_time += 1
            sock.close()
        except OSError:
            time.sleep(0.05)  # the server is answering 503 or not there: try again (bounded by `stop`)


def run(binary, replicas_to_wait_for):
    folder = tempfile.mkdtemp(prefix=f"taskstream-failover-{replicas_to_wait_for}-")
    primary, replicas, sentinels = sentinel_cluster(folder)
    nodes = [primary, *replicas, *sentinels]
    store = f"redis+sentinel://:{DATA_PASSWORD}@" + ",".join(f"127.0.0.1:{s.port}" for s in sentinels) + "/main/0"
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(Server(binary, "--store", store, "--redis-sentinel-password", SENTINEL_PASSWORD,
                                  "--redis-min-replicas", str(replicas_to_wait_for), "--node-name", name, "--demo"))
        a, b = servers
        stop_writes, stop_reading = threading.Event(), threading.Event()
        made_a, made_b, sent, got = [], [], {}, []
        threads = [threading.Thread(target=creator, args=(a, stop_writes, made_a)),
                   threading.Thread(target=creator, args=(b, stop_writes, made_b)),
                   threading.Thread(target=publisher, args=(a, stop_writes, sent))]
        opened = threading.Event()
        read_thread = threading.Thread(target=reader, args=([b.address, a.address], stop_reading, got, opened))
        read_thread.start()
        check(opened.wait(10), "the reader's stream is open before the first publish (it reads live)")
        for t in threads:
            t.start()
        until(lambda: len(made_a) > 20 and len(sent) > 20, timeout=20.0)
        primary.kill()
        died = time.monotonic()
        back = until(lambda: any(s == 202 for s, _ in made_a[-3:]) and time.monotonic() - died > 0.5, timeout=45.0)
        took = time.monotonic() - died
        until(lambda: time.monotonic() - died > took + 1.5, timeout=5.0)  # a little load on the new primary
        stop_writes.set()
        for t in threads:
            t.join(timeout=30)
        acknowledged = [i for s, i in made_a + made_b if s == 202]
        published = sorted(n for n, s in sent.items() if s == 202)
        until(lambda: {n for _, n in got} >= set(published), timeout=20.0)
        stop_reading.set()
        read_thread.join(timeout=10)

        refused = sum(1 for s, _ in made_a + made_b if s != 202)
        lost_tasks = [t for t in acknowledged if a.call("GET", f"/v1/tasks/{t}").status != 200]
        read = [n for _, n in got]
        lost_events = sorted(set(published) - set(read))
        print(f"     N={replicas_to_wait_for}: back {took:.2f} s after the kill; {len(acknowledged)} tasks acknowledged, "
              f"{refused} refused (503), {len(lost_tasks)} lost; {len(published)} events acknowledged, "
              f"{len(lost_events)} lost", flush=True)
        if replicas_to_wait_for == 0:
            check(back is not None, "N=0: the servers come back after the failover")
            return
        check(back is not None, f"a 202 again after the kill -9 ({took:.1f} s)")
        check(not lost_tasks, f"every task acknowledged before, during and after is there ({len(lost_tasks)} lost)")
        unended = [t for t in acknowledged if a.call("GET", f"/v1/tasks/{t}").json().get("state") not in TERMINAL]
        until(lambda: not [t for t in unended if a.call("GET", f"/v1/tasks/{t}").json().get("state") not in TERMINAL],
              timeout=30.0)
        ends = {}
        for t in acknowledged:
            events = b.call("GET", f"/v1/tasks/{t}/events?limit=1000", headers={"Accept": "application/json"}).json()["events"]
            ends[t] = sum(1 for e in events if e["type"] == "state" and e["data"]["state"] in TERMINAL)
        twice = [(t, n, a.call("GET", f"/v1/tasks/{t}").json().get("state")) for t, n in ends.items() if n != 1]
        check(not twice, f"every acknowledged task ends exactly once ({len(twice)} do not: (id, ends, state) {twice[:3]})")
        check(not lost_events, f"every acknowledged event is read ({len(lost_events)} missing)")
        check(len(read) == len(set(read)), f"none is read twice ({len(read) - len(set(read))} doubled)")
        ids = [i for i, _ in got]
        check(ids == sorted(ids), "the reader's ids only go up, across the failover and its reconnections")
        check(opened.turns > 4, f"the reader resumed by its last id on the other server {opened.turns - 1} times")
    finally:
        for s in servers:
            s.stop()
        for n in reversed(nodes):
            n.kill()


def main():
    binary = sys.argv[1]
    run(binary, 1)
    run(binary, 0)
    finish()


if __name__ == "__main__":
    main()
