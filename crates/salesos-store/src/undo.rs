//! The store's side of undo: current versions of many records, references into the records an
//! operation created, and applying deletions and exact restorations from before-images, each
//! journaled under the undo's own operation in the same transaction.

use crate::error::{Result, StoreError};
use crate::records::{before_json, delete_keys, encode_keys, external_ids_from_json, insert_keys, JournalRow, StoredRow};
use crate::records::{decode_keys, json_param, next_journal_seq, write_journal, WriteContext};
use crate::sql::{SqlValue, Tx};
use crate::Store;
use salesos_model::ids::{ObjectId, OperationId, RecordId};
use salesos_model::keys::record_match_keys;
use salesos_model::ops::{BeforeImage, JournalOp};
use salesos_model::record::fields_from_json;
use salesos_model::schema::Schema;
use std::collections::HashMap;

/// What to do to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoAction {
    /// Delete it (the operation created it).
    Delete,
    /// Put back its state before the operation.
    Restore(BeforeImage),
}

/// One record to undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoItem {
    /// Its object.
    pub object_id: ObjectId,
    /// The record.
    pub record: RecordId,
    /// The version it must still be at; `None` undoes whatever happened since.
    pub expected_version: Option<i64>,
    /// What to do.
    pub action: UndoAction,
}

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoResult {
    /// Deleted or restored.
    Done,
    /// The record no longer exists.
    Gone,
    /// The record changed since it was checked; left alone.
    Conflict {
        /// The version found.
        actual: i64,
    },
}

/// A record that points at a record an operation created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundReference {
    /// The record holding the reference.
    pub from: RecordId,
    /// Its object.
    pub from_object: ObjectId,
    /// The created record it points at.
    pub to: RecordId,
}

impl Store {
    /// Returns the current version of each record that exists.
    pub fn record_versions(&self, ids: &[RecordId]) -> Result<HashMap<RecordId, i64>> {
        let mut versions = HashMap::with_capacity(ids.len());
        self.read(|tx| {
            for chunk in ids.chunks(500) {
                let params: Vec<SqlValue> = chunk.iter().map(|id| id.0.into()).collect();
                let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
                let sql = format!("SELECT id, version FROM records WHERE id IN ({})", placeholders.join(", "));
                for row in tx.query(&sql, &params)? {
                    versions.insert(RecordId(row.int(0)?), row.int(1)?);
                }
            }
            Ok(())
        })?;
        Ok(versions)
    }

    /// Finds records, other than those the operation created, whose reference field points at a
    /// record the operation created. `fields` lists the (object, field key) pairs that hold
    /// references; each is one scan of that object's records.
    pub fn inbound_references(&self, operation: OperationId, fields: &[(ObjectId, String)]) -> Result<Vec<InboundReference>> {
        let mut found = Vec::new();
        self.read(|tx| {
            for (object, key) in fields {
                let key = key.replace(['"', '\''], "");
                let target = if tx.is_sqlite() {
                    format!("CAST(json_extract(r.data, '$.\"{key}\"') AS INTEGER)")
                } else {
                    format!("(r.data->>'{key}')::bigint")
                };
                let sql = format!(
                    "SELECT r.id, {target} FROM records r WHERE r.object_id = $1
                     AND {target} IN (SELECT record_id FROM journal WHERE operation_id = $2 AND op = 'created')
                     AND r.id NOT IN (SELECT record_id FROM journal WHERE operation_id = $2 AND op = 'created')"
                );
                for row in tx.query(&sql, &[object.0.into(), operation.0.into()])? {
                    found.push(InboundReference { from: RecordId(row.int(0)?), from_object: *object, to: RecordId(row.int(1)?) });
                }
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// Applies undo items in one transaction, journaling each change (with the state it replaced)
    /// under `ctx.operation`. Restorations put back the values, per-field times, external ids
    /// and owner exactly as they were; the version still grows. The records are read in one
    /// statement; PostgreSQL writes the whole batch with a few array statements and COPY.
    pub fn apply_undo(&self, ctx: &WriteContext, schema: &Schema, items: &[UndoItem]) -> Result<Vec<UndoResult>> {
        self.write(|tx| {
            let seq = match ctx.operation {
                Some(operation) => next_journal_seq(tx, operation)?,
                None => 0,
            };
            let ids: Vec<i64> = items.iter().map(|i| i.record.0).collect();
            let stored = read_many_for_change(tx, &ids)?;
            let mut results = Vec::with_capacity(items.len());
            let mut changes: Vec<Change> = Vec::new();
            for item in items {
                let Some((object, row)) = stored.get(&item.record.0) else {
                    results.push(UndoResult::Gone);
                    continue;
                };
                if *object != item.object_id {
                    results.push(UndoResult::Gone);
                    continue;
                }
                if item.expected_version.is_some_and(|v| v != row.version) {
                    results.push(UndoResult::Conflict { actual: row.version });
                    continue;
                }
                changes.push(plan_change(ctx, schema, item, row)?);
                results.push(UndoResult::Done);
            }
            match tx {
                Tx::Postgres(pg) => write_postgres(pg, ctx, &changes, seq)?,
                Tx::Sqlite(_) => write_portable(tx, ctx, &changes, seq)?,
            }
            Ok(results)
        })
    }
}

/// One record's undo, ready to write.
struct Change {
    object: ObjectId,
    record: RecordId,
    /// The replaced state, for the undo's journal.
    before: String,
    /// `None` deletes the record.
    restore: Option<Restore>,
    /// Keys to remove and to add: (kind, hash).
    removed: Vec<(i64, i64)>,
    added: Vec<(i64, i64)>,
    /// The version after (restores) or at deletion.
    version: i64,
}

/// A record's state to put back.
struct Restore {
    owner: i64,
    data: String,
    field_times: String,
    external_ids: String,
    key_hashes: String,
}

/// Reads records for change by id in one statement (locked on PostgreSQL): id → (object, row).
fn read_many_for_change(tx: &mut Tx<'_>, ids: &[i64]) -> Result<HashMap<i64, (ObjectId, StoredRow)>> {
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

/// Decides what one record's undo writes.
fn plan_change(ctx: &WriteContext, schema: &Schema, item: &UndoItem, row: &StoredRow) -> Result<Change> {
    let old_keys = decode_keys(&row.key_hashes);
    Ok(match &item.action {
        UndoAction::Delete => Change {
            object: item.object_id,
            record: item.record,
            before: before_json(row),
            restore: None,
            removed: old_keys,
            added: Vec::new(),
            version: row.version,
        },
        UndoAction::Restore(before) => {
            let object = schema
                .objects
                .iter()
                .find(|o| o.id == item.object_id)
                .ok_or_else(|| StoreError::not_found(format!("object {}", item.object_id.0)))?;
            let fields = fields_from_json(object, &before.data_json).map_err(|err| StoreError::Corrupt(err.to_string()))?;
            let external_ids = external_ids_from_json(&before.external_ids_json)?;
            let keys = record_match_keys(object, &fields, &external_ids, &ctx.default_country);
            let (new_keys, key_hashes) = encode_keys(&keys);
            Change {
                object: item.object_id,
                record: item.record,
                before: before_json(row),
                removed: old_keys.iter().filter(|k| !new_keys.contains(k)).copied().collect(),
                added: new_keys.iter().filter(|k| !old_keys.contains(k)).copied().collect(),
                restore: Some(Restore {
                    owner: before.owner_id.0,
                    data: before.data_json.clone(),
                    field_times: before.field_times_json.clone(),
                    external_ids: before.external_ids_json.clone(),
                    key_hashes,
                }),
                version: row.version + 1,
            }
        }
    })
}

/// Writes changes statement by statement (SQLite: prepared statements, no round trips).
fn write_portable(tx: &mut Tx<'_>, ctx: &WriteContext, changes: &[Change], mut seq: i64) -> Result<()> {
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
            }
        }
        if let Some(operation) = ctx.operation {
            let entry = JournalRow {
                record: change.record,
                object: change.object,
                op: if change.restore.is_some() { JournalOp::Updated } else { JournalOp::Deleted },
                version_after: change.version,
                before: Some(change.before.clone()),
                source_row: None,
            };
            write_journal(tx, operation, seq, entry)?;
            seq += 1;
        }
    }
    Ok(())
}

/// Writes changes with a handful of array statements and a COPY of the journal (PostgreSQL:
/// one round trip per statement instead of several per record).
fn write_postgres(tx: &mut postgres::Transaction<'_>, ctx: &WriteContext, changes: &[Change], seq: i64) -> Result<()> {
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
        let source_row: Option<i64> = None;
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
                &source_row,
            ])?;
        }
        writer.finish()?;
    }
    Ok(())
}
