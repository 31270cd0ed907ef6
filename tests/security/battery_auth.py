"""The hostile battery: authentication and scopes (tokens made by
tests/support/tokens.py through openssl; KEYS is set by the runner)."""

from battery_common import *  # noqa: F401,F403

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


@case("another subject's task: get, stream, history, cancel, retry and delete get 403, no filter lists it",
      stores=True, server="hs")
def _(s):
    labels = {"tags": ["shared"], "metadata": {"team": "red"}}
    mine = create(s_with(s, token(**EVERYTHING)), {"kind": "demo.countdown", "params": {"steps": 50, "interval_ms": 20},
                                                   "concurrency_key": "k1", **labels})
    bob = bearer(token("bob", **EVERYTHING))
    bobs = create(s_with(s, token("bob", **EVERYTHING)), {"kind": "demo.noop", "concurrency_key": "k1", **labels})["id"]
    for query in ("tag=shared", "meta.team=red", "key=k1", "tag=shared&meta.team=red&key=k1"):
        assert [t["id"] for t in s.call("GET", "/v1/tasks?" + query, headers=bob).json()["tasks"]] == [bobs], query
    task = mine["id"]
    for method, path, headers in (("GET", f"/v1/tasks/{task}", {}), ("GET", f"/v1/tasks/{task}/events", STREAM),
                                  ("GET", f"/v1/tasks/{task}/events", {"Accept": "application/json"}),
                                  ("POST", f"/v1/tasks/{task}/cancel", {}), ("POST", f"/v1/tasks/{task}/retry", {}),
                                  ("DELETE", f"/v1/tasks/{task}", {})):
        expect_problem(s.call(method, path, headers=dict(headers, **bob)), 403)
    listed = s.call("GET", "/v1/tasks", headers=bob).json()["tasks"]
    assert all(t["id"] != task for t in listed), listed
    assert s.call("POST", f"/v1/tasks/{task}/cancel", headers=bearer(token(**EVERYTHING))).status == 202


@case("a bulk action acts on its caller's own tasks: bob's bulk cancel by a shared tag leaves alice's running; "
      "without the control claim it is a 403", stores=True, server="hs")
def _(s):
    long_run = {"kind": "demo.countdown", "params": {"steps": 600, "interval_ms": 50}, "tags": ["bulk"]}
    alice, bob = s_with(s, token(**EVERYTHING)), s_with(s, token("bob", **EVERYTHING))
    alices, bobs = create(alice, long_run)["id"], create(bob, long_run)["id"]
    cancel_shared = {"action": "cancel", "filter": {"tag": "bulk"}}
    expect_problem(s.call("POST", "/v1/tasks/bulk", cancel_shared, bearer(token("bob", create=["*"]))), 403)
    reply = bob.call("POST", "/v1/tasks/bulk", cancel_shared)
    assert reply.status == 202, reply
    assert reply.json()["params"]["scope"] == "bob", reply.json()
    ended = wait_task(bob, reply.json()["id"])
    assert ended.get("result") == {"action": "cancel", "matched": 1, "done": 1, "skipped": 0}, ended
    assert wait_task(bob, bobs)["state"] == "cancelled"
    state = alice.call("GET", f"/v1/tasks/{alices}").json()["state"]
    assert state in ("queued", "running"), state
    assert alice.call("POST", f"/v1/tasks/{alices}/cancel").status == 202


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
