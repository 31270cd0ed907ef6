#!/usr/bin/env python3
"""make bench S7failover: the outage a Redis failover costs. A primary, two replicas and
three sentinels on loopback (tests/support/redis_nodes.py), one server on
redis+sentinel:// with --redis-min-replicas 1; the primary is killed (-9) and the server
is asked for a task every 20 ms until one is accepted. Prints {"to_202_ms": …}: from the
kill to that 202.

  failover_time.py TASKSTREAM_BINARY"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from raw_http import Server  # noqa: E402
from redis_nodes import DATA_PASSWORD, SENTINEL_PASSWORD, sentinel_cluster, until  # noqa: E402


def main():
    folder = tempfile.mkdtemp(prefix="taskstream-failover-bench-")
    primary, replicas, sentinels = sentinel_cluster(folder)
    nodes = [primary, *replicas, *sentinels]
    server = None
    try:
        store = f"redis+sentinel://:{DATA_PASSWORD}@" + ",".join(f"127.0.0.1:{s.port}" for s in sentinels) + "/main/0"
        server = Server(sys.argv[1], "--store", store, "--redis-sentinel-password", SENTINEL_PASSWORD,
                        "--redis-min-replicas", "1", "--demo", "--log-level", "warn")
        if server.call("POST", "/v1/tasks", {"kind": "demo.noop"}).status != 202:
            sys.exit("failover_time: the server did not take a task before the failover")
        primary.kill()
        died = time.monotonic()
        accepted = until(lambda: server.call("POST", "/v1/tasks", {"kind": "demo.noop"}).status == 202,
                         timeout=60.0, every=0.02)
        if not accepted:
            sys.exit("failover_time: no 202 within 60 s of the primary's death")
        print(json.dumps({"to_202_ms": round((time.monotonic() - died) * 1000, 1)}))
    finally:
        if server:
            server.stop()
        for n in reversed(nodes):
            n.kill()


if __name__ == "__main__":
    main()
