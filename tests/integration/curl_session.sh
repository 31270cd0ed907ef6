#!/usr/bin/env bash
# The README's curl session against the real binary: POST a task, stream it with curl -N.
set -euo pipefail
source "$(dirname "$0")/../support/wait_for_url.sh"
bin=$1
dir=$(mktemp -d)
log=$dir/server.log
"$bin" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --demo >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

url=$(wait_for_url "$log" "$pid")

headers=$dir/headers
body=$(curl -sS --max-time 10 -D "$headers" -XPOST "$url/v1/tasks" -H 'content-type: application/json' \
  -d '{"kind":"demo.countdown","params":{"steps":5,"interval_ms":20}}')
grep -q '^HTTP/1.1 202' "$headers" || { echo "expected 202"; cat "$headers"; exit 1; }
id=$(printf '%s' "$body" | sed -n 's/.*"id":"\([0-9A-Z]*\)".*/\1/p')
grep -qi "^location: /v1/tasks/$id" "$headers" || { echo "expected Location"; cat "$headers"; exit 1; }

stream=$(curl -sS -N --max-time 20 "$url/v1/tasks/$id/events")
for pct in 20 40 60 80 100; do
  printf '%s' "$stream" | grep -q "\"percent\":$pct" || { echo "missing progress $pct"; echo "$stream"; exit 1; }
done
printf '%s' "$stream" | grep -q '"state":"queued"' || { echo "missing queued"; echo "$stream"; exit 1; }
printf '%s' "$stream" | grep -q '"state":"running"' || { echo "missing running"; echo "$stream"; exit 1; }
last=$(printf '%s\n' "$stream" | grep '^data:' | tail -n 1)
case "$last" in
  *'"state":"succeeded"'*'') ;;
  *) echo "stream did not end with succeeded"; echo "$stream"; exit 1 ;;
esac
printf '%s' "$last" | grep -q '"result":{"steps":5}' || { echo "no result in the last event"; echo "$last"; exit 1; }
echo "curl session: 1 passed, 0 failed"
