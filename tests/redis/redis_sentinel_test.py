#!/usr/bin/env python3
"""Redis Sentinel against real processes, all on loopback: a primary, two replicas and
three sentinels (Debian's redis-server, in sentinel mode for the sentinels), each with a
password of its own kind, and two servers on redis+sentinel:// (Redis's password in the
URL, the sentinels' in --redis-sentinel-password) with --redis-min-replicas 1. The primary is killed (-9):
the sentinels promote a replica, both servers follow it, every task acknowledged
before is there, new ones run, and event ids go on increasing across the failover. Then
a switch the sentinels make while the old primary is still up (SENTINEL FAILOVER) is
followed too; a server started with the first sentinel of its list down finds the
primary; and a failover back to the old primary, returned as a replica, is followed.
Prints the time from the primary's death to the first 202 after it.

Usage: redis_sentinel_test.py TASKSTREAM_BINARY"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from checklist import check, finish  # noqa: E402
from raw_http import Server  # noqa: E402
from redis_nodes import DATA_PASSWORD, SENTINEL_PASSWORD, sentinel_cluster, until  # noqa: E402


def task_state(server, task_id):
    reply = server.call("GET", f"/v1/tasks/{task_id}")
    return reply.json().get("state") if reply and reply.status == 200 else None


def event_ids(server, task_id):
    reply = server.call("GET", f"/v1/tasks/{task_id}/events?limit=1000", headers={"Accept": "application/json"})
    return [int(e["id"]) for e in reply.json()["events"]]


def main():
    binary = sys.argv[1]
    folder = tempfile.mkdtemp(prefix="taskstream-sentinel-")
    nodes = []
    servers = []
    try:
        primary, replicas, sentinels = sentinel_cluster(folder)
        nodes += [primary, *replicas, *sentinels]
        store = f"redis+sentinel://:{DATA_PASSWORD}@" + ",".join(f"127.0.0.1:{s.port}" for s in sentinels) + "/main/0"
        for name in ("a", "b"):
            servers.append(Server(binary, "--store", store, "--redis-sentinel-password", SENTINEL_PASSWORD,
                                  "--redis-min-replicas", "1", "--node-name", name, "--demo"))
        a, b = servers
        check(f"(primary 127.0.0.1:{primary.port})" in a.log_text(), "the server connects to the primary the sentinels name")
        check("sentinel-secret" not in a.log_text() and "data-secret" not in a.log_text(), "no password in the log")
        log = None
        try:
            Server(binary, "--store", store, "--redis-sentinel-password", "wrong", "--demo").stop()
        except RuntimeError as e:
            log = str(e)
        check(log is not None and "cannot open the store" in log and "sentinel" in log,
              "a wrong sentinel password: refused at start, the sentinels named")

        created = [a.call("POST", "/v1/tasks", {"kind": "demo.noop"}) for _ in range(20)]
        acknowledged = [r.json()["id"] for r in created if r.status == 202]
        check(len(acknowledged) == 20 and until(lambda: task_state(b, acknowledged[-1]) == "succeeded"),
              "twenty tasks acknowledged (each on a replica too) and run before the failover")
        before = max(event_ids(b, acknowledged[-1]))

        primary.kill()
        died = time.monotonic()
        first = until(lambda: (lambda r: r if r.status == 202 else None)(a.call("POST", "/v1/tasks", {"kind": "demo.noop"})),
                      timeout=60.0, every=0.05)
        took = time.monotonic() - died
        check(first is not None, f"a 202 again after the primary's death: {took:.1f} s after it")
        print(f"     failover: {took:.2f} s from the primary's kill -9 to the first 202", flush=True)
        new_primary = [n for n in nodes[1:3] if "role:master" in n.cli("info", "replication")]
        check(len(new_primary) == 1, "the sentinels promoted one replica")
        check(until(lambda: f"(primary 127.0.0.1:{new_primary[0].port})" in a.log_text()) is not None,
              "the server says it follows the new primary")

        missing = [t for t in acknowledged if b.call("GET", f"/v1/tasks/{t}").status != 200]
        check(not missing, f"every task acknowledged before the failover is there after it ({len(missing)} missing)")
        after = b.call("POST", "/v1/tasks", {"kind": "demo.countdown", "params": {"steps": 2, "interval_ms": 0}})
        check(after.status == 202 and until(lambda: task_state(a, after.json()["id"]) == "succeeded"),
              "the other server follows too: a task it takes runs to its end")
        ids = event_ids(a, after.json()["id"])
        check(ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] > before,
              "event ids go on increasing across the failover")

        # A switch while the old primary is still up (SENTINEL FAILOVER: it is demoted, its
        # connections stay open): the servers hear of it from the sentinels and move.
        spare = [n for n in nodes[1:3] if n is not new_primary[0]][0]
        check(until(lambda: spare.cli("info", "replication").count("master_link_status:up")) is not None,
              "the other replica follows the new primary")
        # Refused (NOGOODSLAVE) until the sentinels have seen that replica under the new primary.
        check(until(lambda: sentinels[0].cli("sentinel", "failover", "main").strip() == "OK", timeout=30.0, every=0.5)
              is not None, "a sentinel starts a failover on request")
        moved = until(lambda: all(f"(primary 127.0.0.1:{spare.port})" in s.log_text() for s in servers), timeout=30.0)
        check(moved is not None, "a switch the sentinels make is followed by both servers")
        switched = until(lambda: (lambda r: r if r.status == 202 else None)(b.call("POST", "/v1/tasks", {"kind": "demo.noop"})),
                         timeout=30.0)
        check(switched is not None and until(lambda: task_state(a, switched.json()["id"]) == "succeeded"),
              "tasks are taken and run on the new primary")

        # The first sentinel of the list down: a server that starts now asks the next one.
        sentinels[0].kill()
        c = Server(binary, "--store", store, "--redis-sentinel-password", SENTINEL_PASSWORD, "--node-name", "c", "--demo")
        servers.append(c)
        check(f"(primary 127.0.0.1:{spare.port})" in c.log_text(), "with the first sentinel down, the next one names the primary")

        # And back: the old primary returns (the sentinels make it a replica), then a failover
        # to it (the only replica that may be promoted: the others get priority 0).
        primary.start()
        check(until(lambda: "master_link_status:up" in primary.cli("info", "replication")) is not None,
              "the old primary returns as a replica")
        for other in replicas:
            other.cli("config", "set", "replica-priority", "0")
        check(until(lambda: sentinels[1].cli("sentinel", "failover", "main").strip() == "OK", timeout=30.0, every=0.5)
              is not None and until(lambda: "role:master" in primary.cli("info", "replication")) is not None,
              "a failover back to the old primary")
        check(until(lambda: all(f"(primary 127.0.0.1:{primary.port})" in s.log_text() for s in (a, b, c)), timeout=30.0)
              is not None, "the three servers follow it back")
        back = c.call("POST", "/v1/tasks", {"kind": "demo.noop"})
        check(back.status == 202 and until(lambda: task_state(a, back.json()["id"]) == "succeeded"),
              "tasks run after the failover back")
    finally:
        for s in servers:
            s.stop()
        for n in reversed(nodes):
            n.kill()
    finish()


if __name__ == "__main__":
    main()
