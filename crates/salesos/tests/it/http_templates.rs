//! Import templates through the /v1 API on both backends: downloads with their content type and
//! file name, saved templates listed, used and deleted, permissions and bad input.

use crate::support::http::Client;
use crate::support::Env;
use serde_json::json;

#[test]
fn templates_through_the_api() {
    for env in Env::both("http_templates") {
        let env = env.with_org();
        env.run(&["users", "create", "ro@acme.io", "--role", "read-only", "--json"]).ok();
        let key = env.api_key("admin@acme.io");
        let read_only = env.api_key("ro@acme.io");
        let server = env.serve(&["--no-demo"]);
        let api = Client { addr: &server.addr, key };

        // The standard CSV template is the same file the CLI writes.
        let csv = api.get("/v1/templates/contacts");
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(csv.header("content-disposition"), Some("attachment; filename=\"contacts-import-template.csv\""));
        let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/contacts_template.csv");
        assert_eq!(csv.body, std::fs::read_to_string(golden).unwrap());

        let xlsx = api.get("/v1/templates/deals?format=xlsx");
        assert_eq!(xlsx.status, 200, "{}", xlsx.body);
        assert_eq!(xlsx.header("content-type"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        assert_eq!(xlsx.header("content-disposition"), Some("attachment; filename=\"deals-import-template.xlsx\""));
        assert!(xlsx.body.starts_with("PK"), "a zip archive");
        assert_eq!(api.get("/v1/templates/deals?format=pdf").err(400, "invalid_request")["field"], "format");
        api.get("/v1/templates/widgets").err(404, "unknown_object");
        crate::support::http::request(&server.addr, "GET", "/v1/templates/contacts", &[], None).err(401, "unauthorized");
        Client { addr: &server.addr, key: read_only.clone() }.get("/v1/templates/contacts").err(403, "forbidden");

        // Saved templates: save, list, download by name, refuse bad paths, delete.
        let body = json!({"name": "Trade show", "object": "contacts", "fields": ["last_name", "emails[work]", "account.name"]});
        let saved = api.send("POST", "/v1/templates", &body);
        assert_eq!(saved.status, 201, "{}", saved.body);
        let saved = saved.json();
        assert_eq!((saved["shared"].as_bool(), saved["mine"].as_bool()), (Some(true), Some(true)));
        assert_eq!(saved["columns"], json!(["last_name", "emails[work]", "account.name"]));
        let listed = api.get("/v1/templates").ok();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["name"], "Trade show");
        let listed_ro = Client { addr: &server.addr, key: read_only.clone() }.get("/v1/templates").ok();
        assert_eq!(listed_ro.as_array().unwrap().len(), 1, "shared with the organization");
        let named = api.get("/v1/templates/contacts?template=Trade%20show");
        assert_eq!(named.status, 200, "{}", named.body);
        assert_eq!(named.header("content-disposition"), Some("attachment; filename=\"contacts-trade-show.csv\""));
        assert!(named.body.starts_with("\u{feff}Last name,Work email,Account\n"), "{}", named.body);
        api.get("/v1/templates/deals?template=Trade%20show").err(400, "invalid_request");
        api.get("/v1/templates/contacts?template=nope").err(404, "not_found");

        let bad = json!({"name": "x", "object": "contacts", "fields": ["last_name", "nickname"]});
        assert_eq!(api.send("POST", "/v1/templates", &bad).err(400, "unknown_field")["field"], "nickname");
        let extra = json!({"name": "x", "object": "contacts", "fields": ["last_name"], "colour": "red"});
        assert_eq!(api.send("POST", "/v1/templates", &extra).err(400, "invalid_request")["field"], "colour");
        let private = json!({"name": "mine", "object": "deals", "fields": ["name", "stage"], "shared": false});
        assert_eq!(api.send("POST", "/v1/templates", &private).ok()["shared"], false);
        let names: Vec<String> =
            api.get("/v1/templates").ok().as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().into()).collect();
        assert_eq!(names, ["mine", "Trade show"]);
        Client { addr: &server.addr, key: read_only }.delete("/v1/templates/saved/Trade%20show").err(403, "forbidden");

        assert_eq!(api.delete("/v1/templates/saved/Trade%20show").status, 204);
        api.delete("/v1/templates/saved/Trade%20show").err(404, "not_found");

        let spec = crate::support::http::request(&server.addr, "GET", "/openapi.json", &[], None).ok();
        assert!(spec["paths"]["/v1/templates/{object}"]["get"].is_object(), "{}", spec["paths"]);
        assert!(spec["paths"]["/v1/templates"]["get"].is_object());
        assert!(spec["paths"]["/v1/templates"]["post"].is_object());
        assert!(spec["paths"]["/v1/templates/saved/{name}"]["delete"].is_object());
        assert!(spec["components"]["schemas"]["TemplateIn"].is_object());
    }
}
