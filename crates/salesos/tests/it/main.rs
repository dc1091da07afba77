//! The black-box suite: runs the real `salesos` binary (and later the server) against fresh
//! databases. One integration binary for the whole crate keeps linking cheap.

// Tests are the edge: they read the environment and the file system directly.
#![allow(clippy::disallowed_methods)]

mod cli_errors;
mod cli_generate;
mod cli_import;
mod cli_import_jobs;
mod cli_import_run;
mod cli_objects;
mod cli_records;
mod cli_templates;
mod cli_users;
mod http_api;
mod http_imports;
mod http_server;
mod http_templates;
mod support;
mod tidy;
