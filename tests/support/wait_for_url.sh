# Sourced by the shell tests: wait_for_url LOG PID prints the address a server
# started with --listen 127.0.0.1:0 logs ("listening on http://…"), waiting at
# most 20 s; exits 1 with the log if the server ends first or never listens.
wait_for_url() {
  local log=$1 pid=$2 url=""
  for _ in $(seq 200); do
    url=$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's/listening on //') || true
    [ -n "$url" ] && { echo "$url"; return 0; }
    kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not listen within 20 s:" >&2; cat "$log" >&2; exit 1
}
