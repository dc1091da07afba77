//! Runs a parsed command; each command group has its own module.

mod generate;
mod history;
mod import;
mod objects;
mod orgs;
mod records;
mod serve;
mod templates;
mod users;

use crate::cli::{Cli, Command};
use crate::context::{now_ms, Actor};
use crate::error::CliResult;
use salesos_store::Store;

/// Runs a command and returns the exit status for success (0, or 1 when some rows failed).
pub fn run(cli: Cli) -> CliResult<u8> {
    let settings = crate::context::Settings::from_args(&cli.global);
    match cli.command {
        // Writing a file needs no database.
        Command::Generate(args) if !args.into_store => generate::to_file(&cli.global, args),
        Command::Generate(args) => generate::into_store(&settings.open_store()?, &cli.global, args),
        Command::Serve(args) => serve::run(&settings, args),
        Command::Records(command) => records::run(&settings.open_store()?, &cli.global, command),
        Command::Objects(command) => objects::run(&settings.open_store()?, &cli.global, command),
        Command::Orgs(command) => orgs::run(&settings.open_store()?, &cli.global, command),
        Command::Users(command) => users::run(&settings.open_store()?, &cli.global, command),
        // A preview reads only the file: no database.
        Command::Import(args) => import::run(&cli.global, *args),
        Command::History(args) => history::run(&settings, &cli.global, args),
        Command::Undo(args) => history::undo(&settings, &cli.global, args),
        Command::Templates(command) => templates::run(&settings.open_store()?, &cli.global, command),
    }
}

/// Appends an audit entry for a successful command.
pub(crate) fn audit(
    store: &Store,
    actor: &Actor,
    action: &str,
    object: Option<&str>,
    count: i64,
    detail: serde_json::Value,
) -> CliResult<()> {
    actor.audit(store, now_ms(), action, object, count, detail)
}
