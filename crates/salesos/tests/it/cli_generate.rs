//! The data generator through the CLI: files in every format, determinism, and `--into-store`.

use crate::support::Env;

#[test]
fn files_are_deterministic_for_a_seed() {
    let env = Env::sqlite();
    let a = env.file("a.csv");
    let b = env.file("b.csv");
    let c = env.file("c.csv");
    let run = env
        .run(&[
            "generate",
            "contacts",
            "--rows",
            "500",
            "--seed",
            "7",
            "--duplicates",
            "0.05",
            "--invalid",
            "0.02",
            "-o",
            a.to_str().unwrap(),
            "--json",
        ])
        .ok();
    assert_eq!(run["rows"], 500);
    env.run(&[
        "generate",
        "contacts",
        "--rows",
        "500",
        "--seed",
        "7",
        "--duplicates",
        "0.05",
        "--invalid",
        "0.02",
        "-o",
        b.to_str().unwrap(),
        "--json",
    ])
    .ok();
    env.run(&["generate", "contacts", "--rows", "500", "--seed", "8", "-o", c.to_str().unwrap(), "--json"]).ok();
    let (a, b, c) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap(), std::fs::read(c).unwrap());
    assert_eq!(a, b);
    assert_ne!(a, c);
    let mut reader = csv::ReaderBuilder::new().from_reader(a.as_slice());
    assert!(reader.headers().unwrap().iter().any(|h| h == "Email"));
    assert_eq!(reader.records().count(), 500, "quoted commas and newlines parse back into 500 records");
    assert!(!env.data_dir().join("salesos.db").exists(), "writing a file opens no database");
}

#[test]
fn every_format_is_written() {
    let env = Env::sqlite();
    for (object, file, check) in [
        ("accounts", "a.xlsx", "PK"),
        ("deals", "d.json", "["),
        ("leads", "l.vcf", "BEGIN:VCARD"),
        ("products", "p.csv", "Product Name"),
        ("activities", "x.csv", "Subject"),
    ] {
        let path = env.file(file);
        env.run(&["generate", object, "--rows", "50", "-o", path.to_str().unwrap(), "--json"]).ok();
        let bytes = std::fs::read(&path).unwrap();
        assert!(String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).contains(check), "{file}");
        if file.ends_with(".json") {
            let parsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(parsed.as_array().unwrap().len(), 50);
        }
        if file.ends_with(".vcf") {
            assert_eq!(String::from_utf8_lossy(&bytes).matches("BEGIN:VCARD").count(), 50);
        }
    }
    env.run(&["generate", "deals", "--rows", "5", "-o", env.file("d.vcf").to_str().unwrap(), "--json"]).err(2, "invalid_request");
    env.run(&["generate", "unicorns", "--rows", "5", "-o", env.file("u.csv").to_str().unwrap(), "--json"])
        .err(2, "unknown_object");
    env.run(&["generate", "contacts", "--rows", "5", "--duplicates", "2", "-o", env.file("u.csv").to_str().unwrap(), "--json"])
        .err(2, "invalid_request");
    env.run(&["generate", "contacts", "--rows", "5", "-o", "/nonexistent/dir/x.csv", "--json"]).err(2, "invalid_request");
}

#[test]
fn into_store_fills_the_organization() {
    for env in Env::both("generate") {
        let env = env.with_org();
        for object in ["accounts", "contacts", "leads", "deals", "activities", "products"] {
            let run = env
                .run(&["generate", object, "--rows", "1200", "--duplicates", "0.03", "--into-store", "--batch", "500", "--json"])
                .ok();
            assert_eq!((run["inserted"].as_u64(), run["failed"].as_u64()), (Some(1200), Some(0)), "{object}: {run}");
            let count = env.run(&["records", "list", object, "--count", "--json"]).ok();
            assert_eq!(count["count"], 1200, "{object}");
        }
        // Generated contacts can be found by their normalized keys and filtered.
        let page = env.run(&["records", "list", "contacts", "--filter", "email contains '@'", "--limit", "1", "--json"]).ok();
        assert_eq!(page["records"].as_array().unwrap().len(), 1);
        if env.database_url.is_none() {
            // The load ends optimized: every match key merged into the main index.
            let conn = rusqlite::Connection::open(env.data_dir().join("salesos.db")).unwrap();
            let count =
                |table: &str| -> i64 { conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap() };
            assert_eq!(count("match_keys_recent"), 0, "no recent keys are left to merge");
            assert!(count("match_keys") > 7_200, "six objects' keys are in the main index");
        }
    }
}
