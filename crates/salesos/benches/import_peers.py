#!/usr/bin/env python3
"""Helpers of the import benchmark (crates/salesos/benches/import.sh): the Python peers, the
measuring wrapper and the summary. Every peer runs in its own process, so the benchmark times
the whole process (interpreter start and library import included), as it does for
`salesos import`.

  import_peers.py pandas FILE.csv DB.sqlite   read_csv, light cleaning, to_sql into a new table
  import_peers.py polars FILE.csv             read_csv and the same cleaning, nothing written
  import_peers.py measure OUT.json [--stdout FILE] -- CMD ARG...
        runs CMD and writes its wall time, CPU time (user + system), bytes it wrote to files
        (rusage blocks out), exit code and memory to OUT.json: peak RSS as
        /usr/bin/time -v reports it ("Maximum resident set size", from wait4's rusage), and the
        peaks of RssAnon (heap, including SQLite's page cache) and RssFile (mapped files,
        including SQLite's mmap of the database), sampled from /proc every 10 ms
  import_peers.py summarize DIR               prints the tables of every OUT.json under DIR

Light cleaning, the same in both peers: every cell read as text; surrounding whitespace stripped
from every column; emails lower-cased; Birthdate parsed as a date (unparseable values become
null: pandas `to_datetime(errors='coerce')` with the format inferred from the first value, polars
`str.to_date(strict=False)`, also inferring one format); rows whose (non-empty) email already
appeared earlier in the file dropped, rows without an email kept. Prints one line of counts.
"""
import glob
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time


def pandas_peer(path, db):
    import sqlite3

    try:
        import pandas as pd
    except ImportError:
        print("pandas is not installed: pip install pandas polars", file=sys.stderr)
        sys.exit(3)  # not 1, which measure accepts as "some rows failed"

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in df.columns:
        df[col] = df[col].str.strip()
    df["Email"] = df["Email"].str.lower()
    df["Birthdate"] = pd.to_datetime(df["Birthdate"].replace("", None), errors="coerce")
    email = df["Email"].replace("", None)
    df = df[email.isna() | ~email.duplicated()]
    with sqlite3.connect(db) as conn:
        df.to_sql("contacts", conn, index=False, if_exists="replace", chunksize=10000)
    print(f"pandas: {len(df)} rows written, {int(df['Birthdate'].isna().sum())} without a date")


def polars_peer(path):
    try:
        import polars as pl
    except ImportError:
        print("polars is not installed: pip install pandas polars", file=sys.stderr)
        sys.exit(3)

    df = pl.read_csv(path, infer_schema=False)
    df = df.with_columns(pl.all().str.strip_chars())
    df = df.with_columns(
        pl.col("Email").str.to_lowercase().replace("", None),
        pl.col("Birthdate").replace("", None).str.to_date(strict=False),
    )
    df = df.filter(pl.col("Email").is_null() | pl.col("Email").is_first_distinct())
    print(f"polars: {df.height} rows kept, {df['Birthdate'].null_count()} without a date")


def _status_kb(pid):
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:")):
                    key, value = line.split(":", 1)
                    values[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return values


def measure(out, stdout_path, cmd):
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=stdout)
    peaks = {"RssAnon": 0, "RssFile": 0}
    done = threading.Event()

    def sample():
        while not done.wait(0.01):
            for key, value in _status_kb(child.pid).items():
                peaks[key] = max(peaks[key], value)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = child.wait()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "cmd": cmd,
        "wall_s": round(wall, 3),
        "rc": rc,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "written_mb": round(usage.ru_oublock * 512 / 1048576, 1),
        "max_rss_kb": usage.ru_maxrss,
        "peak_rss_anon_kb": peaks["RssAnon"],
        "peak_rss_file_kb": peaks["RssFile"],
        "stdout": stdout_path,
    }
    with open(out, "w") as f:
        json.dump(result, f)
    # Exit 1 is "finished but some rows failed" for salesos import: expected here.
    if rc not in (0, 1):
        sys.exit(f"measure: {cmd[0]} exited with {rc}")


def summarize(directory):
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        label = os.path.basename(path).rsplit(".", 2)[0]
        with open(path) as f:
            runs.setdefault(label, []).append(json.load(f))
    print(f"{'label':36} {'median s':>9} {'min':>6} {'max':>6} {'CPU s':>6} {'wrote MB':>8} {'peak RSS MB':>11} {'anon MB':>8} {'file MB':>8}  counts")
    medians = {}
    for label, results in runs.items():
        walls = [r["wall_s"] for r in results]
        medians[label] = statistics.median(walls)
        rss = statistics.median(r["max_rss_kb"] for r in results) / 1024
        anon = statistics.median(r["peak_rss_anon_kb"] for r in results) / 1024
        file = statistics.median(r["peak_rss_file_kb"] for r in results) / 1024
        cpu = statistics.median(r.get("cpu_s", 0) for r in results)
        wrote = statistics.median(r.get("written_mb", 0) for r in results)
        counts = ""
        stdout = results[0].get("stdout")
        if stdout and not stdout.endswith(".json") and os.path.exists(stdout):
            with open(stdout) as f:
                counts = f.read().strip().replace("\n", "; ")
        if stdout and stdout.endswith(".json") and os.path.exists(stdout):
            with open(stdout) as f:
                report = json.load(f)
            c = report["counts"]
            total = sum(c.values())
            check = "adds up" if total == report["rows"] else f"DOES NOT ADD UP ({total})"
            refs = report.get("created_references") or {}
            counts = (
                f"rows {report['rows']}: created {c['created']}, updated {c['updated']}, unchanged {c['unchanged']}, "
                f"skipped {c['skipped']}, flagged {c['flagged']}, failed {c['failed']} ({check}); "
                f"accounts created {refs.get('accounts', 0)}; status {report['status']}; in-process {report['duration_ms']} ms"
            )
        print(
            f"{label:36} {medians[label]:9.2f} {min(walls):6.2f} {max(walls):6.2f} {cpu:6.2f} {wrote:8.1f} {rss:11.1f} {anon:8.1f} {file:8.1f}  "
            f"{len(walls)} runs {counts}"
        )
    print()
    ratios = [
        ("s1.ours_create_missing", "s1.peer_sqlite_import_plain", 3.0),
        ("s1.ours_create_missing", "s1.peer_pandas", None),
        ("s1.ours_no_company", "s1.peer_sqlite_import_plain", 3.0),
        ("s1.ours_create_missing", "s1.peer_sqlite_into_1m_unique", None),
        ("s2.ours_create_missing", "s2.peer_sqlite_unique", 2.0),
        ("s2.ours_no_company", "s2.peer_sqlite_unique", 2.0),
        ("s3.ours_dry_run_1m", "s3.peer_polars_1m", 1.5),
        ("s3.ours_dry_run_1m_no_company", "s3.peer_polars_1m", 1.5),
        ("s4.ours_create_missing", "s4.peer_psql_copy_upsert", 1.2),
        ("s4.ours_no_company", "s4.peer_psql_copy_upsert", 1.2),
    ]
    print(f"{'ours':32} {'peer':32} {'ratio':>7} {'target':>7}")
    for ours, peer, target in ratios:
        if ours in medians and peer in medians:
            ratio = medians[ours] / medians[peer]
            verdict = "" if target is None else ("met" if ratio <= target else "NOT met")
            target_text = "-" if target is None else f"<= {target}"
            print(f"{ours:32} {peer:32} {ratio:7.2f} {target_text:>7} {verdict}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "pandas":
        pandas_peer(args[1], args[2])
    elif len(args) == 2 and args[0] == "polars":
        polars_peer(args[1])
    elif len(args) >= 4 and args[0] == "measure" and "--" in args:
        split = args.index("--")
        options = args[2:split]
        stdout_path = options[options.index("--stdout") + 1] if "--stdout" in options else None
        measure(args[1], stdout_path, args[split + 1 :])
    elif len(args) == 2 and args[0] == "summarize":
        summarize(args[1])
    else:
        sys.exit(__doc__)
