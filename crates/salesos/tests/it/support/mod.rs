//! Support for black-box tests: a fresh data folder (SQLite) or PostgreSQL database per test,
//! and a runner for the binary that captures stdout, stderr and the exit code.

pub mod http;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|err| panic!("stdout is not one JSON document ({err}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    /// Asserts success and returns the JSON.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert_eq!(self.code, 0, "exit {}\nstdout: {}\nstderr: {}", self.code, self.stdout, self.stderr);
        self.json()
    }

    /// Asserts the exit code and the error code of the JSON error object, returning the error.
    #[track_caller]
    pub fn err(&self, exit: i32, code: &str) -> Value {
        assert_eq!(self.code, exit, "exit {}\nstdout: {}\nstderr: {}", self.code, self.stdout, self.stderr);
        let json = self.json();
        assert_eq!(json["error"]["code"], code, "{json}");
        json["error"].clone()
    }
}

/// A fresh environment: data folder, and optionally a PostgreSQL database.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    drop_pg: Option<(String, String)>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.drop_pg.take() {
            if let Ok(mut client) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

impl Env {
    /// A fresh SQLite environment.
    pub fn sqlite() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir"), database_url: None, drop_pg: None }
    }

    /// A fresh PostgreSQL environment, or `None` outside CI when no server is reachable.
    pub fn postgres(test: &str) -> Option<Env> {
        let admin =
            std::env::var("SALESOS_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut client = match postgres::Client::connect(&admin, postgres::NoTls) {
            Ok(client) => client,
            Err(err) => {
                if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                    panic!("CI=true but PostgreSQL is unreachable: {err}");
                }
                eprintln!("skipping PostgreSQL half of {test}: {err}");
                return None;
            }
        };
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!(
            "salesos_it_{}_{}_{}",
            std::process::id(),
            n,
            test.chars().filter(|c| c.is_ascii_alphanumeric()).take(16).collect::<String>().to_lowercase()
        );
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
        let url = format!("{}/{name}", admin.rsplit_once('/').expect("url with database").0);
        Some(Env { dir: tempfile::tempdir().expect("temp dir"), database_url: Some(url), drop_pg: Some((admin, name)) })
    }

    /// Both backends (PostgreSQL when reachable).
    pub fn both(test: &str) -> Vec<Env> {
        let mut envs = vec![Env::sqlite()];
        envs.extend(Env::postgres(test));
        envs
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the data folder's parent area for test files.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A `salesos ARGS…` command with this environment, to spawn (and kill) by hand.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_salesos"));
        command.args(args).env("SALESOS_DATA_DIR", self.data_dir()).env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            command.env("DATABASE_URL", url);
        }
        command
    }

    /// Runs `salesos ARGS…` with this environment.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("run salesos");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Makes an API key for a user of the only organization and returns the secret.
    pub fn api_key(&self, user: &str) -> String {
        self.run(&["users", "api-key", user, "--json"]).ok()["api_key"].as_str().expect("api key").to_string()
    }

    /// Creates the organization `acme` with admin `admin@acme.io`.
    pub fn with_org(self) -> Env {
        self.run(&["orgs", "create", "acme", "--admin-email", "admin@acme.io", "--json"]).ok();
        self
    }
}
