#!/bin/sh
# run_fuzz.sh BINARY CORPUS SECONDS [ARTIFACTS]: runs one libFuzzer target for
# SECONDS on a copy of its committed seeds (the seeds stay as committed), then
# prints its executions and coverage. A crash, leak, sanitizer report or a
# 10-second input fails the run and leaves the input under ARTIFACTS.
set -eu
binary=$1 corpus=$2 seconds=$3
artifacts=${4:-$(dirname "$binary")/artifacts}
if [ ! -x "$binary" ]; then
  echo "$binary is not built: run make fuzz-build (make test does)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts" "$work/corpus"
cp "$corpus"/* "$work/corpus/"
name=$(basename "$binary")
status=0
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$name-" "$work/corpus" >"$work/log" 2>&1 || status=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo 0)
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*' || echo 0)
ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*' || echo 0)
echo "$name: $runs executions in ${seconds}s, $cov edges covered, $ft features, corpus $(ls "$work/corpus" | wc -l) inputs"
if [ "$status" -ne 0 ]; then
  tail -60 "$work/log"
  exit "$status"
fi
