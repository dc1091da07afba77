//! The black-box suite: runs the real `salesos` binary (and later the server) against fresh
//! databases. One integration binary for the whole crate keeps linking cheap.

mod cli_errors;
mod cli_generate;
mod cli_import;
mod cli_objects;
mod cli_records;
mod cli_users;
mod support;
mod tidy;
