#!/usr/bin/env bash
# checksums.sh FILE...: the SHA-256 of each file, a progress line per file,
# and a JSON result line {"sha256": {file: hex}}.
set -euo pipefail
json_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\"/\\\"}"; }

n=$#
i=0
result=""
for file in "$@"; do
  i=$((i + 1))
  sum=$(sha256sum -- "$file" | cut -d' ' -f1)
  echo "$sum  $file"
  echo "progress $i/$n $file"
  result+="${result:+, }\"$(json_escape "$file")\": \"$sum\""
done
echo "{\"sha256\": {$result}}"
