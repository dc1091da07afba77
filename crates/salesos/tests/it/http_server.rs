//! The server as a newcomer meets it: the demo on first start, the schema API, sign-in with a
//! session and CSRF, the record pages, OpenAPI, and several servers on one database.

use crate::support::http::{request, Client};
use crate::support::Env;
use serde_json::json;

fn demo_login(output: &str) -> (String, String) {
    let password =
        output.split("with password ").nth(1).and_then(|s| s.split_whitespace().next()).expect("password printed").to_string();
    let key =
        output.split("API key (shown once): ").nth(1).and_then(|s| s.split_whitespace().next()).expect("key printed").to_string();
    (password, key)
}

#[test]
fn first_start_creates_a_demo_a_newcomer_can_use() {
    let env = Env::sqlite();
    let server = env.serve(&[]);
    let output = server.output.lock().unwrap().clone();
    let (password, key) = demo_login(&output);
    let api = Client { addr: &server.addr, key };
    let objects = api.get("/v1/objects").ok();
    let contacts = objects.as_array().unwrap().iter().find(|o| o["api_name"] == "contacts").unwrap().clone();
    assert!(contacts["records"].as_i64().unwrap() >= 1000, "{objects}");
    let linked = api.get("/v1/records/contacts?filter=account%20is%20not%20empty&limit=1").ok();
    assert_eq!(linked["records"].as_array().unwrap().len(), 1, "demo contacts are linked to accounts");

    // Browser sign-in: wrong password, then the right one; pages; CSRF on cookie writes.
    let form = |pw: &str| format!("email=admin%40demo.local&password={pw}");
    let wrong =
        request(&server.addr, "POST", "/login", &[("Content-Type", "application/x-www-form-urlencoded")], Some(&form("nope")));
    assert_eq!(wrong.status, 401);
    let signed =
        request(&server.addr, "POST", "/login", &[("Content-Type", "application/x-www-form-urlencoded")], Some(&form(&password)));
    assert_eq!(signed.status, 303, "{}", signed.body);
    let set_cookie = signed.header("set-cookie").unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let home = request(&server.addr, "GET", "/", &[("Cookie", &cookie)], None);
    assert!(home.status == 200 && home.body.contains("/ui/records/contacts"), "{}", home.body);
    let table = request(
        &server.addr,
        "GET",
        "/ui/records/contacts?filter=first_name%20starts_with%20%27a%27",
        &[("Cookie", &cookie)],
        None,
    );
    assert!(table.status == 200 && table.body.contains("<table>") && table.body.contains("Next page"), "{}", table.status);
    let me = request(&server.addr, "GET", "/v1/me", &[("Cookie", &cookie)], None).ok();
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let body = json!({"fields": {"last_name": "Cookie"}}).to_string();
    request(
        &server.addr,
        "POST",
        "/v1/records/contacts",
        &[("Cookie", &cookie), ("Content-Type", "application/json")],
        Some(&body),
    )
    .err(403, "forbidden");
    let created = request(
        &server.addr,
        "POST",
        "/v1/records/contacts",
        &[("Cookie", &cookie), ("Content-Type", "application/json"), ("X-CSRF-Token", &csrf)],
        Some(&body),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(request(&server.addr, "GET", "/", &[], None).status, 303, "anonymous visitors go to the sign-in page");
    let out = request(
        &server.addr,
        "POST",
        "/logout",
        &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
        Some(&format!("csrf_token={csrf}")),
    );
    assert_eq!(out.status, 303);
    request(&server.addr, "GET", "/v1/me", &[("Cookie", &cookie)], None).err(401, "unauthorized");

    let spec = request(&server.addr, "GET", "/openapi.json", &[], None).ok();
    assert!(spec["paths"]["/v1/records/{object}"]["get"].is_object());
    assert_eq!(request(&server.addr, "GET", "/docs/", &[], None).status, 200);
    drop(server);

    // A second start on the same database creates no second demo and prints no login.
    let again = env.serve(&[]);
    assert!(!again.output.lock().unwrap().contains("API key (shown once)"));
}

#[test]
fn two_servers_on_one_postgres_share_writes_schema_and_one_demo() {
    let Some(env) = Env::postgres("two_servers") else { return };
    let (a, b) = std::thread::scope(|scope| {
        let first = scope.spawn(|| env.serve(&[]));
        let second = scope.spawn(|| env.serve(&[]));
        (first.join().unwrap(), second.join().unwrap())
    });
    let demos = [&a, &b].iter().filter(|s| s.output.lock().unwrap().contains("API key (shown once)")).count();
    assert_eq!(demos, 1, "exactly one server creates the demo");
    assert_eq!(env.run(&["orgs", "list", "--json"]).ok()["organizations"].as_array().unwrap().len(), 1);
    let key = env.api_key("admin@demo.local");
    let on_a = Client { addr: &a.addr, key: key.clone() };
    let on_b = Client { addr: &b.addr, key };
    let field = on_a.send(
        "POST",
        "/v1/objects/contacts/fields",
        &json!({"api_name": "tier", "type": "picklist", "options": [{"value": "gold"}]}),
    );
    assert_eq!(field.status, 201, "{}", field.body);
    let created = on_b.send("POST", "/v1/records/contacts", &json!({"fields": {"last_name": "Shared", "custom.tier": "gold"}}));
    assert_eq!(created.status, 201, "server B sees the new field at once: {}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(on_a.get(&format!("/v1/records/contacts/{id}")).ok()["fields"]["custom.tier"], "gold");
    let object = on_b.send("POST", "/v1/objects", &json!({"api_name": "projects", "label": "Project"}));
    assert_eq!(object.status, 201, "{}", object.body);
    assert_eq!(on_a.get("/v1/objects/projects").ok()["kind"], "custom");
}
