#!/usr/bin/env bash
# cmake --install, then examples/custom-kind built as a project of its own with
# find_package(taskstream) against the installed tree, and run: its kind works.
set -euo pipefail
source "$(dirname "$0")/../support/wait_for_url.sh"
build=$1
source_dir=$2
work=$(mktemp -d)
pid=""
cleanup() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true; rm -rf "$work"; }
trap cleanup EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
for f in bin/taskstream include/taskstream/server.hpp include/taskstream/task_kind.hpp \
         lib/cmake/taskstream/taskstreamConfig.cmake lib/cmake/taskstream/taskstreamTargets.cmake \
         lib/libtaskstream_core.a etc/taskstream/taskstream.toml lib/systemd/system/taskstream.service; do
  [ -e "$work/prefix/$f" ] || { echo "not installed: $f"; find "$work/prefix" | sort; exit 1; }
done
# Nothing of the server's insides is public.
[ ! -e "$work/prefix/include/tasks" ] && [ ! -e "$work/prefix/include/http" ] || { echo "private headers installed"; exit 1; }

cmake -S "$source_dir/examples/custom-kind" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

"$work/consumer/prime_server" serve --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
url=$(wait_for_url "$work/server.log" "$pid")
out=$("$work/prefix/bin/taskstream" run examples.primes --server "$url" --param limit=1000 | tail -n 1)
case "$out" in
  *'"primes":168'*) echo "installed package used: $out" ;;
  *) echo "unexpected: $out"; exit 1 ;;
esac
