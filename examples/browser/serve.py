#!/usr/bin/env python3
"""Serves index.html on the taskstream server's origin: the page at /, and every
/v1/ request passed through to the server (streams included, unbuffered), so the
page's fetch and EventSource are same-origin. Standard library only.

    python3 examples/browser/serve.py --port 8000 --server http://127.0.0.1:8080
"""
import argparse
import http.client
import http.server
import os
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (host, port)

    def do_GET(self):
        if self.path in ("/", "/index.html"):
            page = open(os.path.join(HERE, "index.html"), "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
        elif self.path.startswith("/v1/"):
            self.relay()
        else:
            self.send_error(404)

    def do_POST(self):
        self.relay() if self.path.startswith("/v1/") else self.send_error(404)

    def relay(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        upstream = http.client.HTTPConnection(*self.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() in
                   ("content-type", "accept", "last-event-id", "idempotency-key")}
        upstream.request(self.command, self.path, body=body or None, headers=headers)
        answer = upstream.getresponse()
        self.send_response(answer.status)
        for k, v in answer.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "server", "date"):
                self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        # Chunk by chunk, as it comes: an event stream must not wait in a buffer.
        while chunk := answer.read1(65536):
            self.wfile.write(chunk)
            self.wfile.flush()
        self.close_connection = True
        upstream.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--server", default="http://127.0.0.1:8080")
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.server)
    Handler.upstream = (url.hostname, url.port or 80)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"open http://127.0.0.1:{args.port}/ (taskstream at {args.server})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
