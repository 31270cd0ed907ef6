#!/usr/bin/env python3
"""The hostile-input battery: what an attacker would send, against the real
binary over real sockets. Every case asserts the answer (status and RFC 9457
problem document), and then that the server still serves and that nothing was
stored (the SQLite file's tasks, events and idempotency rows are unchanged).

Usage: hostile_battery.py TASKSTREAM_BINARY [CASE_SUBSTRING]"""

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


# ---------------------------------------------------------------- HTTP framing

@case("CL larger than the body, then the client half-closes: no answer, nothing stored")
def _(s):
    conn = s.connect()
    conn.send(raw_post("/v1/tasks", TASK)[:-5])
    conn.shutdown_write()
    assert conn.read_reply() is None
    conn.close()


@case("CL smaller than the body: the rest is a malformed second request")
def _(s):
    conn = s.connect()
    body = b'{"kind": "demo.countdown"}'
    conn.send(f"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n"
              .encode() + body)
    expect_problem(conn.read_reply(), 400, "JSON")
    expect_problem(conn.read_reply(), 400)
    conn.close()


@case("two different Content-Length headers")
def _(s):
    expect_problem(send_raw(s, b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 3\r\nContent-Length: 40\r\n\r\n" + TASK), 400)


@case("Content-Length that is not a number")
def _(s):
    expect_problem(send_raw(s, b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n" + TASK), 400)


@case("Content-Length and Transfer-Encoding together (smuggling)")
def _(s):
    expect_problem(send_raw(s, chunked_post("/v1/tasks", b"%x\r\n" % len(TASK) + TASK + b"\r\n0\r\n\r\n",
                                            f"Content-Length: {len(TASK)}\r\n")), 400)


@case("Transfer-Encoding: gzip, chunked is refused with 501")
def _(s):
    data = (b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: gzip, chunked\r\n\r\n" + b"%x\r\n" % len(TASK) + TASK + b"\r\n0\r\n\r\n")
    expect_problem(send_raw(s, data), 501)


@case("Transfer-Encoding: identity is refused with 501")
def _(s):
    data = (b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}")
    assert send_raw(s, data).status in (400, 501)


@case("Transfer-Encoding: chunked, chunked")
def _(s):
    data = (b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked, chunked\r\n\r\n" + b"%x\r\n" % len(TASK) + TASK + b"\r\n0\r\n\r\n")
    expect_problem(send_raw(s, data), 400)


@case("a chunk size that is not hex")
def _(s):
    expect_problem(send_raw(s, chunked_post("/v1/tasks", b"zz\r\n" + TASK + b"\r\n0\r\n\r\n")), 400)


@case("a chunk size that overflows 64 bits")
def _(s):
    reply = send_raw(s, chunked_post("/v1/tasks", b"fffffffffffffffffffff\r\n" + TASK + b"\r\n0\r\n\r\n"))
    assert reply.status in (400, 413), reply
    expect_problem(reply, reply.status)


@case("a chunk shorter than its size, then garbage")
def _(s):
    expect_problem(send_raw(s, chunked_post("/v1/tasks", b"100\r\n" + TASK + b"\r\n0\r\n\r\nXX" + b"y" * 300)),
                   400)


@case("a 64 KiB chunk extension is refused, not buffered")
def _(s):
    conn = s.connect()
    conn.send(chunked_post("/v1/tasks", b""))
    try:
        conn.send(b"5;" + b"e" * 65536)
    except (BrokenPipeError, ConnectionResetError):
        pass
    expect_problem(conn.read_reply(), 431)
    conn.close()


@case("a 64 KiB trailer section is refused, not buffered")
def _(s):
    conn = s.connect()
    conn.send(chunked_post("/v1/tasks", b"%x\r\n" % len(TASK) + TASK + b"\r\n0\r\n"))
    try:
        conn.send(b"X-Trailer: " + b"t" * 65536 + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    expect_problem(conn.read_reply(), 431)
    conn.close()


@case("four unfinished huge trailers at once: each refused, memory bounded")
def _(s):
    conns = []
    for _ in range(4):
        conn = s.connect()
        conn.send(chunked_post("/v1/tasks", b"%x\r\n" % len(TASK) + TASK + b"\r\n0\r\n"))
        try:
            for _ in range(64):
                conn.send(b"X-T: " + b"t" * 16384 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        conns.append(conn)
    for conn in conns:
        expect_problem(conn.read_reply(), 431)
        conn.close()
    rss_kb = int([l for l in open(f"/proc/{s.process.pid}/status") if l.startswith("VmRSS")][0].split()[1])
    assert rss_kb < 200 * 1024, f"RSS {rss_kb} kB after four huge trailers"


@case("a chunked body over the body limit gets 413")
def _(s):
    conn = s.connect()
    conn.send(chunked_post("/v1/tasks", b""))
    try:
        for _ in range(20):
            conn.send(b"10000\r\n" + b" " * 65536 + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    expect_problem(conn.read_reply(), 413)
    conn.close()


@case("a 2 MiB body sent whole before reading still gets its 413 (lingering close)")
def _(s):
    conn = s.connect(timeout=15)
    body = b"[" + b"1," * (1 << 20) + b"1]"
    conn.send(raw_post("/v1/topics/t/events", body))  # all of it, as Python's http.client does
    expect_problem(conn.read_reply(), 413)
    conn.close()


@case("Expect: 100-continue with a body over the limit: 413, no 100")
def _(s):
    data = (b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: 50000000\r\n\r\n")
    expect_problem(send_raw(s, data), 413)


@case("a header section over 8 KiB gets 431")
def _(s):
    expect_problem(send_raw(s, request("GET", "/v1/kinds", headers={"X-Big": "a" * 9000})), 431)


@case("a thousand small headers get 431")
def _(s):
    many = {f"X-H{i}": "v" for i in range(1000)}
    expect_problem(send_raw(s, request("GET", "/v1/kinds", headers=many)), 431)


@case("a request line over 8 KiB gets 414")
def _(s):
    expect_problem(send_raw(s, request("GET", "/v1/tasks?kind=" + "k" * 9000)), 414)


@case("HTTP/1.1 without Host gets 400")
def _(s):
    expect_problem(send_raw(s, b"GET /v1/kinds HTTP/1.1\r\n\r\n"), 400, "Host")


@case("two Host headers get 400")
def _(s):
    expect_problem(send_raw(s, b"GET /v1/kinds HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, "Host")


@case("HTTP/1.0 without Host is served", stores=True)
def _(s):
    reply = send_raw(s, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert reply.status == 200, reply


@case("a method token with a bad character")
def _(s):
    expect_problem(send_raw(s, b"G@T /v1/kinds HTTP/1.1\r\nHost: x\r\n\r\n"), 400)


@case("an unknown method on a known path gets 405 with Allow")
def _(s):
    reply = send_raw(s, b"BREW /v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n")
    expect_problem(reply, 405)
    assert "POST" in reply.header("allow"), reply


@case("HTTP/2.0 on the request line")
def _(s):
    reply = send_raw(s, b"GET /v1/kinds HTTP/2.0\r\nHost: x\r\n\r\n")
    assert reply is None or reply.status in (400, 505), reply


@case("a space inside a header name")
def _(s):
    expect_problem(send_raw(s, b"GET /v1/kinds HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"), 400)


@case("a NUL inside a header value")
def _(s):
    expect_problem(send_raw(s, b"GET /v1/kinds HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"), 400)


@case("a bare CR inside a header value")
def _(s):
    expect_problem(send_raw(s, b"GET /v1/kinds HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"), 400)


@case("slowloris: a head trickled past the header timeout gets 408")
def _(s):
    conn = s.connect(timeout=10)
    conn.send(b"GET /v1/kinds HTTP/1.1\r\nHost: x\r\n")
    deadline = time.monotonic() + 5
    reply = None
    while time.monotonic() < deadline:
        try:
            conn.send(b"X-Slow: 1\r\n")
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(0.2)  # the attack itself: one header line every 200 ms
        conn.sock.setblocking(False)
        try:
            data = conn.sock.recv(65536)
            conn.pending += data
            if data:
                break
        except BlockingIOError:
            pass
        finally:
            conn.sock.setblocking(True)
            conn.sock.settimeout(10)
    reply = conn.read_reply()
    expect_problem(reply, 408)
    conn.close()


@case("a body that stalls gets 408")
def _(s):
    conn = s.connect(timeout=10)
    conn.send(raw_post("/v1/tasks", TASK)[:-10])
    expect_problem(conn.read_reply(), 408)
    conn.close()


@case("three pipelined requests are answered in order")
def _(s):
    conn = s.connect()
    conn.send(request("GET", "/healthz") + request("GET", "/v1/nope") + request("GET", "/v1/kinds"))
    assert conn.read_reply().status == 200
    expect_problem(conn.read_reply(), 404)
    assert conn.read_reply().status == 200
    conn.close()


@case("a pipelined bad request after a good one: the good one is answered, then 400", stores=True)
def _(s):
    conn = s.connect()
    conn.send(request("GET", "/healthz") + b"NOT HTTP AT ALL\r\n\r\n")
    assert conn.read_reply().status == 200
    expect_problem(conn.read_reply(), 400)
    conn.close()


@case("HEAD answers carry no body and the connection stays in step")
def _(s):
    conn = s.connect()
    conn.send(request("HEAD", "/v1/kinds") + request("GET", "/healthz"))
    head = conn.read_reply(head=True)
    assert head.status == 200 and int(head.header("content-length")) > 0, head
    after = conn.read_reply()
    assert after.status == 200 and after.json()["status"] == "ok", after
    conn.close()


@case("HEAD on a task stream opens no stream")
def _(s):
    task = create_once(s)
    conn = s.connect(timeout=5)
    conn.send(request("HEAD", f"/v1/tasks/{task}/events", headers={"Accept": "text/event-stream"})
              + request("GET", "/healthz"))
    head = conn.read_reply(head=True)
    assert head.status == 200 and head.header("content-type") == "text/event-stream", head
    assert conn.pending == b"" or conn.pending.startswith(b"HTTP/1.1"), conn.pending[:100]
    conn.close()


@case("HEAD on the multiplexed stream opens no stream")
def _(s):
    conn = s.connect(timeout=5)
    conn.send(request("HEAD", "/v1/events?topic=a", headers={"Accept": "text/event-stream"}))
    head = conn.read_reply(head=True)
    assert head.status == 200, head
    assert conn.closed_by_peer() or conn.pending == b"", conn.pending[:100]
    assert not conn.pending.startswith(b"retry") and b"event:" not in conn.pending
    conn.close()


_ONCE = {}


def create_once(s):
    """A finished task shared by the cases that need one (created by the first of them)."""
    if "task" not in _ONCE:
        _ONCE["task"] = create(s, TASK)["id"]
        wait_task(s, _ONCE["task"])
    return _ONCE["task"]


# ---------------------------------------------------------------- targets and encodings

@case("%FF in the path gets 400, not a dropped connection")
def _(s):
    expect_problem(s.call("GET", "/v1/tasks/%FF"), 400, "UTF-8")


@case("%FF in a query value gets 400, not 500")
def _(s):
    expect_problem(s.call("GET", "/v1/tasks?state=%FF"), 400)


@case("%FF in a topic pattern of a stream gets 400")
def _(s):
    expect_problem(s.call("GET", "/v1/events?topic=%FF*x", headers={"Accept": "text/event-stream"}), 400)


@case("a publish to a topic with %FF gets 400 and stores nothing")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/a%FFb/events", EVENT), 400)


@case("an overlong UTF-8 encoding of '/' in the path")
def _(s):
    expect_problem(s.call("GET", "/v1/tasks/%C0%AF"), 400)


@case("a malformed percent escape")
def _(s):
    expect_problem(s.call("GET", "/v1/tasks/%G1"), 400)


@case("a NUL in a topic gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/a%00b/events", EVENT), 400)


@case("a newline in a topic gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/a%0Aevent:%20x/events", EVENT), 400)


@case("a topic of 300 bytes gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/" + "t" * 300 + "/events", EVENT), 400)


@case("a path with newlines cannot forge a log line")
def _(s):
    reply = s.call("GET", "/v1/tasks/x%0A[forged]%20critical%20line")
    assert reply.status in (400, 404), reply
    reply = s.call("POST", "/v1/tasks/x%0D%0A[forged]/cancel")
    assert reply.status in (400, 404), reply
    for line in s.log_text().splitlines():
        assert not line.startswith("[forged]"), line


@case("an absolute-form target for another host")
def _(s):
    reply = send_raw(s, b"GET http://evil.example/v1/kinds HTTP/1.1\r\nHost: x\r\n\r\n")
    expect_problem(reply, 400)


@case("an asterisk-form target")
def _(s):
    expect_problem(send_raw(s, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), 400)


# ---------------------------------------------------------------- JSON bodies and parameters

@case("a body that is not JSON")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", b"{kind: demo}"), 400, "JSON")


@case("a JSON body sent as text/plain gets 415")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", TASK, {"Content-Type": "text/plain"}), 415)


@case("invalid UTF-8 inside a JSON string")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", b'{"kind": "demo.countdown\xff"}'), 400)


@case("JSON nested a million levels deep")
def _(s):
    conn = s.connect(timeout=20)
    conn.send(raw_post("/v1/tasks", b"[" * 1000000))
    expect_problem(conn.read_reply(), 400)
    conn.close()


@case("a number too large for a double")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", b'{"kind": "demo.countdown", "priority": 1e400}'), 400)


@case("an unknown kind gets 422")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", {"kind": "no.such"}), 422)


@case("params of the wrong type get 422 with a pointer")
def _(s):
    doc = expect_problem(s.call("POST", "/v1/tasks", {"kind": "demo.countdown", "params": {"steps": "ten"}}), 422)
    assert any(e["pointer"] == "/steps" for e in doc["errors"]), doc  # a pointer into params


@case("an unknown member of the create body gets 422")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", {"kind": "demo.countdown", "owner": "root"}), 422)


@case("priority out of range gets 422")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", {"kind": "demo.countdown", "priority": 101}), 422)


@case("a negative timeout gets 422")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", {"kind": "demo.countdown", "timeout_s": -1}), 422)


@case("an Idempotency-Key of 300 characters gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", TASK, {"Idempotency-Key": "k" * 300}), 400)


@case("an Idempotency-Key with a control character gets 400")
def _(s):
    expect_problem(send_raw(s, raw_post("/v1/tasks", TASK, "Idempotency-Key: a\x01b\r\n")), 400)


@case("one Idempotency-Key for two different bodies: the second is refused", stores=True)
def _(s):
    first = s.call("POST", "/v1/tasks", TASK, {"Idempotency-Key": "battery-key"})
    assert first.status == 202, first
    wait_task(s, first.json()["id"])
    other = json.dumps({"kind": "demo.countdown", "params": {"steps": 2, "interval_ms": 0}}).encode()
    second = s.call("POST", "/v1/tasks", other, {"Idempotency-Key": "battery-key"})
    assert second.status in (409, 422), second
    expect_problem(second, second.status)


@case("list: limit=0, limit=abc and a forged cursor get 400")
def _(s):
    for query in ("limit=0", "limit=abc", "limit=501", "cursor=not-a-cursor", "state=exploded"):
        expect_problem(s.call("GET", "/v1/tasks?" + query), 400)


@case("Last-Event-ID that is not a number, negative or past 64 bits gets 400")
def _(s):
    for value in ("abc", "-1", "99999999999999999999999", "1 2"):
        expect_problem(s.call("GET", "/v1/events?topic=a", headers={"Accept": "text/event-stream",
                                                                     "Last-Event-ID": value}), 400)


@case("history: after= that is not a number gets 400")
def _(s):
    task = create_once(s)
    expect_problem(s.call("GET", f"/v1/tasks/{task}/events?after=x", headers={"Accept": "application/json"}), 400)


# ---------------------------------------------------------------- SSE injection through producers

@case("an event type with a newline gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/t/events", {"type": "a\nevent: forged", "data": 1}), 400)


@case("an event type with a carriage return gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/t/events", {"type": "a\rb", "data": 1}), 400)


@case("an event type of 300 characters gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/t/events", {"type": "t" * 300, "data": 1}), 400)


@case("an empty event type gets 400")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/t/events", {"type": "", "data": 1}), 400)


@case("an event with its own id gets 422")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/t/events", {"id": "999999", "data": 1}), 422)


@case("a batch with one bad event stores none of it")
def _(s):
    doc = expect_problem(s.call("POST", "/v1/topics/t/events", [{"data": 1}, {"type": "x\ny", "data": 2}]), 400)
    assert doc["errors"][0]["pointer"] == "/1/type", doc


@case("an empty batch and a batch of 1001 get 422")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/t/events", []), 422)
    expect_problem(s.call("POST", "/v1/topics/t/events", [{"data": 1}] * 1001), 422)


@case("data with newlines and 'event:' lines is one event to a reader, intact", stores=True)
def _(s):
    conn = s.connect(timeout=10)
    conn.send(request("GET", "/v1/events?topic=inject", headers={"Accept": "text/event-stream"}))
    assert conn.read_reply().status == 200
    conn.read_until(b"\n\n")  # retry
    evil = "x\n\nevent: forged\ndata: {}\n\nid: 1\r\n"
    assert s.call("POST", "/v1/topics/inject/events", {"type": "note", "data": evil}).status == 202
    # One frame: it ends at the first blank line; the data's own newlines are data: lines.
    frame = conn.read_until(b"\n\n").decode()
    fields = [line.split(": ", 1) if ": " in line else [line.rstrip(":"), ""] for line in frame.split("\n") if line]
    assert [f[0] for f in fields[:2]] == ["id", "event"] and fields[1][1] == "note", frame
    assert all(f[0] == "data" for f in fields[2:]), frame
    assert "\n".join(f[1] for f in fields[2:]) == evil.replace("\r\n", "\n"), frame
    conn.close()


@case("a NUL in a task's error message is kept whole", stores=True)
def _(s):
    task = create(s, {"kind": "demo.fail", "params": {"message": "before\u0000after"}})
    finished = wait_task(s, task["id"])
    assert finished["error"]["message"] == "before\u0000after", finished


@case("a NUL and a newline in a param round-trip", stores=True)
def _(s):
    task = create(s, {"kind": "demo.fail", "params": {"message": "a\u0000\nb"}})
    got = s.call("GET", f"/v1/tasks/{task['id']}").json()
    assert got["params"]["message"] == "a\u0000\nb", got
    wait_task(s, task["id"])


# ---------------------------------------------------------------- exhaustion

@case("past the per-client stream limit: 429 with Retry-After")
def _(s):
    conns = []
    try:
        for _ in range(3):
            conn = s.connect(timeout=5)
            conn.send(request("GET", "/v1/events?topic=limit", headers={"Accept": "text/event-stream"}))
            assert conn.read_reply().status == 200
            conns.append(conn)
        reply = s.call("GET", "/v1/events?topic=limit", headers={"Accept": "text/event-stream"})
        expect_problem(reply, 429)
        assert reply.header("retry-after"), reply
    finally:
        for conn in conns:
            conn.close()


@case("a reader that never reads is cut off; a publisher is never blocked", stores=True)
def _(s):
    slow = s.connect(timeout=5, rcvbuf=4096)
    slow.send(request("GET", "/v1/events?topic=flood", headers={"Accept": "text/event-stream"}))
    big = [{"type": "fill", "data": "z" * 900} for _ in range(1000)]
    for _ in range(8):
        started = time.monotonic()
        assert s.call("POST", "/v1/topics/flood/events", big).status == 202
        assert time.monotonic() - started < 5
    slow.sock.settimeout(20)
    assert slow.closed_by_peer(), "the slow reader was not cut off"
    slow.close()


@case("a flood of 300 requests on one connection is answered in full")
def _(s):
    conn = s.connect(timeout=20)
    conn.send(request("GET", "/healthz") * 300)
    for _ in range(300):
        assert conn.read_reply().status == 200
    conn.close()


@case("past the connection limit: 503 with Retry-After, and the server recovers")
def _(s):
    held = []
    try:
        reply = None
        for _ in range(80):
            conn = s.connect(timeout=5)
            held.append(conn)
            conn.send(request("GET", "/v1/events?topic=hold", headers={"Accept": "application/json"})[:-2])
        probe = s.call("GET", "/v1/kinds")
        expect_problem(probe, 503)
        assert probe.header("retry-after"), probe
    finally:
        for conn in held:
            conn.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if s.call("GET", "/healthz").status == 200:
            return
        time.sleep(0.05)  # waiting for the closed connections to be counted out; bounded
    raise AssertionError("the server did not recover")


# ---------------------------------------------------------------- state-machine abuse

@case("cancel a finished task gets 409")
def _(s):
    expect_problem(s.call("POST", f"/v1/tasks/{create_once(s)}/cancel"), 409)


@case("retry a succeeded task gets 409")
def _(s):
    expect_problem(s.call("POST", f"/v1/tasks/{create_once(s)}/retry"), 409)


@case("cancel, retry, delete and stream an unknown task get 404")
def _(s):
    for method, path in (("POST", "/v1/tasks/t_nope/cancel"), ("POST", "/v1/tasks/t_nope/retry"),
                         ("DELETE", "/v1/tasks/t_nope"), ("GET", "/v1/tasks/t_nope/events")):
        expect_problem(s.call(method, path), 404)


@case("delete a running task gets 409; it runs on", stores=True)
def _(s):
    task = create(s, {"kind": "demo.countdown", "params": {"steps": 100, "interval_ms": 20}})
    expect_problem(s.call("DELETE", f"/v1/tasks/{task['id']}"), 409)
    assert s.call("POST", f"/v1/tasks/{task['id']}/cancel").status in (200, 202)
    assert wait_task(s, task["id"])["state"] == "cancelled"


@case("POST to a stream route gets 405 with Allow: GET")
def _(s):
    reply = s.call("POST", f"/v1/tasks/{create_once(s)}/events", EVENT)
    expect_problem(reply, 405)
    assert reply.header("allow") == "GET", reply



# ---------------------------------------------------------------- authentication and scopes
# The "hs" server checks HS256 tokens with an issuer and an audience, takes a
# cookie, allows one other origin and five publishes a second per caller; "rsa"
# and "jwks" check RS256 and ES256 signatures.

ISSUER, AUDIENCE, COOKIE, ORIGIN = "https://issuer.test", "taskstream", "ts_token", "https://app.example"
KEYS = None
EVERYTHING = {"create": ["*"], "subscribe": ["*"], "publish": ["*"], "control": True}


def token(sub="alice", ttl=600, alg="HS256", kid=None, secret=None, extra=None, **scope):
    body = tokens.claims(sub, ttl, **scope)
    body.update({"iss": ISSUER, "aud": AUDIENCE})
    body.update(extra or {})
    return KEYS.sign(body, alg=alg, kid=kid, secret=secret)


def bearer(t):
    return {"Authorization": "Bearer " + t}


def expect_401(reply, reason=None):
    doc = expect_problem(reply, 401)
    challenge = reply.header("www-authenticate")
    assert challenge and challenge.startswith('Bearer realm="taskstream"'), reply
    if reason:
        assert 'error="invalid_token"' in challenge and reason in challenge, challenge
    return doc


STREAM = {"Accept": "text/event-stream"}


@case("no credential: 401 with a Bearer challenge and no error code", server="hs")
def _(s):
    reply = s.call("GET", "/v1/tasks")
    expect_401(reply)
    assert "invalid_token" not in reply.header("www-authenticate")


@case("alg=none is refused", server="hs")
def _(s):
    t = KEYS.sign(tokens.claims("alice", create=["*"]) | {"iss": ISSUER, "aud": AUDIENCE}, alg="none")
    expect_401(s.call("POST", "/v1/tasks", TASK, bearer(t)), "algorithm")


@case("a byte past ASCII in a token is refused before the JWT library decodes it (fuzz_token)", server="hs")
def _(s):
    t = token(**EVERYTHING)
    at = t.index(".") + 3
    expect_401(s.call("POST", "/v1/tasks", TASK, bearer(t[:at] + "\u00d7" + t[at:])), "malformed")


@case("an HS256 token signed with another secret is refused", server="hs")
def _(s):
    expect_401(s.call("POST", "/v1/tasks", TASK, bearer(token(secret=b"x" * 40, **EVERYTHING))), "signature")


@case("an RS256 token at an HS256 server is refused", server="hs")
def _(s):
    expect_401(s.call("POST", "/v1/tasks", TASK, bearer(token(alg="RS256", **EVERYTHING))), "algorithm")


@case("RS/HS confusion: an HS256 token keyed with the server's RSA public key is refused", server="rsa")
def _(s):
    with open(KEYS.rsa_public, "rb") as f:
        pem = f.read()
    expect_401(s.call("POST", "/v1/tasks", TASK, bearer(token(secret=pem, **EVERYTHING))), "algorithm")


@case("an expired token is refused (past the leeway)", server="hs")
def _(s):
    expect_401(s.call("GET", "/v1/tasks", headers=bearer(token(ttl=-120))), "expired")


@case("a token not valid yet (nbf) is refused", server="hs")
def _(s):
    t = token(extra={"nbf": int(time.time()) + 600})
    expect_401(s.call("GET", "/v1/tasks", headers=bearer(t)), "not valid yet")


@case("a token for another audience is refused", server="hs")
def _(s):
    expect_401(s.call("GET", "/v1/tasks", headers=bearer(token(extra={"aud": "someone-else"}))), "audience")


@case("a token from another issuer is refused", server="hs")
def _(s):
    expect_401(s.call("GET", "/v1/tasks", headers=bearer(token(extra={"iss": "https://evil.test"}))), "issuer")


@case("a token without exp or without sub is refused", server="hs")
def _(s):
    no_exp = KEYS.sign({"sub": "alice", "iss": ISSUER, "aud": AUDIENCE})
    expect_401(s.call("GET", "/v1/tasks", headers=bearer(no_exp)), "exp")
    no_sub = KEYS.sign({"exp": int(time.time()) + 60, "iss": ISSUER, "aud": AUDIENCE})
    expect_401(s.call("GET", "/v1/tasks", headers=bearer(no_sub)), "sub")


@case("malformed tokens and schemes are refused", server="hs")
def _(s):
    for value in ("Bearer abc", "Bearer a.b.c", "Bearer " + "x" * 5000, "Basic YWxpY2U6cHc=", "Bearer ..."):
        expect_401(s.call("GET", "/v1/tasks", headers={"Authorization": value}))


@case("a scope claim of the wrong shape is refused", server="hs")
def _(s):
    expect_401(s.call("GET", "/v1/tasks", headers=bearer(token(subscribe="orders/*"))), "subscribe")


@case("creating a kind outside the scope: 403", server="hs")
def _(s):
    expect_problem(s.call("POST", "/v1/tasks", TASK, bearer(token(create=["demo.fail"]))), 403)


@case("publishing outside the scope: 403", server="hs")
def _(s):
    expect_problem(s.call("POST", "/v1/topics/billing/events", EVENT, bearer(token(publish=["orders/*"]))), 403)


@case("subscribing outside the scope: 403, never a 200 with an empty stream", server="hs")
def _(s):
    t = bearer(token(subscribe=["orders/*"]))
    for topics in ("topic=billing", "topic=orders/a&topic=billing", "topic=*", "topic=tasks/*"):
        expect_problem(s.call("GET", "/v1/events?" + topics, headers=dict(STREAM, **t)), 403)


@case("another subject's task: get, stream, history, cancel, retry and delete get 403", stores=True, server="hs")
def _(s):
    mine = create(s_with(s, token(**EVERYTHING)), {"kind": "demo.countdown", "params": {"steps": 50, "interval_ms": 20}})
    bob = bearer(token("bob", **EVERYTHING))
    task = mine["id"]
    for method, path, headers in (("GET", f"/v1/tasks/{task}", {}), ("GET", f"/v1/tasks/{task}/events", STREAM),
                                  ("GET", f"/v1/tasks/{task}/events", {"Accept": "application/json"}),
                                  ("POST", f"/v1/tasks/{task}/cancel", {}), ("POST", f"/v1/tasks/{task}/retry", {}),
                                  ("DELETE", f"/v1/tasks/{task}", {})):
        expect_problem(s.call(method, path, headers=dict(headers, **bob)), 403)
    listed = s.call("GET", "/v1/tasks", headers=bob).json()["tasks"]
    assert all(t["id"] != task for t in listed), listed
    assert s.call("POST", f"/v1/tasks/{task}/cancel", headers=bearer(token(**EVERYTHING))).status == 202


def s_with(s, t):
    """The server `s`, calling with token `t` by default."""
    class Authed:
        def call(self, method, path, body=None, headers=None):
            return s.call(method, path, body, dict(headers or {}, **bearer(t)))
    return Authed()


@case("a tasks/* stream yields only the caller's tasks", stores=True, server="hs")
def _(s):
    bob = token("bob", subscribe=["tasks/*"], create=["*"])
    conn = s.connect(timeout=10)
    conn.send(request("GET", "/v1/events?topic=tasks/*", headers=dict(STREAM, **bearer(bob))))
    assert conn.read_reply().status == 200
    alices = create(s_with(s, token(**EVERYTHING)), TASK)["id"]
    wait_task(s_with(s, token(**EVERYTHING)), alices)
    bobs = create(s_with(s, bob), TASK)["id"]
    seen = conn.read_until(b'"state":"succeeded"').decode()
    assert bobs in seen and alices not in seen, seen
    conn.close()


@case("administration and metrics need the admin claim: 403", server="hs")
def _(s):
    t = bearer(token(**EVERYTHING))
    for method, path in (("POST", "/v1/admin/pause"), ("POST", "/v1/admin/resume"), ("GET", "/v1/admin/status"),
                         ("GET", "/metrics")):
        expect_problem(s.call(method, path, headers=t), 403)
    assert s.call("GET", "/v1/admin/status", headers=bearer(token("root", admin=True))).status == 200


@case("cancel of one's own task without the control claim: 403", stores=True, server="hs")
def _(s):
    t = token(create=["*"])
    task = create(s_with(s, t), {"kind": "demo.countdown", "params": {"steps": 30, "interval_ms": 20}})["id"]
    expect_problem(s.call("POST", f"/v1/tasks/{task}/cancel", headers=bearer(t)), 403)
    wait_task(s_with(s, t), task)


def mint(s, t, streams):
    reply = s.call("POST", "/v1/tickets", {"streams": streams}, bearer(t))
    assert reply.status == 201, reply
    return reply.json()["ticket"]


@case("a ticket opens the stream it names, once; a second use gets 401", server="hs")
def _(s):
    t = token(subscribe=["orders/*"])
    ticket = mint(s, t, ["/v1/events?topic=orders/1"])
    conn = s.connect(timeout=5)
    conn.send(request("GET", f"/v1/events?topic=orders/1&ticket={ticket}", headers=STREAM))
    assert conn.read_reply().status == 200
    conn.close()
    expect_401(s.call("GET", f"/v1/events?topic=orders/1&ticket={ticket}", headers=STREAM), "used")


@case("a ticket for another stream gets 401 (and is used up)", server="hs")
def _(s):
    ticket = mint(s, token(subscribe=["orders/*"]), ["/v1/events?topic=orders/1"])
    expect_401(s.call("GET", f"/v1/events?topic=orders/2&ticket={ticket}", headers=STREAM), "another stream")
    expect_401(s.call("GET", f"/v1/events?topic=orders/1&ticket={ticket}", headers=STREAM), "used")


@case("a ticket for a topic whose name holds '&topic=' opens that one topic, not two", server="hs")
def _(s):
    # "orders/1&topic=payroll" is one topic the scope orders/* covers; the ticket
    # must not read back as a stream of orders/1 and payroll (which sorts after it).
    ticket = mint(s, token(subscribe=["orders/*"]), ["/v1/events?topic=orders/1%26topic%3Dpayroll"])
    expect_401(s.call("GET", f"/v1/events?topic=orders/1&topic=payroll&ticket={ticket}", headers=STREAM),
               "another stream")
    ticket = mint(s, token(subscribe=["orders/*"]), ["/v1/events?topic=orders/1%26topic%3Dpayroll"])
    conn = s.connect(timeout=5)
    conn.send(request("GET", f"/v1/events?topic=orders/1%26topic%3Dpayroll&ticket={ticket}", headers=STREAM))
    assert conn.read_reply().status == 200
    conn.close()


@case("an expired ticket gets 401", server="hs")
def _(s):
    ticket = mint(s, token(ttl=1, subscribe=["orders/*"]), ["/v1/events?topic=orders/1"])
    time.sleep(2.1)  # the ticket's life is bounded by its token's exp: waiting out that clock is the case
    expect_401(s.call("GET", f"/v1/events?topic=orders/1&ticket={ticket}", headers=STREAM), "expired")


@case("a ticket is refused on a route that is not a stream, and cannot be minted beyond the scope", server="hs")
def _(s):
    t = token(subscribe=["orders/*"])
    ticket = mint(s, t, ["/v1/events?topic=orders/1"])
    expect_401(s.call("GET", f"/v1/tasks?ticket={ticket}"), "stream")
    expect_problem(s.call("POST", "/v1/tickets", {"streams": ["/v1/events?topic=billing"]}, bearer(t)), 403)
    expect_problem(s.call("POST", "/v1/tickets", {"streams": ["/v1/tasks"]}, bearer(t)), 422)
    expect_problem(s.call("POST", "/v1/tickets", {"streams": []}, bearer(t)), 422)


@case("the create answer carries a ticket for the task's own stream", stores=True, server="hs")
def _(s):
    created = create(s_with(s, token(**EVERYTHING)), TASK)
    conn = s.connect(timeout=10)
    conn.send(request("GET", f"/v1/tasks/{created['id']}/events?ticket={created['ticket']}", headers=STREAM))
    assert conn.read_reply().status == 200
    assert b"succeeded" in conn.read_until(b'"state":"succeeded"')
    conn.close()


@case("a cookie-authenticated POST from a foreign origin: 403; from the allowed or own origin: accepted",
      stores=True, server="hs")
def _(s):
    cookie = {"Cookie": f"other=1; {COOKIE}={token(**EVERYTHING)}"}
    expect_problem(s.call("POST", "/v1/tasks", TASK, dict(cookie, Origin="https://evil.example")), 403)
    allowed = s.call("POST", "/v1/tasks", TASK, dict(cookie, Origin=ORIGIN))
    assert allowed.status == 202 and allowed.header("access-control-allow-origin") == ORIGIN, allowed
    own = s.call("POST", "/v1/tasks", TASK, dict(cookie, Origin="http://127.0.0.1", Host="127.0.0.1"))
    assert own.status == 202, own
    for reply in (allowed, own):
        wait_task(s_with(s, token(**EVERYTHING)), reply.json()["id"])


@case("CORS: a preflight from the allowed origin gets 204 and the exact origin; others get 403", server="hs")
def _(s):
    pre = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "authorization, content-type"}
    ok = s.call("OPTIONS", "/v1/tasks", headers=pre)
    assert ok.status == 204, ok
    assert ok.header("access-control-allow-origin") == ORIGIN and "Origin" in ok.header("vary"), ok
    assert "Authorization" in ok.header("access-control-allow-headers"), ok
    assert "Last-Event-ID" in ok.header("access-control-allow-headers"), ok
    assert ok.header("access-control-allow-credentials") == "true"
    expect_problem(s.call("OPTIONS", "/v1/tasks", headers=dict(pre, Origin="https://evil.example")), 403)
    plain = s.call("GET", "/v1/kinds", headers=dict(bearer(token()), Origin="https://evil.example"))
    assert plain.status == 200 and plain.header("access-control-allow-origin") is None, plain
    stream = s.connect(timeout=5)
    stream.send(request("GET", "/v1/events?topic=orders/1",
                        headers=dict(STREAM, Origin=ORIGIN, **bearer(token(subscribe=["orders/*"])))))
    head = stream.read_reply()
    assert head.status == 200 and head.header("access-control-allow-origin") == ORIGIN, head
    stream.close()


@case("past the publish rate: 429 with Retry-After", stores=True, server="hs")
def _(s):
    t = bearer(token("publisher", publish=["rate/*"]))
    statuses = [s.call("POST", "/v1/topics/rate/a/events", EVENT, t) for _ in range(7)]
    limited = [r for r in statuses if r.status == 429]
    assert limited, [r.status for r in statuses]
    expect_problem(limited[0], 429)
    assert int(limited[0].header("retry-after")) >= 1
    other = s.call("POST", "/v1/topics/rate/a/events", EVENT, bearer(token("someone-else", publish=["rate/*"])))
    assert other.status == 202, other


@case("a stream ends cleanly when its token expires", server="hs")
def _(s):
    conn = s.connect(timeout=10)
    conn.send(request("GET", "/v1/events?topic=orders/1", headers=dict(STREAM, **bearer(token(ttl=2, subscribe=["orders/*"])))))
    assert conn.read_reply().status == 200
    assert b": credential expired" in conn.read_until(b"credential expired\n\n")
    assert conn.closed_by_peer()
    conn.close()


@case("no token or ticket is written to the log", server="hs")
def _(s):
    t = token(subscribe=["orders/*"])
    ticket = mint(s, t, ["/v1/events?topic=orders/1"])
    s.call("GET", f"/v1/events?topic=orders/9&ticket={ticket}", headers=STREAM)
    s.call("GET", "/v1/tasks/x", headers=bearer(t + "tampered"))
    log = s.log_text()
    assert t.split(".")[2] not in log and ticket not in log


@case("RS256: a token signed with the key is accepted, one signed with another RSA key is not", server="rsa")
def _(s):
    assert s.call("GET", "/v1/kinds", headers=bearer(token(alg="RS256"))).status == 200
    forged = token(alg="RS256")
    head, body, _sig = forged.split(".")
    expect_401(s.call("GET", "/v1/kinds", headers=bearer(f"{head}.{body}.{tokens.b64url(b'x' * 256)}")), "signature")


@case("JWKS: keys are chosen by kid; an unknown kid or a kid of the other algorithm is refused", server="jwks")
def _(s):
    assert s.call("GET", "/v1/kinds", headers=bearer(token(alg="ES256", kid="ec-1"))).status == 200
    assert s.call("GET", "/v1/kinds", headers=bearer(token(alg="RS256", kid="rsa-1"))).status == 200
    expect_401(s.call("GET", "/v1/kinds", headers=bearer(token(alg="ES256", kid="nope"))))
    expect_401(s.call("GET", "/v1/kinds", headers=bearer(token(alg="ES256", kid="rsa-1"))))
    expect_401(s.call("GET", "/v1/kinds", headers=bearer(token(alg="HS256", kid="ec-1"))))

# ---------------------------------------------------------------- runner

def store_counts(data_dir):
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'taskstream.db')}?mode=ro", uri=True, timeout=10)
    try:
        return tuple(db.execute(q).fetchone()[0] for q in (
            "SELECT count(*) FROM tasks", "SELECT coalesce(max(seq), 0) FROM events",
            "SELECT count(*) FROM idempotency"))
    finally:
        db.close()


def server_args(flavor, keys):
    if flavor == "plain":
        return ["--header-timeout", "1s", "--body-timeout", "1s", "--max-streams-per-ip", "3",
                "--max-connections", "64", "--stream-queue-bytes", "65536", "--stream-send-buffer", "4096",
                "--write-timeout", "2s"]
    rules = ["--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE]
    if flavor == "hs":
        return rules + ["--jwt-secret-file", keys.secret_file, "--auth-cookie", COOKIE, "--cors-origin", ORIGIN,
                        "--publish-rate", "5"]
    if flavor == "rsa":
        return rules + ["--jwt-public-key-file", keys.rsa_public]
    return rules + ["--jwks-file", keys.jwks_file]


def main():
    global KEYS
    binary = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    key_dir = tempfile.mkdtemp(prefix="taskstream-keys-")
    KEYS = tokens.Keys(key_dir)
    servers = {}
    failed = []
    ran = 0
    try:
        for name, fn, stores, flavor in CASES:
            if only not in name:
                continue
            if flavor not in servers:
                servers[flavor] = Server(binary, "--demo", *server_args(flavor, KEYS))
                if flavor == "plain":
                    create_once(servers[flavor])  # the finished task some cases act on, stored before they run
            server = servers[flavor]
            ran += 1
            before = store_counts(server.data)
            try:
                fn(server)
                alive = server.call("GET", "/healthz")
                assert alive is not None and alive.status == 200, f"the server no longer serves: {alive}"
                if not stores:
                    after = store_counts(server.data)
                    assert after == before, f"stored (tasks, last event, keys) {before} -> {after}"
                print(f"ok   {name}")
            except (AssertionError, OSError, ValueError, KeyError) as e:
                failed.append(name)
                print(f"FAIL {name}: {type(e).__name__}: {e}")
            if server.process.poll() is not None:
                failed.append("the server died")
                break
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(key_dir, ignore_errors=True)
    print(f"{ran - len(failed)} of {ran} cases passed")
    if failed:
        for flavor, server in servers.items():
            print(f"--- log of the {flavor} server\n" + server.log_text()[-3000:])
        sys.exit(1)
    for server in servers.values():
        server.remove()
    assert ran >= 60 or only, f"the battery has {ran} cases; it must have at least 60"


if __name__ == "__main__":
    main()
