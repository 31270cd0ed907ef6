"""Raw HTTP/1.1 over a socket, for tests that must send what no client library
would: lying lengths, bad chunks, split writes, pipelines. Also starts the real
server binary on a free loopback port and ends it by pid."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.headers}, {self.body[:200]!r})"


class Connection:
    """One TCP connection; send() writes bytes as given, read_reply() parses one answer."""

    def __init__(self, address, timeout=10.0, rcvbuf=None, tls=None):
        """`tls`: an ssl.SSLContext to speak HTTPS with (the handshake happens here)."""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(address)
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=address[0], suppress_ragged_eofs=False)
        self.pending = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.pending += chunk

    def _take_line(self):
        while b"\r\n" not in self.pending:
            self._fill()
        line, self.pending = self.pending.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.pending) < n:
            self._fill()
        data, self.pending = self.pending[:n], self.pending[n:]
        return data

    def read_reply(self, head=False):
        """The next answer; None when the server closed without one. `head`: no body follows (HEAD)."""
        try:
            status_line = self._take_line()
        except (EOFError, ConnectionResetError):
            return None
        match = re.match(rb"HTTP/1\.[01] (\d{3})", status_line)
        if not match:
            raise AssertionError(f"not a status line: {status_line!r}")
        status = int(match.group(1))
        headers = {}
        while True:
            line = self._take_line()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        if head or status in (100, 204, 304):
            return Reply(status, headers, b"")
        if "content-length" in headers:
            return Reply(status, headers, self._take(int(headers["content-length"][0])))
        if "chunked" in ",".join(headers.get("transfer-encoding", [])):
            body = b""
            while True:
                size = int(self._take_line().split(b";")[0], 16)
                if size == 0:
                    while self._take_line():
                        pass
                    return Reply(status, headers, body)
                body += self._take(size)
                self._take_line()
        return Reply(status, headers, None)  # a stream: read on with read_until

    def read_until(self, marker, limit=1 << 20):
        """Stream bytes up to and including `marker` (the socket timeout bounds the wait)."""
        while marker not in self.pending:
            if len(self.pending) > limit:
                raise AssertionError("marker not seen within the limit")
            self._fill()
        at = self.pending.index(marker) + len(marker)
        data, self.pending = self.pending[:at], self.pending[at:]
        return data

    def closed_by_peer(self):
        """True when the server closes the connection (within the socket timeout) without sending more."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.pending += chunk
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def request(method, path, body=None, headers=None, version="HTTP/1.1"):
    """The bytes of a well-formed request (Host and Content-Length added)."""
    headers = dict(headers or {})
    headers.setdefault("Host", "127.0.0.1")
    data = b""
    if body is not None:
        data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Content-Length", str(len(data)))
    head = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + data


class Server:
    """The real binary on 127.0.0.1 with a fresh data directory; stop() ends it by pid."""

    def __init__(self, binary, *args, tls=None, data=None):
        """`tls`: the ssl.SSLContext that connect() and call() use (a server started with --tls-cert).
        `data`: the data directory of an earlier server, to restart on it."""
        self.tls = tls
        self.data = data or tempfile.mkdtemp(prefix="taskstream-sec-")
        self.log_path = os.path.join(self.data, "server.log")
        self.log = open(self.log_path, "w+")
        self.process = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data, *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = re.search(r"listening on https?://([0-9.]+):(\d+)", self.log_text())
            if found:
                self.address = (found.group(1), int(found.group(2)))
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)  # polling the log for its first line; bounded above
        self.stop()
        raise RuntimeError("the server did not start:\n" + self.log_text())

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def connect(self, **kwargs):
        kwargs.setdefault("tls", self.tls)
        return Connection(self.address, **kwargs)

    def call(self, method, path, body=None, headers=None):
        """One request on its own connection; the reply."""
        conn = self.connect()
        try:
            conn.send(request(method, path, body, dict(headers or {}, Connection="close")))
            return conn.read_reply(head=method == "HEAD")
        finally:
            conn.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def kill(self):
        """kill -9, by pid: nothing is flushed or drained."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def wait_for_log(self, text, timeout=15.0):
        """True once `text` is in the log (polled, bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text():
                return True
            time.sleep(0.05)
        return False

    def remove(self):
        shutil.rmtree(self.data, ignore_errors=True)
