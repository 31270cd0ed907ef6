#!/usr/bin/env bash
# The Debian package (CPack): its control data and files, the binary run from the
# unpacked package (version, its default config, a server that answers), and the
# unit through systemd-analyze verify.
set -euo pipefail
source "$(dirname "$0")/../support/wait_for_url.sh"
build=$1
work=$(mktemp -d)
pid=""
cleanup() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true; rm -rf "$work"; }
trap cleanup EXIT

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/taskstream_*.deb)
dpkg-deb -I "$deb" >"$work/info"
grep -q '^ Package: taskstream$' "$work/info" || { cat "$work/info"; exit 1; }
grep -q '^ Depends: .*libsqlite3' "$work/info" || { echo "no shared-library dependencies:"; cat "$work/info"; exit 1; }
dpkg-deb -c "$deb" >"$work/files"
for f in ./usr/bin/taskstream ./usr/lib/systemd/system/taskstream.service ./etc/taskstream/taskstream.toml; do
  grep -q " $f\$" "$work/files" || { echo "missing from the package: $f"; cat "$work/files"; exit 1; }
done
! grep -q '\.a$\|/include/' "$work/files" || { echo "development files in the runtime package"; exit 1; }
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/taskstream/taskstream.toml ||
  { echo "the config is not a conffile"; exit 1; }

dpkg-deb -x "$deb" "$work/root"
bin=$work/root/usr/bin/taskstream
"$bin" --version | grep -q '^taskstream 0\.' || { "$bin" --version; exit 1; }
"$bin" config check "$work/root/etc/taskstream/taskstream.toml"
"$bin" serve --config "$work/root/etc/taskstream/taskstream.toml" --listen 127.0.0.1:0 --data-dir "$work/data" \
  >"$work/server.log" 2>&1 &
pid=$!
url=$(wait_for_url "$work/server.log" "$pid")
curl -sf --max-time 5 "$url/readyz" | grep -q ready

# systemd-analyze verify checks the unit, and that ExecStart names an executable: here, the unpacked one.
sed "s|/usr/bin/taskstream|$bin|" "$work/root/usr/lib/systemd/system/taskstream.service" >"$work/taskstream.service"
if ! out=$(systemd-analyze verify "$work/taskstream.service" 2>&1) || [ -n "$out" ]; then
  echo "systemd-analyze verify:"; echo "$out"; exit 1
fi
echo "package ok: $(basename "$deb"), $(grep -c . "$work/files") entries"
