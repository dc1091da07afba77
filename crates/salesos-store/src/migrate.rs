//! Schema migrations: numbered SQL files per backend, applied in order at open; a database from
//! a newer program is refused.

use crate::error::{Result, StoreError};
use crate::sql::Tx;

/// SQLite migrations, in order.
pub(crate) const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_sessions.sql")),
    (3, include_str!("../migrations/sqlite/0003_import_config.sql")),
    (4, include_str!("../migrations/sqlite/0004_import_jobs.sql")),
    (5, include_str!("../migrations/sqlite/0005_recent_match_keys.sql")),
    (6, include_str!("../migrations/sqlite/0006_key_writes.sql")),
    (7, include_str!("../migrations/sqlite/0007_merged_keys_per_object.sql")),
    (8, include_str!("../migrations/sqlite/0008_key_filters.sql")),
    (9, include_str!("../migrations/sqlite/0009_one_record_index.sql")),
];
/// PostgreSQL migrations, in order.
pub(crate) const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_sessions.sql")),
    (3, include_str!("../migrations/postgres/0003_import_config.sql")),
    (4, include_str!("../migrations/postgres/0004_import_jobs.sql")),
    (5, include_str!("../migrations/postgres/0005_recent_match_keys.sql")),
    (6, include_str!("../migrations/postgres/0006_key_writes.sql")),
    (7, include_str!("../migrations/postgres/0007_merged_keys_per_object.sql")),
    (8, include_str!("../migrations/postgres/0008_key_filters.sql")),
    (9, include_str!("../migrations/postgres/0009_one_record_index.sql")),
];

/// Returns the newest schema version this program knows.
pub fn latest_version() -> i64 {
    SQLITE.last().map(|(v, _)| *v).unwrap_or(0)
}

/// Applies pending migrations inside the given transaction (the caller holds the write lock).
pub(crate) fn run(tx: &mut Tx<'_>, migrations: &[(i64, &str)]) -> Result<i64> {
    tx.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")?;
    let current = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?.int(0)?;
    let supported = migrations.last().map(|(v, _)| *v).unwrap_or(0);
    if current > supported {
        return Err(StoreError::TooNew { found: current, supported });
    }
    let now = crate::now_ms();
    for (version, sql) in migrations.iter().filter(|(v, _)| *v > current) {
        tx.batch(sql)?;
        tx.exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[(*version).into(), now.into()])?;
    }
    Ok(supported)
}
