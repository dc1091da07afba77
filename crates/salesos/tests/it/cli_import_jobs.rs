//! Imports as durable jobs (issue 6) through the CLI, on both backends: the history and its
//! detail, the result file, undo with its conflict report (later edits, references), refusals,
//! and an import killed with SIGKILL that resumes without losing or duplicating a row.

use crate::support::Env;
use serde_json::Value;

fn counts(report: &Value) -> [u64; 6] {
    let c = &report["counts"];
    ["created", "updated", "unchanged", "skipped", "flagged", "failed"].map(|k| c[k].as_u64().unwrap())
}

fn read_csv(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

/// `import FILE` as the tests that interrupt a running import run it: creating missing
/// accounts, in small batches and commits.
fn interruptible_import<'a>(file: &'a str, commit_rows: &'a str) -> [&'a str; 10] {
    ["import", file, "--object", "contacts", "--create-missing", "--batch-rows", "500", "--commit-rows", commit_rows, "--json"]
}

/// Polls the history until the newest import, still running, has committed at least `rows`
/// rows, and returns its log; `None` if it ended first (or a minute passed).
fn wait_for_committed_rows(env: &Env, rows: u64) -> Option<Value> {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(10));
        let list = env.run(&["history", "--json"]);
        let Some(log) = (list.code == 0).then(|| list.json()["imports"][0].clone()) else { continue };
        match log["status"].as_str() {
            Some("running") if log["rows_done"].as_u64().unwrap_or(0) >= rows => return Some(log),
            Some("running" | "queued") | None => {}
            Some(_) => return None,
        }
    }
    None
}

fn record(env: &Env, object: &str, id: &str) -> Value {
    env.run(&["records", "get", object, id, "--json"]).ok()
}

/// The parts of a record an undo must restore exactly.
fn restorable(record: &Value) -> Value {
    let mut record = record.clone();
    for volatile in ["version", "updated_at"] {
        record.as_object_mut().unwrap().remove(volatile);
    }
    record
}

#[test]
fn history_result_file_and_undo_with_conflicts() {
    for env in Env::both("import_jobs_history") {
        let env = env.with_org();
        let old = env
            .run(&[
                "records",
                "create",
                "contacts",
                "--set",
                "first_name=Olga",
                "--set",
                "last_name=Old",
                "--set",
                "email=old@acme.io",
                "--json",
            ])
            .ok();
        let old_id = old["id"].as_i64().unwrap().to_string();
        let before_import = record(&env, "contacts", &old_id);
        let file = env.file("contacts.csv");
        std::fs::write(
            &file,
            "First Name,Last Name,Email\nAnn,Archer,ann@acme.io\nOlivia,Old,old@acme.io\nBob,Bad,bob@\nAnnie,Archer,ANN@acme.io\n",
        )
        .unwrap();
        let run = env.run(&["import", file.to_str().unwrap(), "--object", "contacts", "--on-duplicate", "update", "--json"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let report = run.json();
        assert_eq!(counts(&report), [1, 1, 0, 1, 0, 1], "{report}");
        let id = report["import_id"].as_i64().unwrap().to_string();

        // The log lists it, with the counts, the strategy and the mapping.
        let list = env.run(&["history", "--json"]).ok();
        let listed = &list["imports"][0];
        assert_eq!(listed["import_id"].to_string(), id);
        assert_eq!(listed["status"], "completed_with_errors");
        assert_eq!(counts(listed), [1, 1, 0, 1, 0, 1]);
        let detail = env.run(&["history", &id, "--json"]).ok();
        assert_eq!(detail["rows"], 4);
        assert_eq!(detail["object"], "contacts");
        assert_eq!(detail["file"]["name"], "contacts.csv");
        assert_eq!(detail["on_duplicate"], "update");
        assert_eq!(detail["mapping_source"], "auto");
        assert!(detail["mapping"]["columns"].as_array().unwrap().len() == 3, "{detail}");
        assert_eq!(detail["file"]["sha256"].as_str().unwrap().len(), 64);

        // The result file: every row in input order, original columns, outcome, record, messages.
        let result = env.file("result.csv");
        env.run(&["history", &id, "--result", result.to_str().unwrap(), "--json"]).ok();
        let rows = read_csv(&result);
        assert_eq!(rows[0], ["First Name", "Last Name", "Email", "Outcome", "Record Id", "Messages"]);
        assert_eq!(rows.len(), 5);
        let outcomes: Vec<&str> = rows[1..].iter().map(|r| r[3].as_str()).collect();
        assert_eq!(outcomes, ["created", "updated", "failed", "skipped"]);
        assert_eq!(rows[2][4], old_id, "the updated record's id");
        assert!(!rows[1][4].is_empty(), "the created record's id");
        assert!(rows[3][5].contains("email"), "{:?}", rows[3]);
        assert!(!rows[4][5].is_empty(), "the skip says why: {:?}", rows[4]);
        let created_id = rows[1][4].clone();
        assert_eq!(record(&env, "contacts", &old_id)["fields"]["first_name"], "Olivia");

        // Edited since the import: undo reports it and changes nothing until told.
        env.run(&["records", "update", "contacts", &created_id, "--set", "title=CEO", "--json"]).ok();
        let ask = env.run(&["undo", &id, "--json"]);
        assert_eq!(ask.code, 2, "{}", ask.stdout);
        let ask = ask.json();
        assert_eq!(ask["status"], "conflicts");
        assert_eq!(ask["edited_count"], 1);
        assert_eq!(ask["edited"][0]["record_id"].to_string(), created_id);
        assert_eq!(record(&env, "contacts", &old_id)["fields"]["first_name"], "Olivia", "nothing changed");

        let undone = env.run(&["undo", &id, "--keep-later-edits", "--json"]).ok();
        assert_eq!(undone["status"], "undone");
        assert!(
            undone["job_id"].as_i64().is_some() && undone["undo_id"].as_i64().is_some(),
            "undo is a job of its own: {undone}"
        );
        assert_eq!(
            (undone["deleted"].as_u64(), undone["restored"].as_u64(), undone["kept_edited"].as_u64()),
            (Some(0), Some(1), Some(1))
        );
        assert_eq!(restorable(&record(&env, "contacts", &old_id)), restorable(&before_import), "restored exactly");
        assert_eq!(record(&env, "contacts", &created_id)["fields"]["title"], "CEO", "the later edit is kept");
        let detail = env.run(&["history", &id, "--json"]).ok();
        assert!(detail["undone_at"].is_string());

        // Refusals: twice, unknown, resuming a finished import.
        let twice = env.run(&["undo", &id, "--revert-all", "--json"]).err(2, "invalid_request");
        assert!(twice["message"].as_str().unwrap().contains("already undone"), "{twice}");
        env.run(&["undo", "999999", "--json"]).err(2, "not_found");
        let resume = env.run(&["import", "--resume", &id, "--json"]).err(2, "invalid_request");
        assert!(resume["message"].as_str().unwrap().contains("already ended"), "{resume}");
        env.run(&["history", &id, "--cancel", "--json"]).err(2, "invalid_request");
    }
}

#[test]
fn undo_reverts_all_and_never_leaves_a_dangling_reference() {
    for env in Env::both("import_jobs_references") {
        let env = env.with_org();
        let file = env.file("accounts.csv");
        std::fs::write(&file, "Account Name,Website\nAcme,https://acme.io\nGlobex,https://globex.com\n").unwrap();
        let report = env.run(&["import", file.to_str().unwrap(), "--object", "accounts", "--json"]).ok();
        assert_eq!(counts(&report), [2, 0, 0, 0, 0, 0], "{report}");
        let id = report["import_id"].as_i64().unwrap().to_string();
        let result = env.file("result.csv");
        env.run(&["history", &id, "--result", result.to_str().unwrap(), "--json"]).ok();
        let rows = read_csv(&result);
        let acme = rows[1][3].clone();
        let globex = rows[2][3].clone();
        // A contact made after the import points at Acme.
        env.run(&["records", "create", "contacts", "--set", "last_name=Lee", "--set", &format!("account={acme}"), "--json"]).ok();

        let ask = env.run(&["undo", &id, "--json"]);
        assert_eq!(ask.code, 2);
        let ask = ask.json();
        assert_eq!(ask["referenced_count"], 1, "{ask}");
        assert_eq!(ask["referenced"][0]["record_id"].to_string(), acme);
        assert_eq!(ask["referenced"][0]["referenced_by"][0][0], "contacts");

        let undone = env.run(&["undo", &id, "--revert-all", "--json"]).ok();
        assert_eq!((undone["deleted"].as_u64(), undone["kept_referenced"].as_u64()), (Some(1), Some(1)), "{undone}");
        env.run(&["records", "get", "accounts", &globex, "--json"]).err(2, "record_not_found");
        assert_eq!(record(&env, "accounts", &acme)["fields"]["name"], "Acme", "the referenced account stays");
    }
}

/// A resumed import whose stored source changed on disk refuses to run before it writes
/// anything (the source is checked while the run reads it ahead).
#[test]
fn a_resumed_import_refuses_a_stored_source_that_changed() {
    let env = Env::sqlite().with_org();
    let file = env.file("contacts.csv");
    // Large enough (under the 100,000-row limit) to be running still when its first rows are committed.
    env.run(&["generate", "contacts", "--rows", "90000", "-o", file.to_str().unwrap(), "--json"]).ok();
    let args = interruptible_import(file.to_str().unwrap(), "1000");
    let mut child = env.command(&args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let running = wait_for_committed_rows(&env, 2_000);
    child.kill().unwrap();
    child.wait().unwrap();
    let log =
        running.unwrap_or_else(|| panic!("the import was interrupted while running: {}", env.run(&["history", "--json"]).stdout));
    let before = env.run(&["records", "list", "contacts", "--count", "--json"]).ok()["count"].clone();
    // The one stored file: the import's source.
    let stored: Vec<std::path::PathBuf> = walk(&env.data_dir().join("files"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    let mut content = std::fs::read(&stored[0]).unwrap();
    content.extend_from_slice(b"Extra,Row,extra@example.com\n");
    std::fs::write(&stored[0], content).unwrap();
    let id = log["import_id"].to_string();
    let refused = env.run(&["import", "--resume", &id, "--json"]);
    assert_eq!(refused.code, 3, "{}\n{}", refused.stdout, refused.stderr);
    assert!(refused.stdout.contains("changed since it was uploaded"), "{}", refused.stdout);
    let after = env.run(&["records", "list", "contacts", "--count", "--json"]).ok()["count"].clone();
    assert_eq!(before, after, "nothing written");
}

/// An import whose rows create nothing (a file imported again: its rows are duplicates) still
/// commits its row outcomes and checkpoint as it goes: gathered for the end, they grew with the
/// file (over 100 MB for a million rows) and an interrupted run started over.
#[test]
fn an_import_of_duplicates_checkpoints_as_it_goes() {
    let env = Env::sqlite().with_org();
    let file = env.file("contacts.csv");
    // Every row with an email, so that the second import creates nothing (a row without one
    // would be created again, and creates alone brought a commit).
    let rows: u64 = 90_000;
    let mut csv = String::from("First Name,Last Name,Email\n");
    for n in 0..rows {
        csv.push_str(&format!("Ada{n},Lovelace{n},ada.{n}@example.com\n"));
    }
    std::fs::write(&file, csv).unwrap();
    let path = file.to_str().unwrap();
    let first = env.run(&interruptible_import(path, "10000"));
    assert!(first.code <= 1, "{}\n{}", first.stdout, first.stderr);
    let records = || env.run(&["records", "list", "contacts", "--count", "--json"]).ok()["count"].as_u64().unwrap();
    let before = records();
    // Small batches (each one a lookup and a plan) keep the run going long enough to be seen.
    let second = ["import", path, "--object", "contacts", "--batch-rows", "100", "--commit-rows", "1000", "--json"];
    let mut child = env.command(&second).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    // The first import is the newest until the second one is logged.
    let started = std::time::Instant::now();
    while env.run(&["history", "--json"]).json()["imports"].as_array().map_or(0, Vec::len) < 2 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the second import never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let running = wait_for_committed_rows(&env, 2_000);
    child.kill().unwrap();
    child.wait().unwrap();
    let log = running.unwrap_or_else(|| panic!("no checkpoint while running: {}", env.run(&["history", "--json"]).stdout));
    assert!(log["rows_done"].as_u64().unwrap() < rows, "a checkpoint before the end: {log}");
    // Resumed from its checkpoint, unless it ended between the look and the kill.
    let history = env.run(&["history", "--json"]).json();
    let counts = if history["imports"][0]["status"] == "running" {
        let resumed = env.run(&["import", "--resume", &log["import_id"].to_string(), "--json"]);
        assert!(resumed.code <= 1, "{}\n{}", resumed.stdout, resumed.stderr);
        resumed.json()["counts"].clone()
    } else {
        history["imports"][0]["counts"].clone()
    };
    let total: u64 =
        ["created", "updated", "unchanged", "skipped", "flagged", "failed"].iter().map(|c| counts[c].as_u64().unwrap()).sum();
    assert_eq!(total, rows, "every row has one outcome: {counts}");
    assert_eq!(counts["skipped"].as_u64().unwrap(), rows, "the rows are duplicates: {counts}");
    assert_eq!(records(), before, "no record written twice");
}

/// Every file under a folder.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Kills a running import with SIGKILL at a seeded moment, resumes it, and checks that every
/// row has exactly one outcome and no record was written twice.
#[test]
fn killed_import_resumes_without_losing_or_duplicating_a_row() {
    for (round, env) in Env::both("import_jobs_crash").into_iter().enumerate() {
        let env = env.with_org();
        let file = env.file("contacts.csv");
        let rows = 12_000;
        env.run(&[
            "generate",
            "contacts",
            "--rows",
            &rows.to_string(),
            "--duplicates",
            "0.03",
            "--invalid",
            "0.01",
            "-o",
            file.to_str().unwrap(),
            "--json",
        ])
        .ok();
        let path = file.to_str().unwrap();
        let args = interruptible_import(path, "1000");
        // A seeded moment: once a seeded number of rows is committed (polled through the history).
        let threshold = 1_000 + (round as u64 * 7_919 + 4_241) % 8_000;
        let mut child =
            env.command(&args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        wait_for_committed_rows(&env, threshold);
        child.kill().unwrap();
        child.wait().unwrap();

        let list = env.run(&["history", "--json"]).ok();
        // An uninterrupted run of the same file into a fresh organization gives the same counts.
        let fresh = Env::sqlite().with_org();
        let clean = fresh.run(&args).json();
        let fresh_accounts_after =
            |_: &[&str]| fresh.run(&["records", "list", "accounts", "--count", "--json"]).ok()["count"].clone();
        let final_report = match list["imports"].as_array().unwrap().first() {
            Some(log) if log["status"] == "completed" || log["status"] == "completed_with_errors" => {
                log.clone() // It finished before the kill.
            }
            Some(log) => {
                eprintln!("killed at {} rows committed (aimed at {threshold}); resuming", log["rows_done"]);
                let id = log["import_id"].to_string();
                let resumed = env.run(&["import", "--resume", &id, "--json"]);
                assert!(resumed.code == 0 || resumed.code == 1, "{}\n{}", resumed.stdout, resumed.stderr);
                resumed.json()
            }
            None => {
                // Killed before the import was logged: nothing may have been written.
                let count = env.run(&["records", "list", "contacts", "--count", "--json"]).ok();
                assert_eq!(count["count"], 0);
                env.run(&args).json()
            }
        };
        let id = final_report["import_id"].to_string();
        let counts = counts(&final_report);
        assert_eq!(crate::cli_import_jobs::counts(&clean), counts, "a resumed run ends as an uninterrupted one");
        assert_eq!(counts.iter().sum::<u64>(), rows, "{final_report}");
        assert!(counts[0] > rows / 2, "most rows create contacts: {final_report}");
        let stored = env.run(&["records", "list", "contacts", "--count", "--json"]).ok();
        assert_eq!(stored["count"].as_u64().unwrap(), counts[0], "every created row is one record, none twice");
        let accounts = env.run(&["records", "list", "accounts", "--count", "--json"]).ok();
        let fresh_accounts = fresh_accounts_after(&args);
        assert_eq!(accounts["count"], fresh_accounts, "missing accounts are created once each");

        let result = env.file("result.csv");
        env.run(&["history", &id, "--result", result.to_str().unwrap(), "--json"]).ok();
        let table = read_csv(&result);
        assert_eq!(table.len() as u64, rows + 1);
        let outcome_column = table[0].iter().position(|h| h == "Outcome").unwrap();
        assert!(table[1..].iter().all(|r| !r[outcome_column].is_empty() && r[outcome_column] != "pending"));
    }
}

#[test]
fn a_running_import_cancels_at_a_batch_boundary_and_keeps_what_it_committed() {
    for env in Env::both("import_jobs_cancel") {
        let env = env.with_org();
        let file = env.file("contacts.csv");
        let rows = 30_000u64;
        env.run(&["generate", "contacts", "--rows", &rows.to_string(), "-o", file.to_str().unwrap(), "--json"]).ok();
        let args = interruptible_import(file.to_str().unwrap(), "500");
        let child = env.command(&args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).spawn().unwrap();
        let cancelled = wait_for_committed_rows(&env, 1)
            .map(|log| env.run(&["history", &log["import_id"].to_string(), "--cancel", "--json"]).ok());
        let output = child.wait_with_output().unwrap();
        let Some(cancelled) = cancelled else {
            eprintln!("the import ended before it could be cancelled; nothing to check on this machine");
            continue;
        };
        assert_eq!(cancelled["status"], "cancelling");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["status"], "cancelled", "{report}");
        let done = counts(&report).iter().sum::<u64>();
        assert!(done > 0 && done < rows, "stopped part way: {report}");
        assert_eq!(done % 500, 0, "at a batch boundary: {report}");
        let stored = env.run(&["records", "list", "contacts", "--count", "--json"]).ok();
        assert_eq!(stored["count"].as_u64().unwrap(), counts(&report)[0], "what was committed stays");
        let id = report["import_id"].to_string();
        let detail = env.run(&["history", &id, "--json"]).ok();
        assert_eq!(detail["status"], "cancelled");
        let result = env.file("result.csv");
        env.run(&["history", &id, "--result", result.to_str().unwrap(), "--json"]).ok();
        let table = read_csv(&result);
        let outcome = table[0].iter().position(|h| h == "Outcome").unwrap();
        assert_eq!(table[1..].iter().filter(|r| r[outcome] == "not_processed").count() as u64, rows - done);
        env.run(&["import", "--resume", &id, "--json"]).err(2, "invalid_request");
    }
}

#[test]
fn a_server_picks_up_an_abandoned_import_when_its_lease_ends() {
    for env in Env::both("import_jobs_pickup") {
        let env = env.with_org();
        let file = env.file("contacts.csv");
        let rows = 30_000u64;
        env.run(&["generate", "contacts", "--rows", &rows.to_string(), "-o", file.to_str().unwrap(), "--json"]).ok();
        let path = file.to_str().unwrap();
        let args = ["import", path, "--object", "contacts", "--create-missing", "--batch-rows", "500", "--commit-rows", "500"];
        let mut child = env
            .command(&[&args[..], &["--import-lease-ms", "1000", "--json"]].concat())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let killed_at = wait_for_committed_rows(&env, 1).map(|log| {
            child.kill().unwrap();
            log["rows_done"].as_u64().unwrap_or(0)
        });
        child.wait().unwrap();
        let Some(killed_at) = killed_at else {
            eprintln!("the import ended before it could be killed; nothing to check on this machine");
            continue;
        };
        let id = env.run(&["history", "--json"]).ok()["imports"][0]["import_id"].to_string();
        // A server started afterwards takes the job over once the dead process's lease ends.
        let server = env.serve(&["--no-demo", "--import-lease-ms", "1000"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let detail = loop {
            let detail = env.run(&["history", &id, "--json"]).ok();
            if detail["status"] != "running" {
                break detail;
            }
            assert!(std::time::Instant::now() < deadline, "the server did not finish import {id}: {detail}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        drop(server);
        assert!(detail["status"] == "completed" || detail["status"] == "completed_with_errors", "{detail}");
        let finished = counts(&detail);
        assert_eq!(finished.iter().sum::<u64>(), rows);
        assert!(finished[0] > killed_at / 2, "{detail}");
        let stored = env.run(&["records", "list", "contacts", "--count", "--json"]).ok();
        assert_eq!(stored["count"].as_u64().unwrap(), finished[0], "no row written twice");
        let fresh = Env::sqlite().with_org();
        let clean = fresh.run(&[&args[..], &["--json"]].concat()).json();
        assert_eq!(counts(&clean), finished, "the resumed run ends as an uninterrupted one");
    }
}
