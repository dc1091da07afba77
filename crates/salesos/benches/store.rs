//! Store benchmark (issue 2): bulk insert of generated contacts with all match-key indexes, and
//! batched match-key lookups, on SQLite and PostgreSQL, beside `sqlite3 .import` of the same rows.
//!
//! Run: `cargo bench -p salesos --bench store -- [--rows N] [--lookups N] [--batch N] [--skip-postgres] [--skip-sqlite]`
//! (defaults: 1,000,000 rows, 100,000 email and 100,000 phone lookups in batches of 10,000).
//! PostgreSQL comes from `SALESOS_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres).
//! Only the store calls are timed; generating the rows is not.

// A benchmark is the edge: it reads the environment.
#![allow(clippy::disallowed_methods)]

use salesos_gen::{GenObject, GenOptions, Generator};
use salesos_model::access::Role;
use salesos_model::keys::{normalize_email, normalize_phone, MatchKey, MatchKeyKind};
use salesos_model::org::OrgSettings;
use salesos_model::record::NewRecord;
use salesos_model::value::Value;
use salesos_store::{Location, NewUser, Store, WriteContext};
use std::io::Write;
use std::time::{Duration, Instant};

/// The allocator of the `salesos` binary, so the store is measured as the product runs it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    rows: u64,
    lookups: usize,
    batch: usize,
    skip_postgres: bool,
    skip_sqlite: bool,
}

fn parse_args() -> Args {
    let mut args = Args { rows: 1_000_000, lookups: 100_000, batch: 10_000, skip_postgres: false, skip_sqlite: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rows" => args.rows = it.next().and_then(|v| v.parse().ok()).expect("--rows N"),
            "--lookups" => args.lookups = it.next().and_then(|v| v.parse().ok()).expect("--lookups N"),
            "--batch" => args.batch = it.next().and_then(|v| v.parse().ok()).expect("--batch N"),
            "--skip-postgres" => args.skip_postgres = true,
            "--skip-sqlite" => args.skip_sqlite = true,
            "--keep-postgres" => {}
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

fn primary(value: Option<&Value>) -> Option<String> {
    value.and_then(|v| v.primary_text()).map(str::to_string)
}

struct Outcome {
    insert: Duration,
    emails: Vec<MatchKey>,
    phones: Vec<MatchKey>,
}

fn fill(store: &Store, args: &Args, csv: Option<&mut std::fs::File>) -> Outcome {
    let org = store.create_org("bench", &OrgSettings::default(), 0).unwrap();
    let user = store
        .create_user(
            &NewUser {
                org_id: org.id,
                email: "admin@bench.io".into(),
                name: "Admin".into(),
                role: Role::Admin,
                visibility: None,
                password_hash: None,
            },
            0,
        )
        .unwrap();
    let schema = store.schema(org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let ctx = WriteContext { org_id: org.id, actor: user.id, operation: None, now: 1, default_country: "US".into() };
    let opts = GenOptions {
        object: GenObject::Contacts,
        rows: args.rows,
        seed: 1,
        duplicate_rate: 0.03,
        invalid_rate: 0.0,
        default_country: "US".into(),
    };
    let every = (args.rows as usize / args.lookups.max(1)).max(1);
    let (mut emails, mut phones) = (Vec::new(), Vec::new());
    let mut batch = Vec::with_capacity(args.batch);
    let mut insert = Duration::ZERO;
    let mut csv = csv.map(|file| csv::Writer::from_writer(std::io::BufWriter::new(file)));
    if let Some(w) = csv.as_mut() {
        w.write_record(["first_name", "last_name", "email", "phone", "title", "city", "country"]).unwrap();
    }
    for (index, row) in Generator::new(&opts).enumerate() {
        let email = primary(row.fields.get("emails"));
        let phone = primary(row.fields.get("phones"));
        if index % every == 0 {
            if let Some(email) = email.as_deref().and_then(normalize_email) {
                emails.push(MatchKey { kind: MatchKeyKind::Email, normalized: email });
            }
            if let Some(phone) = phone.as_deref().and_then(|p| normalize_phone(p, "US")) {
                phones.push(MatchKey { kind: MatchKeyKind::Phone, normalized: phone });
            }
        }
        if let Some(w) = csv.as_mut() {
            let text = |key: &str| row.fields.get(key).map(|v| v.to_string()).unwrap_or_default();
            w.write_record([
                text("first_name"),
                text("last_name"),
                email.unwrap_or_default(),
                phone.unwrap_or_default(),
                text("title"),
                text("mailing_city"),
                text("mailing_country"),
            ])
            .unwrap();
        }
        batch.push(NewRecord { owner_id: user.id, fields: row.fields, external_ids: Vec::new() });
        if batch.len() == args.batch {
            let started = Instant::now();
            store.insert_records(&ctx, contacts, &batch, None).unwrap();
            insert += started.elapsed();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        let started = Instant::now();
        store.insert_records(&ctx, contacts, &batch, None).unwrap();
        insert += started.elapsed();
    }
    emails.truncate(args.lookups);
    phones.truncate(args.lookups);
    Outcome { insert, emails, phones }
}

fn lookups(store: &Store, keys: &[MatchKey], batch: usize) -> (Duration, usize) {
    let org = store.find_org("bench").unwrap();
    let contacts = store.schema(org.id).unwrap().object("contacts").unwrap().id;
    let started = Instant::now();
    let mut found = 0;
    for chunk in keys.chunks(batch) {
        found += store.lookup_match_keys(contacts, chunk).unwrap().iter().filter(|ids| !ids.is_empty()).count();
    }
    (started.elapsed(), found)
}

fn rate(n: usize, elapsed: Duration) -> String {
    format!("{:>10.0}/s ({n} in {:.2} s)", n as f64 / elapsed.as_secs_f64(), elapsed.as_secs_f64())
}

fn run_backend(name: &str, store: &Store, args: &Args, csv: Option<&mut std::fs::File>) {
    let outcome = fill(store, args, csv);
    println!("{name:<10} insert contacts        {}", rate(args.rows as usize, outcome.insert));
    let started = Instant::now();
    store.optimize_after_bulk_load().unwrap();
    println!("{name:<10} optimize after load    {:.2} s", started.elapsed().as_secs_f64());
    let (elapsed, found) = lookups(store, &outcome.emails, args.batch);
    println!("{name:<10} lookup emails          {}  hits {found}", rate(outcome.emails.len(), elapsed));
    let (elapsed, found) = lookups(store, &outcome.phones, args.batch);
    println!("{name:<10} lookup phones          {}  hits {found}", rate(outcome.phones.len(), elapsed));
}

fn sqlite3_import(csv: &std::path::Path, dir: &std::path::Path, label: &str, schema: &str, rows: u64) {
    let db = dir.join(format!("peer-{}.db", label.replace(' ', "-")));
    let script = format!(
        "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n{schema}\n.mode csv\n.import --skip 1 {} contacts\n",
        csv.display()
    );
    let started = Instant::now();
    let mut child = std::process::Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("sqlite3 on PATH");
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let status = child.wait().unwrap();
    let elapsed = started.elapsed();
    assert!(status.success(), "sqlite3 failed");
    println!("sqlite3    .import {label:<18} {}", rate(rows as usize, elapsed));
}

fn main() {
    let args = parse_args();
    let dir = tempfile::tempdir().unwrap();
    println!("rows {} · lookups {} per kind · batch {}", args.rows, args.lookups, args.batch);

    if !args.skip_sqlite {
        let csv_path = dir.path().join("contacts.csv");
        let mut csv_file = std::fs::File::create(&csv_path).unwrap();
        let sqlite = Store::open(&Location::Sqlite(dir.path().join("bench.db"))).unwrap();
        run_backend("sqlite", &sqlite, &args, Some(&mut csv_file));
        drop(csv_file);

        let columns =
            "CREATE TABLE contacts (first_name TEXT, last_name TEXT, email TEXT, phone TEXT, title TEXT, city TEXT, country TEXT);";
        sqlite3_import(&csv_path, dir.path(), "plain", columns, args.rows);
        sqlite3_import(
            &csv_path,
            dir.path(),
            "unique lower(email)",
            &format!("{columns}\nCREATE UNIQUE INDEX e ON contacts (lower(email)) WHERE email <> '';"),
            args.rows,
        );
        sqlite3_import(
            &csv_path,
            dir.path(),
            "same indexes",
            &format!("{columns}\nCREATE INDEX e ON contacts (lower(email));\nCREATE INDEX p ON contacts (phone);\nCREATE INDEX d ON contacts (substr(email, instr(email, '@') + 1));"),
            args.rows,
        );
    }

    if args.skip_postgres {
        return;
    }
    let admin =
        std::env::var("SALESOS_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let Ok(mut client) = postgres::Client::connect(&admin, postgres::NoTls) else {
        println!("postgres   skipped: {admin} unreachable");
        return;
    };
    client.batch_execute("DROP DATABASE IF EXISTS salesos_bench").unwrap();
    client.batch_execute("CREATE DATABASE salesos_bench").unwrap();
    let url = format!("{}/salesos_bench", admin.rsplit_once('/').unwrap().0);
    let pg = Store::open(&Location::Postgres(url)).unwrap();
    run_backend("postgres", &pg, &args, None);
    drop(pg);
    if std::env::args().any(|a| a == "--keep-postgres") {
        println!("postgres   kept database salesos_bench");
    } else {
        client.batch_execute("DROP DATABASE IF EXISTS salesos_bench WITH (FORCE)").unwrap();
    }
}
