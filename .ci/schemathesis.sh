#!/usr/bin/env bash
# Runs schemathesis against a freshly started server (SQLite, demo data), for a bounded number of
# examples per operation, with every check but one. Usage: .ci/schemathesis.sh [MAX_EXAMPLES]
#
# Excluded: positive_data_acceptance ("a schema-valid request must be accepted"). The API takes a
# filter language in a string and record fields that depend on each organization's schema; JSON
# Schema cannot say which strings are valid filters or which defaults fit a field's type, so
# schema-valid but meaningless input is (rightly) refused with 400. Every refusal is still checked
# for a documented status, content type and error body by the other checks.
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
schemathesis run "http://$address/openapi.json" --checks all --exclude-checks positive_data_acceptance -H "Authorization: Bearer $key" \
  --max-examples "$examples" --seed 42 --suppress-health-check all
