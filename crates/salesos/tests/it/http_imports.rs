//! `/v1/imports` against a running server on both backends: an upload runs as a background job
//! in the server's worker; the log, the result file, undo (409 with conflicts, then decided),
//! notifications, and bad input.

use crate::support::http::{request, Client};
use crate::support::Env;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn upload(server_addr: &str, key: &str, query: &str, body: &str) -> crate::support::http::Response {
    request(
        server_addr,
        "POST",
        &format!("/v1/imports?{query}"),
        &[("Authorization", &format!("Bearer {key}")), ("Content-Type", "text/csv")],
        Some(body),
    )
}

fn wait_until_done(api: &Client<'_>, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let import = api.get(&format!("/v1/imports/{id}")).ok();
        if !matches!(import["status"].as_str(), Some("queued" | "running" | "cancelling")) {
            return import;
        }
        assert!(Instant::now() < deadline, "import {id} did not finish: {import}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn upload_runs_as_a_background_job_with_result_file_undo_and_notifications() {
    for env in Env::both("http_imports") {
        let env = env.with_org();
        let key = env.api_key("admin@acme.io");
        let server = env.serve(&["--no-demo"]);
        let api = Client { addr: &server.addr, key: key.clone() };
        let csv = "First Name,Last Name,Email\nAnn,Archer,ann@acme.io\nBob,Bad,bob@\nCy,Cole,cy@acme.io\n";

        let queued = upload(&server.addr, &key, "object=contacts&file_name=people.csv", csv);
        assert_eq!(queued.status, 202, "{}", queued.body);
        let queued = queued.json();
        assert_eq!(queued["file"]["name"], "people.csv");
        assert_eq!(queued["file"]["size"], csv.len());
        let id = queued["import_id"].as_i64().unwrap();

        let done = wait_until_done(&api, id);
        assert_eq!(done["status"], "completed_with_errors", "{done}");
        assert_eq!(done["counts"], json!({"created": 2, "updated": 0, "unchanged": 0, "skipped": 0, "flagged": 0, "failed": 1}));
        assert_eq!(done["rows"], 3);
        let listed = api.get("/v1/imports").ok();
        assert_eq!(listed["imports"][0]["import_id"], id);

        let result = api.get(&format!("/v1/imports/{id}/result"));
        assert_eq!(result.status, 200);
        assert!(result.header("content-type").unwrap().starts_with("text/csv"));
        let lines: Vec<&str> = result.body.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "First Name,Last Name,Email,Outcome,Record Id,Messages");
        assert!(lines[1].starts_with("Ann,Archer,ann@acme.io,created,"), "{}", result.body);
        assert!(lines[2].starts_with("Bob,Bad,bob@,failed,,"), "{}", result.body);

        let notes = api.get("/v1/notifications").ok();
        assert!(
            notes["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "import.completed" && n["detail"]["import_id"] == id),
            "{notes}"
        );

        // Undo: an edit since the import is a conflict (409, nothing changed) until decided.
        let records = api.get("/v1/records/contacts?filter=email%20%3D%20%22ann%40acme.io%22").ok();
        let ann = records["records"][0]["id"].as_i64().unwrap();
        api.send("PATCH", &format!("/v1/records/contacts/{ann}"), &json!({"fields": {"title": "CEO"}})).ok();
        let conflict = api.send("POST", &format!("/v1/imports/{id}/undo"), &json!({}));
        assert_eq!(conflict.status, 409, "{}", conflict.body);
        assert_eq!(conflict.json()["edited_count"], 1);
        let undone = api.send("POST", &format!("/v1/imports/{id}/undo"), &json!({"later_edits": "revert"})).ok();
        assert_eq!(undone["deleted"], 2, "{undone}");
        let again = api.send("POST", &format!("/v1/imports/{id}/undo"), &json!({"later_edits": "revert"}));
        assert_eq!(again.status, 400, "{}", again.body);
        let count = api.get("/v1/records/contacts").ok();
        assert_eq!(count["records"].as_array().unwrap().len(), 0);

        // Bad input: no object, an unknown one, a bad setting, unknown import, ended import.
        assert_eq!(upload(&server.addr, &key, "file_name=x.csv", csv).status, 400);
        assert_eq!(upload(&server.addr, &key, "object=spaceships", csv).status, 404);
        let bad = upload(&server.addr, &key, "object=contacts&on_duplicate=merge", csv);
        assert_eq!(bad.status, 400);
        assert_eq!(bad.json()["error"]["field"], "on_duplicate", "{}", bad.body);
        assert_eq!(api.get("/v1/imports/999999").status, 404);
        assert_eq!(api.send("POST", &format!("/v1/imports/{id}/cancel"), &json!({})).status, 400);
        assert_eq!(request(&server.addr, "GET", "/v1/imports", &[], None).status, 401);
    }
}

#[test]
fn a_file_imports_through_the_session_steps_and_steps_out_of_order_are_refused() {
    for env in Env::both("http_import_sessions") {
        let env = env.with_org();
        let key = env.api_key("admin@acme.io");
        let server = env.serve(&["--no-demo"]);
        let api = Client { addr: &server.addr, key: key.clone() };
        api.send("POST", "/v1/records/contacts", &json!({"fields": {"last_name": "Old", "email": "ann@acme.io"}})).ok();
        let csv = "Vorname,Nachname,E-Mail,Geburtstag\nAnn,Archer,ann@acme.io,03/04/1990\nBea,Brown,bea@acme.io,05/06/1991\n";
        let created = request(
            &server.addr,
            "POST",
            "/v1/import-sessions?object=contacts&file_name=leute.csv",
            &[("Authorization", &format!("Bearer {key}"))],
            Some(csv),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        let session = created.json();
        let id = session["import_id"].as_i64().unwrap();
        assert_eq!((session["status"].as_str(), session["step"].as_str()), (Some("draft"), Some("uploaded")));
        assert_eq!(session["detected"]["format"], "csv");
        assert_eq!(session["detected"]["sample_rows"].as_array().unwrap().len(), 2);
        let proposed = session["proposed_mapping"].clone();
        let targets: Vec<&str> = proposed["columns"].as_array().unwrap().iter().filter_map(|c| c["target"].as_str()).collect();
        assert!(targets.contains(&"email") && targets.contains(&"first_name"), "{proposed}");
        let path = |step: &str| format!("/v1/import-sessions/{id}/{step}");

        // Out of order: duplicates, preview and confirm before the mapping.
        let early = api.send("PUT", &path("duplicates"), &json!({"on_duplicate": "update"})).err(400, "invalid_request");
        assert!(early["message"].as_str().unwrap().contains("mapping first"), "{early}");
        api.send("POST", &path("preview"), &json!({})).err(400, "invalid_request");
        api.send("POST", &path("confirm"), &json!({})).err(400, "invalid_request");
        // A mapping to a missing field is refused at its step.
        let mut bad = proposed.clone();
        bad["columns"][0]["target"] = json!("nickname");
        assert_eq!(api.send("PUT", &path("mapping"), &bad).err(400, "invalid_request")["field"], "mapping");

        // The proposed mapping as it is, then update on duplicates: the dates are ambiguous, so
        // the preview fails and confirm is refused until the order is decided.
        assert_eq!(api.send("PUT", &path("mapping"), &proposed).ok()["step"], "mapped");
        assert_eq!(api.send("PUT", &path("duplicates"), &json!({"on_duplicate": "update"})).ok()["step"], "duplicates");
        assert_eq!(api.send("PUT", &path("duplicates"), &json!({"on_duplicates": "update"})).status, 400, "unknown setting");
        let failed = api.send("POST", &path("preview"), &json!({})).ok();
        assert_eq!(failed["preview"]["ambiguous_dates"][0]["column"], "Geburtstag", "{failed}");
        assert_eq!(api.get(&format!("/v1/import-sessions/{id}")).ok()["step"], "preview_failed");
        let refused = api.send("POST", &path("confirm"), &json!({})).err(400, "invalid_request");
        assert!(refused["message"].as_str().unwrap().contains("preview failed"), "{refused}");

        api.send("PUT", &path("duplicates"), &json!({"on_duplicate": "update", "date_order": "dmy"})).ok();
        let preview = api.send("POST", &path("preview"), &json!({})).ok();
        assert_eq!(preview["status"], "dry_run");
        assert_eq!(preview["counts"]["created"], 1);
        assert_eq!(preview["counts"]["updated"], 1);
        let queued = api.send("POST", &path("confirm"), &json!({}));
        assert_eq!(queued.status, 202, "{}", queued.body);
        let done = wait_until_done(&api, id);
        assert_eq!(done["status"], "completed", "{done}");
        assert_eq!(done["counts"], preview["counts"], "the run does what the preview said");
        assert!(done["summary"]["changed_since_preview"].is_null());
        let ann = api.get("/v1/records/contacts?filter=email%20%3D%20%22ann%40acme.io%22").ok();
        assert_eq!(ann["records"][0]["fields"]["birthdate"], "1990-04-03", "day first, as decided");
        // A confirmed session's steps no longer change.
        api.send("PUT", &path("mapping"), &proposed).err(400, "invalid_request");
        api.send("POST", &path("confirm"), &json!({})).err(400, "invalid_request");

        // Records change between the preview and the run: the run says so.
        let second = request(
            &server.addr,
            "POST",
            "/v1/import-sessions?object=contacts&file_name=more.csv&delimiter=semicolon",
            &[("Authorization", &format!("Bearer {key}"))],
            Some("First Name;Last Name;Email\nCy;Cole;cy@acme.io\n"),
        );
        assert_eq!(second.status, 201, "{}", second.body);
        let second = second.json();
        assert_eq!(second["detected"]["dialect"]["delimiter"], ";");
        let id2 = second["import_id"].as_i64().unwrap();
        let path2 = |step: &str| format!("/v1/import-sessions/{id2}/{step}");
        api.send("PUT", &path2("mapping"), &second["proposed_mapping"]).ok();
        assert_eq!(api.send("POST", &path2("preview"), &json!({})).ok()["counts"]["created"], 1);
        api.send("POST", "/v1/records/contacts", &json!({"fields": {"last_name": "Cole", "email": "cy@acme.io"}})).ok();
        assert_eq!(api.send("POST", &path2("confirm"), &json!({})).status, 202);
        let done = wait_until_done(&api, id2);
        assert_eq!(done["counts"]["skipped"], 1, "{done}");
        let changed = &done["summary"]["changed_since_preview"];
        assert_eq!(changed["preview"]["created"], 1, "{done}");
        assert_eq!(changed["run"]["skipped"], 1);
        let notes = api.get("/v1/notifications").ok();
        assert!(notes["notifications"][0]["message"].as_str().unwrap().contains("changed since the preview"), "{notes}");
    }
}

/// Sends a request whose body may be cut off by the server (it stops reading a refused
/// upload), ignoring write errors, and returns the status line's code.
fn post_ignoring_cutoff(addr: &str, path: &str, key: &str, body: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {key}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    for chunk in body.chunks(64 * 1024) {
        if stream.write_all(chunk).is_err() {
            break;
        }
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[test]
fn an_upload_over_the_limit_is_stopped_while_streaming_and_nothing_is_kept() {
    let env = Env::sqlite().with_org();
    let key = env.api_key("admin@acme.io");
    let server = env.serve(&["--no-demo", "--max-upload-mb", "1"]);
    let mut body = b"First Name,Last Name,Email\n".to_vec();
    while body.len() < 3 * 1024 * 1024 {
        body.extend_from_slice(b"Ann,Archer,ann@acme.io\n");
    }
    for path in ["/v1/imports?object=contacts", "/v1/import-sessions?object=contacts"] {
        assert_eq!(post_ignoring_cutoff(&server.addr, path, &key, &body), 413, "{path}");
    }
    let api = Client { addr: &server.addr, key };
    assert_eq!(api.get("/v1/imports").ok()["imports"].as_array().unwrap().len(), 0, "no import was logged");
    let kept: Vec<_> = walk(&env.data_dir().join("files"));
    assert!(kept.is_empty(), "no upload is kept: {kept:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
