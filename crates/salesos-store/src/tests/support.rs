//! Test support: fresh databases per test for each backend.

use crate::{Location, Store};

/// A fresh database that cleans up after itself.
pub(crate) struct TestDb {
    pub store: Store,
    pub location: Location,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.drop_pg.take() {
            if let Ok(mut client) = postgres::Client::connect(&admin_url, postgres::NoTls) {
                let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Returns a fresh SQLite database in a temporary folder.
pub(crate) fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let location = Location::Sqlite(dir.path().join("salesos.db"));
    let store = Store::open(&location).expect("open sqlite");
    TestDb { store, location, _dir: Some(dir), drop_pg: None }
}

/// Returns the admin URL of the test PostgreSQL server.
#[allow(clippy::disallowed_methods)]
pub(crate) fn postgres_admin_url() -> String {
    std::env::var("SALESOS_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Returns a fresh PostgreSQL database, or `None` (with a message) when no server is reachable
/// outside CI. Under `CI=true` an unreachable server fails the test.
#[allow(clippy::disallowed_methods)]
pub(crate) fn postgres(test: &str) -> Option<TestDb> {
    let admin_url = postgres_admin_url();
    let mut admin = match postgres::Client::connect(&admin_url, postgres::NoTls) {
        Ok(client) => client,
        Err(err) => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but PostgreSQL at {} is unreachable: {err}", crate::redact_url(&admin_url));
            }
            eprintln!("skipping PostgreSQL half of {test}: {err}");
            return None;
        }
    };
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!(
        "salesos_t_{}_{}_{}",
        std::process::id(),
        n,
        test.chars().filter(|c| c.is_ascii_alphanumeric()).take(20).collect::<String>().to_lowercase()
    );
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop old test database");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("unexpected PostgreSQL URL"),
    };
    let location = Location::Postgres(url);
    let store = Store::open(&location).expect("open postgres");
    Some(TestDb { store, location, _dir: None, drop_pg: Some((admin_url, name)) })
}

/// Defines a test that runs once per backend.
macro_rules! conformance {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                let db = $crate::tests::support::sqlite();
                let body: fn(&$crate::tests::support::TestDb) = $body;
                body(&db);
            }

            #[test]
            fn postgres() {
                if let Some(db) = $crate::tests::support::postgres(stringify!($name)) {
                    let body: fn(&$crate::tests::support::TestDb) = $body;
                    body(&db);
                }
            }
        }
    };
}
pub(crate) use conformance;
