#!/usr/bin/env bash
# Runs schemathesis with every check against a freshly started server (SQLite, demo data), for a
# bounded number of examples per operation. Usage: .ci/schemathesis.sh [MAX_EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-100}"
bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/salesos"
command -v schemathesis >/dev/null || python3 -m pip install -q 'schemathesis>=4,<5'
data="$(mktemp -d)"
log="$data/server.log"
SALESOS_DATA_DIR="$data" "$bin" serve --bind 127.0.0.1:0 >"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do grep -q "listening on" "$log" && break; sleep 1; done
address=$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's#listening on http://##')
key=$(grep -o 'sk_[0-9a-f]*' "$log" | head -1)
[ -n "$address" ] && [ -n "$key" ] || { cat "$log"; echo "server did not start" >&2; exit 1; }
schemathesis run "http://$address/openapi.json" --checks all -H "Authorization: Bearer $key" \
  --max-examples "$examples" --seed 42 --suppress-health-check all
