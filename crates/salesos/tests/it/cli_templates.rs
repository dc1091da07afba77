//! `salesos templates` end to end on both backends: the contacts template against its golden
//! file; for every standard object and a custom object with custom fields, a file made from
//! the template (CSV and Excel, the example row as it is) imports with every column
//! auto-mapped and the row ready; custom templates saved, shared, listed, used and deleted.

use crate::support::Env;
use serde_json::Value;

const OBJECTS: [&str; 9] = ["contacts", "accounts", "leads", "deals", "activities", "products", "notes", "documents", "projects"];

fn golden(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
}

/// Custom fields on contacts, and a custom object `projects` with a field of most types and
/// references to accounts and contacts.
fn with_custom_schema(env: &Env) {
    let add = |args: &[&str]| {
        let mut all = vec!["objects", "add-field"];
        all.extend_from_slice(args);
        all.push("--json");
        env.run(&all).ok();
    };
    add(&["contacts", "score", "--type", "number", "--label", "Score"]);
    add(&["contacts", "tier", "--type", "picklist", "--option", "gold:Gold", "--option", "silver:Silver", "--label", "Tier"]);
    env.run(&["objects", "create", "projects", "--label", "Project", "--plural", "Projects", "--json"]).ok();
    add(&["projects", "budget", "--type", "currency", "--label", "Budget"]);
    add(&["projects", "kickoff", "--type", "date", "--label", "Kickoff"]);
    add(&["projects", "review_at", "--type", "datetime", "--label", "Review at"]);
    add(&["projects", "billable", "--type", "boolean", "--label", "Billable"]);
    add(&["projects", "margin", "--type", "percent", "--label", "Margin"]);
    add(&["projects", "homepage", "--type", "url", "--label", "Homepage"]);
    add(&["projects", "billing_email", "--type", "email", "--label", "Billing email"]);
    add(&["projects", "hotline", "--type", "phone", "--label", "Hotline"]);
    add(&[
        "projects",
        "status",
        "--type",
        "picklist",
        "--required",
        "--option",
        "planned:Planned",
        "--option",
        "active:Active",
        "--label",
        "Status",
    ]);
    add(&[
        "projects",
        "tags",
        "--type",
        "multi_picklist",
        "--option",
        "hw:Hardware",
        "--option",
        "sw:Software",
        "--label",
        "Tags",
    ]);
    add(&["projects", "client", "--type", "reference", "--references", "accounts", "--label", "Client"]);
    add(&["projects", "sponsor", "--type", "reference", "--references", "contacts", "--label", "Sponsor"]);
}

/// The records the examples refer to: the company, its parent and the contact.
fn with_referenced_records(env: &Env) {
    env.run(&["records", "create", "accounts", "--set", "name=Acme Corporation", "--json"]).ok();
    env.run(&["records", "create", "accounts", "--set", "name=Acme Holdings", "--json"]).ok();
    env.run(&["records", "create", "contacts", "--set", "last_name=Doe", "--set", "email=jane.doe@example.com", "--json"]).ok();
}

/// Downloads a template with `--json` and returns the report.
#[track_caller]
fn download(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["templates", "download"];
    all.extend_from_slice(args);
    all.push("--json");
    env.run(&all).ok()
}

fn paths(report: &Value) -> Vec<String> {
    report["columns"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap().to_string()).collect()
}

fn headers(report: &Value) -> Vec<String> {
    report["columns"].as_array().unwrap().iter().map(|c| c["header"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_contacts_csv_template_matches_its_golden_file() {
    let env = Env::sqlite().with_org();
    let out = env.file("contacts.csv");
    let report = download(&env, &["contacts", "--out", out.to_str().unwrap()]);
    assert_eq!(report["format"], "csv");
    let text = std::fs::read_to_string(&out).unwrap();
    let path = golden("contacts_template.csv");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(text, expected, "contacts template changed; check it and rerun with UPDATE_GOLDEN=1");
    assert!(text.starts_with("\u{feff}First name,Last name,Email,Phone,Account,"), "{text}");
    assert_eq!(text.lines().count(), 2, "a header and one example row");
}

#[test]
fn every_template_imports_with_every_column_auto_mapped_and_the_example_row_ready() {
    for env in Env::both("templates_import") {
        let env = env.with_org();
        with_custom_schema(&env);
        with_referenced_records(&env);
        for object in OBJECTS {
            for format in ["csv", "xlsx"] {
                let file = env.file(&format!("{object}.{format}"));
                let file = file.to_str().unwrap();
                let report = download(&env, &[object, "--format", format, "--out", file]);
                let paths = paths(&report);
                let headers = headers(&report);
                if object == "contacts" {
                    assert!(paths.iter().any(|p| p == "custom.score") && paths.iter().any(|p| p == "custom.tier"), "{paths:?}");
                }
                if object == "projects" {
                    for wanted in ["name", "budget", "status", "tags", "client.name", "sponsor.email", "owner"] {
                        assert!(paths.iter().any(|p| p == wanted), "{wanted} in {paths:?}");
                    }
                }

                let run = env.run(&["import", file, "--object", object, "--dry-run", "--json"]);
                let context = format!("{object} {format}\nstdout: {}\nstderr: {}", run.stdout, run.stderr);
                assert_eq!(run.code, 0, "{context}");
                let result = run.json();
                assert_eq!(result["status"], "dry_run", "{context}");
                assert_eq!(result["mapping_source"], "auto", "{context}");
                assert_eq!(result["created_fields"], serde_json::json!([]), "{context}");
                // Every column auto-mapped, to exactly the template's path.
                let suggestions = result["suggestions"].as_array().unwrap();
                assert_eq!(suggestions.len(), paths.len(), "{context}");
                for ((suggestion, path), header) in suggestions.iter().zip(&paths).zip(&headers) {
                    assert_eq!(suggestion["column"], header.as_str(), "{context}");
                    assert_eq!(suggestion["target"], path.as_str(), "{context}");
                    assert!(suggestion["confidence"].as_f64().unwrap() >= 0.8, "{suggestion} {context}");
                }
                let mapped: Vec<&str> =
                    result["mapping"]["columns"].as_array().unwrap().iter().map(|c| c["target"].as_str().unwrap()).collect();
                assert_eq!(mapped, paths, "no column left unmapped: {context}");
                // The example row is ready: nothing failed, no warning.
                assert_eq!(result["rows"], 1, "{context}");
                assert_eq!(result["counts"]["failed"], 0, "{context}");
                assert_eq!(result["preview"]["ready"], 1, "{context}");
                assert_eq!(result["preview"]["errors"], 0, "{context}");
                assert_eq!(result["preview"]["warnings"], 0, "{context}");
            }
        }
    }
}

#[test]
fn the_excel_template_reads_back_with_its_sheet_header_and_example_row() {
    let env = Env::sqlite().with_org();
    let file = env.file("deals.xlsx");
    let report = download(&env, &["deals", "--out", file.to_str().unwrap()]);
    assert_eq!(report["format"], "xlsx", "the format follows the extension");
    let stage = report["columns"].as_array().unwrap().iter().find(|c| c["path"] == "stage").unwrap().clone();
    assert_eq!((stage["required"].as_bool(), stage["example"].as_str()), (Some(true), Some("Prospecting")));
    assert_eq!(stage["options"][5], "Closed won");
    let preview = env.run(&["import", file.to_str().unwrap(), "--preview", "--json"]).ok();
    assert_eq!(preview["format"], "xlsx");
    let sheets = preview["sheets"].as_array().unwrap();
    assert_eq!((sheets[0]["name"].as_str(), sheets[0]["hidden"].as_bool()), (Some("Deals"), Some(false)));
    assert_eq!((sheets[1]["name"].as_str(), sheets[1]["hidden"].as_bool()), (Some("Lists"), Some(true)));
    let names: Vec<&str> = preview["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, headers(&report));
    let examples: Vec<&str> = report["columns"].as_array().unwrap().iter().map(|c| c["example"].as_str().unwrap()).collect();
    assert_eq!(preview["selected_sheets"], serde_json::json!(["Deals"]));
    assert_eq!(preview["sample_rows"][0]["cells"], serde_json::json!(examples));
    assert_eq!(preview["sample_rows"].as_array().unwrap().len(), 1);
}

#[test]
fn custom_templates_are_saved_shared_used_and_deleted() {
    for env in Env::both("templates_custom") {
        let env = env.with_org();
        env.run(&["objects", "add-field", "contacts", "score", "--type", "number", "--json"]).ok();
        env.run(&["users", "create", "ann@acme.io", "--role", "member", "--json"]).ok();
        env.run(&["users", "create", "bob@acme.io", "--role", "member", "--json"]).ok();
        env.run(&["users", "create", "ro@acme.io", "--role", "read-only", "--json"]).ok();

        let saved = env
            .run(&[
                "templates",
                "save",
                "Trade show",
                "--object",
                "contacts",
                "--fields",
                "last_name, emails[work],account.name,custom.score",
                "--json",
            ])
            .ok();
        assert_eq!(saved["name"], "Trade show");
        assert_eq!(saved["object"], "contacts");
        assert_eq!(saved["columns"], serde_json::json!(["last_name", "emails[work]", "account.name", "custom.score"]));
        assert_eq!((saved["shared"].as_bool(), saved["mine"].as_bool()), (Some(true), Some(true)));

        // Shared: Ann sees it and downloads it, in its column order.
        let listed = env.run(&["--as", "ann@acme.io", "templates", "list", "--json"]).ok();
        assert_eq!(listed["templates"].as_array().unwrap().len(), 1);
        assert_eq!(listed["templates"][0]["mine"], false);
        let out = env.file("trade.csv");
        let report =
            download(&env, &["--as", "ann@acme.io", "contacts", "--template", "Trade show", "--out", out.to_str().unwrap()]);
        assert_eq!(headers(&report), ["Last name", "Work email", "Account", "score"], "the label of a field added without one");
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.starts_with("\u{feff}Last name,Work email,Account,score\nDoe,jane.doe.work@example.com,Acme Corporation,42\n"),
            "{text}"
        );
        env.run(&["records", "create", "accounts", "--set", "name=Acme Corporation", "--json"]).ok();
        let imported = env.run(&["--as", "ann@acme.io", "import", out.to_str().unwrap(), "--object", "contacts", "--json"]).ok();
        assert_eq!(imported["counts"]["created"], 1, "{imported}");
        let contact = env.run(&["records", "list", "contacts", "--json"]).ok();
        assert_eq!(contact["records"][0]["fields"]["emails"], serde_json::json!([["work", "jane.doe.work@example.com"]]));
        assert_eq!(contact["records"][0]["fields"]["custom.score"], 42);

        // Private: Bob's template is his alone.
        env.run(&[
            "--as",
            "bob@acme.io",
            "templates",
            "save",
            "bob-deals",
            "--object",
            "deals",
            "--fields",
            "name,stage",
            "--private",
            "--json",
        ])
        .ok();
        let names = |user: &str| -> Vec<String> {
            env.run(&["--as", user, "templates", "list", "--json"]).ok()["templates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names("bob@acme.io"), ["bob-deals", "Trade show"], "by name, ignoring case");
        assert_eq!(names("ann@acme.io"), ["Trade show"]);
        let out = env.file("bob.csv");
        env.run(&[
            "--as",
            "ann@acme.io",
            "templates",
            "download",
            "deals",
            "--template",
            "bob-deals",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ])
        .err(2, "not_found");

        // Bad input: an unknown path named, an unimportable one, the wrong object, no permission.
        let err = env
            .run(&["templates", "save", "x", "--object", "contacts", "--fields", "last_name,nickname", "--json"])
            .err(2, "unknown_field");
        assert_eq!(err["field"], "nickname");
        assert!(err["message"].as_str().unwrap().contains("\"nickname\""), "{err}");
        let err = env
            .run(&["templates", "save", "x", "--object", "contacts", "--fields", "created_at", "--json"])
            .err(2, "invalid_request");
        assert_eq!(err["field"], "created_at", "{err}");
        env.run(&["templates", "save", "x", "--object", "widgets", "--fields", "name", "--json"]).err(2, "unknown_object");
        let err = env
            .run(&["templates", "download", "deals", "--template", "Trade show", "--out", out.to_str().unwrap(), "--json"])
            .err(2, "invalid_request");
        assert!(err["message"].as_str().unwrap().contains("is for contacts"), "{err}");
        env.run(&["--as", "ro@acme.io", "templates", "download", "contacts", "--out", out.to_str().unwrap(), "--json"])
            .err(2, "forbidden");
        env.run(&["templates", "download", "contacts", "--format", "json", "--out", out.to_str().unwrap(), "--json"])
            .err(2, "invalid_request");

        // Replacing and deleting: the creator or an admin.
        env.run(&[
            "--as",
            "ann@acme.io",
            "templates",
            "save",
            "Trade show",
            "--object",
            "contacts",
            "--fields",
            "last_name",
            "--json",
        ])
        .err(2, "forbidden");
        env.run(&["--as", "ann@acme.io", "templates", "delete", "Trade show", "--json"]).err(2, "forbidden");
        env.run(&["--as", "ann@acme.io", "templates", "delete", "bob-deals", "--json"]).err(2, "not_found");
        let replaced = env
            .run(&[
                "templates",
                "save",
                "Trade show",
                "--object",
                "contacts",
                "--fields",
                "last_name,email",
                "--private",
                "--json",
            ])
            .ok();
        assert_eq!((replaced["columns"].as_array().unwrap().len(), replaced["shared"].as_bool()), (2, Some(false)));
        assert_eq!(names("ann@acme.io"), Vec::<String>::new());
        assert_eq!(env.run(&["templates", "delete", "bob-deals", "--json"]).ok()["deleted"], "bob-deals", "an admin may");
        assert_eq!(env.run(&["templates", "delete", "Trade show", "--json"]).ok()["deleted"], "Trade show");
        env.run(&["templates", "delete", "Trade show", "--json"]).err(2, "not_found");
        assert!(names("admin@acme.io").is_empty());
    }
}
