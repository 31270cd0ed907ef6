#!/usr/bin/env python3
"""HTTPS against the real binary (--tls-cert/--tls-key) with a certificate this
run makes: requests and event streams verified against the test CA, streams that
end with a close_notify (no truncation), TLS 1.1 and plain HTTP refused, a
client that never handshakes closed in time, pipelining and a large body through
the relay, and the client's own address in the access log.

Usage: tls_test.py TASKSTREAM_BINARY"""

import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from checklist import check, finish  # noqa: E402
from raw_http import Connection, Server, request  # noqa: E402
from test_ca import TestCa  # noqa: E402

def client_context(ca_file):
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def read_to_end(conn):
    """Everything until the server's end of stream; raises ssl.SSLEOFError if it ends without close_notify."""
    data = conn.pending
    while True:
        chunk = conn.sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def main():
    binary = sys.argv[1]
    folder = tempfile.mkdtemp(prefix="taskstream-tls-")
    ca = TestCa(folder)
    cert, key = ca.issue("server")
    server = Server(binary, "--tls-cert", cert, "--tls-key", key, "--demo", "--header-timeout", "1s", "--access-log",
                    tls=client_context(ca.cert))
    try:
        check("listening on https://127.0.0.1:" in server.log_text(), "the start line names an https:// URL")

        reply = server.call("GET", "/healthz")
        check(reply is not None and reply.status == 200, "GET /healthz over TLS, verified against the test CA")
        conn = server.connect()
        check(conn.sock.version() in ("TLSv1.2", "TLSv1.3"), f"negotiated {conn.sock.version()}")
        conn.close()

        # A task and its stream to the end: every event, then close_notify.
        created = server.call("POST", "/v1/tasks", {"kind": "demo.countdown", "params": {"steps": 3, "interval_ms": 0}})
        check(created.status == 202, f"POST /v1/tasks over TLS → 202 ({created.status} {created.body[:200]!r})")
        task_id = created.json()["id"]
        conn = server.connect()
        conn.send(request("GET", f"/v1/tasks/{task_id}/events", headers={"Accept": "text/event-stream"}))
        head = conn.read_reply()
        check(head.status == 200 and head.header("content-type") == "text/event-stream", "the stream's head over TLS")
        try:
            body = read_to_end(conn)
            clean = True
        except ssl.SSLEOFError:
            body, clean = conn.pending, False
        conn.close()
        check(clean, "the stream ends with a TLS close_notify, not a truncation")
        check(body.count(b"event: progress") == 3 and b'"state":"succeeded"' in body,
              "the stream carries the three progress steps and the final state")

        # The server's side of the protocol floor: a TLS 1.1 hello gets a protocol_version alert.
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # that is the point
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        try:
            Connection(server.address, tls=old).close()
            refused = "handshake succeeded"
        except ssl.SSLError as e:
            refused = str(e)
        check("PROTOCOL_VERSION" in refused.upper() and "NO_PROTOCOLS_AVAILABLE" not in refused.upper(),
              f"a TLS 1.1 client is refused by the server ({refused})")

        # Plain HTTP on the TLS port: no answer in clear, the connection closes.
        plain = Connection(server.address, timeout=5)
        plain.send(request("GET", "/healthz"))
        check(plain.closed_by_peer(), "plain HTTP to the TLS port is closed")
        plain.close()

        # A client that never sends its hello: closed after the header timeout (1 s).
        silent = Connection(server.address, timeout=5)
        check(silent.closed_by_peer(), "a client that never handshakes is closed in time")
        silent.close()

        # Two pipelined requests in one write, both answered in order, through the relay.
        conn = server.connect()
        conn.send(request("GET", "/healthz") + request("GET", f"/v1/tasks/{task_id}"))
        first, second = conn.read_reply(), conn.read_reply()
        conn.close()
        check(first.status == 200 and second.status == 200 and second.json()["id"] == task_id,
              "pipelined requests over TLS are answered in order")

        # A body of many TLS records: read whole (then refused as the JSON it is not).
        big = b"[" + b"1," * 300000 + b"x]"
        reply = server.call("POST", "/v1/tasks", big)
        check(reply is not None and reply.status == 400 and reply.header("content-type") == "application/problem+json",
              "a 600 KB body over TLS reaches the parser and gets a 400 problem")

        # curl, an independent client, over the same CA.
        curl = subprocess.run(["curl", "-sS", "--cacert", ca.cert, "--max-time", "10", "-N",
                               f"https://127.0.0.1:{server.address[1]}/v1/tasks/{task_id}/events"],
                              capture_output=True, text=True)
        check(curl.returncode == 0 and '"state":"succeeded"' in curl.stdout,
              f"curl -N reads the stream over TLS and exits 0 ({curl.returncode} {curl.stderr.strip()})")

        check("127.0.0.1 GET /v1/tasks/{id} 200" in server.log_text(),
              "the access log names the client's address, not the relay's")
        reply = server.call("GET", "/healthz")
        check(reply is not None and reply.status == 200, "the server still serves")
    finally:
        server.stop()
        server.remove()
        shutil.rmtree(folder, ignore_errors=True)

    # Refused at start: a key without its certificate, a key that is not the certificate's.
    bad = tempfile.mkdtemp(prefix="taskstream-tls-bad-")
    try:
        ca2 = TestCa(bad)
        c1, k1 = ca2.issue("one")
        c2, k2 = ca2.issue("two")
        for args, what in ((["--tls-cert", c1], "--tls-cert without --tls-key"),
                           (["--tls-cert", c1, "--tls-key", k2], "a key that is not the certificate's"),
                           (["--tls-cert", k1, "--tls-key", k1], "a certificate file that holds no certificate")):
            run = subprocess.run([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(bad, "d"), *args],
                                 capture_output=True, text=True, timeout=20)
            check(run.returncode == 2 and "TLS" in run.stdout + run.stderr, f"refused at start: {what}")
    finally:
        shutil.rmtree(bad, ignore_errors=True)

    finish()


if __name__ == "__main__":
    main()
