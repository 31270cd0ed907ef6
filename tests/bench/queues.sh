#!/usr/bin/env bash
# make bench, the task-queue scenarios (DESIGN 9.5): taskstream beside BullMQ (Redis
# with appendfsync always, and everysec) and Celery (Redis broker and result backend,
# acks_late). Each peer's server side (taskstream; or redis-server and its workers)
# on CPU 0, the load on CPU 1; a fresh server side for every measurement. Appends
# one JSON line per measurement to RESULTS (summarize.py reads them), with the
# server side's CPU (every process of it and their children, from /proc) added.
#
#   tests/bench/queues.sh BUILD RESULTS      BENCH_PEERS, BENCH_SCENARIOS (Q1..Q5, F1..F4, O1, O2), BENCH_REPS
#
# F1..F4 are taskstream's flow control, no peer in the row (BullMQ's groups are in its
# paid edition; Celery has none): Q2 on one server (F1) and Q5 on two (F2) with the
# 20,000 tasks spread over 1,000 concurrency keys, one at a time per key. F3 (SQLite) and
# F4 (two servers on Redis): 100,000 tasks queued while their kind is paused, then
# resumed — without keys, over 10,000 keys, and over 10,000 keys of a kind with a start
# rate — and Q1's eight producers with and without a dedupe key on each task.
# O1 (SQLite) and O2 (two servers on Redis), the operator's search, taskstream alone:
# 100,000 tasks with tags and metadata, then pages of a tag filter and of a metadata
# filter that match 50 of them (search_load.py).
#
# Bounded: every load has a time limit; about 15 minutes for every peer and 3 repeats
# of Q1..Q5, F3 about 4 minutes a repeat and F4 about 20.
set -euo pipefail
build=$1
results=$2
reps=${BENCH_REPS:-3}
here=$(cd "$(dirname "$0")" && pwd)
peers_dir=$here/peers
wanted_peers=${BENCH_PEERS:-taskstream bullmq-always bullmq-everysec celery}
scenarios=${BENCH_SCENARIOS:-Q1 Q2 Q3 Q4 Q5 F1 F2 F3 F4 O1 O2}
python=/usr/bin/python3  # Debian's, with python3-celery (a python3 earlier on PATH may lack it)
work=$(mktemp -d)
pids=""
stop_all() {
  for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=""
}
trap 'stop_all; rm -rf "$work"' EXIT

wants() { [[ " $scenarios " == *" $1 "* ]]; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for_line() {  # $1: log, $2: pattern, $3: pid; up to 20 s
  for _ in $(seq 200); do
    grep -q "$2" "$1" && return
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  echo "not ready ($2):"; cat "$1"; exit 1
}
# CPU seconds of processes $@ and all their descendants, together.
cpu_of() {
  python3 - "$@" <<'PY'
import os, sys
ticks, children = {}, {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    children.setdefault(f[1], []).append(pid)
    ticks[pid] = int(f[11]) + int(f[12])
todo, total = list(sys.argv[1:]), 0
while todo:
    pid = todo.pop()
    total += ticks.get(pid, 0)
    todo += children.get(pid, [])
print(total / os.sysconf("SC_CLK_TCK"))
PY
}

start_redis() {  # $1: appendfsync; sets redis_port, redis_pid
  mkdir -p "$work/redis"
  redis_port=$(free_port)
  taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes \
    --appendfsync "$1" --save '' >"$work/redis.log" 2>&1 &
  redis_pid=$!; pids="$pids $redis_pid"
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do kill -0 "$redis_pid" || exit 1; sleep 0.1; done
}
start_taskstream() {  # $1: name, then serve's store options; sets ts_port, ts_pid
  local log="$work/$1.log"; shift
  taskset -c 0 "$build/taskstream" serve --listen 127.0.0.1:0 --demo --log-level warn "$@" >"$log" 2>&1 &
  ts_pid=$!; pids="$pids $ts_pid"
  wait_for_line "$log" "listening on" "$ts_pid"
  ts_port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | sed 's/.*://')
}
start_bullmq_worker() {
  taskset -c 0 node "$peers_dir/bullmq_bench.mjs" worker --redis "$redis_port" >"$work/worker$1.log" 2>&1 &
  local p=$!; pids="$pids $p"; server_pids="$server_pids $p"
  wait_for_line "$work/worker$1.log" "ready" "$p"
}
start_celery_worker() {
  (cd "$peers_dir" && CELERY_BENCH_REDIS=$redis_port exec taskset -c 0 $python -m celery -A celery_bench worker \
    --concurrency 4 --loglevel info) >"$work/worker.log" 2>&1 &
  local p=$!; pids="$pids $p"; server_pids="$server_pids $p"
  wait_for_line "$work/worker.log" " ready\." "$p"
}

# A fresh server side of $peer for scenario $1: `ports` (taskstream) or `redis_port`,
# and `server_pids`. Q1 runs no worker (taskstream: paused), as BullMQ and Celery
# measure adding jobs alone; Q5 runs two servers (two workers).
setup() {
  stop_all; rm -rf "$work/data" "$work/redis"; server_pids=""
  local copies=1; [ "$1" = Q5 ] && copies=2
  case $peer in
    taskstream)
      if [ "$1" = Q5 ] || [ "$1" = F2 ] || [[ "$1" == F4* ]] || [ "$1" = O2 ]; then
        start_redis always; server_pids=$redis_pid; ports=""
        for n in a b; do
          start_taskstream "$n" --store "redis://127.0.0.1:$redis_port/0"; ports="$ports --port $ts_port"
          server_pids="$server_pids $ts_pid"
        done
      else
        start_taskstream server --data-dir "$work/data"; ports="--port $ts_port"; server_pids=$ts_pid
      fi
      # Creations alone: no worker takes them (as BullMQ and Celery measure adding jobs).
      if [ "$1" = Q1 ] || [ "$1" = F3c ] || [ "$1" = F4c ]; then
        curl -sf -X POST "http://127.0.0.1:$ts_port/v1/admin/pause" >/dev/null
      fi ;;
    bullmq-always|bullmq-everysec)
      start_redis "${peer#bullmq-}"; server_pids=$redis_pid
      if [ "$1" != Q1 ]; then for n in $(seq $copies); do start_bullmq_worker "$n"; done; fi ;;
    celery)
      start_redis always; server_pids=$redis_pid
      [ "$1" != Q1 ] && start_celery_worker ;;
  esac
  return 0
}

load() {  # the load of $peer on CPU 1: queue_load's mode and options
  case $peer in
    taskstream)
      if [ "$1" = search ]; then shift; timeout 900 taskset -c 1 python3 "$here/search_load.py" "$@" $ports
      else timeout "${load_limit:-180}" taskset -c 1 "$build/tests/queue_load" "$@" $ports; fi ;;
    bullmq-*) timeout 180 taskset -c 1 node "$peers_dir/bullmq_bench.mjs" "$@" --redis "$redis_port" ;;
    celery) (cd "$peers_dir" && CELERY_BENCH_REDIS=$redis_port timeout 180 taskset -c 1 $python celery_bench.py "$@") ;;
  esac
}

measure() {  # scenario name, then load's arguments: records the result with the server side's CPU per task
  local name=$1; shift
  local before after result
  before=$(cpu_of $server_pids)
  result=$(load "$@") || { echo "  $peer $name: the load failed (not recorded)"; return 0; }
  after=$(cpu_of $server_pids)
  result=$(python3 -c 'import json, sys
r = json.loads(sys.argv[1]); n = r.get("ended", r.get("created", r.get("seen", 0)))
r["server_cpu_s"] = float(sys.argv[3]) - float(sys.argv[2])
r["cpu_us_per_task"] = r["server_cpu_s"] * 1e6 / n if n else None
print(json.dumps(r))' "$result" "$before" "$after")
  printf '{"peer": "%s", "scenario": "%s", "result": %s}\n' "$peer" "$name" "$result" >>"$results"
  echo "  $peer $name: $result"
}

for peer in $wanted_peers; do
  case $peer in taskstream|bullmq-always|bullmq-everysec|celery) ;; *) continue ;; esac
  echo "== $peer (task queue)"
  for _ in $(seq "$reps"); do
    if wants Q1; then
      setup Q1; measure Q1 create --producers 1 --seconds 5
      setup Q1; measure Q1x8 create --producers 8 --seconds 5
    fi
    if wants Q2; then setup Q2; measure Q2 run --tasks 20000; fi
    if wants Q3; then setup Q3; measure Q3 watch --rate 500 --seconds 10; fi
    if wants Q4; then setup Q4; measure Q4 progress --tasks 20 --steps 100; fi
    # Q5: two servers on Redis (BullMQ: two workers); Celery is not in this row.
    if wants Q5 && [ "$peer" != celery ]; then setup Q5; measure Q5 run --tasks 20000; fi
    if [ "$peer" = taskstream ]; then
      if wants F1; then setup F1; measure F1 run --tasks 20000 --keys 1000; fi
      if wants F2; then setup F2; measure F2 run --tasks 20000 --keys 1000; fi
      for f in F3 F4; do
        wants $f || continue
        load_limit=900
        drain=${BENCH_DRAIN_TASKS:-100000}  # fewer for a quick comparison; the goals are stated at 100,000
        setup $f; measure ${f}_plain drain --tasks "$drain"
        setup $f; measure ${f}_keys drain --tasks "$drain" --keys $((drain / 10))
        setup $f; measure ${f}_keys_rate drain --tasks "$drain" --keys $((drain / 10)) --kind demo.noop_metered
        load_limit=180
        setup ${f}c; measure ${f}_create create --producers 8 --seconds 5
        setup ${f}c; measure ${f}_create_dedupe create --producers 8 --seconds 5 --dedupe
      done
      if wants O1; then setup O1; measure O1 search --tasks "${BENCH_SEARCH_TASKS:-100000}"; fi
      if wants O2; then setup O2; measure O2 search --tasks "${BENCH_SEARCH_TASKS:-100000}"; fi
    fi
  done
done
stop_all
