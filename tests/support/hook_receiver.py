"""A webhook receiver for tests: an HTTP(S) server on a free loopback port that
records every request and answers what the test says (a status, a redirect)."""

import http.server
import ssl
import threading


class HookReceiver:
    def __init__(self, tls_cert=None, tls_key=None):
        self.requests = []          # (path, headers as a lower-case dict, body bytes)
        self.answers = []           # statuses to answer in turn; then `status`
        self.status = 200
        self.location = None        # sent with a 3xx
        self.arrived = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.arrived:
                    receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.answers.pop(0) if receiver.answers else receiver.status
                    receiver.arrived.notify_all()
                self.send_response(status)
                if 300 <= status < 400 and receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n, timeout=15.0):
        """The requests so far, once there are `n` (or when `timeout` passes)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= n, timeout)
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
