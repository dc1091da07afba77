//! The conformance suite: every test runs against a fresh SQLite file and a fresh PostgreSQL
//! database. PostgreSQL comes from `SALESOS_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); when it is unreachable the PostgreSQL half
//! is skipped with a message, except under `CI=true`, where it fails.

mod conformance;
pub(crate) mod support;
