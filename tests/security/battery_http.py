"""The hostile battery: HTTP framing, request targets and encodings."""

from battery_common import *  # noqa: F401,F403

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


# ---------------------------------------------------------------- targets and encodings

@case("%FF in the path gets 400, not a dropped connection")
def _(s):
    expect_problem(s.call("GET", "/v1/tasks/%FF"), 400, "UTF-8")


@case("%FF in a query value gets 400, not 500")
def _(s):
    expect_problem(s.call("GET", "/v1/tasks?state=%FF"), 400)


@case("a query parameter an operation does not list: 400 naming it, on every operation, nothing changed")
def _(s):
    spec = s.call("GET", "/v1/openapi.json").json()
    parameters = spec["components"]["parameters"]
    checked = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or op.get("security") == [{}]:
                continue  # open: the health checks, the API description and the dashboard take any query
            listed = [parameters[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in op.get("parameters", [])]
            # Every parameter the operation lists goes first, so a listed one the server
            # did not know would be the one named; then one no operation lists.
            query = "&".join(f"{p['name']}=1" for p in listed if p["in"] == "query") + "&zz_unknown=1"
            target = path.replace("{id}", "01ARZ3NDEKTSV4RRFFQ69G5FAV").replace("{topic}", "a/b").replace("{kind}", "demo.noop") + "?" + query.lstrip("&")
            body = {} if method in ("post", "put", "patch") else None
            reply = s.call(method.upper(), target, body, {"Accept": "text/event-stream"})
            expect_problem(reply, 400, "unknown query parameter 'zz_unknown'")
            checked += 1
    assert checked >= 15, checked  # every operation but the open ones


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
