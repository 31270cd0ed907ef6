"""The hostile battery: JSON bodies and parameters, SSE injection through
producers, exhaustion, state-machine abuse."""

from battery_common import *  # noqa: F401,F403

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
