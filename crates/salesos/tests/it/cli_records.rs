//! Records through the CLI: create, get, filter, sort, paginate, count, update, delete.

use crate::support::Env;
use serde_json::json;

#[test]
fn records_round_trip_with_filters_and_pages() {
    for env in Env::both("records") {
        let env = env.with_org();
        env.run(&["objects", "add-field", "contacts", "score", "--type", "number", "--json"]).ok();
        let account = env
            .run(&["records", "create", "accounts", "--set", "name=Acme GmbH", "--set", "website=https://acme.de", "--json"])
            .ok();
        let account_id = account["id"].as_i64().unwrap().to_string();
        let people = [
            ("Ann", "ann@acme.de", "90"),
            ("Bob", "bob@other.org", "40"),
            ("Cy", "cy@acme.de", ""),
            ("Dee", "dee@acme.de", "75"),
        ];
        let mut ids = Vec::new();
        for (name, email, score) in people {
            let created = env
                .run(&[
                    "records",
                    "create",
                    "contacts",
                    "--set",
                    &format!("first_name={name}"),
                    "--set",
                    "last_name=Tester",
                    "--set",
                    &format!("email={email}"),
                    "--set",
                    "phones[mobile]=+49 151 1234567",
                    "--set",
                    &format!("custom.score={score}"),
                    "--set",
                    &format!("account={account_id}"),
                    "--external-id",
                    &format!("salesforce:003{name}"),
                    "--json",
                ])
                .ok();
            assert_eq!(created["fields"]["emails"], json!([["work", email]]));
            ids.push(created["id"].as_i64().unwrap());
        }
        let got = env.run(&["records", "get", "contacts", &ids[0].to_string(), "--json"]).ok();
        assert_eq!(got["fields"]["custom.score"], 90);
        assert_eq!(got["external_ids"]["salesforce"], "003Ann");
        assert_eq!(got["version"], 1);

        let names = |filter: &str, sort: &str| -> Vec<String> {
            let page = env.run(&["records", "list", "contacts", "--filter", filter, "--sort", sort, "--json"]).ok();
            page["records"].as_array().unwrap().iter().map(|r| r["fields"]["first_name"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(names("email contains '@acme.de' and custom.score >= 75", ""), ["Ann", "Dee"]);
        assert_eq!(names("account.name starts_with 'acme'", "-custom.score"), ["Ann", "Dee", "Bob", "Cy"]);
        assert_eq!(names("custom.score is empty or first_name in ('Bob')", "first_name"), ["Bob", "Cy"]);
        assert_eq!(names("external_ids[salesforce] = '003Dee'", ""), ["Dee"]);
        let count = env.run(&["records", "list", "contacts", "--filter", "not (custom.score < 50)", "--count", "--json"]).ok();
        assert_eq!(count["count"], 3);

        // Paging by two with a cursor visits every record once, in order.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut args = vec!["records", "list", "contacts", "--sort", "custom.score", "--limit", "2", "--json"];
            if let Some(c) = &cursor {
                args.extend(["--cursor", c.as_str()]);
            }
            let page = env.run(&args).ok();
            seen.extend(page["records"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, [ids[2], ids[1], ids[3], ids[0]]);
        let token = cursor.unwrap_or_default();
        let other =
            env.run(&["records", "list", "contacts", "--sort", "first_name", "--cursor", &format!("{token}00"), "--json"]);
        assert!(other.code == 2, "{other:?}");

        let updated = env
            .run(&[
                "records",
                "update",
                "contacts",
                &ids[1].to_string(),
                "--set",
                "title=CTO",
                "--set",
                "custom.score=",
                "--json",
            ])
            .ok();
        assert_eq!(updated, json!({"id": ids[1], "version": 2, "changed": true}));
        let same = env.run(&["records", "update", "contacts", &ids[1].to_string(), "--set", "title=CTO", "--json"]).ok();
        assert_eq!(same["changed"], false);
        env.run(&["records", "update", "contacts", &ids[1].to_string(), "--set", "title=CEO", "--expect-version", "1", "--json"])
            .err(2, "version_conflict");
        env.run(&["records", "update", "contacts", &ids[1].to_string(), "--set", "last_name=", "--json"]).err(2, "invalid_value");
        env.run(&["records", "delete", "contacts", &ids[1].to_string(), "--json"]).ok();
        env.run(&["records", "get", "contacts", &ids[1].to_string(), "--json"]).err(2, "record_not_found");
        env.run(&["records", "delete", "contacts", &ids[1].to_string(), "--json"]).err(2, "record_not_found");
    }
}

#[test]
fn bad_input_names_the_field_or_position_and_writes_nothing() {
    let env = Env::sqlite().with_org();
    let err = env.run(&["records", "list", "contacts", "--filter", "email = ", "--json"]).err(2, "invalid_filter");
    assert_eq!(err["position"], 8);
    let err = env.run(&["records", "list", "contacts", "--filter", "nickname = 'x'", "--json"]).err(2, "invalid_filter");
    assert_eq!(err["field"], "nickname");
    let err = env.run(&["records", "list", "deals", "--filter", "amount > 'lots'", "--json"]).err(2, "invalid_filter");
    assert_eq!((err["field"].as_str(), err["position"].as_i64()), (Some("amount"), Some(9)));
    env.run(&["records", "list", "contacts", "--sort", "nickname", "--json"]).err(2, "invalid_sort");
    env.run(&["records", "list", "unicorns", "--json"]).err(2, "unknown_object");
    env.run(&["records", "list", "contacts", "--cursor", "zz", "--json"]).err(2, "invalid_cursor");
    let err = env
        .run(&["records", "create", "contacts", "--set", "last_name=X", "--set", "email=not-an-email", "--json"])
        .err(2, "invalid_value");
    assert_eq!(err["field"], "emails");
    let err = env.run(&["records", "create", "contacts", "--set", "first_name=X", "--json"]).err(2, "invalid_value");
    assert_eq!(err["field"], "last_name");
    let err =
        env.run(&["records", "create", "deals", "--set", "name=X", "--set", "stage=won-ish", "--json"]).err(2, "invalid_value");
    assert_eq!(err["field"], "stage");
    let err = env
        .run(&["records", "create", "contacts", "--set", "last_name=X", "--set", "birthdate=31/02/2026", "--json"])
        .err(2, "invalid_value");
    assert!(err["message"].as_str().unwrap().contains("YYYY-MM-DD"), "{err}");
    env.run(&["records", "create", "contacts", "--set", "nickname=X", "--json"]).err(2, "unknown_field");
    assert_eq!(env.run(&["records", "list", "contacts", "--count", "--json"]).ok()["count"], 0, "nothing half-written");
}
