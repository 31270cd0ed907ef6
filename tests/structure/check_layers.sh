#!/usr/bin/env bash
# The layering rule of docs/ARCHITECTURE.md, checked: a folder of server/
# includes only folders before it in this list (and itself), and kinds/ only
# the public API. Prints every include that runs back up the list; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/../../server"
layers=(core model store hub journal streams tasks topics auth kinds webhooks http cli app)
rank() { local i; for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
bad=0
while IFS=: read -r file _ line; do
  from=${file%%/*}
  to=$(sed -E 's/.*#include "([^/"]+)\/.*/\1/' <<<"$line")
  [ "$to" = taskstream ] && continue           # the public API: open to every layer
  [ "$from" = "$to" ] && continue
  if [ "$from" = kinds ] || [ "$(rank "$from")" -lt 0 ] || [ "$(rank "$to")" -lt 0 ] ||
     [ "$(rank "$to")" -gt "$(rank "$from")" ]; then
    echo "layer violation: $file includes $to/ ($line)"; bad=1
  fi
done < <(grep -rn '#include "[a-z_]*/' --include='*.hpp' --include='*.cpp' -- */)
[ "$bad" = 0 ] && echo "layers ok: ${layers[*]}"
exit "$bad"
