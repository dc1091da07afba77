//! Organizations, users, teams, permission rules and API keys through the CLI.

use crate::support::Env;

#[test]
fn organizations_users_and_keys() {
    for env in Env::both("users") {
        let org = env
            .run(&[
                "orgs",
                "create",
                "acme",
                "--tier",
                "enterprise",
                "--phone-country",
                "de",
                "--admin-email",
                "boss@acme.io",
                "--json",
            ])
            .ok();
        assert_eq!(org["tier"], "enterprise");
        assert_eq!(org["default_phone_country"], "DE");
        assert_eq!(org["admin"]["email"], "boss@acme.io");
        env.run(&["orgs", "create", "acme", "--json"]).err(2, "already_exists");
        env.run(&["orgs", "create", "x", "--tier", "gold", "--json"]).err(2, "invalid_request");
        assert_eq!(env.run(&["orgs", "list", "--json"]).ok()["organizations"].as_array().unwrap().len(), 1);

        let user = env.run(&["users", "create", "ro@acme.io", "--role", "read-only", "--team", "East", "--json"]).ok();
        assert_eq!(user["role"], "read_only");
        env.run(&["users", "create", "RO@acme.io", "--json"]).err(2, "already_exists");
        env.run(&["users", "create", "not-an-email", "--json"]).err(2, "invalid_request");
        let users = env.run(&["users", "list", "--json"]).ok();
        assert_eq!(users["users"].as_array().unwrap().len(), 2);

        let key = env.run(&["users", "api-key", "ro@acme.io", "--name", "ci", "--json"]).ok();
        let secret = key["api_key"].as_str().unwrap();
        assert!(secret.starts_with("sk_") && secret.len() == 51, "{secret}");
        assert_eq!(key["prefix"], &secret[..10]);

        // A read-only user can read but not write, and cannot administer.
        env.run(&["--as", "ro@acme.io", "records", "list", "contacts", "--json"]).ok();
        env.run(&["--as", "ro@acme.io", "records", "create", "contacts", "--set", "last_name=X", "--json"]).err(2, "forbidden");
        env.run(&["--as", "ro@acme.io", "users", "create", "x@acme.io", "--json"]).err(2, "forbidden");
        env.run(&["--as", "nobody@acme.io", "records", "list", "contacts", "--json"]).err(2, "not_found");
    }
}

#[test]
fn field_rules_hide_values_and_visibility_hides_records() {
    let env = Env::sqlite().with_org();
    env.run(&["users", "create", "rep@acme.io", "--role", "member", "--visibility", "own", "--json"]).ok();
    env.run(&[
        "records",
        "create",
        "deals",
        "--set",
        "name=Big",
        "--set",
        "stage=Proposal",
        "--set",
        "amount=5000 EUR",
        "--json",
    ])
    .ok();
    env.run(&[
        "--as",
        "rep@acme.io",
        "records",
        "create",
        "deals",
        "--set",
        "name=Small",
        "--set",
        "stage=prospecting",
        "--set",
        "amount=10",
        "--json",
    ])
    .ok();
    env.run(&["users", "grant", "deals.amount", "none", "--role", "member", "--json"]).ok();
    let page = env.run(&["--as", "rep@acme.io", "records", "list", "deals", "--json"]).ok();
    let records = page["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "own visibility: {page}");
    assert_eq!(records[0]["fields"]["name"], "Small");
    assert!(records[0]["fields"].get("amount").is_none(), "amount is hidden, not blank: {page}");
    let err = env
        .run(&["--as", "rep@acme.io", "records", "list", "deals", "--filter", "amount > 1", "--json"])
        .err(2, "invalid_filter");
    assert_eq!(err["field"], "amount");
    let admin_view = env.run(&["records", "list", "deals", "--sort", "name", "--json"]).ok();
    assert_eq!(admin_view["records"][0]["fields"]["amount"], serde_json::json!([5000, "EUR"]));
    env.run(&["users", "grant", "deals.nope", "read", "--role", "member", "--json"]).err(2, "unknown_field");
}
