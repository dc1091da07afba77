//! The `salesos` binary: parses the command line, runs the command in-process against the
//! store, and turns every failure into the shared error object and a documented exit code.
//!
//! Exit codes: 0 success, 1 finished but some rows failed, 2 usage or input error, 3 failure of
//! the machine (database, disk).

mod cli;
mod commands;
mod context;
mod error;
mod output;

use clap::Parser;

/// mimalloc: the server and bulk paths allocate many small strings; glibc's allocator spent a
/// third of a page request in malloc and free (see BENCHMARKS.md). Its v2 line returns freed
/// pages sooner than v3 (ARCHITECTURE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    let json_requested = std::env::args().any(|arg| arg == "--json");
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let usage = matches!(err.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion);
            if usage {
                let _ = err.print();
                return ExitCode::SUCCESS;
            }
            if json_requested {
                let body = salesos_model::error::ErrorBody::new(
                    salesos_model::error::ErrorCode::InvalidRequest,
                    err.kind().to_string() + ": " + &first_line(&err.to_string()),
                );
                println!("{}", body.to_json());
            } else {
                let _ = err.print();
            }
            return ExitCode::from(2);
        }
    };
    let json = cli.global.json;
    match commands::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(err) => {
            if json {
                println!("{}", err.body.to_json());
            } else {
                eprintln!("error: {}", err.body.message);
            }
            ExitCode::from(err.body.code.exit_code() as u8)
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim_start_matches("error: ").to_string()
}
