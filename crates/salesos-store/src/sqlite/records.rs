//! SQLite hot paths: bulk insert with prepared statements reused across the batch, and batched
//! match-key lookups through the `rarray` table-valued function.

use crate::error::Result;
use crate::key_snapshot::BloomFilter;
use crate::records::PreparedRecord;
use rusqlite::types::Value;
use rusqlite::{params, CachedStatement, Connection, ToSql, Transaction};
use salesos_model::ids::{ObjectId, OperationId, RecordId};
use std::rc::Rc;

/// Rows inserted by one statement (a few parameters each, far under SQLite's limit of 32,766):
/// one step inserts them all, instead of a step, a reset and the bindings per row.
const ROWS_PER_STATEMENT: usize = 128;

/// `insert` followed by `count` copies of the row `values`, comma-separated.
fn many_rows_sql(insert: &str, values: &str, count: usize) -> String {
    let mut sql = String::with_capacity(insert.len() + count * (values.len() + 1));
    sql.push_str(insert);
    for index in 0..count {
        if index > 0 {
            sql.push(',');
        }
        sql.push_str(values);
    }
    sql
}

/// The parameters of a multi-row statement, bound one after the other.
pub(crate) struct RowParams<'s, 'c> {
    statement: &'s mut CachedStatement<'c>,
    next: usize,
}

impl RowParams<'_, '_> {
    /// Binds the next parameter.
    pub fn bind(&mut self, value: impl ToSql) -> rusqlite::Result<&mut Self> {
        self.statement.raw_bind_parameter(self.next, value)?;
        self.next += 1;
        Ok(self)
    }
}

/// Statement sizes for `count` rows: [`ROWS_PER_STATEMENT`] while that many are left, then the
/// remainder's powers of two (100 → 64, 32, 4). Each size is a distinct prepared statement kept
/// in the connection's cache, so a table never has more than eight, whatever the batch sizes
/// (one statement per remainder grew the cache by megabytes over a long import).
fn statement_sizes(count: usize) -> impl Iterator<Item = usize> {
    // The remainder is split by its bits below ROWS_PER_STATEMENT's one bit.
    const { assert!(ROWS_PER_STATEMENT.is_power_of_two()) };
    let full = std::iter::repeat_n(ROWS_PER_STATEMENT, count / ROWS_PER_STATEMENT);
    let rest = count % ROWS_PER_STATEMENT;
    full.chain((0..ROWS_PER_STATEMENT.trailing_zeros()).rev().map(|bit| 1 << bit).filter(move |size| rest & size != 0))
}

/// Inserts `items` up to [`ROWS_PER_STATEMENT`] per statement ([`statement_sizes`]): `insert`
/// (up to `VALUES `) followed by the row `values` once per item, whose parameters `bind` binds
/// in order.
pub(crate) fn insert_many<T>(
    conn: &Connection,
    insert: &str,
    values: &str,
    items: &[T],
    bind: impl Fn(&mut RowParams<'_, '_>, &T) -> rusqlite::Result<()>,
) -> Result<()> {
    let mut rest = items;
    for size in statement_sizes(items.len()) {
        let (chunk, after) = rest.split_at(size);
        rest = after;
        let mut statement = conn.prepare_cached(&many_rows_sql(insert, values, chunk.len()))?;
        let mut params = RowParams { statement: &mut statement, next: 1 };
        for item in chunk {
            bind(&mut params, item)?;
        }
        statement.raw_execute()?;
    }
    Ok(())
}

/// Inserts prepared records, their keys (sorted, so index pages are touched in order) and journal entries.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    object: ObjectId,
    rows: &[PreparedRecord],
    now: i64,
    journal: Option<(OperationId, i64)>,
) -> Result<Vec<RecordId>> {
    // The write transaction holds SQLite's one write lock, so the ids are the ones SQLite would
    // pick itself (one past the largest), known before the insert: many rows per statement.
    let last: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM records", [], |row| row.get(0))?;
    let ids: Vec<RecordId> = (1..=rows.len() as i64).map(|offset| RecordId(last + offset)).collect();
    let records: Vec<(&PreparedRecord, RecordId)> = rows.iter().zip(ids.iter().copied()).collect();
    insert_many(
        tx,
        "INSERT INTO records (id, object_id, owner_id, created_at, updated_at, version, data, field_times, external_ids, key_hashes) VALUES ",
        "(?,?,?,?,?,1,?,'{}',?,?)",
        &records,
        |params, (row, id)| {
            params.bind(id.0)?.bind(object.0)?.bind(row.owner)?.bind(now)?.bind(now)?;
            params.bind(&row.data_json)?.bind(row.external_ids())?.bind(row.key_hashes())?;
            Ok(())
        },
    )?;
    let mut keys: Vec<(i64, i64, i64)> = Vec::with_capacity(rows.len() * 3);
    for (row, id) in rows.iter().zip(&ids) {
        keys.extend(row.keys.iter().map(|(kind, hash)| (*kind, *hash, id.0)));
    }
    keys.sort_unstable();
    insert_many(
        tx,
        "INSERT OR IGNORE INTO match_keys_recent (object_id, kind, key_hash, record_id) VALUES ",
        "(?,?,?,?)",
        &keys,
        |params, (kind, hash, id)| {
            params.bind(object.0)?.bind(kind)?.bind(hash)?.bind(id)?;
            Ok(())
        },
    )?;
    if !keys.is_empty() {
        let operation = journal.map(|(operation, _)| operation);
        tx.prepare_cached(&crate::sql::sqlite_placeholders(crate::key_snapshot::NOTE_KEY_WRITES))?
            .execute(params![object.0, crate::key_snapshot::operation_code(operation)])?;
    }
    if let Some((operation, first_seq)) = journal {
        insert_many(
            tx,
            "INSERT INTO journal (operation_id, seq, record_id, object_id, op, version_after, before, source_row) VALUES ",
            "(?,?,?,?,'created',1,NULL,?)",
            &records.iter().enumerate().collect::<Vec<_>>(),
            |params, (offset, (row, id))| {
                params.bind(operation.0)?.bind(first_seq + *offset as i64)?.bind(id.0)?.bind(object.0)?;
                params.bind(row.source_row)?;
                Ok(())
            },
        )?;
    }
    Ok(ids)
}

/// Looks up many key hashes of one kind in one statement over both key tables (only the main
/// one when no recent keys of this kind are waiting to be merged, which skips a second probe per
/// key; none when neither table holds a key of this kind); returns (hash, record id) pairs, a
/// pair twice when both tables hold it.
pub(crate) fn lookup(conn: &Connection, object: ObjectId, kind: i64, hashes: &[i64]) -> Result<Vec<(i64, i64)>> {
    // A key that was in the main table when the recent one was seen without keys of this kind
    // stays there (a merge only adds to it); a key added after the look is as if added after the
    // lookup. With no key of this kind in either table (an organization's first import, or its
    // preview), there is nothing to probe.
    let any = |table: &str| -> rusqlite::Result<bool> {
        conn.prepare_cached(&format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE object_id = ?1 AND kind = ?2)"))?
            .query_row(params![object.0, kind], |row| row.get(0))
    };
    let recent = any("match_keys_recent")?;
    if !recent && !any("match_keys")? {
        return Ok(Vec::new());
    }
    let values: Rc<Vec<Value>> = Rc::new(hashes.iter().map(|h| Value::Integer(*h)).collect());
    // The array drives the loop (one index probe per hash, in the caller's sorted order): `IN
    // rarray(…)` first copied every hash into a temporary B-tree, which cost more than the probes
    // when the index is small or empty (an organization's first import).
    let sql = if recent {
        "SELECT m.key_hash, m.record_id FROM rarray(?3) AS h CROSS JOIN match_keys AS m
           ON m.object_id = ?1 AND m.kind = ?2 AND m.key_hash = h.value
         UNION ALL
         SELECT m.key_hash, m.record_id FROM rarray(?3) AS h CROSS JOIN match_keys_recent AS m
           ON m.object_id = ?1 AND m.kind = ?2 AND m.key_hash = h.value"
    } else {
        "SELECT m.key_hash, m.record_id FROM rarray(?3) AS h CROSS JOIN match_keys AS m
           ON m.object_id = ?1 AND m.kind = ?2 AND m.key_hash = h.value"
    };
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params![object.0, kind, values], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Reads, in one read transaction, the write epoch, the object's stored key filters
/// ([`crate::key_filter`], which hold every key of the main table) and every recent match key of
/// `kinds` that `object` holds into a Bloom filter; without stored filters, the main table's keys
/// too. `None` when more than `max_keys` keys would have to be read (a bound read without a
/// scan: the object's recent keys, plus its merged ones when they must be read too). Returns the
/// epoch, the number of keys read and the filters.
pub(crate) fn snapshot_keys(
    conn: &mut Connection,
    object: ObjectId,
    kinds: &[i64],
    max_keys: u64,
) -> Result<Option<(i64, u64, Vec<BloomFilter>)>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
    let (merged, recent, epoch): (i64, i64, i64) = tx.query_row(
        "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'match_keys_merged.' || ?1), 0),
                (SELECT COUNT(*) FROM match_keys_recent WHERE object_id = ?1),
                (SELECT COALESCE(MAX(epoch), 0) FROM key_writes)",
        [object.0],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let stored = if merged > 0 { crate::key_filter::load(&tx, object)? } else { None };
    let (bound, tables): (i64, &[&str]) = match stored {
        Some(_) => (recent, &["match_keys_recent"]),
        None => (merged.max(0) + recent, &["match_keys", "match_keys_recent"]),
    };
    if bound.max(0) as u64 > max_keys {
        return Ok(None);
    }
    let mut filter = BloomFilter::with_capacity(bound.max(0) as u64);
    let mut keys = 0u64;
    for table in tables {
        let mut statement = tx.prepare(&format!("SELECT key_hash FROM {table} WHERE object_id = ?1 AND kind = ?2"))?;
        for kind in kinds {
            let mut rows = statement.query(params![object.0, kind])?;
            while let Some(row) = rows.next()? {
                filter.insert_key(*kind, row.get(0)?);
                keys += 1;
            }
        }
    }
    let mut filters = stored.unwrap_or_default();
    filters.push(filter);
    Ok(Some((epoch, keys, filters)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_sizes_cover_every_row_with_few_distinct_sizes() {
        let mut distinct = std::collections::BTreeSet::new();
        for count in 0..1_000 {
            let sizes: Vec<usize> = statement_sizes(count).collect();
            assert_eq!(sizes.iter().sum::<usize>(), count, "{count} rows");
            assert!(sizes.iter().all(|size| size.is_power_of_two() && *size <= ROWS_PER_STATEMENT));
            distinct.extend(sizes);
        }
        assert_eq!(distinct.len(), 8, "{distinct:?}");
        assert_eq!(statement_sizes(300).collect::<Vec<_>>(), [128, 128, 32, 8, 4]);
    }
}
