#!/usr/bin/env bash
# The layering rule of docs/ARCHITECTURE.md, checked: a folder of server/
# includes only folders before it in this list (and itself), and kinds/ only
# the public API; cli/ and auth/ only the folders pinned below (what they use
# today: a new dependency is a decision, not a drift); Asio only where the network
# is (http/, app/, the Redis store, the webhook client). Prints every violation; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/../../server"
layers=(core model store hub journal streams tasks topics auth kinds webhooks http cli app)
declare -A pinned=([cli]="core model" [auth]="core model store")
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
  elif [ -n "${pinned[$from]:-}" ] && ! grep -qw -- "$to" <<<"${pinned[$from]}"; then
    echo "layer violation: $from/ is pinned to ${pinned[$from]}: $file includes $to/ ($line)"; bad=1
  fi
done < <(grep -rn '#include "[a-z_]*/' --include='*.hpp' --include='*.cpp' -- */)
# The domain and the stores' shared parts are free of the network library.
while IFS= read -r hit; do
  echo "asio outside the network's folders: $hit"; bad=1
done < <(grep -rln 'boost/asio' --include='*.hpp' --include='*.cpp' -- core model hub journal streams tasks topics kinds store \
           | grep -v '^store/redis/' || true)
[ "$bad" = 0 ] && echo "layers ok: ${layers[*]}"
exit "$bad"
