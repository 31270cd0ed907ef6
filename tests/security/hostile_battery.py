#!/usr/bin/env python3
"""The hostile-input battery: what an attacker would send, against the real
binary over real sockets. Every case asserts the answer (status and RFC 9457
problem document), and then that the server still serves and that nothing was
stored (the SQLite file's tasks, events and idempotency rows are unchanged).

Usage: hostile_battery.py TASKSTREAM_BINARY [CASE_SUBSTRING]
The cases: battery_http.py, battery_bodies.py, battery_auth.py (in that order)."""

import os
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from raw_http import Server  # noqa: E402
import tokens  # noqa: E402
from battery_common import CASES, create_once  # noqa: E402
import battery_http  # noqa: E402,F401  (registers its cases, in this order)
import battery_bodies  # noqa: E402,F401
import battery_auth  # noqa: E402
from battery_auth import AUDIENCE, COOKIE, ISSUER, ORIGIN  # noqa: E402

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
    binary = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    key_dir = tempfile.mkdtemp(prefix="taskstream-keys-")
    keys = battery_auth.KEYS = tokens.Keys(key_dir)
    servers = {}
    failed = []
    ran = 0
    try:
        for name, fn, stores, flavor in CASES:
            if only not in name:
                continue
            if flavor not in servers:
                servers[flavor] = Server(binary, "--demo", *server_args(flavor, keys))
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
