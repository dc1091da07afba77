//! SQLite hot paths: bulk insert with prepared statements reused across the batch, and batched
//! match-key lookups through the `rarray` table-valued function.

use crate::error::Result;
use crate::records::PreparedRecord;
use rusqlite::types::Value;
use rusqlite::{params, Connection, Transaction};
use salesos_model::ids::{ObjectId, OperationId, RecordId};
use std::rc::Rc;

/// Rows inserted by one statement (a few parameters each, far under SQLite's limit of 32,766):
/// one step inserts them all, instead of a step, a reset and the bindings per row.
pub(crate) const ROWS_PER_STATEMENT: usize = 128;

/// `insert` followed by `count` copies of the row `values`, comma-separated.
pub(crate) fn many_rows_sql(insert: &str, values: &str, count: usize) -> String {
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
    for (chunk, chunk_ids) in rows.chunks(ROWS_PER_STATEMENT).zip(ids.chunks(ROWS_PER_STATEMENT)) {
        let sql = many_rows_sql(
            "INSERT INTO records (id, object_id, owner_id, created_at, updated_at, version, data, field_times, external_ids, key_hashes) VALUES ",
            "(?,?,?,?,?,1,?,'{}',?,?)",
            chunk.len(),
        );
        let mut insert = tx.prepare_cached(&sql)?;
        for (index, (row, id)) in chunk.iter().zip(chunk_ids).enumerate() {
            let at = index * 8;
            insert.raw_bind_parameter(at + 1, id.0)?;
            insert.raw_bind_parameter(at + 2, object.0)?;
            insert.raw_bind_parameter(at + 3, row.owner)?;
            insert.raw_bind_parameter(at + 4, now)?;
            insert.raw_bind_parameter(at + 5, now)?;
            insert.raw_bind_parameter(at + 6, &row.data_json)?;
            insert.raw_bind_parameter(at + 7, &row.external_ids_json)?;
            insert.raw_bind_parameter(at + 8, &row.key_hashes)?;
        }
        insert.raw_execute()?;
    }
    let mut keys: Vec<(i64, i64, i64)> = Vec::with_capacity(rows.len() * 3);
    for (row, id) in rows.iter().zip(&ids) {
        keys.extend(row.keys.iter().map(|(kind, hash)| (*kind, *hash, id.0)));
    }
    keys.sort_unstable();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = many_rows_sql(
            "INSERT OR IGNORE INTO match_keys_recent (object_id, kind, key_hash, record_id) VALUES ",
            "(?,?,?,?)",
            chunk.len(),
        );
        let mut insert_keys = tx.prepare_cached(&sql)?;
        for (index, (kind, hash, id)) in chunk.iter().enumerate() {
            let at = index * 4;
            insert_keys.raw_bind_parameter(at + 1, object.0)?;
            insert_keys.raw_bind_parameter(at + 2, kind)?;
            insert_keys.raw_bind_parameter(at + 3, hash)?;
            insert_keys.raw_bind_parameter(at + 4, id)?;
        }
        insert_keys.raw_execute()?;
    }
    if let Some((operation, first_seq)) = journal {
        let entries: Vec<(i64, &PreparedRecord, &RecordId)> =
            rows.iter().zip(&ids).enumerate().map(|(offset, (row, id))| (first_seq + offset as i64, row, id)).collect();
        for chunk in entries.chunks(ROWS_PER_STATEMENT) {
            let sql = many_rows_sql(
                "INSERT INTO journal (operation_id, seq, record_id, object_id, op, version_after, before, source_row) VALUES ",
                "(?,?,?,?,'created',1,NULL,?)",
                chunk.len(),
            );
            let mut insert_entries = tx.prepare_cached(&sql)?;
            for (index, (seq, row, id)) in chunk.iter().enumerate() {
                let at = index * 5;
                insert_entries.raw_bind_parameter(at + 1, operation.0)?;
                insert_entries.raw_bind_parameter(at + 2, seq)?;
                insert_entries.raw_bind_parameter(at + 3, id.0)?;
                insert_entries.raw_bind_parameter(at + 4, object.0)?;
                insert_entries.raw_bind_parameter(at + 5, row.source_row)?;
            }
            insert_entries.raw_execute()?;
        }
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
