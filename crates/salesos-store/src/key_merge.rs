//! SQLite's two-level match-key index: new keys go to the small `match_keys_recent` table, which
//! is merged into `match_keys` in key order once it holds [`MERGE_AT_KEYS`] keys and an eighth
//! of the main table (a merge rewrites most of the main table's pages, so it must pay for itself).
//!
//! Inserting a batch of random keys straight into a B-tree of millions dirties most of its leaf
//! pages, and every commit writes them all again to the WAL; the small table keeps that cost
//! bounded, and a merge rewrites the big table's pages once for hundreds of thousands of keys.
//! Readers see both tables in one statement, so a merge (one transaction) is invisible to them.
//! PostgreSQL keeps one level (its WAL logs each index insert, not whole pages per commit; the
//! merges cost more than they saved there).

use crate::error::Result;
use crate::sql::Tx;
use crate::Store;
use std::sync::atomic::{AtomicU64, Ordering};

/// The fewest recent keys that are merged into the main table.
pub(crate) const MERGE_AT_KEYS: i64 = 262_144;

/// Recent keys are merged once they are at least this fraction of the keys merged so far.
const MERGE_AT_FRACTION_OF_MAIN: i64 = 8;

/// How many keys this process inserts between two looks at the recent table's size.
const CHECK_EVERY_KEYS: u64 = 65_536;

/// Keys this process has inserted into the recent table since it last looked at its size.
#[derive(Debug, Default)]
pub(crate) struct RecentKeys {
    since_check: AtomicU64,
}

impl RecentKeys {
    /// Counts inserted keys; returns whether it is time to look at the table's size.
    fn added(&self, keys: u64) -> bool {
        let total = self.since_check.fetch_add(keys, Ordering::Relaxed) + keys;
        if total >= CHECK_EVERY_KEYS {
            self.since_check.store(0, Ordering::Relaxed);
            true
        } else {
            false
        }
    }
}

/// The table that new match keys go to.
pub(crate) fn new_keys_table(tx: &Tx<'_>) -> &'static str {
    if tx.is_sqlite() {
        "match_keys_recent"
    } else {
        "match_keys"
    }
}

/// Moves every recent key into the main table in one transaction (SQLite serializes writers);
/// returns the number of keys moved.
pub(crate) fn merge_in(tx: &mut Tx<'_>) -> Result<u64> {
    // The keys about to move join their objects' filters in this transaction (SQLite only
    // merges), so the filters hold every key of the main table whenever a reader looks.
    if let Tx::Sqlite(sqlite) = tx {
        crate::key_filter::add_recent_keys(sqlite)?;
    }
    // Per object too (the recent rows, an upper bound of what moves): a key snapshot's bound.
    tx.exec(
        "INSERT INTO meta (key, value)
         SELECT 'match_keys_merged.' || object_id, CAST(COUNT(*) AS TEXT) FROM match_keys_recent WHERE true GROUP BY object_id
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT)",
        &[],
    )?;
    // A WITHOUT ROWID table is read in primary-key order: the main table's pages are visited in
    // order, each once.
    let moved =
        tx.exec("INSERT OR IGNORE INTO match_keys SELECT object_id, kind, key_hash, record_id FROM match_keys_recent", &[])?;
    tx.exec("DELETE FROM match_keys_recent", &[])?;
    tx.exec(
        "INSERT INTO meta (key, value) VALUES ('match_keys_merged', CAST($1 AS TEXT))
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + $1 AS TEXT)",
        &[(moved as i64).into()],
    )?;
    Ok(moved)
}

/// Whether the recent keys are due for a merge, given how many keys were merged before.
fn merge_due(recent: i64, merged: i64) -> bool {
    recent >= MERGE_AT_KEYS.max(merged / MERGE_AT_FRACTION_OF_MAIN)
}

impl Store {
    /// Notes `keys` new match keys, just committed; merges the recent table into the main one
    /// when it is large.
    ///
    /// Never fails: the keys are already committed and correct in the recent table, so a merge
    /// that cannot run now (the database busy past its timeout, say) is left for the next look
    /// rather than turned into an error for a write that succeeded.
    pub(crate) fn after_keys_added(&self, keys: usize) {
        if self.backend_name() != "sqlite" || keys == 0 || !self.recent_keys.added(keys as u64) {
            return;
        }
        let due = self.read(|tx| {
            let row = tx.query_one(
                "SELECT (SELECT COUNT(*) FROM match_keys_recent),
                        COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'match_keys_merged'), 0)",
                &[],
            )?;
            Ok(merge_due(row.int(0)?, row.int(1)?))
        });
        if let Ok(true) = due {
            // Deliberately ignored: see above; the next look retries.
            let _ = self.merge_recent_keys();
        }
    }

    /// Merges every recent match key into the main table now (SQLite); returns how many were moved.
    pub fn merge_recent_keys(&self) -> Result<u64> {
        if self.backend_name() != "sqlite" {
            return Ok(0);
        }
        self.write(merge_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_is_looked_at_once_per_check_interval() {
        let recent = RecentKeys::default();
        assert!(!recent.added(CHECK_EVERY_KEYS - 1));
        assert!(recent.added(1));
        assert!(!recent.added(10), "the count starts again after a look");
        assert!(recent.added(CHECK_EVERY_KEYS * 3), "one large batch is enough");
    }

    #[test]
    fn a_merge_waits_for_an_eighth_of_the_main_table() {
        assert!(!merge_due(MERGE_AT_KEYS - 1, 0));
        assert!(merge_due(MERGE_AT_KEYS, 0));
        assert!(merge_due(MERGE_AT_KEYS, 2_000_000));
        assert!(!merge_due(400_000, 4_000_000));
        assert!(merge_due(500_000, 4_000_000));
    }
}
