//! `salesos import FILE --object OBJ` through the whole pipeline (issue 5): auto-mapping,
//! transforms, validation and custom rules, exact duplicates, the error report and failed-rows
//! file, dry runs whose counts equal the run's, on both backends, with CSV, Excel, JSON and vCard.

use crate::support::Env;
use serde_json::{json, Value};

fn fixture(path: &str) -> String {
    format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn counts(report: &Value) -> [u64; 6] {
    let c = &report["counts"];
    ["created", "updated", "unchanged", "skipped", "flagged", "failed"].map(|k| c[k].as_u64().unwrap())
}

/// Runs an import with --json and returns the report, asserting the exit code and that the six
/// counts add up to the rows.
#[track_caller]
fn import(env: &Env, args: &[&str], exit: i32) -> Value {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.push("--json");
    let run = env.run(&all);
    assert!(exit < 0 || run.code == exit, "exit {}\nstdout: {}\nstderr: {}", run.code, run.stdout, run.stderr);
    let report = run.json();
    if report.get("counts").is_some() {
        assert_eq!(counts(&report).iter().sum::<u64>(), report["rows"].as_u64().unwrap(), "{report}");
    }
    report
}

const CONTACTS: &str = "\
First Name,Last Name,E-mail,Mobile Phone,Lead Source,Birthday,Notes
Ann,Archer,ann@acme.io,+49 151 1234567,Web,1990-02-01,first
Bob,Baker,bob@acme,,Referral,,bad email
Cy,,cy@acme.io,,Partner,,no last name
Dee,Dunn,ANN@acme.io,,Web,,same email as Ann in the file
Eve,Evans,eve@acme.io,555,Hearsay,,bad phone and source
Fay,Fox,fay@acme.io,(212) 555-0142,trade show,1985-12-24,ok
";

#[test]
fn csv_import_dry_run_equals_run_and_reports_every_problem() {
    for env in Env::both("import_csv") {
        let env = env.with_org();
        let file = env.file("contacts.csv");
        std::fs::write(&file, CONTACTS).unwrap();
        let file = file.to_str().unwrap().to_string();
        let report_path = env.file("errors.csv");
        let failed_path = env.file("failed.csv");

        let dry = import(&env, &[&file, "--object", "contacts", "--dry-run"], 1);
        assert_eq!(dry["status"], "dry_run");
        assert_eq!(dry["import_id"], Value::Null);
        assert_eq!(dry["mapping_source"], "auto");
        let listed = env.run(&["records", "list", "contacts", "--json"]).ok();
        assert_eq!(listed["records"].as_array().unwrap().len(), 0, "a dry run writes nothing");

        let run = import(
            &env,
            &[
                &file,
                "--object",
                "contacts",
                "--error-report",
                report_path.to_str().unwrap(),
                "--failed-rows",
                failed_path.to_str().unwrap(),
            ],
            1,
        );
        assert_eq!(run["status"], "completed_with_errors");
        assert_eq!(counts(&run), counts(&dry), "preview counts equal run counts");
        assert_eq!(run["preview"]["ready"], dry["preview"]["ready"]);
        assert_eq!(counts(&run), [2, 0, 0, 1, 0, 3], "{run}");
        assert_eq!(run["rows"], 6);
        assert_eq!(run["preview"]["duplicates"], 1);
        assert!(run["import_id"].as_i64().unwrap() > 0);
        let columns = &run["preview"]["per_column"];
        assert_eq!(columns["E-mail"]["errors"], 1, "{columns}");
        assert_eq!(columns["Last Name"]["field"], "last_name");
        assert!(columns["Lead Source"]["examples"][0]["message"].as_str().unwrap().contains("one of web"), "{columns}");

        // The error report has exactly the spec's columns, one line per problem of each failed row.
        let report = std::fs::read_to_string(&report_path).unwrap();
        let mut lines = report.lines();
        assert_eq!(lines.next().unwrap(), "Row Number,Error Field,Error Type,Error Message,Original Value,All Original Data");
        let body: Vec<&str> = lines.collect();
        assert_eq!(body.len(), 4, "{report}");
        // Rows are numbered as the readers number them: the header is row 1.
        assert!(body[0].starts_with("3,email,invalid_format,"), "{report}");
        assert!(body[0].ends_with(",\"Bob,Baker,bob@acme,,Referral,,bad email\""), "{report}");
        assert!(body.iter().any(|l| l.starts_with("4,last_name,missing,")), "{report}");
        assert!(body.iter().any(|l| l.starts_with("6,phones[mobile],invalid_format,")), "{report}");
        assert!(body.iter().any(|l| l.starts_with("6,lead_source,not_in_picklist,")), "{report}");

        // The failed-rows file has the source's columns plus Errors, and imports again as it is.
        let failed = std::fs::read_to_string(&failed_path).unwrap();
        assert!(failed.starts_with("First Name,Last Name,E-mail,Mobile Phone,Lead Source,Birthday,Notes,Errors\n"), "{failed}");
        assert_eq!(failed.lines().count(), 4);
        let fixed = failed.replace("bob@acme,", "bob@acme.io,").replace("Cy,,", "Cy,Cole,").replace("555,Hearsay", ",Web");
        std::fs::write(&failed_path, fixed).unwrap();
        let again = import(&env, &[failed_path.to_str().unwrap(), "--object", "contacts"], 0);
        assert_eq!(counts(&again), [3, 0, 0, 0, 0, 0], "{again}");
        assert!(again["mapping"]["columns"].as_array().unwrap().iter().all(|c| c["column"] != "Errors"));

        // The values are converted: E.164 phones with the org's country, picklist API values, dates.
        let fay = env.run(&["records", "list", "contacts", "--filter", "first_name = 'Fay'", "--json"]).ok();
        let fields = &fay["records"][0]["fields"];
        assert_eq!(fields["phones"], json!([["mobile", "+12125550142"]]));
        assert_eq!(fields["lead_source"], "trade_show");
        assert_eq!(fields["birthdate"], "1985-12-24");
        assert_eq!(fields["emails"], json!([["work", "fay@acme.io"]]));

        // Importing the same file again: existing records are duplicates (skip by default) …
        let skip = import(&env, &[&file, "--object", "contacts"], 1);
        assert_eq!(counts(&skip)[3], 4, "{skip}");
        // … and with update, unchanged rows stay unchanged while changed ones update.
        let changed = CONTACTS
            .replace("Ann,Archer,ann@acme.io,+49 151 1234567,Web,1990-02-01,first", "Ann,Archer-Smith,ann@acme.io,,Web,,");
        std::fs::write(&file, changed).unwrap();
        let update = import(&env, &[&file, "--object", "contacts", "--on-duplicate", "update"], 1);
        assert_eq!(update["counts"]["updated"], 1, "{update}");
        assert_eq!(update["counts"]["unchanged"], 2, "{update}");
        let ann = env.run(&["records", "list", "contacts", "--filter", "email = 'ann@acme.io'", "--json"]).ok();
        let fields = &ann["records"][0]["fields"];
        assert_eq!(fields["last_name"], "Archer-Smith");
        assert_eq!(fields["birthdate"], "1990-02-01", "an empty cell never erases data unless asked");
    }
}

#[test]
fn ambiguous_dates_refuse_the_run_until_the_order_is_given() {
    let env = Env::sqlite().with_org();
    let file = env.file("dates.csv");
    std::fs::write(&file, "Last Name,Birthday\nAlpha,01/02/1990\nBeta,03/04/1991\nGamma,\n").unwrap();
    let file = file.to_str().unwrap();
    let refused = import(&env, &[file, "--object", "contacts"], 2);
    assert_eq!(refused["status"], "failed");
    let ambiguous = &refused["preview"]["ambiguous_dates"][0];
    assert_eq!(ambiguous["column"], "Birthday");
    assert_eq!(ambiguous["suggested"], "mdy", "en-US suggests month first");
    assert!(ambiguous["examples"].as_array().unwrap().iter().any(|e| e == "01/02/1990"), "{ambiguous}");
    assert_eq!(env.run(&["records", "list", "contacts", "--json"]).ok()["records"].as_array().unwrap().len(), 0);

    let run = import(&env, &[file, "--object", "contacts", "--date-order", "dmy"], 0);
    assert_eq!(run["counts"]["created"], 3);
    let alpha = env.run(&["records", "list", "contacts", "--filter", "last_name = 'Alpha'", "--json"]).ok();
    assert_eq!(alpha["records"][0]["fields"]["birthdate"], "1990-02-01");
}

#[test]
fn mapping_specs_transforms_custom_fields_and_rules() {
    for env in Env::both("import_mapping") {
        let env = env.with_org();
        env.run(&["objects", "add-rule", "deals", "amount_range", "amount between 1000 and 10000000", "--json"]).ok();
        let bad =
            env.run(&["objects", "add-rule", "deals", "broken", "amount between 1000 and", "--json"]).err(2, "invalid_request");
        assert!(bad["position"].as_u64().is_some(), "{bad}");
        env.run(&[
            "objects",
            "add-rule",
            "deals",
            "qualified_needs_source",
            "if stage = \"proposal\" then lead_source is not empty",
            "--json",
        ])
        .ok();
        let rules = env.run(&["objects", "rules", "deals", "--json"]).ok();
        assert_eq!(rules["rules"].as_array().unwrap().len(), 2);

        let file = env.file("deals.csv");
        std::fs::write(
            &file,
            "Deal,Value,Phase,Closes,Origin,Code\n\
             Big,\"1.234,56 €\",Proposal,31.12.2026,Web,ACC-000001\n\
             Small,500,Proposal,15.01.2027,Web,ACC-000002\n\
             Nosource,5000,proposal,20.01.2027,,ACC-000003\n\
             Other,\"(1.200,00)\",Prospecting,,,ACC-12\n",
        )
        .unwrap();
        let mapping = env.file("mapping.json");
        let spec = json!({
            "version": 1,
            "columns": [
                {"column": "Deal", "target": "name", "transforms": [{"op": "case", "case": "upper"}]},
                {"column": "Value", "target": "amount", "transforms": [{"op": "number_format", "style": "decimal_comma"}, {"op": "currency", "code": "EUR"}]},
                {"column": "Phase", "target": "stage"},
                {"column": "Closes", "target": "close_date"},
                {"column": "Origin", "target": "lead_source", "transforms": [{"op": "value_map", "map": {"Web": "web"}}]},
                {"column": "Code", "target": "custom.code", "create_field": {"type": "text"}, "on_error": "set_empty"}
            ]
        });
        std::fs::write(&mapping, spec.to_string()).unwrap();
        let file = file.to_str().unwrap();
        let mapping = mapping.to_str().unwrap();
        let run = import(&env, &[file, "--object", "deals", "--mapping", mapping], 1);
        assert_eq!(run["created_fields"], json!(["custom.code"]));
        assert_eq!(counts(&run), [1, 0, 0, 0, 0, 3], "{run}");
        let rule_errors = &run["preview"]["per_column"]["Value"];
        assert!(rule_errors["examples"][0]["message"].as_str().unwrap().contains("amount_range"), "{run}");
        let big = env.run(&["records", "list", "deals", "--json"]).ok();
        let fields = &big["records"][0]["fields"];
        assert_eq!(fields["name"], "BIG");
        assert_eq!(fields["amount"], json!([1234.56, "EUR"]));
        assert_eq!(fields["close_date"], "2026-12-31");
        assert_eq!(fields["custom.code"], "ACC-000001");

        // Mistakes in the mapping stop the import before any row, with exit code 2.
        let bad_target = json!({"version": 1, "columns": [{"column": "Deal", "target": "nmae"}]});
        std::fs::write(env.file("bad.json"), bad_target.to_string()).unwrap();
        let err = env.run(&["import", file, "--object", "deals", "--mapping", env.file("bad.json").to_str().unwrap(), "--json"]);
        assert!(err.err(2, "invalid_request")["message"].as_str().unwrap().contains("nmae"));
        let bad_pattern = json!({"version": 1, "columns": [{"column": "Deal", "target": "name", "transforms": [{"op": "replace", "pattern": "(", "with": ""}]}]});
        std::fs::write(env.file("bad.json"), bad_pattern.to_string()).unwrap();
        let err = env.run(&["import", file, "--object", "deals", "--mapping", env.file("bad.json").to_str().unwrap(), "--json"]);
        assert!(err.err(2, "invalid_request")["message"].as_str().unwrap().contains("not a valid regular expression"));
        let err = env.run(&["import", file, "--object", "deals", "--mapping", mapping, "--max-custom-fields", "0", "--json"]);
        assert!(err.err(2, "invalid_request")["message"].as_str().unwrap().contains("custom fields"));
        let err = env.run(&["import", file, "--object", "deals", "--on-duplicate", "flag", "--json"]);
        assert!(err.err(2, "invalid_request")["message"].as_str().unwrap().contains("reserved"));
        assert_eq!(env.run(&["records", "list", "deals", "--json"]).ok()["records"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn salesforce_accounts_then_contacts_keep_their_links() {
    for env in Env::both("import_salesforce") {
        let env = env.with_org();
        let accounts = import(&env, &[&fixture("salesforce/davidmreed-amaxa/Account.csv"), "--object", "accounts"], 0);
        let created = accounts["counts"]["created"].as_u64().unwrap();
        assert!(created > 0, "{accounts}");
        let id_column = accounts["mapping"]["columns"].as_array().unwrap().iter().find(|c| c["column"] == "Id").cloned();
        assert_eq!(id_column.unwrap()["target"], "external_ids[salesforce]");
        let contacts = import(&env, &[&fixture("salesforce/davidmreed-amaxa/Contact.csv"), "--object", "contacts"], 0);
        assert!(contacts["counts"]["created"].as_u64().unwrap() > 0, "{contacts}");
        let tim = env.run(&["records", "list", "contacts", "--filter", "email = 'tim@sandiastyles.com.example'", "--json"]).ok();
        let account_id = tim["records"][0]["fields"]["account"].as_i64().expect("the contact links to its account");
        let account = env.run(&["records", "get", "accounts", &account_id.to_string(), "--json"]).ok();
        assert_eq!(account["fields"]["name"], "Sandia Style Interiors");
        // Importing the accounts again matches them by their Salesforce id.
        let again = import(&env, &[&fixture("salesforce/davidmreed-amaxa/Account.csv"), "--object", "accounts"], 0);
        assert_eq!(again["counts"]["skipped"].as_u64().unwrap(), created, "{again}");
    }
}

#[test]
fn excel_json_and_vcard_files_import() {
    for env in Env::both("import_formats") {
        let env = env.with_org();
        let book = env.file("contacts.xlsx");
        env.run(&["generate", "contacts", "--rows", "40", "--format", "xlsx", "-o", book.to_str().unwrap(), "--json"]).ok();
        let failed = env.file("failed.xlsx");
        let report = import(
            &env,
            &[book.to_str().unwrap(), "--object", "contacts", "--create-missing", "--failed-rows", failed.to_str().unwrap()],
            -1,
        );
        assert_eq!(report["rows"], 40);
        assert!(report["counts"]["created"].as_u64().unwrap() >= 30, "{report}");
        assert!(report["created_references"]["accounts"].as_u64().unwrap() > 0, "{report}");
        if report["counts"]["failed"].as_u64().unwrap() > 0 {
            let reread = env.run(&["import", failed.to_str().unwrap(), "--preview", "--json"]).ok();
            assert_eq!(reread["format"], "xlsx", "failed rows of a workbook come back as a workbook");
        }

        let json = import(&env, &[&fixture("salesforce/trailheadapps-ebikes-lwc/Accounts.json"), "--object", "accounts"], 0);
        assert!(json["counts"]["created"].as_u64().unwrap() >= 2, "{json}");
        let wheelworks = env.run(&["records", "list", "accounts", "--filter", "name = 'Wheelworks'", "--json"]).ok();
        assert_eq!(wheelworks["records"][0]["fields"]["billing_city"], "Belmont");

        let card = import(
            &env,
            &[&fixture("vcard/mangstadt-ez-vcard/John_Doe_IPHONE.vcf"), "--object", "contacts", "--create-missing"],
            0,
        );
        assert_eq!(card["counts"]["created"], 1, "{card}");
        let john = env.run(&["records", "list", "contacts", "--filter", "last_name = 'Doe'", "--json"]).ok();
        let phones = john["records"][0]["fields"]["phones"].as_array().unwrap().len();
        assert!(phones >= 2, "labelled phones from the card: {john}");
    }
}

#[test]
fn small_batches_and_deferred_commits_give_the_same_result() {
    for env in Env::both("import_batches") {
        let env = env.with_org();
        let file = env.file("contacts.csv");
        std::fs::write(&file, CONTACTS).unwrap();
        let file = file.to_str().unwrap();
        // Lookups every 2 rows, new records written 3 at a time: Dee (row 5) still finds Ann
        // (row 2, written with a later commit) as an earlier row of the file.
        let run = import(&env, &[file, "--object", "contacts", "--batch-rows", "2", "--commit-rows", "3"], 1);
        assert_eq!(counts(&run), [2, 0, 0, 1, 0, 3], "{run}");
        let listed = env.run(&["records", "list", "contacts", "--json"]).ok();
        assert_eq!(listed["records"].as_array().unwrap().len(), 2);
        let again = import(&env, &[file, "--object", "contacts", "--batch-rows", "1", "--on-duplicate", "update"], 1);
        assert_eq!(again["counts"]["unchanged"], 2, "{again}");
    }
}

#[test]
fn picklist_value_maps_are_suggested_and_error_reports_can_be_workbooks() {
    let env = Env::sqlite().with_org();
    let file = env.file("sources.csv");
    std::fs::write(&file, "Last Name,Lead Source\nOne,Refferal\nTwo,Refferal\nThree,Web\n").unwrap();
    let report_path = env.file("errors.xlsx");
    let run = import(
        &env,
        &[file.to_str().unwrap(), "--object", "contacts", "--dry-run", "--error-report", report_path.to_str().unwrap()],
        1,
    );
    let maps = run["preview"]["value_maps"].as_array().unwrap();
    assert_eq!(maps.len(), 1, "{run}");
    assert_eq!(maps[0]["from"], "Refferal");
    assert_eq!(maps[0]["to"], "referral");
    assert_eq!(maps[0]["column"], "Lead Source");
    let preview = env.run(&["import", report_path.to_str().unwrap(), "--preview", "--json"]).ok();
    assert_eq!(preview["format"], "xlsx");
    let columns: Vec<&str> = preview["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(columns, ["Row Number", "Error Field", "Error Type", "Error Message", "Original Value", "All Original Data"]);
    assert_eq!(preview["sample_rows"].as_array().unwrap().len(), 2);
}

#[test]
fn large_batches_transformed_on_two_threads_match_one_row_at_a_time() {
    let env = Env::sqlite().with_org();
    let file = env.file("generated.csv");
    env.run(&[
        "generate",
        "contacts",
        "--rows",
        "4000",
        "--duplicates",
        "0.03",
        "--invalid",
        "0.01",
        "-o",
        file.to_str().unwrap(),
        "--json",
    ])
    .ok();
    let file = file.to_str().unwrap();
    let common = [file, "--object", "contacts", "--create-missing", "--date-order", "dmy", "--dry-run"];
    let threaded = import(&env, &common, -1);
    let mut single_args = common.to_vec();
    single_args.extend(["--batch-rows", "1000"]);
    let single = import(&env, &single_args, -1);
    assert_eq!(counts(&threaded), counts(&single), "{threaded}\n{single}");
    assert_eq!(threaded["preview"]["per_column"], single["preview"]["per_column"]);
    let run = import(&env, &common[..6], -1);
    assert_eq!(counts(&run), counts(&threaded), "the run does what the dry run said");
}

#[test]
fn a_file_that_breaks_off_or_is_too_long_commits_nothing() {
    for env in Env::both("import_prescan") {
        let env = env.with_org();
        let file = env.file("contacts.csv");
        std::fs::write(&file, CONTACTS).unwrap();
        let err = env
            .run(&[
                "import",
                file.to_str().unwrap(),
                "--object",
                "contacts",
                "--max-rows",
                "3",
                "--batch-rows",
                "1",
                "--commit-rows",
                "1",
                "--json",
            ])
            .err(2, "limit_exceeded");
        assert!(err["message"].as_str().unwrap().contains('3'), "{err}");
        // Valid rows, then a syntax error at the end of the array.
        let json = env.file("broken.json");
        std::fs::write(&json, r#"[{"last_name": "A", "email": "a@x.io"}, {"last_name": "B", "email": "b@x.io"}, {"last_name": "#)
            .unwrap();
        env.run(&["import", json.to_str().unwrap(), "--object", "contacts", "--batch-rows", "1", "--commit-rows", "1", "--json"])
            .err(2, "invalid_request");
        let listed = env.run(&["records", "list", "contacts", "--json"]).ok();
        assert_eq!(listed["records"].as_array().unwrap().len(), 0, "nothing is half-written");
    }
}

/// Counts records of an object through the CLI.
fn count(env: &Env, object: &str) -> u64 {
    env.run(&["records", "list", object, "--count", "--json"]).ok()["count"].as_u64().unwrap()
}

#[test]
fn overlapped_commits_give_the_same_counts_on_both_backends_and_undo_exactly() {
    // On PostgreSQL a batch of new records commits on a thread of its own while the next batch
    // is prepared; batches with updates and missing accounts wait for it. Small batches make
    // every case happen many times: the counts must be SQLite's, and undo must remove it all.
    let mut results = Vec::new();
    for env in Env::both("import_overlap") {
        let env = env.with_org();
        let file = env.file("generated.csv");
        env.run(&[
            "generate",
            "contacts",
            "--rows",
            "1500",
            "--duplicates",
            "0.05",
            "--invalid",
            "0.02",
            "-o",
            file.to_str().unwrap(),
            "--json",
        ])
        .ok();
        let file = file.to_str().unwrap();
        let small = ["--batch-rows", "200", "--commit-rows", "200", "--date-order", "dmy"];
        let auto = import(&env, &[file, "--object", "contacts", "--dry-run", "--date-order", "dmy"], -1);
        let mapping_with = |change: &dyn Fn(&mut Value)| {
            let mut mapping = auto["mapping"].clone();
            for column in mapping["columns"].as_array_mut().unwrap() {
                change(column);
            }
            mapping
        };
        // First without the Company column: every batch only creates, so on PostgreSQL each
        // commit runs beside the next batch's work.
        let no_company = mapping_with(&|column| {
            if column["column"] == "Company" {
                *column = json!({"column": "Company", "skip": true});
            }
        });
        let no_company_file = env.file("no_company.json");
        std::fs::write(&no_company_file, no_company.to_string()).unwrap();
        let mut args = vec![file, "--object", "contacts", "--mapping", no_company_file.to_str().unwrap()];
        args.extend(small);
        let first = import(&env, &args, -1);
        let created = first["counts"]["created"].as_u64().unwrap();
        assert!(created > 1000, "{first}");
        assert_eq!(count(&env, "contacts"), created);
        assert_eq!(count(&env, "accounts"), 0);
        // Then the same file with Company, missing accounts created and titles upper-cased,
        // updating: batches mix updates and accounts (which wait for the commit in flight) with
        // new records (rows without an email have nothing to match by, and are created again).
        let upper_titles = mapping_with(&|column| {
            if column["column"] == "Title" {
                column["transforms"] = json!([{"op": "case", "case": "upper"}]);
            }
        });
        let upper_titles_file = env.file("upper_titles.json");
        std::fs::write(&upper_titles_file, upper_titles.to_string()).unwrap();
        let mut args = vec![
            file,
            "--object",
            "contacts",
            "--mapping",
            upper_titles_file.to_str().unwrap(),
            "--on-duplicate",
            "update",
            "--create-missing",
        ];
        args.extend(small);
        let second = import(&env, &args, -1);
        assert!(second["counts"]["updated"].as_u64().unwrap() > 900, "{second}");
        assert!(second["counts"]["created"].as_u64().unwrap() > 0, "{second}");
        assert_eq!(count(&env, "contacts"), created + second["counts"]["created"].as_u64().unwrap());
        let accounts = count(&env, "accounts");
        assert!(accounts > 100, "{second}");
        assert_eq!(second["created_references"]["accounts"].as_u64(), Some(accounts), "{second}");
        for report in [&second, &first] {
            let id = report["import_id"].as_i64().unwrap().to_string();
            let undone = env.run(&["undo", &id, "--revert-all", "--json"]).ok();
            assert_eq!(undone["status"], "undone", "{undone}");
        }
        assert_eq!(count(&env, "contacts"), 0, "undo removes every record the imports created");
        assert_eq!(count(&env, "accounts"), 0, "and every account they created");
        results.push((counts(&first), counts(&second)));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "the same counts on both backends: {results:?}");
}

/// A dry run takes a date column's format from its first rows when they are written one way
/// or with a clear favourite, and checks it against the whole file; a file that changes its spelling further down runs
/// again the usual way. Either way the dry run reports what the run does.
#[test]
fn dry_runs_read_dates_once_when_the_first_rows_tell_and_twice_when_the_file_disagrees() {
    let env = Env::sqlite().with_org();
    let day_first = |n: usize| format!("{:02}.{:02}.19{:02}", n % 28 + 1, n % 12 + 1, n % 90 + 10);
    let month_first = |n: usize| format!("{:02}/{:02}/19{:02}", n % 12 + 1, n % 15 + 13, n % 90 + 10);
    let steady: String = (0..5_000).map(|n| format!("P{n},{}\n", day_first(n))).collect();
    // Two spellings, day-first leading clearly: the first rows predict the column too.
    let long = |n: usize| format!("\"March {}, 19{:02}\"", n % 28 + 1, n % 90 + 10);
    let mixed: String = (0..9_000).map(|n| format!("M{n},{}\n", if n % 3 == 0 { long(n) } else { day_first(n) })).collect();
    // 4,000 rows day-first, then 6,000 month-first: the whole file concludes month-first.
    let shifting: String = (0..4_000)
        .map(|n| format!("Q{n},{}\n", day_first(n)))
        .chain((0..6_000).map(|n| format!("R{n},{}\n", month_first(n))))
        .collect();
    for (name, rows) in [("steady.csv", steady), ("mixed.csv", mixed), ("shifting.csv", shifting)] {
        let file = env.file(name);
        std::fs::write(&file, format!("Last Name,Birthday\n{rows}")).unwrap();
        let file = file.to_str().unwrap();
        let dry = import(&env, &[file, "--object", "contacts", "--dry-run", "--on-duplicate", "create"], -1);
        let run = import(&env, &[file, "--object", "contacts", "--on-duplicate", "create"], -1);
        assert_eq!(counts(&dry), counts(&run), "{name}");
        assert_eq!(dry["preview"]["per_column"], run["preview"]["per_column"], "{name}");
        assert_eq!(dry["preview"]["errors"], run["preview"]["errors"], "{name}");
    }
    let shifted = env.run(&["records", "list", "contacts", "--filter", "last_name = 'R0'", "--json"]).ok();
    assert_eq!(shifted["records"][0]["fields"]["birthdate"], "1910-01-13", "the whole file's format, month first");
    let mixed = env.run(&["records", "list", "contacts", "--filter", "last_name = 'M1'", "--json"]).ok();
    assert_eq!(mixed["records"][0]["fields"]["birthdate"], "1911-02-02", "day first");
}

#[test]
fn accounts_created_for_missing_references_are_created_once_across_commits() {
    for env in Env::both("import_created_refs") {
        let env = env.with_org();
        let file = env.file("people.csv");
        let mut csv = String::from("First Name,Last Name,Email,Company\n");
        for n in 0..40 {
            csv.push_str(&format!("P{n},Person,p{n}@example.com,Firm {}\n", n % 7));
        }
        std::fs::write(&file, &csv).unwrap();
        let file = file.to_str().unwrap();
        // Rows looked up 3 at a time and written 4 at a time: later commits name accounts that
        // earlier ones created, which lookups may skip (a snapshot of the empty store rules
        // their names out) but the run remembers.
        let run = import(&env, &[file, "--object", "contacts", "--create-missing", "--batch-rows", "3", "--commit-rows", "4"], 0);
        assert_eq!(run["counts"]["created"], 40, "{run}");
        assert_eq!(run["created_references"]["accounts"], 7, "{run}");
        let accounts = env.run(&["records", "list", "accounts", "--limit", "100", "--json"]).ok();
        let accounts = accounts["records"].as_array().unwrap();
        assert_eq!(accounts.len(), 7, "one account per firm");
        let firm_of = |id: &serde_json::Value| {
            accounts.iter().find(|a| &a["id"] == id).map(|a| a["fields"]["name"].as_str().unwrap().to_string())
        };
        let contacts = env.run(&["records", "list", "contacts", "--limit", "100", "--json"]).ok();
        for contact in contacts["records"].as_array().unwrap() {
            let n: usize = contact["fields"]["first_name"].as_str().unwrap()[1..].parse().unwrap();
            assert_eq!(firm_of(&contact["fields"]["account"]), Some(format!("Firm {}", n % 7)), "{contact}");
        }
        // A second file naming the same firms finds them: no account is created again.
        let more = env.file("more.csv");
        std::fs::write(&more, "First Name,Last Name,Email,Company\nQ,Person,q@example.com,Firm 3\n").unwrap();
        let again = import(&env, &[more.to_str().unwrap(), "--object", "contacts", "--create-missing"], 0);
        assert_eq!(again["counts"]["created"], 1, "{again}");
        assert!(again["created_references"]["accounts"].as_u64().unwrap_or(0) == 0, "{again}");
    }
}
