//! Database failures through the CLI: corrupt, too new, read-only, unreachable; usage errors.

use crate::support::Env;

#[test]
fn a_corrupt_database_file_is_reported_not_a_panic() {
    let env = Env::sqlite();
    std::fs::write(env.data_dir().join("salesos.db"), b"this is not an sqlite database, just some text that is long enough")
        .unwrap();
    let run = env.run(&["orgs", "list", "--json"]);
    let err = run.err(3, "database_unavailable");
    assert!(err["message"].as_str().unwrap().contains("salesos.db"), "{err}");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let env = Env::sqlite().with_org();
    let path = env.data_dir().join("salesos.db");
    let conn = mark_as_newer(&path);
    assert!(conn, "could mark the database as newer");
    let err = env.run(&["orgs", "list", "--json"]).err(3, "database_unavailable");
    assert!(err["message"].as_str().unwrap().contains("newer"), "{err}");
}

/// Marks the database as written by a future version of the program.
fn mark_as_newer(path: &std::path::Path) -> bool {
    let conn = rusqlite::Connection::open(path).expect("open database");
    conn.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)", []).is_ok()
}

#[test]
fn a_read_only_database_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::sqlite().with_org();
    let dir = env.data_dir();
    // Root ignores permission bits, so only check when they are enforced.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = std::fs::File::create(dir.join("probe"));
    let enforced = probe.is_err();
    if enforced {
        for file in std::fs::read_dir(dir).unwrap() {
            let file = file.unwrap().path();
            let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400));
        }
        let run = env.run(&["records", "create", "contacts", "--set", "last_name=X", "--json"]);
        assert_eq!(run.code, 3, "{run:?}");
    } else {
        let _ = std::fs::remove_file(dir.join("probe"));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn an_unreachable_postgres_is_a_machine_failure() {
    let mut env = Env::sqlite();
    env.database_url = Some("postgres://postgres@127.0.0.1:1/none".into());
    env.run(&["orgs", "list", "--json"]).err(3, "database_unavailable");
}

#[test]
fn usage_errors_exit_2_and_need_an_organization() {
    let env = Env::sqlite();
    let run = env.run(&["records", "frobnicate", "--json"]);
    run.err(2, "invalid_request");
    env.run(&["records", "list", "contacts", "--json"]).err(2, "not_found");
    let env = env.with_org();
    env.run(&["orgs", "create", "beta", "--json"]).ok();
    let err = env.run(&["records", "list", "contacts", "--json"]).err(2, "invalid_request");
    assert!(err["message"].as_str().unwrap().contains("--org"), "{err}");
    env.run(&["--org", "beta", "records", "list", "contacts", "--json"]).ok();
    env.run(&["--org", "gamma", "records", "list", "contacts", "--json"]).err(2, "not_found");
    let help = env.run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("generate"));
}
