"""A task written in Python, run by taskstream as a command kind.

taskstream hands it the task in its environment (TASKSTREAM_TASK_ID, and
TASKSTREAM_PARAMS: the params as one JSON document, typed as the kind's schema
says). What it prints is the task's live stream: "progress CURRENT/TOTAL MESSAGE"
lines become progress events, other lines log events, and the last JSON line is
the result. An exception fails the task with the exception's class as its error
type ("error TYPE MESSAGE" on a line of its own would too).
"""
import json
import os

params = json.loads(os.environ["TASKSTREAM_PARAMS"])
files = params["files"]
words = {}
for done, name in enumerate(files, 1):
    with open(name, encoding="utf-8") as f:  # a missing file: FileNotFoundError fails the task
        words[name] = len(f.read().split())
    print(f"progress {done}/{len(files)} {name}")  # unbuffered: taskstream sets PYTHONUNBUFFERED=1
print(json.dumps({"words": words}))
