#!/usr/bin/env bash
# /metrics as Prometheus itself reads it: `promtool check metrics` (from Debian's
# prometheus package, unpacked into the build dir by `make deps`) over a scrape
# taken after tasks ran, streams opened and requests failed. It fails on any
# format error and on every lint problem it reports (names, units, help).
set -euo pipefail
source "$(dirname "$0")/../support/wait_for_url.sh"
bin=$1
promtool=$2
dir=$(mktemp -d)
log=$dir/server.log
"$bin" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --demo >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

url=$(wait_for_url "$log" "$pid")

# Work for every family to have samples: tasks to their end through a live stream, a 404, a publish.
curl -sS -N --max-time 20 "$url/v1/events?topic=tasks/*" >"$dir/stream" &
reader=$!
for _ in 1 2 3; do
  curl -sS --max-time 10 -XPOST "$url/v1/tasks" -H 'content-type: application/json' \
    -d '{"kind":"demo.countdown","params":{"steps":3,"interval_ms":1}}' >/dev/null
done
curl -sS --max-time 10 -o /dev/null "$url/v1/tasks/01AAAAAAAAAAAAAAAAAAAAAAAA"
curl -sS --max-time 10 -o /dev/null -XPOST "$url/v1/topics/orders/events" -H 'content-type: application/json' -d '{"data":1}'
for _ in $(seq 200); do
  [ "$(grep -c '"state":"succeeded"' "$dir/stream" || true)" -ge 3 ] && break
  sleep 0.05
done
curl -sS --max-time 10 "$url/metrics" >"$dir/metrics"
kill "$reader" 2>/dev/null || true

# promtool exits non-zero on a format error; lint problems it prints (and still exits 0 in 2.42).
if ! out=$("$promtool" check metrics <"$dir/metrics" 2>&1) || [ -n "$out" ]; then
  echo "promtool check metrics:"; echo "$out"; exit 1
fi
grep -q '^taskstream_tasks_finished_total{kind="demo.countdown",state="succeeded"} 3$' "$dir/metrics" ||
  { echo "expected 3 finished tasks:"; cat "$dir/metrics"; exit 1; }
echo "promtool check metrics: ok ($(grep -c '^[a-z]' "$dir/metrics") samples)"
