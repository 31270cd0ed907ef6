#!/usr/bin/env python3
"""Redis over TLS (rediss://) against real processes: Debian's redis-server with a TLS
port and certificates this run makes, and the real binary. Two servers share a TLS
Redis (tasks, the queue and the event feed all over TLS); a wrong CA, a wrong name
and a missing client certificate are each a clear error at start; a client
certificate is presented when asked for; a certificate that goes bad while a server
runs is a 503 and /readyz 503 within 2 s, never a hang, and it recovers once Redis
is right again; TLS files without rediss:// are refused.

Usage: redis_tls_test.py TASKSTREAM_BINARY"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from checklist import check, finish  # noqa: E402
from raw_http import Server, request  # noqa: E402
from redis_nodes import DATA_PASSWORD, SENTINEL_PASSWORD, free_port, sentinel_cluster  # noqa: E402
from test_ca import TestCa  # noqa: E402


# The least a taskstream server needs of Redis (docs/redis-in-production.md): the run below uses
# only this user, and fails on any NOPERM in a server's log.
ACL_COMMANDS = ("-@all +auth +select +ping +eval +evalsha +script|load +time +del +exists +get +getdel +set +type "
                "+incrby +hdel +hexists +hget +hgetall +hincrby +hkeys +hlen +hmget +hset +hsetnx +hvals +sadd "
                "+sismember +smembers +srem +xack +xadd +xautoclaim +xclaim +xdel +xgroup|create +xlen +xpending "
                "+xrange +xread +xreadgroup +xrevrange +zadd +zcard +zcount +zintercard +zrange +zrangebyscore +zrem "
                "+zremrangebyscore +zrevrangebylex +zscore +wait +role")


class TlsRedis:
    """redis-server with only a TLS port on 127.0.0.1; stop() ends it by pid."""

    def __init__(self, folder, cert, key, ca, clients="no", port=None, acl=None):
        self.folder, self.port, self.acl = folder, port or free_port(), acl
        self.log_path = os.path.join(folder, f"redis-{self.port}.log")
        self.start(cert, key, ca, clients)

    def start(self, cert, key, ca, clients="no"):
        self.log = open(self.log_path, "w+")
        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--tls-port", str(self.port), "--bind", "127.0.0.1", "--tls-cert-file", cert,
             "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", clients, "--save", "",
             "--appendonly", "no", "--dir", self.folder, "--daemonize", "no", "--logfile", "",
             *(["--user", "default", "off", "--user", *self.acl.split()] if self.acl else [])],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while "Ready to accept connections" not in open(self.log_path).read():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("redis-server did not start:\n" + open(self.log_path).read())
            time.sleep(0.02)  # polling its log for the ready line; bounded above

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()


def refused_at_start(binary, *args):
    """The server's log when it refuses to start (exits) with `args`; None if it started."""
    try:
        server = Server(binary, *args)
    except RuntimeError as e:
        return str(e)
    server.stop()
    return None


def until(what, check_fn, timeout=15.0):
    """Polls `check_fn` until it is true (bounded): True if it became so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check_fn():
            return True
        time.sleep(0.05)
    print(f"     (gave up waiting for {what})")
    return False


def task_state(server, task_id):
    reply = server.call("GET", f"/v1/tasks/{task_id}")
    return reply.json()["state"] if reply and reply.status == 200 else None


def streamed_to_end(server, task_id):
    """The task's whole event stream, read until the server ends it."""
    conn = server.connect(timeout=15.0)
    conn.send(request("GET", f"/v1/tasks/{task_id}/events", headers={"Accept": "text/event-stream"}))
    head = conn.read_reply(head=True)
    data = conn.pending
    while head.status == 200:
        chunk = conn.sock.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.close()
    return data


def exercised(a, b, done_id):
    """What a deployment does besides running tasks, on both servers, so that the ACL is tried on it:
    idempotency and dedupe keys, a kind paused and resumed, search, failures, a bulk action, the
    history, a delete, and retention pruning a finished task."""
    keyed = {"kind": "demo.noop", "dedupe": {"key": "acl", "mode": "join"}}
    first = a.call("POST", "/v1/tasks", keyed, headers={"Idempotency-Key": "acl-1"})
    again = b.call("POST", "/v1/tasks", keyed, headers={"Idempotency-Key": "acl-1"})
    check(first.status == 202 and again.json()["id"] == first.json()["id"], "an Idempotency-Key across the servers")
    check(a.call("POST", "/v1/kinds/demo.noop/pause").status == 200 and
          b.call("POST", "/v1/kinds/demo.noop/resume").status == 200, "a kind paused on one server, resumed on the other")
    failed = a.call("POST", "/v1/tasks", {"kind": "demo.fail", "tags": ["acl"], "metadata": {"n": 1}})
    check(until("the failing task to fail", lambda: task_state(b, failed.json()["id"]) == "failed"), "a task fails")
    check(b.call("GET", "/v1/tasks?tag=acl&meta.n=1&q=demo").json()["tasks"][0]["id"] == failed.json()["id"],
          "a search by tag, metadata and text")
    check(a.call("GET", "/v1/failures").json()["groups"][0]["kind"] == "demo.fail", "the failures by kind")
    bulk = b.call("POST", "/v1/tasks/bulk", {"action": "retry", "filter": {"tag": "acl"}})
    check(bulk.status == 202 and until("the bulk task to end", lambda: task_state(a, bulk.json()["id"]) == "succeeded"),
          "a bulk retry")
    check(a.call("GET", "/v1/stats").status == 200, "the task history")
    check(until("the failed task to end again", lambda: task_state(a, failed.json()["id"]) == "failed") and
          b.call("DELETE", f"/v1/tasks/{failed.json()['id']}").status == 204, "a delete")
    check(until("retention to prune the first task", lambda: a.call("GET", f"/v1/tasks/{done_id}").status in (404, 410)),
          "retention prunes a finished task")


def sentinels_over_tls(binary, folder, ca):
    """rediss+sentinel://: sentinels, replication and the server's connections all over TLS,
    the sentinels and Redis each with a password; the primary killed, the server follows."""
    cert, key = ca.issue("sentinel-cluster", sans=("IP:127.0.0.1",))
    tls = {"cert": cert, "key": key, "ca": ca.cert}
    primary, replicas, sentinels = sentinel_cluster(os.path.join(folder, "sentinels"), tls=tls)
    nodes = [primary, *replicas, *sentinels]
    server = None
    try:
        store = (f"rediss+sentinel://:{DATA_PASSWORD}@" + ",".join(f"127.0.0.1:{s.port}" for s in sentinels) + "/main/0")
        server = Server(binary, "--store", store, "--redis-ca-file", ca.cert, "--redis-sentinel-password",
                        SENTINEL_PASSWORD, "--redis-min-replicas", "1", "--demo")
        made = server.call("POST", "/v1/tasks", {"kind": "demo.noop"})
        check(made.status == 202 and until("the task to succeed", lambda: task_state(server, made.json()["id"]) == "succeeded"),
              "rediss+sentinel://: a task through sentinels and a primary that speak only TLS")
        primary.kill()
        check(until("a 202 after the failover", lambda: server.call("POST", "/v1/tasks", {"kind": "demo.noop"}).status == 202,
                    timeout=45.0),
              "rediss+sentinel://: the server follows the failover over TLS")
    finally:
        if server:
            server.stop()
        for n in reversed(nodes):
            n.kill()


def main():
    binary = sys.argv[1]
    folder = tempfile.mkdtemp(prefix="taskstream-redis-tls-")
    ca, stranger = TestCa(folder), TestCa(tempfile.mkdtemp(prefix="taskstream-other-ca-"), name="another CA")
    cert, key = ca.issue("redis", sans=("DNS:localhost",))
    wrong_cert, wrong_key = stranger.issue("redis-elsewhere", sans=("DNS:localhost",))
    client_cert, client_key = ca.issue("client", sans=("DNS:taskstream",), usage="clientAuth")
    # Only the ACL user: every command the servers send must be one the docs list.
    redis = TlsRedis(folder, cert, key, ca.cert, acl=f"taskstream on >pw ~taskstream:* {ACL_COMMANDS}")
    store = f"rediss://taskstream:pw@localhost:{redis.port}/0"
    servers = []
    try:
        a = Server(binary, "--store", store, "--redis-ca-file", ca.cert, "--node-name", "a", "--demo",
                   "--retention", "3s", "--prune-interval", "300ms")
        servers.append(a)
        b = Server(binary, "--store", store, "--redis-ca-file", ca.cert, "--node-name", "b", "--demo")
        servers.append(b)
        check("redis: connected to rediss://taskstream:***@localhost:" in a.log_text(),
              "the server says it is on rediss://, its password hidden")
        created = b.call("POST", "/v1/tasks", {"kind": "demo.countdown", "params": {"steps": 3, "interval_ms": 10}})
        check(created.status == 202, f"a task created on the second server over TLS → 202 ({created.status})")
        stream = streamed_to_end(a, created.json()["id"])
        check(stream.count(b"event: progress") == 3 and b'"state":"succeeded"' in stream,
              "the first server streams it to its end: the store, the queue and the event feed over TLS")
        exercised(a, b, created.json()["id"])

        bad_store = f"rediss://localhost:{redis.port}/0"
        log = refused_at_start(binary, "--store", bad_store, "--redis-ca-file", stranger.cert)
        check(log is not None and "cannot open the store" in log and "certificate verify failed" in log,
              "a CA that did not sign Redis's certificate: a clear error at start")
        log = refused_at_start(binary, "--store", f"rediss://taskstream:pw@127.0.0.1:{redis.port}/0", "--redis-ca-file", ca.cert)
        check(log is not None and "certificate verify failed" in log,
              "a host its certificate does not name (127.0.0.1 for a localhost certificate): a clear error at start")
        log = refused_at_start(binary, "--store", f"redis://localhost:{redis.port}/0", "--redis-ca-file", ca.cert)
        check(log is not None and "for a TLS store" in log, "--redis-ca-file without rediss:// is refused")
        log = refused_at_start(binary, "--store", bad_store, "--redis-ca-file", ca.cert, "--redis-cert-file", client_cert)
        check(log is not None and "needs both --redis-cert-file and --redis-key-file" in log,
              "a client certificate without its key is refused")
        log = refused_at_start(binary, "--store", bad_store, "--redis-ca-file", client_key)
        check(log is not None and "--redis-ca-file" in log, "a CA file that holds no certificate: an error that names it")

        # Redis comes back with a certificate from another CA: the server that was running answers
        # 503 and /readyz 503 within 2 s (no hang), and carries on once Redis is right again.
        redis.stop()
        redis.start(wrong_cert, wrong_key, stranger.cert)
        started = time.monotonic()
        refused = a.call("POST", "/v1/tasks", {"kind": "demo.noop"})
        took = time.monotonic() - started
        check(refused.status == 503 and refused.header("retry-after") and took < 2.0,
              f"a POST while Redis's certificate is wrong → 503 with Retry-After in {took:.2f} s")
        check(a.call("GET", "/readyz").status == 503, "/readyz → 503 meanwhile")
        check(until("the handshake error in the log", lambda: "certificate verify failed" in a.log_text()),
              "the log says why: certificate verify failed")
        redis.stop()
        redis.start(cert, key, ca.cert)
        check(until("a 202 after Redis is right again",
                    lambda: a.call("POST", "/v1/tasks", {"kind": "demo.noop"}).status == 202),
              "once Redis's certificate is right again, tasks are taken")

        sentinels_over_tls(binary, folder, ca)

        # A Redis that asks for a client certificate.
        strict = TlsRedis(folder, cert, key, ca.cert, clients="yes")
        strict_store = f"rediss://localhost:{strict.port}/0"
        try:
            log = refused_at_start(binary, "--store", strict_store, "--redis-ca-file", ca.cert)
            check(log is not None and "cannot open the store" in log and "certificate required" in log,
                  "without the client certificate it asks for: refused at start, the log says why")
            c = Server(binary, "--store", strict_store, "--redis-ca-file", ca.cert, "--redis-cert-file", client_cert,
                       "--redis-key-file", client_key, "--demo")
            servers.append(c)
            made = c.call("POST", "/v1/tasks", {"kind": "demo.noop"})
            check(made.status == 202 and until("the task to succeed", lambda: task_state(c, made.json()["id"]) == "succeeded"),
                  "with --redis-cert-file and --redis-key-file: the task runs")
        finally:
            strict.stop()
        for s in servers[:2]:
            check("NOPERM" not in s.log_text(), "no command outside the documented ACL (no NOPERM in the log)")
    finally:
        for s in servers:
            s.stop()
        redis.stop()
    finish()


if __name__ == "__main__":
    main()
