#!/usr/bin/env python3
"""Webhooks against the real binary: https delivery verified against a test CA
(and refused for a certificate it does not trust), destinations that resolve to
internal addresses refused unless allowed by name, redirects not followed, and a
callback stored with its task's final state delivered after a kill -9 and a
restart, under the same delivery id and with the same bytes.

Usage: webhooks_test.py TASKSTREAM_BINARY"""

import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from hook_receiver import HookReceiver  # noqa: E402
from checklist import check, finish  # noqa: E402
from raw_http import Server  # noqa: E402
from test_ca import TestCa  # noqa: E402

SECRET = "webhook-test-secret"
def config(folder, name, **webhooks):
    lines = ["[webhooks]", f'secret = "{SECRET}"']
    for key, value in webhooks.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path = os.path.join(folder, name + ".toml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def start_task(server, callback_url):
    reply = server.call("POST", "/v1/tasks", {"kind": "demo.countdown", "params": {"steps": 1, "interval_ms": 0},
                                              "callback_url": callback_url})
    return reply


def signed(headers, body):
    return headers.get("x-taskstream-signature") == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def main():
    binary = sys.argv[1]
    folder = tempfile.mkdtemp(prefix="taskstream-hooks-")
    ca = TestCa(folder)
    cert, key = ca.issue("receiver")
    os.makedirs(os.path.join(folder, "stranger"))
    stranger = TestCa(os.path.join(folder, "stranger"), name="a CA the server does not trust")
    stranger_cert, stranger_key = stranger.issue("receiver")
    trusted = HookReceiver(cert, key)
    untrusted = HookReceiver(stranger_cert, stranger_key)
    plain = HookReceiver()
    servers = []
    try:
        # 1. https, verified against the configured CA; localhost is allowed to be internal by name.
        server = Server(binary, "--demo", "--config",
                        config(folder, "tls", ca_file=ca.cert, allow_internal=["localhost"], backoff_base="50ms",
                               backoff_max="100ms", max_attempts=2, timeout="5s"))
        servers.append(server)
        created = start_task(server, f"https://localhost:{trusted.port}/hook?n=1")
        check(created.status == 202, "a task with an https:// callback_url is accepted")
        task_id = created.json()["id"]
        hooks = trusted.wait_for(1)
        check(len(hooks) == 1, "the https receiver got the callback")
        if hooks:
            path, headers, body = hooks[0]
            task = json.loads(body)
            check(path == "/hook?n=1" and task["id"] == task_id and task["state"] == "succeeded",
                  "the callback carries the finished task to its path")
            check(signed(headers, body), "the callback is signed with HMAC-SHA256 of its body")
            check(headers.get("x-taskstream-delivery", "").startswith(task_id + "."), "the delivery id names the task")

        # 2. A receiver whose certificate the server does not trust gets no request.
        created = start_task(server, f"https://localhost:{untrusted.port}/hook")
        check(created.status == 202, "a callback to the untrusted receiver is accepted at create")
        check(server.wait_for_log("given up after 2 attempts"), "its delivery fails and is given up after 2 attempts")
        check("certificate verify failed" in server.log_text(), "the log says why: certificate verify failed")
        check(len(untrusted.requests) == 0, "the untrusted receiver never got a request")

        # 3. Redirects are not followed.
        plain.status = 302
        plain.location = f"http://localhost:{plain.port}/elsewhere"
        created = start_task(server, f"http://localhost:{plain.port}/hook")
        hooks = plain.wait_for(2)
        check(server.wait_for_log("redirects are not followed"), "a 302 is a failed attempt: redirects are not followed")
        check(len(hooks) == 2 and all(p == "/hook" for p, _, _ in hooks),
              "both attempts went to /hook and none to the redirect's target")
        server.stop()

        # 4. Internal destinations without allow_internal.
        strict = Server(binary, "--demo", "--config", config(folder, "strict", backoff_base="50ms", max_attempts=3))
        servers.append(strict)
        before = len(plain.requests)
        for url in (f"http://127.0.0.1:{plain.port}/x", f"http://[::1]:{plain.port}/x", "http://169.254.169.254/latest",
                    f"http://[::ffff:127.0.0.1]:{plain.port}/x", f"http://10.0.0.1/x",
                    # internal addresses spelled as numbers, as inet_aton and URL parsers read them
                    "http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://017700000001/",
                    "http://127.1/", "http://0177.0.0.1/", "http://0/", "http://2852039166/"):
            reply = start_task(strict, url)
            check(reply.status == 422 and reply.json()["errors"][0]["pointer"] == "/callback_url",
                  f"{url} is refused at create (422 on /callback_url)")
        created = start_task(strict, f"http://localhost:{plain.port}/x")
        check(created.status == 202, "a name is accepted at create (it is judged when resolved)")
        check(strict.wait_for_log("resolves to an internal address (127.0.0.1)") or
              strict.wait_for_log("resolves to an internal address (::1)"),
              "localhost, resolved to loopback, is refused at delivery")
        check(len(plain.requests) == before, "and the receiver got nothing from it")
        listed = strict.call("GET", "/v1/tasks").json()["tasks"]
        check(len(listed) == 1, "the refused creates stored nothing")
        strict.stop()

        # 5. Stored with the final state, delivered after kill -9 and a restart: same id, same bytes.
        restart_receiver = HookReceiver()
        restart_receiver.status = 503
        durable_config = config(folder, "durable", allow_internal=["127.0.0.1"], backoff_base="1s", backoff_max="1s",
                                max_attempts=20)
        first = Server(binary, "--demo", "--config", durable_config)
        servers.append(first)
        created = start_task(first, f"http://127.0.0.1:{restart_receiver.port}/durable")
        task_id = created.json()["id"]
        hooks = restart_receiver.wait_for(1)
        check(len(hooks) >= 1, "the first attempt reached the receiver (answered 503)")
        check(first.wait_for_log("(attempt 1): status 503"), "and was recorded as failed")
        first.kill()
        seen_before = len(restart_receiver.requests)
        recorded = first.log_text().count("): status 503")  # attempts recorded before the kill
        restart_receiver.status = 200
        second = Server(binary, "--demo", "--config", durable_config, data=first.data)
        servers.append(second)
        hooks = restart_receiver.wait_for(seen_before + 1)
        check(len(hooks) == seen_before + 1, "after the restart the callback is attempted again")
        if len(hooks) == seen_before + 1:
            _, first_headers, first_body = hooks[0]
            _, last_headers, last_body = hooks[-1]
            check(last_headers["x-taskstream-delivery"] == first_headers["x-taskstream-delivery"],
                  "under the same delivery id")
            check(last_body == first_body, "with the same bytes as stored with the final state")
            check(int(last_headers["x-taskstream-attempt"]) == recorded + 1,
                  f"counting the attempts recorded before ({last_headers['x-taskstream-attempt']} after {recorded})")
            stored = second.call("GET", f"/v1/tasks/{task_id}").json()
            check(json.loads(last_body)["finished_at"] == stored["finished_at"] and json.loads(last_body)["state"] == "succeeded",
                  "the body is the task as stored")
        check(len(restart_receiver.wait_for(seen_before + 2, timeout=2.5)) == seen_before + 1,
              "once delivered it is not sent again")
        second.stop()
        restart_receiver.close()
    finally:
        for s in servers:
            s.stop()
            s.remove()
        for r in (trusted, untrusted, plain):
            r.close()
        shutil.rmtree(folder, ignore_errors=True)

    finish()


if __name__ == "__main__":
    main()
