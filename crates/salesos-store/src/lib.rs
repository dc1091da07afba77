//! All SQL of SalesOS Data: one [`Store`] over two backends, SQLite (embedded default) and
//! PostgreSQL (several processes on one database), which pass one conformance suite.
//!
//! Each public operation lives in the module of its area (`orgs`, `users`, `schema`, `records`,
//! `ops`, `jobs`, `files`) and either runs portable SQL (`sql.rs`) or dispatches once to the
//! backend's own code in `sqlite/` or `postgres/` for the hot paths (bulk writes, key lookups).

mod bulk;
mod compile;
mod error;
pub mod files;
mod import_config;
mod import_log;
mod jobs;
mod key_filter;
mod key_merge;
mod key_snapshot;
mod migrate;
mod ops;
mod orgs;
mod pool;
mod postgres;
mod records;
mod schema;
mod sql;
mod sqlite;
mod templates;
mod undo;
mod users;
pub mod workers;

pub use error::{Result, StoreError};
pub use import_config::{SavedMapping, StoredRule};
pub use import_log::{ImportFinish, ImportLog, NewImport, Notification, RowOutcome};
pub use key_snapshot::KeySnapshot;
pub use migrate::latest_version;
pub use postgres::redact as redact_url;
pub use records::{CommitBatch, CommitReceipt, OutcomeLink, Page, PlaceholderIds, UpdateOutcome, WriteContext};
pub use templates::SavedTemplate;
pub use undo::{InboundReference, UndoAction, UndoItem, UndoResult};
pub use users::{ApiKey, NewUser, Session};

use sql::Tx;
use std::path::Path;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Location {
    /// Parses a database URL: `postgres://…` / `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`, or a bare path.
    pub fn parse(url: &str) -> Location {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Location::Postgres(url.to_string())
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Location::Sqlite(path.into())
        }
    }
}

enum Backend {
    Sqlite(sqlite::SqliteBackend),
    Postgres(Box<postgres::PostgresBackend>),
}

/// The database of SalesOS Data.
pub struct Store {
    backend: Backend,
    recent_keys: key_merge::RecentKeys,
}

impl Store {
    /// Opens a database and applies pending migrations.
    ///
    /// A database written by a newer program is refused with [`StoreError::TooNew`]; a file that
    /// is locked, read-only or corrupt gives [`StoreError::Unavailable`] naming the file.
    pub fn open(location: &Location) -> Result<Store> {
        let backend = match location {
            Location::Sqlite(path) => Backend::Sqlite(sqlite::SqliteBackend::open(path)?),
            Location::Postgres(url) => Backend::Postgres(Box::new(postgres::PostgresBackend::open(url)?)),
        };
        Ok(Store { backend, recent_keys: key_merge::RecentKeys::default() })
    }

    /// Opens an SQLite database file.
    pub fn open_sqlite(path: &Path) -> Result<Store> {
        Store::open(&Location::Sqlite(path.to_path_buf()))
    }

    /// Caps SQLite's page cache per connection (MiB each; default 256, with a memory map as
    /// large) and turns the memory map off, for processes that must stay small, such as a large
    /// import. PostgreSQL keeps its memory in the server, so this does nothing there.
    pub fn set_memory_mib(&self, mib: u64) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(backend) => backend.set_memory_mib(mib.max(1)),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Whether the database runs inside this process (SQLite), where a query costs no round
    /// trip to a server.
    pub fn is_embedded(&self) -> bool {
        matches!(self.backend, Backend::Sqlite(_))
    }

    /// Returns `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Runs `f` in a write transaction.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(backend) => backend.write(f),
            Backend::Postgres(backend) => backend.write(f),
        }
    }

    /// Runs `f` in a write transaction whose commit does not wait for the disk; the next commit
    /// that waits makes it durable too. Only for work that is redone after a crash.
    pub(crate) fn write_deferred<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(backend) => backend.write_deferred(f),
            Backend::Postgres(backend) => backend.write_deferred(f),
        }
    }

    /// Runs `f` in a read transaction.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(backend) => backend.read(f),
            Backend::Postgres(backend) => backend.read(f),
        }
    }

    /// Merges the recent match keys into the main index and refreshes planner statistics (and, on
    /// PostgreSQL, the visibility map) after a bulk load, so that key lookups use index-only
    /// scans at once instead of waiting for autovacuum.
    pub fn optimize_after_bulk_load(&self) -> Result<()> {
        self.merge_recent_keys()?;
        match &self.backend {
            Backend::Sqlite(backend) => {
                backend.conn()?.execute_batch("PRAGMA optimize;")?;
            }
            Backend::Postgres(backend) => {
                // VACUUM cannot run inside a transaction block, so one statement per call.
                let mut conn = backend.conn()?;
                conn.batch_execute("VACUUM (ANALYZE) records")?;
                conn.batch_execute("VACUUM (ANALYZE) match_keys")?;
            }
        }
        Ok(())
    }

    /// Returns a value of the key-value `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.read(|tx| tx.query_opt("SELECT value FROM meta WHERE key = $1", &[key.into()])?.map(|r| r.text(0)).transpose())
    }

    /// Sets a `meta` value only if the key is absent; returns whether this call set it.
    ///
    /// Two processes racing on the same key see exactly one `true` (used so that two servers
    /// starting at once create one demo, not two).
    pub fn set_meta_once(&self, key: &str, value: &str) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[key.into(), value.into()],
            )?;
            Ok(changed == 1)
        })
    }
}

/// Returns the current time in ms since the Unix epoch; used only for migration bookkeeping.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests;
