//! The SQLite backend: the embedded default. One file under the data directory in WAL mode,
//! shared safely by a CLI process and a running server (busy timeout, short write transactions).

pub(crate) mod dialect;
pub(crate) mod records;

use crate::error::{is_sqlite_unavailable, Result, StoreError};
use crate::pool::{Pool, Pooled};
use crate::sql::Tx;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// An open SQLite database.
pub(crate) struct SqliteBackend {
    path: PathBuf,
    pool: Pool<Connection>,
    /// Page cache ceiling per connection, MiB (and the memory map's, unless capped).
    memory_mib: AtomicU64,
    /// Whether a process capped its memory ([`SqliteBackend::set_memory_mib`]): its connections
    /// then read through the page cache alone, with no memory map.
    capped: AtomicBool,
}

/// Every commit waits until the WAL is on disk (see `connect`).
const SYNC_EVERY_COMMIT: &str = "PRAGMA synchronous = FULL";

/// The default page cache and memory map ceiling per connection (each), MiB.
const DEFAULT_MEMORY_MIB: u64 = 256;

fn unavailable(path: &Path, err: rusqlite::Error) -> StoreError {
    if is_sqlite_unavailable(&err) {
        let hint = match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                "it is locked by another process that holds a long write transaction; try again when it finishes"
            }
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied) => {
                "it (or its folder) is read-only; SalesOS Data needs to write the file and its -wal and -shm companions"
            }
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                "it is not an SQLite database or it is corrupt; restore it from a backup"
            }
            _ => "check that the path exists and is writable",
        };
        StoreError::Unavailable(format!("cannot use database file {}: {hint} ({err})", path.display()))
    } else {
        StoreError::Sqlite(err)
    }
}

/// The cache and memory-map pragmas for a ceiling in MiB. A capped process maps nothing: mapped
/// pages of the database count in its resident memory as they are touched, and the 1M-row
/// import peaked 10 MB higher with its 4 MiB windows (86-101 MB against 89-90 MB).
fn memory_pragmas(mib: u64, capped: bool) -> String {
    let mmap_bytes = if capped { 0 } else { mib * 1024 * 1024 };
    format!("PRAGMA cache_size = -{}; PRAGMA mmap_size = {mmap_bytes};", mib * 1024)
}

/// The page size of a database this store creates, in bytes.
const PAGE_SIZE: u32 = 8192;

/// The WAL grows to about this many bytes before a write checkpoints it into the database.
const CHECKPOINT_WAL_BYTES: u64 = 600 << 20;

impl SqliteBackend {
    /// Opens (creating if needed) the database file and applies migrations.
    pub fn open(path: &Path) -> Result<SqliteBackend> {
        let backend = SqliteBackend {
            path: path.to_path_buf(),
            pool: Pool::new(8),
            memory_mib: AtomicU64::new(DEFAULT_MEMORY_MIB),
            capped: AtomicBool::new(false),
        };
        {
            let mut conn = backend.conn()?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| unavailable(path, e))?;
            let mut tx = Tx::Sqlite(tx);
            crate::migrate::run(&mut tx, crate::migrate::SQLITE).map_err(|err| match err {
                StoreError::Sqlite(e) => unavailable(path, e),
                other => other,
            })?;
            tx.commit().map_err(|err| match err {
                StoreError::Sqlite(e) => unavailable(path, e),
                other => other,
            })?;
        }
        Ok(backend)
    }

    /// Caps the page cache of this process's connections, MiB each, and turns their memory map off.
    pub fn set_memory_mib(&self, mib: u64) -> Result<()> {
        self.memory_mib.store(mib, Ordering::Relaxed);
        self.capped.store(true, Ordering::Relaxed);
        // Connections already open (the idle one from opening) take the new ceiling too.
        let conn = self.conn()?;
        conn.execute_batch(&memory_pragmas(mib, true)).map_err(|e| unavailable(&self.path, e))
    }

    fn connect(path: &Path, memory_mib: u64, capped: bool) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| unavailable(path, e))?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(|e| unavailable(path, e))?;
        // WAL lets readers run beside one writer, across processes; FULL sync makes every commit
        // durable when it returns (the WAL is synced; NORMAL would sync only at checkpoints, so a
        // power loss could take back an import reported as done). The cache is a ceiling, not an
        // allocation.
        // A new database gets 8 KiB pages, set before WAL mode writes its first page (an existing
        // database keeps its size: changing it takes a VACUUM). Twice SQLite's default halves the
        // pages a bulk import splits, reads and writes to the WAL: a 1M-row import took 8-10 %
        // less time, a 100k-row one into 1M contacts 2-4 % (BENCHMARKS.md).
        conn.execute_batch(&format!(
            "PRAGMA page_size = {PAGE_SIZE};
             PRAGMA journal_mode = WAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA journal_size_limit = 134217728;"
        ))
        .map_err(|e| unavailable(path, e))?;
        // Checkpoints every 600 MB of WAL (150,000 pages of 4 KiB) copy a page rewritten by many
        // commits once, not once per 200 MB (1M contacts: 8.1 s → 7.1 s); the WAL file is cut
        // back to 128 MB after each checkpoint.
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0)).map_err(|e| unavailable(path, e))?;
        let checkpoint_pages = CHECKPOINT_WAL_BYTES / page_size.max(512) as u64;
        conn.execute_batch(&format!("PRAGMA wal_autocheckpoint = {checkpoint_pages};")).map_err(|e| unavailable(path, e))?;
        conn.execute_batch(SYNC_EVERY_COMMIT).map_err(|e| unavailable(path, e))?;
        conn.execute_batch(&memory_pragmas(memory_mib, capped)).map_err(|e| unavailable(path, e))?;
        // The last connection to close does not copy the WAL into the database: the next writer's
        // automatic checkpoint does (see ARCHITECTURE.md, "Decisions"). The synced WAL is as
        // durable as the database.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(|e| unavailable(path, e))?;
        rusqlite::vtab::array::load_module(&conn).map_err(|e| unavailable(path, e))?;
        // A page request runs about a dozen distinct statements; keep them all prepared.
        conn.set_prepared_statement_cache_capacity(128);
        Ok(conn)
    }

    /// Borrows a connection.
    pub fn conn(&self) -> Result<Pooled<'_, Connection>> {
        self.pool.get(|| Self::connect(&self.path, self.memory_mib.load(Ordering::Relaxed), self.capped.load(Ordering::Relaxed)))
    }

    /// Runs `f` in a write transaction (taking SQLite's write lock at the start, so it never
    /// fails half-way on a lock upgrade) and commits if it succeeds.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.write_on(&mut *self.conn()?, f)
    }

    /// [`SqliteBackend::write`] on a given connection.
    fn write_on<T>(&self, conn: &mut Connection, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| unavailable(&self.path, e))?;
        let mut tx = Tx::Sqlite(tx);
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`SqliteBackend::write`] whose commit does not wait for the disk (`synchronous = NORMAL`
    /// for this transaction only): the WAL is synced by the next commit that does wait, which
    /// makes this one durable too, since WAL frames are written in order. For batches an import
    /// can redo: a power loss takes back the batch together with its checkpoint.
    pub fn write_deferred<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        conn.execute_batch("PRAGMA synchronous = NORMAL").map_err(|e| unavailable(&self.path, e))?;
        let result = self.write_on(&mut conn, f);
        // Back to waiting for the disk, whatever happened: the connection returns to the pool, or
        // is closed if it cannot be set back (the transaction's own outcome stands either way).
        if conn.execute_batch(SYNC_EVERY_COMMIT).is_err() {
            conn.discard();
        }
        result
    }

    /// Runs `f` in a read transaction (one consistent snapshot).
    pub fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(|e| unavailable(&self.path, e))?;
        let mut tx = Tx::Sqlite(tx);
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::SqliteBackend;

    fn synchronous(backend: &SqliteBackend) -> i64 {
        backend.conn().unwrap().query_row("PRAGMA synchronous", [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn a_deferred_commit_lands_and_the_connection_waits_for_the_disk_again() {
        let dir = tempfile::tempdir().unwrap();
        let backend = SqliteBackend::open(&dir.path().join("salesos.db")).unwrap();
        assert_eq!(synchronous(&backend), 2, "FULL");
        backend.write_deferred(|tx| tx.batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")).unwrap();
        let failed = backend.write_deferred(|tx| {
            tx.batch("INSERT INTO t VALUES (2)")?;
            Err::<(), _>(crate::error::StoreError::Invalid("stop".into()))
        });
        assert!(failed.is_err());
        assert_eq!(synchronous(&backend), 2, "FULL again, also after a failed transaction");
        let count: i64 = backend.conn().unwrap().query_row("SELECT count(*) FROM t", [], |row| row.get(0)).unwrap();
        assert_eq!(count, 1, "the first commit landed, the failed one rolled back");
    }

    fn page_size(conn: &rusqlite::Connection) -> u32 {
        conn.query_row("PRAGMA page_size", [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn a_new_database_gets_larger_pages_and_an_existing_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let backend = SqliteBackend::open(&dir.path().join("salesos.db")).unwrap();
        let conn = backend.conn().unwrap();
        assert_eq!(page_size(&conn), super::PAGE_SIZE);
        let checkpoint: i64 = conn.query_row("PRAGMA wal_autocheckpoint", [], |row| row.get(0)).unwrap();
        assert_eq!(checkpoint, (600 << 20) / 8192, "checkpoints every 600 MB of WAL, whatever the page size");
        drop(conn);
        // A database made with SQLite's default 4 KiB pages (an earlier version's) stays so.
        let old = dir.path().join("old.db");
        let conn = rusqlite::Connection::open(&old).unwrap();
        conn.execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);").unwrap();
        drop(conn);
        let backend = SqliteBackend::open(&old).unwrap();
        let conn = backend.conn().unwrap();
        assert_eq!(page_size(&conn), 4096);
        assert_eq!(conn.query_row("PRAGMA wal_autocheckpoint", [], |row| row.get::<_, i64>(0)).unwrap(), 153_600);
        drop(conn);
        backend.write(|tx| tx.batch("INSERT INTO t VALUES (1)")).unwrap();
        assert_eq!(page_size(&backend.conn().unwrap()), 4096, "and works as before");
    }

    #[test]
    fn records_keep_one_index_that_walks_an_object_by_id_and_filters_owners_on_its_entries() {
        let dir = tempfile::tempdir().unwrap();
        let backend = SqliteBackend::open(&dir.path().join("salesos.db")).unwrap();
        let conn = backend.conn().unwrap();
        let mut names = conn.prepare("SELECT name FROM pragma_index_list('records') ORDER BY name").unwrap();
        let names: Vec<String> = names.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(names, ["records_object"]);
        let mut columns = conn.prepare("SELECT name FROM pragma_index_info('records_object') ORDER BY seqno").unwrap();
        let columns: Vec<String> = columns.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(columns, ["object_id", "id", "owner_id"]);
        // A page of a member's own records after a cursor: the index in id order, no sort, and
        // the owner checked on the index entry (the plan names no other index).
        let plan = |sql: &str| -> String {
            let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = statement.query_map([], |row| row.get::<_, String>(3)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
        };
        let page = plan(
            "SELECT r.id, r.data FROM records r INDEXED BY records_object
             WHERE r.object_id = 1 AND r.owner_id IN (2, 3) AND r.id > 10 ORDER BY r.id LIMIT 100",
        );
        assert!(page.contains("USING INDEX records_object (object_id=? AND id>?)"), "{page}");
        assert!(!page.contains("TEMP B-TREE"), "{page}");
        let count = plan("SELECT COUNT(*) FROM records r WHERE r.object_id = 1 AND r.owner_id = 2");
        assert!(count.contains("USING COVERING INDEX records_object (object_id=?)"), "{count}");
    }

    fn memory_settings(conn: &rusqlite::Connection) -> (i64, i64) {
        let cache = conn.query_row("PRAGMA cache_size", [], |row| row.get(0)).unwrap();
        let mmap = conn.query_row("PRAGMA mmap_size", [], |row| row.get(0)).unwrap();
        (cache, mmap)
    }

    #[test]
    fn a_memory_cap_shrinks_the_cache_and_turns_the_memory_map_off_on_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let backend = SqliteBackend::open(&dir.path().join("salesos.db")).unwrap();
        assert_eq!(memory_settings(&backend.conn().unwrap()), (-256 * 1024, 256 << 20), "uncapped: cache and map");
        backend.set_memory_mib(4).unwrap();
        // The pooled connection and one opened after the cap (held at once, so two exist).
        let first = backend.conn().unwrap();
        let second = backend.conn().unwrap();
        assert_eq!(memory_settings(&first), (-4 * 1024, 0));
        assert_eq!(memory_settings(&second), (-4 * 1024, 0));
    }
}
