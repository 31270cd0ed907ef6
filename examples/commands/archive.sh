#!/usr/bin/env bash
# archive.sh DIR OUTPUT: a .tar.gz of DIR, with a taskstream progress line per
# entry and a JSON result line at the end.
set -euo pipefail
dir=$1
out=$2
json_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\"/\\\"}"; }

total=$(find "$dir" | wc -l)
tar -czvf "$out" -C "$dir" . | {
  i=0
  while IFS= read -r name; do
    i=$((i + 1))
    echo "progress $i/$total $name"
  done
}
printf '{"archive": "%s", "bytes": %d, "entries": %d}\n' "$(json_escape "$out")" "$(stat -c %s "$out")" "$total"
