//! The /v1 API end to end on both backends: records, filters, pages, permissions, bad input.

use crate::support::http::{request, Client};
use crate::support::Env;
use serde_json::json;

#[test]
fn records_through_the_api() {
    for env in Env::both("http_records") {
        let env = env.with_org();
        env.run(&["objects", "add-field", "contacts", "score", "--type", "number", "--json"]).ok();
        let key = env.api_key("admin@acme.io");
        let server = env.serve(&["--no-demo"]);
        let api = Client { addr: &server.addr, key };
        assert_eq!(request(&server.addr, "GET", "/health", &[], None).ok()["status"], "ok");

        let account =
            api.send("POST", "/v1/records/accounts", &json!({"fields": {"name": "Acme GmbH", "website": "https://acme.de"}}));
        assert_eq!(account.status, 201, "{}", account.body);
        let account_id = account.json()["id"].as_i64().unwrap();
        let mut ids = Vec::new();
        for (i, name) in ["Ann", "Bob", "Cy", "Dee", "Eve"].iter().enumerate() {
            let body = json!({
                "fields": {"first_name": name, "last_name": "Tester", "email": format!("{}@acme.de", name.to_lowercase()),
                           "custom.score": i * 10, "account": account_id, "phones": [{"label": "mobile", "value": "+49 151 1234567"}]},
                "external_ids": {"salesforce": format!("003{name}")}
            });
            let created = api.send("POST", "/v1/records/contacts", &body);
            assert_eq!(created.status, 201, "{}", created.body);
            ids.push(created.json()["id"].as_i64().unwrap());
        }
        let got = api.get(&format!("/v1/records/contacts/{}", ids[1])).ok();
        assert_eq!(got["fields"]["emails"], json!([["work", "bob@acme.de"]]));
        assert_eq!(got["fields"]["custom.score"], 10);
        assert_eq!(got["external_ids"]["salesforce"], "003Bob");

        let page = api.get("/v1/records/contacts?filter=account.name%20starts_with%20%27acme%27%20and%20custom.score%20%3E%3D%2020&sort=-custom.score").ok();
        let names: Vec<&str> =
            page["records"].as_array().unwrap().iter().map(|r| r["fields"]["first_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Eve", "Dee", "Cy"]);

        let mut seen = Vec::new();
        let mut path = "/v1/records/contacts?limit=2&sort=first_name".to_string();
        loop {
            let page = api.get(&path).ok();
            seen.extend(page["records"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/v1/records/contacts?limit=2&sort=first_name&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, ids);
        let first = api.get("/v1/records/contacts?limit=2&sort=first_name").ok();
        let cursor = first["next_cursor"].as_str().unwrap();
        api.get(&format!("/v1/records/contacts?limit=2&sort=last_name&cursor={cursor}")).err(400, "invalid_cursor");

        let batch = api.send("POST", "/v1/records/contacts/batch-get", &json!({"ids": [ids[2], 999_999, ids[0]]})).ok();
        assert_eq!(
            batch["records"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect::<Vec<_>>(),
            [ids[2], ids[0]]
        );

        let patched = api
            .send(
                "PATCH",
                &format!("/v1/records/contacts/{}", ids[0]),
                &json!({"fields": {"title": "CTO", "custom.score": null}, "expected_version": 1}),
            )
            .ok();
        assert_eq!((patched["version"].as_i64(), patched["fields"]["title"].as_str()), (Some(2), Some("CTO")));
        assert!(patched["fields"].get("custom.score").is_none());
        api.send(
            "PATCH",
            &format!("/v1/records/contacts/{}", ids[0]),
            &json!({"fields": {"title": "CEO"}, "expected_version": 1}),
        )
        .err(409, "version_conflict");
        assert_eq!(api.delete(&format!("/v1/records/contacts/{}", ids[4])).status, 204);
        api.get(&format!("/v1/records/contacts/{}", ids[4])).err(404, "record_not_found");
        assert_eq!(
            api.get("/v1/objects").ok().as_array().unwrap().iter().find(|o| o["api_name"] == "contacts").unwrap()["records"],
            4
        );
    }
}

#[test]
fn bad_input_is_a_4xx_naming_the_problem_and_writes_nothing() {
    let env = Env::sqlite().with_org();
    let key = env.api_key("admin@acme.io");
    let server = env.serve(&["--no-demo"]);
    let api = Client { addr: &server.addr, key };
    let auth = format!("Bearer {}", api.key);
    let post = |body: &str| {
        request(
            &server.addr,
            "POST",
            "/v1/records/contacts",
            &[("Authorization", &auth), ("Content-Type", "application/json")],
            Some(body),
        )
    };

    let err = post("{\"fields\": {\"last_name\": \"X\"").err(400, "invalid_request");
    assert!(err["position"].as_i64().unwrap() > 0, "{err}");
    assert_eq!(post("{\"fields\": {}, \"extra\": 1}").err(400, "invalid_request")["field"], "extra");
    assert_eq!(post("{\"fields\": {\"nickname\": \"X\", \"last_name\": \"Y\"}}").err(400, "unknown_field")["field"], "nickname");
    assert_eq!(post("{\"fields\": {\"last_name\": \"Y\", \"birthdate\": 12}}").err(400, "invalid_value")["field"], "birthdate");
    assert_eq!(post("{\"fields\": {\"last_name\": \"Y\", \"email\": \"nope\"}}").err(400, "invalid_value")["field"], "emails");
    assert_eq!(post("{\"fields\": {\"first_name\": \"Y\"}}").err(400, "invalid_value")["field"], "last_name");
    post("{\"fields\": []}").err(400, "invalid_request");
    request(
        &server.addr,
        "POST",
        "/v1/records/contacts",
        &[("Authorization", &auth), ("Content-Type", "text/plain")],
        Some("{}"),
    )
    .err(400, "invalid_request");
    let huge = format!("{{\"fields\": {{\"last_name\": \"{}\"}}}}", "x".repeat(3 * 1024 * 1024));
    post(&huge).err(413, "payload_too_large");

    let err = api.get("/v1/records/contacts?filter=email%20%3D").err(400, "invalid_filter");
    assert_eq!(err["position"], 7);
    let err = api.get("/v1/records/deals?filter=amount%20%3E%20%27lots%27").err(400, "invalid_filter");
    assert_eq!((err["field"].as_str(), err["position"].as_i64()), (Some("amount"), Some(9)));
    api.get("/v1/records/contacts?sort=nickname").err(400, "invalid_sort");
    api.get("/v1/records/contacts?limit=0").err(400, "invalid_request");
    api.get("/v1/records/contacts?cursor=zz").err(400, "invalid_cursor");
    api.get("/v1/records/contacts/abc").err(400, "invalid_request");
    api.get("/v1/records/unicorns").err(404, "unknown_object");
    api.get("/v1/nothing/here").err(404, "not_found");
    request(&server.addr, "PUT", "/v1/records/contacts", &[("Authorization", &auth)], None).err(405, "invalid_request");
    request(&server.addr, "GET", "/v1/objects", &[], None).err(401, "unauthorized");
    request(&server.addr, "GET", "/v1/objects", &[("Authorization", "Bearer sk_wrong")], None).err(401, "unauthorized");
    assert_eq!(api.get("/v1/records/contacts").ok()["records"].as_array().unwrap().len(), 0, "nothing half-written");
}

#[test]
fn permissions_apply_to_every_request() {
    for env in Env::both("http_permissions") {
        let env = env.with_org();
        env.run(&["users", "create", "ro@acme.io", "--role", "read-only", "--json"]).ok();
        env.run(&["users", "create", "rep@acme.io", "--role", "member", "--visibility", "own", "--json"]).ok();
        env.run(&["users", "grant", "deals.amount", "none", "--role", "member", "--json"]).ok();
        let admin = Client { addr: "", key: env.api_key("admin@acme.io") };
        let (ro_key, rep_key) = (env.api_key("ro@acme.io"), env.api_key("rep@acme.io"));
        env.run(&["orgs", "create", "other", "--admin-email", "boss@other.io", "--json"]).ok();
        let other_key = env.run(&["--org", "other", "users", "api-key", "boss@other.io", "--json"]).ok()["api_key"]
            .as_str()
            .unwrap()
            .to_string();
        let server = env.serve(&["--no-demo"]);
        let admin = Client { addr: &server.addr, key: admin.key };
        let ro = Client { addr: &server.addr, key: ro_key };
        let rep = Client { addr: &server.addr, key: rep_key };
        let other = Client { addr: &server.addr, key: other_key };

        let admin_deal = admin
            .send("POST", "/v1/records/deals", &json!({"fields": {"name": "Big", "stage": "Proposal", "amount": "5000 EUR"}}))
            .ok();
        let rep_deal = rep.send("POST", "/v1/records/deals", &json!({"fields": {"name": "Small", "stage": "prospecting"}})).ok();
        assert!(rep_deal["fields"].get("amount").is_none(), "hidden field is absent, not blank: {rep_deal}");
        ro.send("POST", "/v1/records/deals", &json!({"fields": {"name": "X", "stage": "proposal"}})).err(403, "forbidden");
        ro.delete(&format!("/v1/records/deals/{}", admin_deal["id"])).err(403, "forbidden");
        assert_eq!(ro.get(&format!("/v1/records/deals/{}", admin_deal["id"])).ok()["fields"]["amount"], json!([5000, "EUR"]));
        rep.get(&format!("/v1/records/deals/{}", admin_deal["id"])).err(404, "record_not_found");
        rep.send("PATCH", &format!("/v1/records/deals/{}", admin_deal["id"]), &json!({"fields": {"name": "Mine"}}))
            .err(404, "record_not_found");
        rep.get("/v1/records/deals?filter=amount%20%3E%201").err(400, "invalid_filter");
        rep.send("PATCH", &format!("/v1/records/deals/{}", rep_deal["id"]), &json!({"fields": {"amount": 99}}))
            .err(400, "unknown_field");
        assert_eq!(rep.get("/v1/records/deals").ok()["records"].as_array().unwrap().len(), 1);
        other.get(&format!("/v1/records/deals/{}", admin_deal["id"])).err(404, "record_not_found");
        rep.get("/v1/users").err(403, "forbidden");
        let users = admin.get("/v1/users").ok();
        assert_eq!(users.as_array().unwrap().len(), 3);
    }
}
