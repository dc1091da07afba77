//! Runs a parsed command; each command group has its own module.

mod generate;
mod import;
mod objects;
mod orgs;
mod records;
mod users;

use crate::cli::{Cli, Command};
use crate::context::{now_ms, Actor};
use crate::error::{CliError, CliResult};
use salesos_model::access::Action;
use salesos_model::error::ErrorCode;
use salesos_model::ops::{AuditEntry, AuditOutcome};
use salesos_store::Store;

/// Runs a command and returns the exit status for success (0, or 1 when some rows failed).
pub fn run(cli: Cli) -> CliResult<u8> {
    let settings = crate::context::Settings::from_args(&cli.global);
    match cli.command {
        // Writing a file needs no database.
        Command::Generate(args) if !args.into_store => generate::to_file(&cli.global, args),
        Command::Generate(args) => generate::into_store(&settings.open_store()?, &cli.global, args),
        Command::Records(command) => records::run(&settings.open_store()?, &cli.global, command),
        Command::Objects(command) => objects::run(&settings.open_store()?, &cli.global, command),
        Command::Orgs(command) => orgs::run(&settings.open_store()?, &cli.global, command),
        Command::Users(command) => users::run(&settings.open_store()?, &cli.global, command),
        // A preview reads only the file: no database.
        Command::Import(args) => import::run(&cli.global, args),
    }
}

/// Refuses unless the actor may do `action` on the object.
pub(crate) fn require(actor: &Actor, object: &str, action: Action) -> CliResult<()> {
    if actor.principal.can(object, action) {
        Ok(())
    } else {
        let verb = match action {
            Action::Read => "read",
            Action::Edit => "edit",
            Action::Import => "import",
            Action::Export => "export",
        };
        Err(CliError::new(ErrorCode::Forbidden, format!("{} may not {verb} {object}", actor.user.email)))
    }
}

/// Refuses unless the actor administers the organization.
pub(crate) fn require_admin(actor: &Actor) -> CliResult<()> {
    if actor.principal.is_admin() {
        Ok(())
    } else {
        Err(CliError::new(ErrorCode::Forbidden, format!("{} is not an admin of {}", actor.user.email, actor.org.name)))
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
    store.append_audit(&AuditEntry {
        at: now_ms(),
        org_id: actor.org.id,
        actor: Some(actor.user.id),
        action: action.into(),
        object: object.map(str::to_string),
        count,
        outcome: AuditOutcome::Success,
        detail: detail.to_string(),
    })?;
    Ok(())
}
