"""What the hostile battery's cases share: the case registry, raw requests and
the checks of an answer. The cases live in battery_*.py, the runner in
hostile_battery.py."""

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from raw_http import Connection, Server, request  # noqa: E402
import tokens  # noqa: E402

CASES = []


def case(name, stores=False, server="plain"):
    """Registers a case. `stores`: the case stores on purpose (no unchanged-store check);
    `server`: which of the servers below it runs against (plain: no authentication)."""
    def register(fn):
        CASES.append((name, fn, stores, server))
        return fn
    return register


def expect_problem(reply, status, detail_has=None):
    assert reply is not None, f"expected {status}, the server closed without an answer"
    assert reply.status == status, f"expected {status}, got {reply.status}: {reply.body[:300]!r}"
    assert reply.header("content-type") == "application/problem+json", reply
    doc = reply.json()
    assert doc["status"] == status and doc["title"] and isinstance(doc["detail"], str), doc
    assert doc["type"].startswith("/problems/"), doc
    if detail_has:
        assert detail_has in doc["detail"], doc
    return doc


def send_raw(server, data, timeout=10.0, head=False):
    conn = server.connect(timeout=timeout)
    try:
        conn.send(data)
        return conn.read_reply(head=head)
    finally:
        conn.close()


def raw_post(path, body, extra=""):
    body = body if isinstance(body, bytes) else body.encode()
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def chunked_post(path, chunks, extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n{extra}\r\n").encode() + chunks


TASK = json.dumps({"kind": "demo.countdown", "params": {"steps": 1, "interval_ms": 0}}).encode()
EVENT = json.dumps({"type": "note", "data": {"x": 1}}).encode()


def wait_task(server, task_id, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = server.call("GET", f"/v1/tasks/{task_id}").json()
        if task["state"] in ("succeeded", "failed", "cancelled"):
            return task
        time.sleep(0.05)  # polling a task's state through the API; bounded above
    raise AssertionError(f"task {task_id} did not finish")


def create(server, body):
    reply = server.call("POST", "/v1/tasks", body)
    assert reply.status == 202, reply
    return reply.json()


_ONCE = {}


def create_once(s):
    """A finished task shared by the cases that need one (created by the first of them)."""
    if "task" not in _ONCE:
        _ONCE["task"] = create(s, TASK)["id"]
        wait_task(s, _ONCE["task"])
    return _ONCE["task"]
