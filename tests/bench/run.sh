#!/usr/bin/env bash
# make bench: taskstream under the scenarios of DESIGN section 8, the server
# pinned to CPU 0 and the load generator to CPU 1, each measurement repeated
# and the median kept. Writes JSON and prints a table. Bounded: about 5 minutes.
# (The nchan and Node.js peers of issue 5 are not wired in yet.)
set -euo pipefail
build=${1:-build}
out=${2:-$build/bench-results.json}
reps=${BENCH_REPS:-3}
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_server() {  # a fresh server for each scenario
  [ -n "$server_pid" ] && { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$work/data" "$work/server.log"
  taskset -c 0 "$build/taskstream" serve --listen 127.0.0.1:0 --data-dir "$work/data" --demo \
    --log-level warn --max-streams-per-ip 200 >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/server.log" | sed 's/.*://') && [ -n "$port" ] && return
    sleep 0.1
  done
  echo "server did not start"; cat "$work/server.log"; exit 1
}

load() { taskset -c 1 "$build/tests/sse_load" "$@" --port "$port" --pid "$server_pid"; }

: >"$work/results.jsonl"
record() {  # scenario, then the JSON line of one measurement
  printf '{"scenario": "%s", "result": %s}\n' "$1" "$2" >>"$work/results.jsonl"
  echo "  $1: $2"
}

echo "S1: 10000 idle subscribers"
start_server
for _ in $(seq "$reps"); do record S1 "$(load idle --connections 10000)"; done

echo "S2: 1000 subscribers on one topic, 100 events/s for 20 s"
start_server
for _ in $(seq "$reps"); do record S2 "$(load fanout --connections 1000 --topics 1 --rate 100 --seconds 20)"; done

echo "S3: 1000 subscribers on one topic, rising rates (5 s each)"
start_server
for rate in 250 500 1000 2000 4000; do
  for _ in $(seq "$reps"); do record "S3@$rate" "$(load fanout --connections 1000 --topics 1 --rate $rate --seconds 5)"; done
done

echo "S4: 1000 topics x 2 subscribers, 2000 events/s round-robin for 20 s"
start_server
for _ in $(seq "$reps"); do record S4 "$(load fanout --connections 2000 --topics 1000 --rate 2000 --seconds 20)"; done

echo "S5: task creations per second, durable store, 16 keep-alive connections"
start_server
for _ in $(seq "$reps"); do record S5 "$(taskset -c 1 "$build/tests/create_load" "$port" 16 5)"; done

python3 "$(dirname "$0")/summarize.py" "$work/results.jsonl" "$out"
