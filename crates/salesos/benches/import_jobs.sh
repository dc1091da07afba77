#!/usr/bin/env bash
# Imports as durable jobs (issue 6): the crash harness, undo against the import it undoes, and
# four imports started at once in one organization. Release build, whole processes.
#
#   crash  A 100k-row generated contacts CSV (3 % near-duplicates, 1 % invalid rows, seed 7,
#          --create-missing so the Company column creates accounts) is imported POINTS times per
#          backend (default 10); each time the process gets SIGKILL once a seeded random number of
#          rows is committed (polled through `salesos history`), then `salesos import --resume`
#          finishes it. Every attempt must end with the counts of an uninterrupted reference run,
#          the six counts adding up to 100,000, exactly one contact per created row, the accounts
#          of the reference run, and a result file with one outcome per input row.
#   undo   50k contacts imported, then a 100k file whose first 50k rows change every contact's
#          title (--on-duplicate update): 50k updates + 50k creates. Times that import, then
#          `salesos undo` of it (SQLite and PostgreSQL).
#   queue  Four 100k imports (seeds 11..14) started at once in one organization (SQLite) with
#          the default limit of 3: three run, the fourth waits in the queue and starts by itself;
#          total wall time, and which one waited.
#
# Run: crates/salesos/benches/import_jobs.sh [POINTS]   (~10 minutes on 2 cores)
#   needs psql (PostgreSQL at JOBS_BENCH_PG, default postgres://postgres@127.0.0.1:5432; skipped
#   when unreachable) and sqlite3.
#   JOBS_BENCH_SEED=N   seed of the kill points (default 2026)
#   JOBS_BENCH_ONLY="crash undo queue"  run only these parts
set -euo pipefail
cd "$(dirname "$0")/../../.."
points="${1:-10}"
only="${JOBS_BENCH_ONLY:-crash undo queue}"
pg="${JOBS_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
RANDOM="${JOBS_BENCH_SEED:-2026}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -p salesos >/dev/null 2>&1 || cargo build --release -p salesos
bin="$CARGO_TARGET_DIR/release/salesos"
work="$(mktemp -d /tmp/jobs-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$bin" generate contacts --rows 100000 --seed 7 --duplicates 0.03 --invalid 0.01 -o "$work/100k.csv" >/dev/null 2>&1

have_pg=0
if psql "$pg/postgres" -qAtc 'select 1' >/dev/null 2>&1; then have_pg=1; fi

# fresh BACKEND NAME -> prints the env assignments for a fresh database
fresh() {
  local backend="$1" name="$2"
  rm -rf "$work/$name"
  mkdir -p "$work/$name"
  if [ "$backend" = postgres ]; then
    psql "$pg/postgres" -qAtc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
    psql "$pg/postgres" -qAtc "CREATE DATABASE $name" >/dev/null
    echo "SALESOS_DATA_DIR=$work/$name DATABASE_URL=$pg/$name"
  else
    echo "SALESOS_DATA_DIR=$work/$name DATABASE_URL="
  fi
}
run() { env $ctx "$bin" "$@"; }
counts() { python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["counts"]; print(" ".join(str(c[k]) for k in ["created","updated","unchanged","skipped","flagged","failed"]))'; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
now_ms() { date +%s%3N; }
import_args=(--object contacts --create-missing --max-rows 100000)

if [[ " $only " == *" crash "* ]]; then
  backends=(sqlite)
  [ "$have_pg" = 1 ] && backends+=(postgres)
  for backend in "${backends[@]}"; do
    ctx="$(fresh "$backend" "jobs_ref_$backend")"
    run orgs create acme --admin-email admin@acme.io >/dev/null 2>&1
    reference="$(run import "$work/100k.csv" "${import_args[@]}" --json 2>/dev/null | counts || true)"
    ref_accounts="$(run records list accounts --count --json | field '["count"]')"
    echo "crash $backend: reference counts (created updated unchanged skipped flagged failed) = $reference, accounts $ref_accounts"
    passed=0
    killed=0
    for point in $(seq 1 "$points"); do
      target=$(( (RANDOM * 32768 + RANDOM) % 95000 + 1000 ))
      ctx="$(fresh "$backend" "jobs_crash_${backend}_$point")"
      run orgs create acme --admin-email admin@acme.io >/dev/null 2>&1
      env $ctx "$bin" import "$work/100k.csv" "${import_args[@]}" --json >/dev/null 2>&1 &
      pid=$!
      done_rows=0
      while kill -0 "$pid" 2>/dev/null; do
        done_rows="$(run history --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin)["imports"]; print(d[0]["rows_done"] if d else 0)' 2>/dev/null || echo 0)"
        [ "$done_rows" -ge "$target" ] && break
        sleep 0.05
      done
      kill -9 "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      id="$(run history --json | field '["imports"][0]["import_id"]')"
      status="$(run history "$id" --json | field '["status"]')"
      if [ "$status" = running ] || [ "$status" = queued ]; then
        result="$(run import --resume "$id" --json 2>/dev/null | counts || true)"
        how="killed at $done_rows rows (aimed at $target), resumed"
        killed=$((killed + 1))
      else
        result="$(run history "$id" --json | counts)"
        how="finished before the kill (aimed at $target)"
      fi
      contacts="$(run records list contacts --count --json | field '["count"]')"
      accounts="$(run records list accounts --count --json | field '["count"]')"
      run history "$id" --result "$work/result.csv" >/dev/null 2>&1
      outcomes="$(python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], encoding="utf-8-sig"))); i=r[0].index("Outcome"); print(sum(1 for x in r[1:] if x[i] in ("created","updated","unchanged","skipped","flagged","failed")))' "$work/result.csv")"
      created="${result%% *}"
      total=0; for n in $result; do total=$((total + n)); done
      verdict=FAIL
      if [ "$result" = "$reference" ] && [ "$total" = 100000 ] && [ "$contacts" = "$created" ] && [ "$accounts" = "$ref_accounts" ] && [ "$outcomes" = 100000 ]; then
        verdict=ok; passed=$((passed + 1))
      fi
      echo "crash $backend point $point: $how; counts $result; contacts $contacts; accounts $accounts; outcomes $outcomes; $verdict"
      [ "$backend" = postgres ] && psql "$pg/postgres" -qAtc "DROP DATABASE IF EXISTS jobs_crash_${backend}_$point" >/dev/null 2>&1
    done
    echo "crash $backend: $passed of $points attempts ended exactly as the reference run; $killed of them were killed mid-run and resumed"
  done
fi

if [[ " $only " == *" undo "* ]]; then
  head -n 50001 "$work/100k.csv" > "$work/50k.csv"
  python3 - "$work/100k.csv" "$work/100k-changed.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
title = rows[0].index("Title")
for row in rows[1:50001]:
    row[title] = (row[title] + " (updated)").strip()
csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline="")).writerows(rows)
EOF
  backends=(sqlite)
  [ "$have_pg" = 1 ] && backends+=(postgres)
  for backend in "${backends[@]}"; do
    ctx="$(fresh "$backend" "jobs_undo_$backend")"
    run orgs create acme --admin-email admin@acme.io >/dev/null 2>&1
    run import "$work/50k.csv" "${import_args[@]}" --json >/dev/null 2>&1 || true
    start=$(now_ms)
    report="$(run import "$work/100k-changed.csv" "${import_args[@]}" --on-duplicate update --json 2>/dev/null || true)"
    import_ms=$(( $(now_ms) - start ))
    id="$(echo "$report" | field '["import_id"]')"
    start=$(now_ms)
    undo="$(run undo "$id" --revert-all --json)"
    undo_ms=$(( $(now_ms) - start ))
    echo "undo $backend: import of 100k ($(echo "$report" | counts)) took $import_ms ms; undo took $undo_ms ms (deleted $(echo "$undo" | field '["deleted"]'), restored $(echo "$undo" | field '["restored"]')); ratio undo/import $(python3 -c "print(round($undo_ms/$import_ms, 2))")"
  done
fi

if [[ " $only " == *" queue "* ]]; then
  ctx="$(fresh sqlite jobs_queue)"
  run orgs create acme --admin-email admin@acme.io >/dev/null 2>&1
  for seed in 11 12 13 14; do
    "$bin" generate contacts --rows 100000 --seed "$seed" -o "$work/q$seed.csv" >/dev/null 2>&1
  done
  start=$(now_ms)
  pids=()
  for seed in 11 12 13 14; do
    env $ctx "$bin" import "$work/q$seed.csv" "${import_args[@]}" >"$work/q$seed.out" 2>"$work/q$seed.err" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  total_ms=$(( $(now_ms) - start ))
  queued="$(grep -l 'queued at position' "$work"/q*.err | xargs -n1 basename 2>/dev/null | tr '\n' ' ' || true)"
  statuses="$(run history --json | python3 -c 'import json,sys; print(" ".join(i["status"] for i in json.load(sys.stdin)["imports"]))')"
  echo "queue: 4 x 100k imports at once took $total_ms ms; waited in the queue: ${queued:-none}; statuses: $statuses"
fi
