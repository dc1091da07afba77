//! The store's side of undo: current versions of many records, references into the records an
//! operation created, and applying deletions and exact restorations from before-images, each
//! journaled under the undo's own operation in the same transaction.

use crate::bulk::{read_many_for_change, write_portable, write_postgres, Change, Restore};
use crate::error::{Result, StoreError};
use crate::records::{before_json, decode_keys, encode_keys, external_ids_from_json, next_journal_seq, StoredRow, WriteContext};
use crate::sql::{SqlValue, Tx};
use crate::Store;
use salesos_model::ids::{ObjectId, OperationId, RecordId};
use salesos_model::keys::record_match_keys;
use salesos_model::ops::BeforeImage;
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundReference {
    /// The record holding the reference.
    pub from: RecordId,
    /// Its object.
    pub from_object: ObjectId,
    /// The created record it points at.
    pub to: RecordId,
    /// The reference field (storage key) that points at it.
    pub field: String,
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
                    found.push(InboundReference {
                        from: RecordId(row.int(0)?),
                        from_object: *object,
                        to: RecordId(row.int(1)?),
                        field: key.clone(),
                    });
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
        let results = self.write(|tx| {
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
        })?;
        // A restored record may bring back its old keys: at most a few per item.
        self.after_keys_added(items.len());
        Ok(results)
    }
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
            source_row: None,
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
                source_row: None,
            }
        }
    })
}
