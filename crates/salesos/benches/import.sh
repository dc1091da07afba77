#!/usr/bin/env bash
# Import pipeline benchmark (issue 5): whole-process wall time and peak RSS of `salesos import`
# against peers timed side by side in the same run, RUNS times each (medians reported).
#
#   s1  SQLite: a 100k-row generated contacts CSV (3 % near-duplicates, 1 % invalid rows, seed 7)
#       imported into an organization already holding 1M contacts (generate --into-store,
#       seed 42, which ends with its keys merged and statistics fresh, so no merge is due
#       during the import), duplicates checked on email, journal written; with --create-missing (the
#       Company column creates accounts) and with a mapping that leaves Company out; the same
#       file dry-run for the time split. Peers: `sqlite3 .import` into a plain table of a new
#       database (the target's peer), pandas (read_csv, light cleaning, to_sql into SQLite), and
#       `sqlite3` importing into a temp table then INSERT OR IGNORE into a table already holding
#       the same 1M contacts with a unique index on lower(email).
#   s2  SQLite: the 1M-row file (same generator settings) into an empty organization
#       (--max-rows 2000000 --max-file-mb 2000). Peer: `sqlite3 .import` into a temp table, then
#       INSERT OR IGNORE … SELECT into a table with a unique index on lower(email).
#   s3  Dry run of the 1M-row file and of the 100k-row file (empty organization): time, and
#       peak RSS to show whether memory grows with rows. Peer: polars reading and cleaning the
#       1M-row file (import_peers.py polars; polars uses both cores).
#   s4  PostgreSQL: the 100k file into a fresh database holding the 1M contacts (template copy
#       of one loaded with generate --into-store, then VACUUM ANALYZE as autovacuum would).
#       Peer: `\copy` into a temp staging table + INSERT … ON CONFLICT (lower(email)) DO NOTHING
#       into a table holding the same 1M contacts with a unique index on lower(email).
#
# Every timed command runs under `import_peers.py measure` (wall time, CPU time, bytes written
# to files, wait4 peak RSS as /usr/bin/time -v reports it, and sampled RssAnon/RssFile peaks);
# ours and the peers alternate within each round, database copies are made and `sync`ed before
# the clock starts, and the page cache is warm. The summary at the end gives medians, our counts
# (and whether the six add up to the rows), the peers' row counts, and each ratio to its target.
#
# Run: crates/salesos/benches/import.sh [RUNS]   (default 3; ~11 minutes on 2 cores)
#   needs sqlite3, psql/createdb (PostgreSQL is skipped when unreachable), python3 with pandas
#   and polars (pip install pandas polars), perf for the optional profiles.
#   IMPORT_BENCH_KEEP=DIR   keep the work folder (files, databases, reports) in DIR
#   IMPORT_BENCH_PERF=1     also record `perf record -g` profiles of one s1 run and one s3 dry
#                           run into the work folder (use with IMPORT_BENCH_KEEP)
#   IMPORT_BENCH_ONLY="s1 s3"  run only these scenarios
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs="${1:-3}"
only="${IMPORT_BENCH_ONLY:-s1 s2 s3 s4}"
pg_admin="${SALESOS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release -p salesos >/dev/null
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/salesos"
peers="$PWD/crates/salesos/benches/import_peers.py"
if [ -n "${IMPORT_BENCH_KEEP:-}" ]; then
  work="$IMPORT_BENCH_KEEP"; rm -rf "$work"; mkdir -p "$work"
else
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/m" "$work/out"
cd "$work"
unset DATABASE_URL SALESOS_DATA_DIR
export PGOPTIONS="-c client_min_messages=warning"
wants() { [[ " $only " == *" $1 "* ]]; }
log() { echo "[$(date +%T)] $*" >&2; }
# measure LABEL ROUND [--stdout FILE] -- CMD…
measure() {
  local label="$1" round="$2"; shift 2
  if [ "$1" != --stdout ]; then set -- --stdout "out/$label.$round.txt" "$@"; fi
  python3 "$peers" measure "m/$label.$round.json" "$@" 2>>"out/$label.$round.stderr"
  log "$label #$round: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["wall_s"], "s, peak RSS", r["max_rss_kb"] // 1024, "MB")' "m/$label.$round.json")"
}
fresh_copy() { rm -rf "$2"; cp -r "$1" "$2"; sync; }
# table_rows LABEL ROUND CLIENT… : after a peer's timed run, its table's row count goes to its output.
table_rows() {
  local label="$1" round="$2"; shift 2
  echo "table contacts: $("$@" 'SELECT count(*) FROM contacts') rows" >>"out/$label.$round.txt"
}

log "machine: $(nproc) cores, $(uptime)"
ps -eo pcpu,comm --sort=-pcpu | head -6 | sed 's/^/  busy: /' >&2

# Files and databases (not timed).
"$bin" generate contacts --rows 100000 --seed 7 --duplicates 0.03 --invalid 0.01 -o c100k.csv 2>/dev/null
"$bin" generate contacts --rows 1000000 --seed 7 --duplicates 0.03 --invalid 0.01 -o c1m.csv 2>/dev/null
# The same 1M contacts as `generate contacts --rows 1000000 --into-store` (seed 42), for the peers.
"$bin" generate contacts --rows 1000000 -o store1m.csv 2>/dev/null
"$bin" --data-dir empty orgs create acme --json >/dev/null
sqlite3 empty/salesos.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
# The mapping auto-mapping picks, without the Company column.
"$bin" --data-dir empty --json import c100k.csv --object contacts --dry-run >automap.json || true
python3 - <<'EOF'
import json
spec = json.load(open("automap.json"))["mapping"]
spec["columns"] = [c for c in spec["columns"] if c["column"] != "Company"]
json.dump(spec, open("no_company.json", "w"), indent=1)
EOF
columns='first_name, last_name, email, phone, mobile, company, title, street, city, state, postal_code, country, lead_source, birthdate, notes'
unique_import_sql() { # FILE: temp stage, then INSERT OR IGNORE into contacts (unique lower(email))
  cat <<EOF
CREATE TEMP TABLE stage($columns);
.import --csv --skip 1 --schema temp $1 stage
CREATE TABLE IF NOT EXISTS contacts($columns);
CREATE UNIQUE INDEX IF NOT EXISTS contacts_email ON contacts(lower(email));
INSERT OR IGNORE INTO contacts SELECT first_name, last_name, NULLIF(email, ''), phone, mobile, company, title, street, city, state, postal_code, country, lead_source, birthdate, notes FROM temp.stage;
EOF
}
unique_import_sql c100k.csv >s1_into_1m.sql
unique_import_sql c1m.csv >s2_unique.sql

if wants s1; then
  log "s1: loading 1M contacts into SQLite (generate --into-store)"
  "$bin" --data-dir base orgs create acme --json >/dev/null
  "$bin" --data-dir base generate contacts --rows 1000000 --into-store --batch 50000 --json >out/base_load.json
  sqlite3 base/salesos.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
  unique_import_sql store1m.csv | sqlite3 peer1m.db
  for i in $(seq 1 "$runs"); do
    fresh_copy base run
    measure s1.ours_create_missing "$i" --stdout "out/s1.ours_create_missing.$i.json" -- \
      "$bin" --data-dir run --json import c100k.csv --object contacts --create-missing
    fresh_copy base run
    measure s1.ours_no_company "$i" --stdout "out/s1.ours_no_company.$i.json" -- \
      "$bin" --data-dir run --json import c100k.csv --object contacts --mapping no_company.json
    measure s1.ours_dry_run "$i" --stdout "out/s1.ours_dry_run.$i.json" -- \
      "$bin" --data-dir base --json import c100k.csv --object contacts --create-missing --dry-run
    rm -f plain.db; sync
    measure s1.peer_sqlite_import_plain "$i" -- sqlite3 plain.db ".import --csv c100k.csv contacts"
    table_rows s1.peer_sqlite_import_plain "$i" sqlite3 plain.db
    rm -f pandas.db; sync
    measure s1.peer_pandas "$i" -- python3 "$peers" pandas c100k.csv pandas.db
    cp peer1m.db peer_run.db; sync
    measure s1.peer_sqlite_into_1m_unique "$i" -- sqlite3 peer_run.db ".read s1_into_1m.sql"
    table_rows s1.peer_sqlite_into_1m_unique "$i" sqlite3 peer_run.db
  done
  if [ -n "${IMPORT_BENCH_PERF:-}" ]; then
    fresh_copy base run
    perf record -F 999 -g -o perf_s1.data "$bin" --data-dir run --json import c100k.csv --object contacts --create-missing >/dev/null 2>&1 || true
  fi
  rm -rf run peer_run.db
fi

if wants s2; then
  for i in $(seq 1 "$runs"); do
    fresh_copy empty run
    measure s2.ours_create_missing "$i" --stdout "out/s2.ours_create_missing.$i.json" -- \
      "$bin" --data-dir run --json import c1m.csv --object contacts --create-missing --max-rows 2000000 --max-file-mb 2000
    fresh_copy empty run
    measure s2.ours_no_company "$i" --stdout "out/s2.ours_no_company.$i.json" -- \
      "$bin" --data-dir run --json import c1m.csv --object contacts --mapping no_company.json --max-rows 2000000 --max-file-mb 2000
    rm -f unique.db; sync
    measure s2.peer_sqlite_unique "$i" -- sqlite3 unique.db ".read s2_unique.sql"
    table_rows s2.peer_sqlite_unique "$i" sqlite3 unique.db
  done
  rm -rf run unique.db
fi

if wants s3; then
  for i in $(seq 1 "$runs"); do
    measure s3.ours_dry_run_1m "$i" --stdout "out/s3.ours_dry_run_1m.$i.json" -- \
      "$bin" --data-dir empty --json import c1m.csv --object contacts --create-missing --dry-run --max-rows 2000000 --max-file-mb 2000
    measure s3.ours_dry_run_1m_no_company "$i" --stdout "out/s3.ours_dry_run_1m_no_company.$i.json" -- \
      "$bin" --data-dir empty --json import c1m.csv --object contacts --mapping no_company.json --dry-run --max-rows 2000000 --max-file-mb 2000
    measure s3.ours_dry_run_100k "$i" --stdout "out/s3.ours_dry_run_100k.$i.json" -- \
      "$bin" --data-dir empty --json import c100k.csv --object contacts --create-missing --dry-run
    measure s3.ours_dry_run_100k_no_company "$i" --stdout "out/s3.ours_dry_run_100k_no_company.$i.json" -- \
      "$bin" --data-dir empty --json import c100k.csv --object contacts --mapping no_company.json --dry-run
    measure s3.peer_polars_1m "$i" -- python3 "$peers" polars c1m.csv
  done
  if [ -n "${IMPORT_BENCH_PERF:-}" ]; then
    perf record -F 999 -g -o perf_s3.data "$bin" --data-dir empty --json import c1m.csv --object contacts --create-missing --dry-run --max-rows 2000000 --max-file-mb 2000 >/dev/null 2>&1 || true
  fi
fi

if wants s4 && psql "$pg_admin" -Atqc 'select 1' >/dev/null 2>&1; then
  pg() { psql -q -v ON_ERROR_STOP=1 "$pg_admin" "$@"; }
  pg_url() { echo "${pg_admin%/*}/$1"; }
  for db in salesos_import_base salesos_import_run salesos_import_peer_base salesos_import_peer_run; do
    pg -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  done
  log "s4: loading 1M contacts into PostgreSQL (generate --into-store)"
  pg -c "CREATE DATABASE salesos_import_base" -c "CREATE DATABASE salesos_import_peer_base"
  "$bin" --database-url "$(pg_url salesos_import_base)" orgs create acme --json >/dev/null
  "$bin" --database-url "$(pg_url salesos_import_base)" generate contacts --rows 1000000 --into-store --batch 50000 --json >out/pg_base_load.json
  psql -q "$(pg_url salesos_import_base)" -c "VACUUM (ANALYZE)"
  pg_columns="$(sed 's/,/ text,/g; s/$/ text/' <<<"$columns")"
  pg_upsert_sql() { # FILE
    cat <<EOF
CREATE TEMP TABLE stage($pg_columns);
\\copy stage FROM '$1' WITH (FORMAT csv, HEADER true)
CREATE TABLE IF NOT EXISTS contacts($pg_columns);
CREATE UNIQUE INDEX IF NOT EXISTS contacts_email ON contacts(lower(email));
INSERT INTO contacts SELECT * FROM stage ON CONFLICT (lower(email)) DO NOTHING;
EOF
  }
  pg_upsert_sql store1m.csv | psql -q -v ON_ERROR_STOP=1 "$(pg_url salesos_import_peer_base)"
  psql -q "$(pg_url salesos_import_peer_base)" -c "VACUUM (ANALYZE)"
  pg_upsert_sql "$PWD/c100k.csv" >s4_upsert.sql
  for i in $(seq 1 "$runs"); do
    for variant in create_missing no_company; do
      pg -c "DROP DATABASE IF EXISTS salesos_import_run WITH (FORCE)" -c "CREATE DATABASE salesos_import_run TEMPLATE salesos_import_base"
      pg -c "CHECKPOINT"
      if [ "$variant" = create_missing ]; then args=(--create-missing); else args=(--mapping no_company.json); fi
      measure "s4.ours_$variant" "$i" --stdout "out/s4.ours_$variant.$i.json" -- \
        "$bin" --database-url "$(pg_url salesos_import_run)" --json import c100k.csv --object contacts "${args[@]}"
    done
    pg -c "DROP DATABASE IF EXISTS salesos_import_peer_run WITH (FORCE)" -c "CREATE DATABASE salesos_import_peer_run TEMPLATE salesos_import_peer_base"
    pg -c "CHECKPOINT"
    measure s4.peer_psql_copy_upsert "$i" -- psql -q -v ON_ERROR_STOP=1 "$(pg_url salesos_import_peer_run)" -f s4_upsert.sql
    table_rows s4.peer_psql_copy_upsert "$i" psql -Atq "$(pg_url salesos_import_peer_run)" -c
  done
  for db in salesos_import_base salesos_import_run salesos_import_peer_base salesos_import_peer_run; do
    pg -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  done
fi

log "done: $(uptime)"
python3 "$peers" summarize m
