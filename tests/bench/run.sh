#!/usr/bin/env bash
# make bench: the scenarios of DESIGN section 8, side by side in one run for
# taskstream, nginx + nchan and a plain Node.js SSE server, then the task-queue
# scenarios of 9.5 beside BullMQ and Celery (queues.sh). Each server is pinned to
# CPU 0, the load generator to CPU 1; each measurement is repeated (BENCH_REPS, 3)
# and the median kept. Writes JSON and prints the tables. A subset:
#   BENCH_PEERS="taskstream bullmq-always celery" BENCH_SCENARIOS="Q1 Q2" BENCH_REPS=1
# Bounded: every step has a time limit; about 40 minutes with 3 repeats.
set -euo pipefail
build=${1:-build}
out=${2:-$build/bench-results.json}
reps=${BENCH_REPS:-3}
peers=${BENCH_PEERS:-taskstream nchan node bullmq-always bullmq-everysec celery}
export BENCH_SCENARIOS=${BENCH_SCENARIOS:-S1 S2 S3 S4 S5 S6 S7 Q1 Q2 Q3 Q4 Q5 F1 F2 F3 F4 O1 O2}
wants() { [[ " $BENCH_SCENARIOS " == *" $1 "* ]]; }
here=$(cd "$(dirname "$0")" && pwd)
# S6 holds up to 100,000 streams: a descriptor each in the server and in the load
# generator. Raise the limit as far as this machine lets (root may go past the hard one).
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# As many streams as that allows, with room for the rest of each process.
s6_streams=$(( $(ulimit -n) - 2000 ))
[ "$s6_streams" -gt 100000 ] && s6_streams=100000
work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for_port() {  # the "listening on http://127.0.0.1:PORT" line of $work/server.log
  for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/server.log" | sed 's/.*://') && [ -n "$port" ] && return
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the $peer server did not start:"; cat "$work/server.log"; exit 1
}

start_server() {  # a fresh server of $peer for each scenario
  stop_server
  rm -rf "$work/data" "$work/server.log" "$work/nginx"
  case $peer in
    taskstream)
      taskset -c 0 "$build/taskstream" serve --listen 127.0.0.1:0 --data-dir "$work/data" --demo --log-level warn \
        --max-streams-per-ip 200 >"$work/server.log" 2>&1 &
      server_pid=$!; wait_for_port ;;
    nchan)
      port=$(free_port)
      mkdir -p "$work/nginx"
      sed "s|@PORT@|$port|; s|@WORK@|$work/nginx|g" "$here/peers/nchan.conf.in" >"$work/nginx/nginx.conf"
      taskset -c 0 nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" >"$work/server.log" 2>&1 &
      server_pid=$!
      for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done ;;
    node)
      taskset -c 0 node "$here/peers/node_sse.mjs" 0 >"$work/server.log" 2>&1 &
      server_pid=$!; wait_for_port ;;
  esac
}

load() { timeout "${load_timeout:-120}" taskset -c 1 "$build/tests/sse_load" "$@" --flavor "$peer" --port "$port" --pid "$server_pid"; }

: >"$work/results.jsonl"
record() {  # scenario, then the JSON of one measurement
  printf '{"peer": "%s", "scenario": "%s", "result": %s}\n' "$peer" "$1" "$2" >>"$work/results.jsonl"
  echo "  $peer $1: $2"
}

s3_held() {  # did $peer's S3 step at rate $1 hold (median loss 0, median p99 < 100 ms)?
  python3 - "$work/results.jsonl" "$peer" "S3@$1" <<'PY'
import json, statistics, sys
rows = [r["result"] for r in map(json.loads, open(sys.argv[1]))
        if r["peer"] == sys.argv[2] and r["scenario"] == sys.argv[3]]
held = statistics.median(r["loss"] for r in rows) == 0 and statistics.median(r["p99_ms"] for r in rows) < 100
sys.exit(0 if held else 1)
PY
}

# The hub's peers, in the scenarios of section 8 (BENCH_SCALE_ONLY=1: only S7 below).
main_peers=""
for p in $peers; do case $p in taskstream|nchan|node) main_peers="$main_peers $p" ;; esac; done
[ "${BENCH_SCALE_ONLY:-0}" = 1 ] && main_peers=""
for peer in $main_peers; do
  echo "== $peer"
  # Every measurement on a fresh server: memory freed by an earlier round stays in
  # the process (S1 would count it as free), and a peer may keep an earlier
  # round's messages for its new subscribers.
  wants S1 && for _ in $(seq "$reps"); do start_server; record S1 "$(load idle --connections 10000)"; done
  wants S2 && for _ in $(seq "$reps"); do
    start_server; record S2 "$(load fanout --connections 1000 --topics 1 --rate 100 --seconds 20)"
  done
  # Rising rates until one fails (loss, or p99 ≥ 100 ms): higher ones would too.
  wants S3 && for rate in 250 350 500 700 1000 1400 2000 2800 4000 5600 8000; do
    for _ in $(seq "$reps"); do
      start_server; record "S3@$rate" "$(load fanout --connections 1000 --topics 1 --rate $rate --seconds 5)"
    done
    s3_held "$rate" || break
  done
  wants S4 && for _ in $(seq "$reps"); do
    start_server; record S4 "$(load fanout --connections 2000 --topics 1000 --rate 2000 --seconds 20)"
  done
  # S6: $s6_streams idle streams on one topic (90 per source address, over 127.0.0.0/8):
  # memory per stream, heartbeats (15 s) within 1.5 periods, then one publish to all.
  wants S6 && for _ in $(seq "$reps"); do
    start_server; record S6 "$(load_timeout=300 load many --connections "$s6_streams" --heartbeat 15)"
  done
  if [ "$peer" = taskstream ] && wants S4; then
    # S4pub: the same, each publish answered once sequenced (?ack=published), not after its commit.
    for _ in $(seq "$reps"); do
      start_server
      record S4pub "$(load fanout --connections 2000 --topics 1000 --rate 2000 --seconds 20 --publish-query ack=published)"
    done
    # Batched publishing: server CPU of a request of 100 events against one of one, at each acknowledgement.
    # At ack=published nothing waits for a commit: 3,000 requests took a quarter of a second
    # a side, and the ratio moved from 3.9 to 7.0 between repetitions; 12,000 take about a second.
    for _ in $(seq "$reps"); do
      start_server; record S4batch "$(load batch --requests 3000)"
      start_server; record S4batchpub "$(load batch --requests 12000 --publish-query ack=published)"
    done
  fi
  if [ "$peer" = taskstream ] && wants S5; then
    # S5: creations alone (the executor paused, so the same core does not also
    # run them), then creations with every task run to its end (S5run).
    # A fresh server each time: paused, the tasks of a round stay queued (up to
    # the active-task bound, 100k), and a second round would find it full.
    for pause in 1 0; do
      name=$([ "$pause" = 1 ] && echo S5 || echo S5run)
      for _ in $(seq "$reps"); do
        start_server
        if [ "$pause" = 1 ]; then curl -sf -X POST "http://127.0.0.1:$port/v1/admin/pause" >/dev/null; fi
        record "$name" "$(timeout 60 taskset -c 1 "$build/tests/create_load" "$port" 64 5)"
      done
    done
  fi
done
stop_server

# S7: scale-out on Redis, beside one server on SQLite in the same run. Every process
# of a setup on CPU 0 (two taskstream nodes and redis-server share it), the load on
# CPU 1; the CPU figure is the whole setup's. S7fan: 500 readers on one topic of node
# B, publishes at 1,000/s to node A (so every event goes through Redis and B's relay);
# the SQLite row publishes to and reads from its one server. S7create: creations per
# second (paused, as S5), POSTed to node A of the two.
cluster_pids=""
stop_cluster() {
  for p in $cluster_pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  cluster_pids=""
}
trap 'stop_server; stop_cluster; rm -rf "$work"' EXIT
node_port() {  # the port in log $1, waiting for its "listening on" line
  for _ in $(seq 100); do
    p=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$1" | sed 's/.*://') && [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.1
  done
  echo "a node did not start:" >&2; cat "$1" >&2; exit 1
}
start_redis_node() {  # $1: name, then more flags; prints nothing, sets node_pid and node_port_
  local name=$1; shift
  taskset -c 0 "$build/taskstream" serve --listen 127.0.0.1:0 --store "redis://127.0.0.1:$redis_port/0" --demo \
    --log-level warn --max-streams-per-ip 200 "$@" >"$work/$name.log" 2>&1 &
  node_pid=$!; cluster_pids="$cluster_pids $node_pid"
  node_port_=$(node_port "$work/$name.log")
}
if [[ " $peers " == *" taskstream "* ]] && wants S7; then
  echo "== scale-out: two nodes on Redis, beside one on SQLite"
  for _ in $(seq "$reps"); do
    peer=taskstream; start_server
    peer=sqlite-1-node; record S7fan "$(timeout 120 taskset -c 1 "$build/tests/sse_load" fanout --flavor taskstream \
      --port "$port" --pid "$server_pid" --connections 500 --topics 1 --rate 1000 --seconds 10)"
    curl -sf -X POST "http://127.0.0.1:$port/v1/admin/pause" >/dev/null
    record S7create "$(timeout 60 taskset -c 1 "$build/tests/create_load" "$port" 64 5)"
    stop_server
    rm -rf "$work/redis"; mkdir -p "$work/redis"; redis_port=$(free_port)
    taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes \
      --appendfsync always --save '' >"$work/redis.log" 2>&1 &
    redis_pid=$!; cluster_pids="$redis_pid"
    until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
    start_redis_node a; pid_a=$node_pid; port_a=$node_port_
    start_redis_node b; pid_b=$node_pid; port_b=$node_port_
    peer=redis-2-nodes; record S7fan "$(timeout 120 taskset -c 1 "$build/tests/sse_load" fanout --flavor taskstream \
      --port "$port_b" --publish-port "$port_a" --pid "$pid_b" --also-pid "$pid_a" --also-pid "$redis_pid" \
      --connections 500 --topics 1 --rate 1000 --seconds 10)"
    curl -sf -X POST "http://127.0.0.1:$port_a/v1/admin/pause" >/dev/null
    record S7create "$(timeout 60 taskset -c 1 "$build/tests/create_load" "$port_a" 64 5)"
    # The same two nodes with a replica each acknowledged commit waits for (WAIT 1).
    kill "$pid_a" "$pid_b"; wait "$pid_a" "$pid_b" 2>/dev/null || true
    rm -rf "$work/replica"; mkdir -p "$work/replica"; replica_port=$(free_port)
    taskset -c 0 redis-server --port "$replica_port" --bind 127.0.0.1 --dir "$work/replica" --appendonly yes \
      --appendfsync always --save '' --replicaof 127.0.0.1 "$redis_port" >"$work/replica.log" 2>&1 &
    replica_pid=$!; cluster_pids="$cluster_pids $replica_pid"
    until redis-cli -p "$replica_port" info replication 2>/dev/null | grep -q master_link_status:up; do sleep 0.1; done
    start_redis_node c --redis-min-replicas 1; pid_c=$node_pid; port_c=$node_port_
    start_redis_node d --redis-min-replicas 1; pid_d=$node_pid; port_d=$node_port_
    peer=redis-2-nodes-wait1; record S7fan "$(timeout 120 taskset -c 1 "$build/tests/sse_load" fanout --flavor taskstream \
      --port "$port_d" --publish-port "$port_c" --pid "$pid_d" --also-pid "$pid_c" --also-pid "$redis_pid" \
      --also-pid "$replica_pid" --connections 500 --topics 1 --rate 1000 --seconds 10)"
    curl -sf -X POST "http://127.0.0.1:$port_c/v1/admin/pause" >/dev/null
    record S7create "$(timeout 60 taskset -c 1 "$build/tests/create_load" "$port_c" 64 5)"
    stop_cluster
    # A failover: a primary, two replicas, three sentinels; from the primary's kill -9 to the next 202.
    record S7failover "$(timeout 120 python3 "$here/failover_time.py" "$build/taskstream")"
  done
fi
stop_cluster
BENCH_PEERS=$peers "$here/queues.sh" "$build" "$work/results.jsonl"
python3 "$here/summarize.py" "$work/results.jsonl" "$out"
