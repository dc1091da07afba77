#!/usr/bin/env bash
# HTTP benchmark (issue 3): requests/s and latency percentiles with wrk for a page of 100 contacts
# filtered by an indexed field and by a custom field, against 1M contacts loaded with
# `generate --into-store`, on SQLite and (if reachable) PostgreSQL.
#
# Run: crates/salesos/benches/http.sh [ROWS]   (default 1000000; needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../../.."
rows="${1:-1000000}"
pg_admin="${SALESOS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release -p salesos >/dev/null
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/salesos"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run_backend() {
  local name="$1" url="$2"
  local data="$work/$name"
  mkdir -p "$data"
  export SALESOS_DATA_DIR="$data"
  if [ -n "$url" ]; then export DATABASE_URL="$url"; else unset DATABASE_URL; fi
  "$bin" orgs create bench --admin-email admin@bench.io --json >/dev/null
  "$bin" objects add-field contacts score --type number --json >/dev/null
  local load_start=$SECONDS
  "$bin" generate contacts --rows "$rows" --into-store --batch 50000 --json | sed "s/^/$name load: /"
  # Fill the custom field score with 0..99 (the generator knows only standard fields).
  if [ -n "$url" ]; then
    psql -q "$url" -c "UPDATE records SET data = data || jsonb_build_object('custom.score', (id * 7919) % 100) WHERE object_id = (SELECT id FROM objects WHERE api_name = 'contacts')" -c "VACUUM ANALYZE records"
  else
    sqlite3 "$data/salesos.db" "UPDATE records SET data = json_set(data, '\$.\"custom.score\"', (id * 7919) % 100) WHERE object_id = (SELECT id FROM objects WHERE api_name = 'contacts'); PRAGMA optimize;"
  fi
  "$bin" objects index contacts last_name --json >/dev/null
  echo "$name setup: $((SECONDS - load_start)) s"
  local key
  key=$("$bin" users api-key admin@bench.io --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
  local name_value
  name_value=$("$bin" records list contacts --limit 1 --sort last_name --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][0]["fields"]["last_name"])')
  "$bin" serve --no-demo --bind 127.0.0.1:18181 >"$data/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 60); do grep -q "listening on" "$data/server.log" && break; sleep 0.5; done
  local indexed="http://127.0.0.1:18181/v1/records/contacts?limit=100&filter=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "last_name = '$name_value'")"
  local custom="http://127.0.0.1:18181/v1/records/contacts?limit=100&filter=$(python3 -c "import urllib.parse; print(urllib.parse.quote('custom.score >= 50'))")"
  echo "$name indexed filter: last_name = '$name_value' ($(curl -s -H "Authorization: Bearer $key" "$indexed" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))') records per page)"
  wrk -t2 -c16 -d15s --latency -H "Authorization: Bearer $key" "$indexed" | grep -E "Requests/sec|Latency |  50%|  99%"
  echo "$name custom-field filter: custom.score >= 50"
  wrk -t2 -c16 -d15s --latency -H "Authorization: Bearer $key" "$custom" | grep -E "Requests/sec|Latency |  50%|  99%"
  kill -TERM "$server"; wait "$server" || true
}

run_backend sqlite ""
if psql "$pg_admin" -Atqc 'select 1' >/dev/null 2>&1; then
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS salesos_http_bench WITH (FORCE)" -c "CREATE DATABASE salesos_http_bench"
  run_backend postgres "${pg_admin%/*}/salesos_http_bench"
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS salesos_http_bench WITH (FORCE)"
fi
