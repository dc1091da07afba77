//! Resolves the global options into a running context: settings, the open store, the
//! organization and the acting user. The only module that reads the clock and the environment
//! (through clap's `env`).

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};
use salesos_model::error::ErrorCode;
use salesos_store::{Location, Store};

/// Where things live, resolved once from the command line and environment.
pub struct Settings {
    /// The data folder (SQLite database, stored files).
    pub data_dir: std::path::PathBuf,
    /// The database.
    pub location: Location,
}

impl Settings {
    /// Resolves settings from the global options.
    pub fn from_args(args: &GlobalArgs) -> Settings {
        let location = match &args.database_url {
            Some(url) if !url.trim().is_empty() => Location::parse(url.trim()),
            _ => Location::Sqlite(args.data_dir.join("salesos.db")),
        };
        Settings { data_dir: args.data_dir.clone(), location }
    }

    /// Opens the store, creating the data folder for SQLite.
    pub fn open_store(&self) -> CliResult<Store> {
        if let Location::Sqlite(path) = &self.location {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|err| {
                    CliError::new(
                        ErrorCode::DatabaseUnavailable,
                        format!("cannot create data folder {}: {err}", parent.display()),
                    )
                })?;
            }
        }
        Ok(Store::open(&self.location)?)
    }
}

pub use salesos_app::Actor;

/// Resolves `--org` and `--as` (defaults: the only organization, its first admin).
pub fn actor(store: &Store, args: &GlobalArgs) -> CliResult<Actor> {
    Actor::resolve(store, args.org.as_deref(), args.as_user.as_deref())
}

/// Returns the current time in ms since the Unix epoch.
#[allow(clippy::disallowed_methods)] // The binary owns the clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
