#!/usr/bin/env python3
"""ctest "bench: queue_load": taskstream's side of make bench's task-queue scenarios
(queue_load, then summarize.py over what it printed) against the real binary, small,
so that the bench's own tools cannot rot between two `make bench` runs. Figures are
not checked (make bench measures them); what each mode counts is.

  check_queue_load.py BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

build = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))


def load(*args):
    out = subprocess.run([f"{build}/tests/queue_load", *args, "--port", str(port)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return json.loads(out)


def search(*args):
    out = subprocess.run([sys.executable, f"{here}/search_load.py", *args, "--port", str(port)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return json.loads(out)


with tempfile.TemporaryDirectory() as work:
    server = subprocess.Popen([f"{build}/taskstream", "serve", "--listen", "127.0.0.1:0", "--demo",
                               "--data-dir", f"{work}/data", "--log-level", "warn"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        else:
            sys.exit("the server did not start")
        rows = {
            "Q1": load("create", "--producers", "2", "--seconds", "1"),
            "Q2": load("run", "--tasks", "300"),
            "Q3": load("watch", "--rate", "200", "--seconds", "1"),
            "Q4": load("progress", "--tasks", "3", "--steps", "20"),
            "F1": load("run", "--tasks", "200", "--keys", "7"),
            "F3_plain": load("drain", "--tasks", "300"),
            "F3_keys_rate": load("drain", "--tasks", "300", "--keys", "17", "--kind", "demo.noop_metered"),
            "F3_create": load("create", "--producers", "2", "--seconds", "1"),
            "F3_create_dedupe": load("create", "--producers", "2", "--seconds", "1", "--dedupe"),
        }
        rows["O1"] = search("--tasks", "400", "--groups", "20", "--requests", "10")  # last: it pauses demo.noop
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert rows["Q1"]["created"] > 0 and rows["Q1"]["producers"] == 2, rows["Q1"]
    # Q1's tasks run too here (not paused): some may end while Q2 watches and count with its 300.
    assert rows["Q2"]["ended"] >= 300, rows["Q2"]
    assert rows["Q3"]["seen"] == rows["Q3"]["tasks"] == 200, rows["Q3"]
    # A slow reader may get some steps merged, never more steps than were made.
    assert 0 < rows["Q4"]["seen"] <= 60 and rows["Q4"]["steps_per_second"] > 0, rows["Q4"]
    assert rows["F1"]["ended"] >= 200, rows["F1"]  # every keyed task ran, one at a time per key
    # Filled while paused, then drained: every one of them ended (earlier no-ops may end too).
    assert rows["F3_plain"]["ended"] >= 300 and rows["F3_plain"]["created_per_second"] > 0, rows["F3_plain"]
    assert rows["F3_keys_rate"]["ended"] == 300 and rows["F3_keys_rate"]["keys"] == 17, rows["F3_keys_rate"]
    assert rows["F3_create_dedupe"]["dedupe"] and rows["F3_create_dedupe"]["created"] > 0, rows["F3_create_dedupe"]
    # Every page held exactly its group's 20 tasks (search_load.py fails otherwise).
    assert rows["O1"]["matched"] == 20 and rows["O1"]["tag_p99_ms"] > 0, rows["O1"]

    results = os.path.join(work, "results.jsonl")
    with open(results, "w") as f:
        for scenario, result in rows.items():
            for peer in ["taskstream", "bullmq-always"]:
                f.write(json.dumps({"peer": peer, "scenario": scenario, "result": result}) + "\n")
    table = subprocess.run([sys.executable, f"{here}/summarize.py", results, f"{work}/summary.json"],
                           check=True, capture_output=True, text=True, timeout=60).stdout
    summary = json.load(open(f"{work}/summary.json"))["summary"]
    assert summary["taskstream"]["Q3_p99_ms"] == rows["Q3"]["p99_ms"], summary
    assert summary["queue_ratios_per_repetition"][
        "Q2_created_and_run_per_second: taskstream ahead of bullmq-always by"] == [1.0], summary
    assert "| Q4_steps_per_second |" in table, table
    assert summary["taskstream"]["F1_keyed_created_and_run_per_second"] == rows["F1"]["per_second"], summary
    assert summary["taskstream"]["O1_meta_p99_ms"] == rows["O1"]["meta_p99_ms"] and "| O1_tag_p50_ms |" in table, table
    ratios = summary["flow_control_ratios_per_repetition"]
    assert ratios["F3: keyed rated drain / drain"] == [
        round(rows["F3_keys_rate"]["per_second"] / rows["F3_plain"]["per_second"], 2)], ratios
    assert "F3: creations with dedupe / without" in ratios and "| flow control" in table, table
print("1 passed, 0 failed")
