#!/usr/bin/env python3
"""Runs a README's shell examples exactly as written, and checks what they print.

Every ```sh block of the README runs, in order, in its own bash (set -euo
pipefail) from the repository root, with the PATH a reader has: the build dir is
not on it, so a block calls the client as build/taskstream, as a reader would
after `make run` (or `taskstream` once `make install` put it on their PATH).
Every ```js block runs with node as an ES module inside client-js/ (so that
`@taskstream/client` and its dev dependencies resolve as in a project using it).
A ```text block right after one of them is its expected output: each of its
lines must appear, in order, among the lines the block printed, where `…`
stands for anything.

Unless --no-server, a server like `make run`'s (demo kinds, examples/taskstream.toml)
listens on 127.0.0.1:8080 first, as the READMEs say. To keep 8080 to itself, the
runner re-runs inside a private network namespace when it can (unshare -n); else
it needs 8080 free. Everything it started ends by pid.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def blocks(readme):
    """[(language, code, expected_lines or None)] of the README's ```sh and ```js blocks."""
    text = open(readme, encoding="utf-8").read()
    found = list(re.finditer(r"^```(\w*)\n(.*?)^```$", text, re.M | re.S))
    out = []
    for i, m in enumerate(found):
        if m.group(1) not in ("sh", "js"):
            continue
        expected = None
        if i + 1 < len(found) and found[i + 1].group(1) == "text":
            between = text[m.end():found[i + 1].start()]
            if between.strip() == "":
                expected = [l for l in found[i + 1].group(2).splitlines() if l.strip()]
        out.append((m.group(1), m.group(2), expected))
    return out


def run_block(script, env, timeout=120):
    """Runs a sh block in bash; past `timeout`, its whole process group is killed (the
    background servers a block starts are in it) and the block fails."""
    process = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        stderr += f"\n(the block ran past {timeout} s: ended with everything it started)"
        return subprocess.CompletedProcess(process.args, 124, stdout, stderr)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def matches(pattern, line):
    parts = [re.escape(p) for p in pattern.strip().split("…")]
    return re.search("^" + ".*".join(parts) + "$", line.strip()) is not None


def check_output(expected, printed, number):
    lines = printed.splitlines()
    at = 0
    for want in expected:
        while at < len(lines) and not matches(want, lines[at]):
            at += 1
        if at == len(lines):
            sys.exit(f"block {number}: expected a line like {want!r} (in order) in:\n{printed}")
        at += 1


def start_server(build):
    data = tempfile.mkdtemp(prefix="taskstream-readme-")
    log = open(os.path.join(data, "server.log"), "w+")
    server = subprocess.Popen(
        [os.path.join(build, "taskstream"), "serve", "--listen", "127.0.0.1:8080", "--data-dir", data, "--demo",
         "--config", os.path.join(ROOT, "examples", "taskstream.toml")], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        log.seek(0)
        if "listening on" in log.read():
            return server, data
        if server.poll() is not None:
            break
        time.sleep(0.05)  # polling the server's log for its first line; bounded above
    log.seek(0)
    sys.exit("the server did not start:\n" + log.read())


def run_module(code, number, env):
    """A ```js block as a module file in client-js/, run with node, then removed."""
    path = os.path.join(ROOT, "client-js", f".readme-block-{os.getpid()}-{number}.mjs")
    with open(path, "w", encoding="utf-8") as f:
        f.write(code)
    try:
        return subprocess.run(["node", path], cwd=os.path.dirname(path), env=env, capture_output=True, text=True,
                              timeout=120)
    finally:
        os.remove(path)


def run(readme, build, with_server):
    server, data = start_server(build) if with_server else (None, None)
    # A reader's PATH: whatever put the build dir on this one (ctest, a developer) is not theirs.
    reader_path = [d for d in os.environ["PATH"].split(os.pathsep) if d and os.path.abspath(d) != build]
    env = dict(os.environ, PATH=os.pathsep.join(reader_path))
    env.pop("TASKSTREAM_SERVER", None)
    try:
        for number, (language, code, expected) in enumerate(blocks(readme), 1):
            if language == "js":
                done = run_module(code, number, env)
            else:
                # Each block in its own bash, background jobs ended at its exit, by pid; a block
                # past its time is ended with everything it started (its own process group).
                script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + code
                done = run_block(script, env)
            print(f"--- block {number}\n{code}--- printed\n{done.stdout}{done.stderr}")
            if done.returncode != 0:
                sys.exit(f"block {number} exited {done.returncode}")
            if expected:
                check_output(expected, done.stdout + done.stderr, number)
        print(f"{readme}: every block ran as written")
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
            shutil.rmtree(data, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("readme")
    parser.add_argument("build")
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    readme, build = os.path.abspath(args.readme), os.path.abspath(args.build)
    if not args.in_namespace and shutil.which("unshare") and shutil.which("ip"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            again = [sys.executable, os.path.abspath(__file__), readme, build, "--in-namespace"]
            if args.no_server:
                again.append("--no-server")
            inner = "ip link set lo up && exec " + " ".join(f"'{a}'" for a in again)
            sys.exit(subprocess.run(["unshare", "-n", "sh", "-c", inner]).returncode)
    run(readme, build, not args.no_server)


if __name__ == "__main__":
    main()
