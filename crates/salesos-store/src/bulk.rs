//! Writing many records' changes at once, shared by undo and import updates: records read for
//! change in one statement (locked, in id order, on PostgreSQL), and a batch of deletions and
//! full-state replacements written with their match keys and journal entries, statement by
//! statement on SQLite (prepared, no round trips) and with array statements and COPY on
//! PostgreSQL.

use crate::error::Result;
use crate::records::{delete_keys, insert_keys, json_param, write_journal, JournalRow, StoredRow, WriteContext};
use crate::sql::{SqlValue, Tx};
use salesos_model::ids::{ObjectId, RecordId};
use salesos_model::ops::JournalOp;
use std::collections::HashMap;

/// One record's change, ready to write.
pub(crate) struct Change {
    pub object: ObjectId,
    pub record: RecordId,
    /// The replaced state, for the journal.
    pub before: String,
    /// The state to write; `None` deletes the record.
    pub restore: Option<Restore>,
    /// Keys to remove and to add: (kind, hash).
    pub removed: Vec<(i64, i64)>,
    pub added: Vec<(i64, i64)>,
    /// The version after (writes) or at deletion.
    pub version: i64,
    /// The source row, for the journal.
    pub source_row: Option<i64>,
}

/// A record's full state to write.
pub(crate) struct Restore {
    pub owner: i64,
    pub data: String,
    pub field_times: String,
    pub external_ids: String,
    pub key_hashes: String,
}

/// Reads records for change by id in one statement (locked on PostgreSQL): id → (object, row).
pub(crate) fn read_many_for_change(tx: &mut Tx<'_>, ids: &[i64]) -> Result<HashMap<i64, (ObjectId, StoredRow)>> {
    let mut found = HashMap::with_capacity(ids.len());
    let mut keep = |row: &crate::sql::Row| -> Result<()> {
        found.insert(
            row.int(0)?,
            (
                ObjectId(row.int(1)?),
                StoredRow {
                    owner: row.int(2)?,
                    updated_at: row.int(3)?,
                    version: row.int(4)?,
                    data: row.text(5)?,
                    field_times: row.text(6)?,
                    external_ids: row.text(7)?,
                    key_hashes: row.text(8)?,
                },
            ),
        );
        Ok(())
    };
    match tx {
        Tx::Postgres(pg) => {
            let rows = pg.query(
                "SELECT id, object_id, owner_id, updated_at, version, data::text, field_times, external_ids::text, key_hashes
                 FROM records WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                &[&ids],
            )?;
            for row in rows {
                let values = crate::sql::postgres_row(&row)?;
                keep(&values)?;
            }
        }
        Tx::Sqlite(_) => {
            for chunk in ids.chunks(500) {
                let params: Vec<SqlValue> = chunk.iter().map(|id| (*id).into()).collect();
                let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
                let sql = format!(
                    "SELECT id, object_id, owner_id, updated_at, version, data, field_times, external_ids, key_hashes FROM records WHERE id IN ({})",
                    placeholders.join(", ")
                );
                for row in tx.query(&sql, &params)? {
                    keep(&row)?;
                }
            }
        }
    }
    Ok(found)
}

/// Writes changes statement by statement (SQLite: prepared statements, no round trips).
pub(crate) fn write_portable(tx: &mut Tx<'_>, ctx: &WriteContext, changes: &[Change], mut seq: i64) -> Result<()> {
    let mut keys_added_to: Vec<ObjectId> = Vec::new();
    for change in changes {
        delete_keys(tx, change.object, change.record, &change.removed)?;
        match &change.restore {
            None => {
                tx.exec("DELETE FROM records WHERE id = $1", &[change.record.0.into()])?;
            }
            Some(restore) => {
                let sql = format!(
                    "UPDATE records SET owner_id = $1, updated_at = $2, version = $3, data = {}, field_times = $5, external_ids = {}, key_hashes = $7 WHERE id = $8",
                    json_param(tx, 4),
                    json_param(tx, 6)
                );
                tx.exec(
                    &sql,
                    &[
                        restore.owner.into(),
                        ctx.now.into(),
                        change.version.into(),
                        restore.data.as_str().into(),
                        restore.field_times.as_str().into(),
                        restore.external_ids.as_str().into(),
                        restore.key_hashes.as_str().into(),
                        change.record.0.into(),
                    ],
                )?;
                insert_keys(tx, change.object, change.record, &change.added)?;
                if !change.added.is_empty() && !keys_added_to.contains(&change.object) {
                    keys_added_to.push(change.object);
                }
            }
        }
        if let Some(operation) = ctx.operation {
            let entry = JournalRow {
                record: change.record,
                object: change.object,
                op: if change.restore.is_some() { JournalOp::Updated } else { JournalOp::Deleted },
                version_after: change.version,
                before: Some(change.before.clone()),
                source_row: change.source_row,
            };
            write_journal(tx, operation, seq, entry)?;
            seq += 1;
        }
    }
    for object in keys_added_to {
        crate::key_snapshot::note_key_writes(tx, object, ctx.operation)?;
    }
    Ok(())
}

/// Writes changes with a handful of array statements and a COPY of the journal (PostgreSQL:
/// one round trip per statement instead of several per record).
pub(crate) fn write_postgres(tx: &mut postgres::Transaction<'_>, ctx: &WriteContext, changes: &[Change], seq: i64) -> Result<()> {
    use postgres::binary_copy::BinaryCopyInWriter;
    use postgres::types::Type;
    if changes.is_empty() {
        return Ok(());
    }
    let (mut key_objects, mut key_kinds, mut key_hashes, mut key_records) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for change in changes {
        for (kind, hash) in &change.removed {
            key_objects.push(change.object.0);
            key_kinds.push(*kind);
            key_hashes.push(*hash);
            key_records.push(change.record.0);
        }
    }
    if !key_records.is_empty() {
        tx.execute(
            "DELETE FROM match_keys m USING unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) AS k(object_id, kind, key_hash, record_id)
             WHERE m.object_id = k.object_id AND m.kind = k.kind AND m.key_hash = k.key_hash AND m.record_id = k.record_id",
            &[&key_objects, &key_kinds, &key_hashes, &key_records],
        )?;
    }
    let deleted: Vec<i64> = changes.iter().filter(|c| c.restore.is_none()).map(|c| c.record.0).collect();
    if !deleted.is_empty() {
        tx.execute("DELETE FROM records WHERE id = ANY($1)", &[&deleted])?;
    }
    let restores: Vec<(&Change, &Restore)> = changes.iter().filter_map(|c| c.restore.as_ref().map(|r| (c, r))).collect();
    if !restores.is_empty() {
        let ids: Vec<i64> = restores.iter().map(|(c, _)| c.record.0).collect();
        let owners: Vec<i64> = restores.iter().map(|(_, r)| r.owner).collect();
        let versions: Vec<i64> = restores.iter().map(|(c, _)| c.version).collect();
        let data: Vec<&str> = restores.iter().map(|(_, r)| r.data.as_str()).collect();
        let times: Vec<&str> = restores.iter().map(|(_, r)| r.field_times.as_str()).collect();
        let external: Vec<&str> = restores.iter().map(|(_, r)| r.external_ids.as_str()).collect();
        let hashes: Vec<&str> = restores.iter().map(|(_, r)| r.key_hashes.as_str()).collect();
        tx.execute(
            "UPDATE records r SET owner_id = u.owner_id, updated_at = $8, version = u.version, data = u.data::jsonb,
                 field_times = u.field_times, external_ids = u.external_ids::jsonb, key_hashes = u.key_hashes
             FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[])
                 AS u(id, owner_id, version, data, field_times, external_ids, key_hashes)
             WHERE r.id = u.id",
            &[&ids, &owners, &versions, &data, &times, &external, &hashes, &ctx.now],
        )?;
        let (mut objects, mut kinds, mut added_hashes, mut records) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (change, _) in &restores {
            for (kind, hash) in &change.added {
                objects.push(change.object.0);
                kinds.push(*kind);
                added_hashes.push(*hash);
                records.push(change.record.0);
            }
        }
        if !records.is_empty() {
            tx.execute(
                "INSERT INTO match_keys (object_id, kind, key_hash, record_id)
                 SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) ON CONFLICT DO NOTHING",
                &[&objects, &kinds, &added_hashes, &records],
            )?;
        }
    }
    if let Some(operation) = ctx.operation {
        let sink = tx.copy_in(
            "COPY journal (operation_id, seq, record_id, object_id, op, version_after, before, source_row) FROM STDIN (FORMAT binary)",
        )?;
        let types = [Type::INT8, Type::INT8, Type::INT8, Type::INT8, Type::TEXT, Type::INT8, Type::TEXT, Type::INT8];
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        for (offset, change) in changes.iter().enumerate() {
            let op = if change.restore.is_some() { JournalOp::Updated.as_str() } else { JournalOp::Deleted.as_str() };
            let entry_seq = seq + offset as i64;
            writer.write(&[
                &operation.0,
                &entry_seq,
                &change.record.0,
                &change.object.0,
                &op,
                &change.version,
                &change.before,
                &change.source_row,
            ])?;
        }
        writer.finish()?;
    }
    Ok(())
}
