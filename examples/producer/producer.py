#!/usr/bin/env python3
"""A producer: real work in a thread pool, its progress published to a taskstream topic.

It hashes every file under a directory with SHA-256 on four threads and, as each
file is done, POSTs a `progress` event to /v1/topics/<topic>/events; at the end one
`done` event with the totals. Browsers and `curl -N` watching the topic see it live.
Standard library only.

    python3 examples/producer/producer.py --topic jobs/hash-etc /etc
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import sys
import urllib.request


def publish(server, topic, events):
    """One POST of a list of events; returns their ids (the 202 comes once they are committed)."""
    request = urllib.request.Request(f"{server}/v1/topics/{topic}/events", data=json.dumps(events).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["ids"]


def sha256(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                digest.update(block)
    except OSError as error:  # unreadable files are reported, not fatal
        return path, None, str(error)
    return path, digest.hexdigest(), None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--server", default="http://127.0.0.1:8080")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    files = sorted(os.path.join(d, f) for d, _, names in os.walk(args.directory) for f in names
                   if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f)))
    total, done, failed = len(files), 0, 0
    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
        for path, digest, error in pool.map(sha256, files):
            done += 1
            failed += error is not None
            publish(args.server, args.topic, [{"type": "progress",
                                               "data": {"current": done, "total": total, "file": path,
                                                        "sha256": digest, "error": error}}])
    publish(args.server, args.topic, [{"type": "done", "data": {"files": total, "unreadable": failed}}])
    print(f"hashed {total - failed} of {total} files; progress on topic {args.topic}")


if __name__ == "__main__":
    sys.exit(main())
