//! The PostgreSQL backend, for deployments that outgrow one machine: several server processes
//! share one database. Migrations run under an advisory lock so concurrent starts are safe.

pub(crate) mod dialect;
pub(crate) mod records;

use crate::error::{Result, StoreError};
use crate::pool::{Pool, Pooled};
use crate::sql::Tx;
use postgres::{Client, Config, NoTls};
use std::str::FromStr;

/// Advisory lock key held while migrating (any constant unique to SalesOS Data).
const MIGRATION_LOCK: i64 = 0x5a1e_50d0_0001;

/// An open PostgreSQL database.
pub(crate) struct PostgresBackend {
    config: Config,
    pool: Pool<Client>,
}

impl PostgresBackend {
    /// Connects and applies migrations.
    pub fn open(url: &str) -> Result<PostgresBackend> {
        let config = Config::from_str(url)
            .map_err(|err| StoreError::InvalidLocation { location: redact(url), reason: err.to_string() })?;
        let backend = PostgresBackend { config, pool: Pool::new(16) };
        backend.write(|tx| {
            tx.exec("SELECT pg_advisory_xact_lock($1)", &[MIGRATION_LOCK.into()])?;
            crate::migrate::run(tx, crate::migrate::POSTGRES)
        })?;
        Ok(backend)
    }

    /// Borrows a connection.
    pub fn conn(&self) -> Result<Pooled<'_, Client>> {
        self.pool.get(|| {
            self.config.connect(NoTls).map_err(|err| StoreError::Unavailable(format!("cannot connect to PostgreSQL: {err}")))
        })
    }

    /// Runs `f` in a transaction and commits if it succeeds.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        if conn.is_closed() {
            conn.discard();
            conn = self.conn()?;
        }
        let tx = conn.transaction()?;
        let mut tx = Tx::Postgres(tx);
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`PostgresBackend::write`] whose commit does not wait for the WAL flush
    /// (`synchronous_commit = off` for this transaction only): the next commit that waits
    /// flushes the WAL up to its own record, which covers this one. For batches an import can
    /// redo: a crash takes back the batch together with its checkpoint.
    pub fn write_deferred<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.write(|tx| {
            tx.batch("SET LOCAL synchronous_commit = off")?;
            f(tx)
        })
    }

    /// Runs `f` in a read-only transaction with one snapshot.
    pub fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        if conn.is_closed() {
            conn.discard();
            conn = self.conn()?;
        }
        let tx = conn.build_transaction().read_only(true).isolation_level(postgres::IsolationLevel::RepeatableRead).start()?;
        let mut tx = Tx::Postgres(tx);
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }
}

/// Removes a password from a connection URL before it appears in a message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
