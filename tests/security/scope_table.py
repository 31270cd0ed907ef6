#!/usr/bin/env python3
"""Scopes over every route: a table of (route, token) -> status, run against the
real binary with authentication on. The table must name every operation of the
server's own /v1/openapi.json (which another test holds to the routes in the
source), so that no route can be added without deciding who may call it.

A status past the scope check (409 for cancelling a finished task) shows the
request got through; 401 and 403 show it did not.

Usage: scope_table.py TASKSTREAM_BINARY"""

import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from raw_http import Server, request  # noqa: E402
import tokens  # noqa: E402

WHO = ("none", "plain", "alice", "bob", "admin")
SCOPE = {"create": ["*"], "subscribe": ["orders/*", "tasks/*"], "publish": ["orders/*"], "control": True}
TASK = {"kind": "demo.countdown", "params": {"steps": 1, "interval_ms": 0}}
STREAM = {"Accept": "text/event-stream"}

#        method, path,                       body,     headers,                       none plain alice bob admin
TABLE = [
    ("GET", "/v1/kinds", None, {}, (401, 200, 200, 200, 200)),
    ("GET", "/v1/kinds/{kind}", None, {}, (401, 200, 200, 200, 200)),
    ("POST", "/v1/kinds/{kind}/pause", None, {}, (401, 403, 403, 403, 200)),
    ("POST", "/v1/kinds/{kind}/resume", None, {}, (401, 403, 403, 403, 200)),
    ("POST", "/v1/tasks", TASK, {}, (401, 403, 202, 202, 202)),
    ("GET", "/v1/tasks", None, {}, (401, 200, 200, 200, 200)),
    ("GET", "/v1/task-counts", None, {}, (401, 200, 200, 200, 200)),
    ("POST", "/v1/tasks/bulk", {"action": "cancel", "filter": {"state": "queued"}}, {}, (401, 403, 202, 202, 202)),
    ("GET", "/v1/tasks/{id}", None, {}, (401, 403, 200, 403, 200)),
    ("DELETE", "/v1/tasks/{id}", None, {}, (401, 403, 204, 403, 204)),
    ("POST", "/v1/tasks/{id}/cancel", None, {}, (401, 403, 409, 403, 409)),
    ("POST", "/v1/tasks/{id}/retry", None, {}, (401, 403, 409, 403, 409)),
    ("GET", "/v1/tasks/{id}/events", None, STREAM, (401, 403, 200, 403, 200)),
    ("POST", "/v1/topics/{topic}/events", {"data": 1}, {}, (401, 403, 202, 202, 202)),
    ("GET", "/v1/events", None, STREAM, (401, 403, 200, 200, 200)),
    ("POST", "/v1/tickets", {"streams": ["/v1/events?topic=orders/1"]}, {}, (401, 403, 201, 201, 201)),
    ("GET", "/v1/stats", None, {}, (401, 403, 403, 403, 200)),
    ("GET", "/v1/failures", None, {}, (401, 200, 200, 200, 200)),
    ("GET", "/v1/admin/status", None, {}, (401, 403, 403, 403, 200)),
    ("POST", "/v1/admin/pause", None, {}, (401, 403, 403, 403, 200)),
    ("POST", "/v1/admin/resume", None, {}, (401, 403, 403, 403, 200)),
    ("GET", "/metrics", None, {}, (401, 403, 403, 403, 200)),
    ("GET", "/healthz", None, {}, (200, 200, 200, 200, 200)),
    ("GET", "/readyz", None, {}, (200, 200, 200, 200, 200)),
    ("GET", "/", None, {}, (200, 200, 200, 200, 200)),
    ("GET", "/v1/openapi.json", None, {}, (200, 200, 200, 200, 200)),
]


def main():
    binary = sys.argv[1]
    folder = tempfile.mkdtemp(prefix="taskstream-scope-")
    keys = tokens.Keys(folder)
    credentials = {
        "none": {},
        "plain": {"Authorization": "Bearer " + keys.sign(tokens.claims("plain"))},
        "alice": {"Authorization": "Bearer " + keys.sign(tokens.claims("alice", **SCOPE))},
        "bob": {"Authorization": "Bearer " + keys.sign(tokens.claims("bob", **SCOPE))},
        "admin": {"Authorization": "Bearer " + keys.sign(tokens.claims("root", admin=True, **SCOPE))},
    }
    server = Server(binary, "--demo", "--jwt-secret-file", keys.secret_file)
    failures = []
    try:
        documented = {(m.upper(), p) for p, item in server.call("GET", "/v1/openapi.json").json()["paths"].items()
                      for m in item if m != "parameters"}
        tabled = {(method, path) for method, path, *_ in TABLE}
        for route in sorted(documented - tabled):
            failures.append(f"{route[0]} {route[1]} has no row in the scope table")
        for route in sorted(tabled - documented):
            failures.append(f"{route[0]} {route[1]} is in the table but not a route")

        def finished_task():
            """A finished task of alice's, fresh for each call (delete removes it)."""
            reply = server.call("POST", "/v1/tasks", TASK, credentials["alice"])
            assert reply.status == 202, reply
            task_id = reply.json()["id"]
            deadline = time.monotonic() + 20
            while server.call("GET", f"/v1/tasks/{task_id}", headers=credentials["alice"]).json()["state"] != "succeeded":
                assert time.monotonic() < deadline, "the fixture task did not finish"
                time.sleep(0.02)  # polling the fixture task's state; bounded above
            return task_id

        checked = 0
        for method, path, body, headers, expected in TABLE:
            for who, want in zip(WHO, expected):
                target = path.replace("{topic}", "orders/1").replace("{kind}", "demo.noop")
                if "{id}" in target:
                    target = target.replace("{id}", finished_task())
                if target == "/v1/events":
                    target += "?topic=orders/1"
                conn = server.connect(timeout=10)
                conn.send(request(method, target, body, dict(headers, Connection="close", **credentials[who])))
                reply = conn.read_reply()
                conn.close()
                got = reply.status if reply else None
                checked += 1
                if got != want:
                    failures.append(f"{method} {path} as {who}: expected {want}, got {got}")
                elif got in (401, 403) and reply.header("content-type") != "application/problem+json":
                    failures.append(f"{method} {path} as {who}: {got} without a problem document")
                elif got == 401 and not (reply.header("www-authenticate") or "").startswith("Bearer"):
                    failures.append(f"{method} {path} as {who}: 401 without WWW-Authenticate: Bearer")

        # A stream or a ticket naming tasks/<id> names one task: another subject's task,
        # or none, is refused (403), never answered with a stream that stays empty.
        alice_task = finished_task()
        for who, topic, want_stream, want_ticket in (
                ("alice", f"tasks/{alice_task}", 200, 201), ("bob", f"tasks/{alice_task}", 403, 403),
                ("bob", "tasks/01M8T1C3ST9M9DQBQ40B7BDQF4", 403, 403), ("admin", f"tasks/{alice_task}", 200, 201)):
            conn = server.connect(timeout=10)
            conn.send(request("GET", f"/v1/events?topic={topic}", None, dict(STREAM, Connection="close", **credentials[who])))
            reply = conn.read_reply()
            conn.close()
            got = reply.status if reply else None
            ticket = server.call("POST", "/v1/tickets", {"streams": [f"/v1/events?topic={topic}"]}, credentials[who])
            checked += 2
            if got != want_stream:
                failures.append(f"GET /v1/events?topic={topic} as {who}: expected {want_stream}, got {got}")
            if ticket.status != want_ticket:
                failures.append(f"a ticket for {topic} as {who}: expected {want_ticket}, got {ticket.status}")
    finally:
        server.stop()
    for failure in failures:
        print("FAIL", failure)
    if failures:
        print(server.log_text()[-3000:])
        sys.exit(1)
    print(f"{len(TABLE)} routes x {len(WHO)} callers: {checked} answers as the table says")
    server.remove()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
