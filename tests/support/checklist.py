"""Named checks for the script-style security tests: each prints ok/FAIL and the
script goes on, so one run shows every failure; finish() sets the exit status."""

import sys

FAILURES = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        FAILURES.append(what)


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} failed", flush=True)
        sys.exit(1)
    print("all passed")
