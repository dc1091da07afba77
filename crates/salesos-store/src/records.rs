//! Records: bulk creation with match keys and journal, updates with before-images, deletes,
//! reads by id, filtered pages, counts, and batched match-key lookups.

use crate::bulk::{read_many_for_change, write_portable, write_postgres, Change, Restore};
use crate::compile::{self, Dialect};
use crate::error::{Result, StoreError};
use crate::import_log::RowOutcome;
use crate::postgres::dialect::PostgresDialect;
use crate::sql::{Row, SqlValue, Tx};
use crate::sqlite::dialect::SqliteDialect;
use crate::{Backend, Store};
use salesos_model::access::VisibilityScope;
use salesos_model::ids::{ObjectId, OperationId, OrgId, RecordId, UserId};
use salesos_model::keys::{record_match_keys, KeyFields, MatchKey};
use salesos_model::ops::JournalOp;
use salesos_model::path::{PathTarget, ResolvedPath, SystemField};
use salesos_model::query::{Cursor, RecordQuery};
use salesos_model::record::{
    fields_from_json, fields_to_json, fields_to_json_with_placeholders, ExternalId, Fields, NewRecord, Record, RecordPatch,
};
use salesos_model::schema::{ObjectDef, Schema};
use salesos_model::value::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Who writes, when, under which operation, and how phone keys are normalized.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteContext {
    /// The organization written to.
    pub org_id: OrgId,
    /// The acting user.
    pub actor: UserId,
    /// The operation whose journal records the changes; `None` writes no journal.
    pub operation: Option<OperationId>,
    /// The time of the change, ms.
    pub now: i64,
    /// Country for phone numbers without a country code (match keys).
    pub default_country: String,
}

/// One page of records and the cursor to the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The records, in query order.
    pub records: Vec<Record>,
    /// The position after the last record, if the page was full.
    pub next: Option<Cursor>,
}

/// What happened to one record of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// Changed; the new version.
    Updated {
        /// The version after the change.
        version: i64,
    },
    /// Every value was already as given; nothing written.
    Unchanged,
    /// No such record of the object.
    NotFound,
    /// The record is at another version than expected.
    Conflict {
        /// The version found.
        actual: i64,
    },
}

/// The changes of one import batch, each with its source row number. Records to create are
/// encoded as they are added (storage JSON and match keys), so a large batch stays compact.
#[derive(Default)]
pub struct CommitBatch {
    /// Records other rows name that the commit creates first (missing accounts), each group
    /// numbered from its first placeholder ([`RecordId::placeholder`]).
    references: Vec<NewReferences>,
    creates: Vec<PreparedRecord>,
    /// Records to change: source row, record, patch.
    pub updates: Vec<(i64, RecordId, RecordPatch)>,
    /// Outcomes of the input rows this commit settles, stored with it.
    pub outcomes: Vec<(RowOutcome, OutcomeLink)>,
    /// The import and its rows settled once this commit lands (its checkpoint).
    pub checkpoint: Option<(OperationId, i64)>,
}

/// How a row outcome learns its record from the commit that settles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeLink {
    /// The outcome is complete as it is.
    Settled,
    /// The row created the `n`-th record of the batch's creates.
    Created(usize),
    /// The row updates the `n`-th entry of the batch's updates: an update that changes nothing
    /// becomes `unchanged`, and one that meets a concurrent change becomes `failed` with these
    /// messages.
    Updated(usize, String),
}

/// Records of one object that a commit creates before its rows, standing in as placeholders
/// `first`, `first + 1`, … until then.
struct NewReferences {
    object: ObjectId,
    first: u64,
    records: Vec<PreparedRecord>,
}

/// The ids of records created for placeholders by an import's recent commits, for rows that
/// named a record while the commit creating it was still in flight.
///
/// A placeholder is named only by rows of its own commit and of the next one (rows planned
/// after a commit has landed find its records in the store), so the ids of the last two commits
/// are kept.
#[derive(Debug, Default, Clone)]
pub struct PlaceholderIds {
    /// Per commit, oldest first: its groups of (first placeholder, ids in order).
    commits: std::collections::VecDeque<Vec<(u64, Vec<RecordId>)>>,
}

/// The id created for placeholder `n` among groups of (first placeholder, ids).
fn created_for(groups: &[(u64, Vec<RecordId>)], n: u64) -> Option<RecordId> {
    groups.iter().find_map(|(first, ids)| n.checked_sub(*first).and_then(|offset| ids.get(offset as usize)).copied())
}

impl PlaceholderIds {
    /// The id created for placeholder `n`, if one of the kept commits created it.
    pub fn get(&self, n: u64) -> Option<RecordId> {
        self.commits.iter().find_map(|groups| created_for(groups, n))
    }

    /// Keeps what a commit that landed created, forgetting commits before the one before.
    fn landed(&mut self, created: Vec<(u64, Vec<RecordId>)>) {
        self.commits.push_back(created);
        while self.commits.len() > 2 {
            self.commits.pop_front();
        }
    }
}

impl CommitBatch {
    /// Adds records that other rows of this commit (or the next) name by the placeholders
    /// `first_placeholder`, `first_placeholder + 1`, …; the commit creates them first and puts
    /// their ids in place of the placeholders.
    pub fn add_references(&mut self, object: &ObjectDef, first_placeholder: u64, records: &[NewRecord], default_country: &str) {
        let records = prepare_all(object, records, default_country, None);
        self.references.push(NewReferences { object: object.id, first: first_placeholder, records });
    }

    /// Adds a record to create, from a source row; phone keys use `default_country`.
    ///
    /// Returns its position among the batch's creates (for [`OutcomeLink::Created`]).
    pub fn add_create(&mut self, object: &ObjectDef, row: i64, record: &NewRecord, default_country: &str) -> usize {
        self.creates.push(prepare(&KeyFields::of(object), record, default_country, Some(row)));
        self.creates.len() - 1
    }

    /// Adds records to create, each with its source row (encoded on two threads when there are
    /// many); returns the index of the first, the others following in order.
    pub fn add_creates(&mut self, object: &ObjectDef, records: &[(i64, &NewRecord)], default_country: &str) -> usize {
        let first = self.creates.len();
        let items: Vec<(&NewRecord, Option<i64>)> = records.iter().map(|(row, record)| (*record, Some(*row))).collect();
        self.creates.extend(prepare_each(object, &items, default_country));
        first
    }

    /// Records to create so far.
    pub fn creates(&self) -> usize {
        self.creates.len()
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.references.is_empty()
            && self.creates.is_empty()
            && self.updates.is_empty()
            && self.outcomes.is_empty()
            && self.checkpoint.is_none()
    }
}

/// What a committed batch did: the ids created (in order) and each update's outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommitReceipt {
    /// Ids of the created records, in the order of `creates`.
    pub created: Vec<RecordId>,
    /// Outcomes of the updates, in the order of `updates`.
    pub updated: Vec<UpdateOutcome>,
}

/// Completes row outcomes with what the commit did: created ids, unchanged or conflicting updates.
fn settle_outcomes(outcomes: Vec<(RowOutcome, OutcomeLink)>, created: &[RecordId], updated: &[UpdateOutcome]) -> Vec<RowOutcome> {
    outcomes
        .into_iter()
        .map(|(mut outcome, link)| {
            match link {
                OutcomeLink::Settled => {}
                OutcomeLink::Created(index) => outcome.record_id = created.get(index).copied(),
                OutcomeLink::Updated(index, failed_messages) => match updated.get(index) {
                    Some(UpdateOutcome::Updated { .. }) => {}
                    Some(UpdateOutcome::Unchanged) => outcome.outcome = "unchanged".into(),
                    Some(UpdateOutcome::NotFound | UpdateOutcome::Conflict { .. }) | None => {
                        outcome.outcome = "failed".into();
                        outcome.record_id = None;
                        outcome.messages = Some(failed_messages);
                    }
                },
            }
            outcome
        })
        .collect()
}

/// A record encoded for insertion.
pub(crate) struct PreparedRecord {
    pub owner: i64,
    pub data_json: String,
    /// Empty for a record without external ids (most): see [`PreparedRecord::external_ids`].
    external_ids_json: String,
    /// Its match keys; their stored text ([`PreparedRecord::key_hashes`]) is written out when
    /// the record is, not kept beside them for every record pending in a commit.
    pub keys: Vec<(i64, i64)>,
    pub source_row: Option<i64>,
    /// Where `data_json` lacks the id of a record still to be created: (byte offset,
    /// placeholder index), in order.
    pub placeholders: Vec<(usize, u64)>,
}

/// The patch with the ids of created records in place of its placeholders; `None` when it
/// names none.
fn patch_with_ids(patch: &RecordPatch, id_of: impl Fn(u64) -> Option<RecordId>) -> Result<Option<RecordPatch>> {
    let names_placeholder = |value: &Value| matches!(value, Value::Ref(id) if id.placeholder_index().is_some());
    if !patch.set.values().any(names_placeholder) {
        return Ok(None);
    }
    let mut patch = patch.clone();
    for value in patch.set.values_mut() {
        if let Value::Ref(id) = value {
            if let Some(n) = id.placeholder_index() {
                *id = id_of(n).ok_or_else(|| unknown_placeholder(n))?;
            }
        }
    }
    Ok(Some(patch))
}

fn unknown_placeholder(n: u64) -> StoreError {
    StoreError::Corrupt(format!("no record was created for placeholder {n}"))
}

impl PreparedRecord {
    /// The external ids as stored (JSON).
    pub fn external_ids(&self) -> &str {
        if self.external_ids_json.is_empty() {
            "[]"
        } else {
            &self.external_ids_json
        }
    }

    /// The match keys as stored beside the record ([`encode_keys`]).
    pub fn key_hashes(&self) -> String {
        keys_text(&self.keys)
    }

    /// Puts the ids of created records in place of the placeholders; an unknown placeholder is
    /// an error (the import named a record that no commit created).
    fn resolve_placeholders(&mut self, id_of: impl Fn(u64) -> Option<RecordId>) -> Result<()> {
        if self.placeholders.is_empty() {
            return Ok(());
        }
        let mut data = String::with_capacity(self.data_json.len() + 12 * self.placeholders.len());
        let mut from = 0;
        for (at, n) in std::mem::take(&mut self.placeholders) {
            let id = id_of(n).ok_or_else(|| unknown_placeholder(n))?;
            data.push_str(&self.data_json[from..at]);
            let _ = write!(data, "{}", id.0);
            from = at;
        }
        data.push_str(&self.data_json[from..]);
        self.data_json = data;
        Ok(())
    }
}

pub(crate) fn external_ids_json(ids: &[ExternalId]) -> String {
    serde_json::Value::Array(ids.iter().map(|e| serde_json::json!([e.system, e.id])).collect()).to_string()
}

pub(crate) fn external_ids_from_json(json: &str) -> Result<Vec<ExternalId>> {
    let parsed: Vec<(String, String)> =
        serde_json::from_str(json).map_err(|err| StoreError::Corrupt(format!("external ids: {err}")))?;
    Ok(parsed.into_iter().map(|(system, id)| ExternalId { system, id }).collect())
}

pub(crate) fn encode_keys(keys: &[MatchKey]) -> (Vec<(i64, i64)>, String) {
    let pairs = key_pairs(keys);
    let text = keys_text(&pairs);
    (pairs, text)
}

/// Match keys as stored: (kind code, hash) pairs.
fn key_pairs(keys: &[MatchKey]) -> Vec<(i64, i64)> {
    keys.iter().map(|k| (k.kind.code(), k.hash())).collect()
}

/// The stored text of (kind, hash) pairs: `kind:hash` separated by spaces. Written as records
/// are (on the committing thread of an import), so with `itoa` rather than `fmt`.
fn keys_text(pairs: &[(i64, i64)]) -> String {
    let mut text = String::with_capacity(pairs.len() * 22);
    let mut digits = itoa::Buffer::new();
    for (kind, hash) in pairs {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(digits.format(*kind));
        text.push(':');
        text.push_str(digits.format(*hash));
    }
    text
}

pub(crate) fn decode_keys(text: &str) -> Vec<(i64, i64)> {
    text.split_whitespace()
        .filter_map(|pair| {
            let (kind, hash) = pair.split_once(':')?;
            Some((kind.parse().ok()?, hash.parse().ok()?))
        })
        .collect()
}

/// Encodes a record of the object whose key-giving fields are `key_fields`.
fn prepare(key_fields: &KeyFields, record: &NewRecord, country: &str, source_row: Option<i64>) -> PreparedRecord {
    let keys = key_pairs(&key_fields.keys(&record.fields, &record.external_ids, country));
    let (data_json, placeholders) = fields_to_json_with_placeholders(&record.fields);
    let external_ids_json = if record.external_ids.is_empty() { String::new() } else { external_ids_json(&record.external_ids) };
    PreparedRecord { owner: record.owner_id.0, data_json, placeholders, external_ids_json, keys, source_row }
}

/// Encodes a batch of records, on two threads when it is large (the machine this was tuned on
/// has two cores; encoding is about a quarter of a bulk insert's time).
fn prepare_all(object: &ObjectDef, records: &[NewRecord], country: &str, source_rows: Option<&[i64]>) -> Vec<PreparedRecord> {
    let items: Vec<(&NewRecord, Option<i64>)> = records
        .iter()
        .enumerate()
        .map(|(index, record)| (record, source_rows.and_then(|rows| rows.get(index).copied())))
        .collect();
    prepare_each(object, &items, country)
}

/// Encodes records with their source rows, on two threads when there are many.
fn prepare_each(object: &ObjectDef, items: &[(&NewRecord, Option<i64>)], country: &str) -> Vec<PreparedRecord> {
    let key_fields = KeyFields::of(object);
    crate::workers::map_halves(items, |(record, row)| prepare(&key_fields, record, country, *row))
}

/// The SELECT list of a record, per backend (JSONB is read as text).
fn record_columns(tx: &Tx<'_>) -> &'static str {
    if tx.is_sqlite() {
        "r.id, r.object_id, r.owner_id, r.created_at, r.updated_at, r.version, r.data, r.field_times, r.external_ids"
    } else {
        "r.id, r.object_id, r.owner_id, r.created_at, r.updated_at, r.version, r.data::text, r.field_times, r.external_ids::text"
    }
}

/// A JSON parameter placeholder: PostgreSQL needs a cast to JSONB.
pub(crate) fn json_param(tx: &Tx<'_>, n: usize) -> String {
    if tx.is_sqlite() {
        format!("${n}")
    } else {
        format!("CAST(CAST(${n} AS text) AS jsonb)")
    }
}

fn record_from_row(object: &ObjectDef, row: &Row) -> Result<Record> {
    let fields = fields_from_json(object, &row.text(6)?)
        .map_err(|err| StoreError::Corrupt(format!("record {}: {err}", row.int(0).unwrap_or(0))))?;
    let field_times: BTreeMap<String, i64> =
        serde_json::from_str(&row.text(7)?).map_err(|err| StoreError::Corrupt(format!("field times: {err}")))?;
    Ok(Record {
        id: RecordId(row.int(0)?),
        object_id: ObjectId(row.int(1)?),
        owner_id: UserId(row.int(2)?),
        created_at: row.int(3)?,
        updated_at: row.int(4)?,
        version: row.int(5)?,
        fields,
        field_times,
        external_ids: external_ids_from_json(&row.text(8)?)?,
    })
}

/// Returns the index-name suffixes of the fields indexed on an object (see `create_field_index`).
fn field_indexes(tx: &mut Tx<'_>, object: ObjectId) -> Result<Vec<String>> {
    let prefix = format!("fx_{}_", object.0);
    let sql = if tx.is_sqlite() {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND substr(name, 1, length($1)) = $1"
    } else {
        "SELECT indexname FROM pg_indexes WHERE tablename = 'records' AND substr(indexname, 1, length($1)) = $1"
    };
    tx.query(sql, &[prefix.as_str().into()])?.iter().map(|row| Ok(row.text(0)?[prefix.len()..].to_string())).collect()
}

/// Returns the next journal sequence number of an operation.
pub(crate) fn next_journal_seq(tx: &mut Tx<'_>, operation: OperationId) -> Result<i64> {
    tx.query_one("SELECT COALESCE(MAX(seq), 0) + 1 FROM journal WHERE operation_id = $1", &[operation.0.into()])?.int(0)
}

/// The stored state of a record, as read for a change.
pub(crate) struct StoredRow {
    pub(crate) owner: i64,
    pub(crate) updated_at: i64,
    pub(crate) version: i64,
    pub(crate) data: String,
    pub(crate) field_times: String,
    pub(crate) external_ids: String,
    pub(crate) key_hashes: String,
}

pub(crate) fn read_for_change(tx: &mut Tx<'_>, object: ObjectId, id: RecordId) -> Result<Option<StoredRow>> {
    let (data, ext, lock) =
        if tx.is_sqlite() { ("data", "external_ids", "") } else { ("data::text", "external_ids::text", " FOR UPDATE") };
    let sql = format!(
        "SELECT owner_id, updated_at, version, {data}, field_times, {ext}, key_hashes FROM records WHERE id = $1 AND object_id = $2{lock}"
    );
    let Some(row) = tx.query_opt(&sql, &[id.0.into(), object.0.into()])? else {
        return Ok(None);
    };
    Ok(Some(StoredRow {
        owner: row.int(0)?,
        updated_at: row.int(1)?,
        version: row.int(2)?,
        data: row.text(3)?,
        field_times: row.text(4)?,
        external_ids: row.text(5)?,
        key_hashes: row.text(6)?,
    }))
}

pub(crate) fn before_json(row: &StoredRow) -> String {
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_or(serde_json::Value::String(text.into()));
    serde_json::json!({
        "owner_id": row.owner,
        "version": row.version,
        "updated_at": row.updated_at,
        "data": parse(&row.data),
        "field_times": parse(&row.field_times),
        "external_ids": parse(&row.external_ids),
    })
    .to_string()
}

/// One journal row to write for an update or delete.
pub(crate) struct JournalRow {
    pub(crate) record: RecordId,
    pub(crate) object: ObjectId,
    pub(crate) op: JournalOp,
    pub(crate) version_after: i64,
    pub(crate) before: Option<String>,
    pub(crate) source_row: Option<i64>,
}

pub(crate) fn write_journal(tx: &mut Tx<'_>, operation: OperationId, seq: i64, row: JournalRow) -> Result<()> {
    tx.exec(
        "INSERT INTO journal (operation_id, seq, record_id, object_id, op, version_after, before, source_row) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            operation.0.into(),
            seq.into(),
            row.record.0.into(),
            row.object.0.into(),
            row.op.as_str().into(),
            row.version_after.into(),
            row.before.into(),
            row.source_row.into(),
        ],
    )?;
    Ok(())
}

pub(crate) fn delete_keys(tx: &mut Tx<'_>, object: ObjectId, id: RecordId, keys: &[(i64, i64)]) -> Result<()> {
    const MAIN: &str = "DELETE FROM match_keys WHERE object_id = $1 AND kind = $2 AND key_hash = $3 AND record_id = $4";
    const RECENT: &str = "DELETE FROM match_keys_recent WHERE object_id = $1 AND kind = $2 AND key_hash = $3 AND record_id = $4";
    let statements: &[&str] = if tx.is_sqlite() { &[MAIN, RECENT] } else { &[MAIN] };
    for (kind, hash) in keys {
        for sql in statements {
            tx.exec(sql, &[object.0.into(), (*kind).into(), (*hash).into(), id.0.into()])?;
        }
    }
    Ok(())
}

pub(crate) fn insert_keys(tx: &mut Tx<'_>, object: ObjectId, id: RecordId, keys: &[(i64, i64)]) -> Result<()> {
    let sql = format!(
        "INSERT INTO {} (object_id, kind, key_hash, record_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        crate::key_merge::new_keys_table(tx)
    );
    for (kind, hash) in keys {
        tx.exec(&sql, &[object.0.into(), (*kind).into(), (*hash).into(), id.0.into()])?;
    }
    Ok(())
}

/// Applies patches inside a transaction, journaling before-images from `seq` on. On PostgreSQL
/// the batch's records are read in one statement and written with array statements and COPY
/// (unless a record is patched twice in the batch); SQLite goes record by record.
fn update_in(
    tx: &mut Tx<'_>,
    ctx: &WriteContext,
    object: &ObjectDef,
    patches: &[(RecordId, &RecordPatch, Option<i64>)],
    seq: &mut i64,
) -> Result<Vec<UpdateOutcome>> {
    let distinct = {
        let mut ids: Vec<i64> = patches.iter().map(|(id, _, _)| id.0).collect();
        ids.sort_unstable();
        ids.windows(2).all(|w| w[0] != w[1])
    };
    if let (Tx::Postgres(_), true, false) = (&*tx, distinct, patches.is_empty()) {
        return update_in_bulk(tx, ctx, object, patches, seq);
    }
    let mut outcomes = Vec::with_capacity(patches.len());
    for (id, patch, source_row) in patches {
        let Some(stored) = read_for_change(tx, object.id, *id)? else {
            outcomes.push(UpdateOutcome::NotFound);
            continue;
        };
        match patched_state(ctx, object, &stored, patch)? {
            Err(outcome) => outcomes.push(outcome),
            Ok(change) => {
                let version = change.version;
                let mut change = change;
                change.record = *id;
                change.source_row = *source_row;
                write_portable(tx, ctx, std::slice::from_ref(&change), *seq)?;
                if ctx.operation.is_some() {
                    *seq += 1;
                }
                outcomes.push(UpdateOutcome::Updated { version });
            }
        }
    }
    Ok(outcomes)
}

/// [`update_in`] for PostgreSQL: one read, a few array statements, one COPY.
fn update_in_bulk(
    tx: &mut Tx<'_>,
    ctx: &WriteContext,
    object: &ObjectDef,
    patches: &[(RecordId, &RecordPatch, Option<i64>)],
    seq: &mut i64,
) -> Result<Vec<UpdateOutcome>> {
    let ids: Vec<i64> = patches.iter().map(|(id, _, _)| id.0).collect();
    let stored = read_many_for_change(tx, &ids)?;
    let mut outcomes = Vec::with_capacity(patches.len());
    let mut changes = Vec::new();
    for (id, patch, source_row) in patches {
        let Some((_, row)) = stored.get(&id.0).filter(|(o, _)| *o == object.id) else {
            outcomes.push(UpdateOutcome::NotFound);
            continue;
        };
        match patched_state(ctx, object, row, patch)? {
            Err(outcome) => outcomes.push(outcome),
            Ok(mut change) => {
                change.record = *id;
                change.source_row = *source_row;
                outcomes.push(UpdateOutcome::Updated { version: change.version });
                changes.push(change);
            }
        }
    }
    if let Tx::Postgres(pg) = tx {
        write_postgres(pg, ctx, &changes, *seq)?;
    }
    if ctx.operation.is_some() {
        *seq += changes.len() as i64;
    }
    Ok(outcomes)
}

/// The state a patch leaves a stored record in, or why nothing is written (a version conflict,
/// or no change at all).
fn patched_state(
    ctx: &WriteContext,
    object: &ObjectDef,
    stored: &StoredRow,
    patch: &RecordPatch,
) -> Result<std::result::Result<Change, UpdateOutcome>> {
    if let Some(expected) = patch.expected_version {
        if expected != stored.version {
            return Ok(Err(UpdateOutcome::Conflict { actual: stored.version }));
        }
    }
    let old_fields = fields_from_json(object, &stored.data).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let mut new_fields: Fields = old_fields.clone();
    let mut changed: Vec<String> = Vec::new();
    for (key, value) in &patch.set {
        let before = old_fields.get(key).filter(|v| !v.is_empty()).map(Value::to_json);
        let after = (!value.is_empty()).then(|| value.to_json());
        if before != after {
            changed.push(key.to_string());
        }
        if value.is_empty() {
            new_fields.remove(key);
        } else {
            new_fields.insert(key.clone(), value.clone());
        }
    }
    let mut external_ids = external_ids_from_json(&stored.external_ids)?;
    let mut ids_changed = false;
    for external_id in &patch.add_external_ids {
        if !external_ids.contains(external_id) {
            external_ids.push(external_id.clone());
            ids_changed = true;
        }
    }
    let owner = patch.owner_id.map(|o| o.0).unwrap_or(stored.owner);
    if changed.is_empty() && !ids_changed && owner == stored.owner {
        return Ok(Err(UpdateOutcome::Unchanged));
    }
    let mut field_times: BTreeMap<String, i64> = serde_json::from_str(&stored.field_times).unwrap_or_default();
    for key in &changed {
        field_times.insert(key.clone(), ctx.now);
    }
    let keys = record_match_keys(object, &new_fields, &external_ids, &ctx.default_country);
    let (new_keys, key_hashes) = encode_keys(&keys);
    let old_keys = decode_keys(&stored.key_hashes);
    Ok(Ok(Change {
        object: object.id,
        record: RecordId(0),
        before: before_json(stored),
        removed: old_keys.iter().filter(|k| !new_keys.contains(k)).copied().collect(),
        added: new_keys.iter().filter(|k| !old_keys.contains(k)).copied().collect(),
        restore: Some(Restore {
            owner,
            data: fields_to_json(&new_fields),
            field_times: serde_json::to_string(&field_times).unwrap_or_else(|_| "{}".into()),
            external_ids: external_ids_json(&external_ids),
            key_hashes,
        }),
        version: stored.version + 1,
        source_row: None,
    }))
}

/// Returns the JSON a record has at a sortable path (for page cursors).
fn sort_value(record: &Record, path: &ResolvedPath) -> serde_json::Value {
    match &path.target {
        PathTarget::System(system) => serde_json::Value::from(match system {
            SystemField::Id => record.id.0,
            SystemField::Owner => record.owner_id.0,
            SystemField::CreatedAt => record.created_at,
            SystemField::UpdatedAt => record.updated_at,
            SystemField::Version => record.version,
        }),
        PathTarget::Primary { key } => match record.fields.get(key) {
            Some(Value::Labeled(items)) => items.first().map(|i| serde_json::Value::String(i.value.clone())).unwrap_or_default(),
            _ => serde_json::Value::Null,
        },
        PathTarget::Field { key } => match record.fields.get(key) {
            Some(Value::Money { amount, .. }) => Value::Number(*amount).to_json(),
            Some(value) if !value.is_empty() => value.to_json(),
            _ => serde_json::Value::Null,
        },
        _ => serde_json::Value::Null,
    }
}

impl Store {
    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        match self.backend {
            Backend::Sqlite(_) => &SqliteDialect,
            Backend::Postgres(_) => &PostgresDialect,
        }
    }

    /// Creates records in one transaction: rows, match keys and (with an operation) journal entries.
    ///
    /// The caller checks the values ([`salesos_model::record::check_fields`]) and sizes the batch;
    /// `source_rows`, when given, has one entry per record and lands in the journal.
    pub fn insert_records(
        &self,
        ctx: &WriteContext,
        object: &ObjectDef,
        records: &[NewRecord],
        source_rows: Option<&[i64]>,
    ) -> Result<Vec<RecordId>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let mut prepared = prepare_all(object, records, &ctx.default_country, source_rows);
        // Placeholders stand only for records an import's commit creates (`commit_batch`).
        for record in &mut prepared {
            record.resolve_placeholders(|_| None)?;
        }
        let ids = self.write(|tx| {
            let journal = match ctx.operation {
                Some(operation) => Some((operation, next_journal_seq(tx, operation)?)),
                None => None,
            };
            match tx {
                Tx::Sqlite(tx) => crate::sqlite::records::insert(tx, object.id, &prepared, ctx.now, journal),
                Tx::Postgres(tx) => crate::postgres::records::insert(tx, object.id, &prepared, ctx.now, journal),
            }
        })?;
        self.after_keys_added(prepared.iter().map(|record| record.keys.len()).sum());
        Ok(ids)
    }

    /// Commits one import batch in one transaction: creates, then updates, with their journal
    /// entries (each naming its source row) under the context's operation.
    ///
    /// Either the whole batch is written or none of it, so a crash never leaves half a batch.
    ///
    /// The batch's references are created first; rows naming them (or naming those of the
    /// commit before, through `placeholders`) get their ids, and `placeholders` learns them. The
    /// batch is consumed: its rows get ids spliced in as it is written, so a failed commit
    /// leaves nothing to retry (an import resumes from its checkpoint instead).
    pub fn commit_batch(
        &self,
        ctx: &WriteContext,
        object: &ObjectDef,
        mut batch: CommitBatch,
        placeholders: &mut PlaceholderIds,
    ) -> Result<CommitReceipt> {
        let keys_added = batch.references.iter().flat_map(|group| &group.records).chain(&batch.creates);
        let keys_added = keys_added.map(|record| record.keys.len()).sum::<usize>() + batch.updates.len();
        let deferred = batch.checkpoint.is_some();
        let known = &*placeholders;
        let mut created_references: Vec<(u64, Vec<RecordId>)> = Vec::new();
        let write = |tx: &mut Tx<'_>| {
            let mut seq = match ctx.operation {
                Some(operation) => next_journal_seq(tx, operation)?,
                None => 0,
            };
            for group in &mut batch.references {
                // References naming earlier placeholders (none are made today) get their ids too.
                for record in &mut group.records {
                    record.resolve_placeholders(|n| created_for(&created_references, n).or_else(|| known.get(n)))?;
                }
                let journal = ctx.operation.map(|operation| (operation, seq));
                let ids = match tx {
                    Tx::Sqlite(tx) => crate::sqlite::records::insert(tx, group.object, &group.records, ctx.now, journal)?,
                    Tx::Postgres(tx) => crate::postgres::records::insert(tx, group.object, &group.records, ctx.now, journal)?,
                };
                seq += group.records.len() as i64;
                created_references.push((group.first, ids));
            }
            let id_of = |n: u64| created_for(&created_references, n).or_else(|| known.get(n));
            for record in &mut batch.creates {
                record.resolve_placeholders(id_of)?;
            }
            let resolved: Vec<Option<RecordPatch>> =
                batch.updates.iter().map(|(_, _, patch)| patch_with_ids(patch, id_of)).collect::<Result<_>>()?;
            let patches: Vec<(RecordId, &RecordPatch, Option<i64>)> = batch
                .updates
                .iter()
                .zip(&resolved)
                .map(|((row, id, patch), resolved)| (*id, resolved.as_ref().unwrap_or(patch), Some(*row)))
                .collect();
            let prepared = &batch.creates;
            let journal = ctx.operation.map(|operation| (operation, seq));
            let created = if prepared.is_empty() {
                Vec::new()
            } else {
                match tx {
                    Tx::Sqlite(tx) => crate::sqlite::records::insert(tx, object.id, prepared, ctx.now, journal)?,
                    Tx::Postgres(tx) => crate::postgres::records::insert(tx, object.id, prepared, ctx.now, journal)?,
                }
            };
            seq += prepared.len() as i64;
            let updated = update_in(tx, ctx, object, &patches, &mut seq)?;
            if let Some((import, _)) = batch.checkpoint {
                let outcomes = settle_outcomes(std::mem::take(&mut batch.outcomes), &created, &updated);
                crate::import_log::insert_outcomes(tx, import, &outcomes)?;
            }
            if let Some((import, rows_done)) = batch.checkpoint {
                crate::import_log::set_checkpoint(tx, import, rows_done)?;
            }
            Ok(CommitReceipt { created, updated })
        };
        // A batch that carries its import's checkpoint is redone after a crash that takes it
        // back, so its commit need not wait for the disk: the import's last commit (its
        // summary), which waits, makes every batch before it durable (write-ahead logs are
        // flushed in order).
        let receipt = if deferred { self.write_deferred(write)? } else { self.write(write)? };
        placeholders.landed(created_references);
        // Updates add a key only when a matched value changes; one per update is an upper bound
        // good enough for deciding when to merge.
        self.after_keys_added(keys_added);
        Ok(receipt)
    }

    /// Applies patches in one transaction, journaling before-images; unchanged records are not written.
    pub fn update_records(
        &self,
        ctx: &WriteContext,
        object: &ObjectDef,
        patches: &[(RecordId, RecordPatch)],
    ) -> Result<Vec<UpdateOutcome>> {
        self.write(|tx| {
            let mut seq = match ctx.operation {
                Some(operation) => next_journal_seq(tx, operation)?,
                None => 0,
            };
            let patches: Vec<(RecordId, &RecordPatch, Option<i64>)> = patches.iter().map(|(id, p)| (*id, p, None)).collect();
            update_in(tx, ctx, object, &patches, &mut seq)
        })
    }

    /// Deletes records in one transaction, journaling before-images; returns how many existed.
    pub fn delete_records(&self, ctx: &WriteContext, object: &ObjectDef, ids: &[RecordId]) -> Result<usize> {
        self.write(|tx| {
            let mut seq = match ctx.operation {
                Some(operation) => next_journal_seq(tx, operation)?,
                None => 0,
            };
            let mut deleted = 0;
            for id in ids {
                let Some(stored) = read_for_change(tx, object.id, *id)? else {
                    continue;
                };
                delete_keys(tx, object.id, *id, &decode_keys(&stored.key_hashes))?;
                tx.exec("DELETE FROM records WHERE id = $1", &[id.0.into()])?;
                if let Some(operation) = ctx.operation {
                    write_journal(
                        tx,
                        operation,
                        seq,
                        JournalRow {
                            record: *id,
                            object: object.id,
                            op: JournalOp::Deleted,
                            version_after: stored.version,
                            before: Some(before_json(&stored)),
                            source_row: None,
                        },
                    )?;
                    seq += 1;
                }
                deleted += 1;
            }
            Ok(deleted)
        })
    }

    /// Reads records of an object by id, in the order asked; missing or invisible ids are left out.
    pub fn get_records(&self, object: &ObjectDef, ids: &[RecordId], visibility: &VisibilityScope) -> Result<Vec<Record>> {
        let mut found: HashMap<RecordId, Record> = HashMap::with_capacity(ids.len());
        self.read(|tx| {
            let columns = record_columns(tx);
            for chunk in ids.chunks(500) {
                let mut params: Vec<SqlValue> = vec![object.id.0.into()];
                let placeholders: Vec<String> = chunk
                    .iter()
                    .map(|id| {
                        params.push(id.0.into());
                        format!("${}", params.len())
                    })
                    .collect();
                let sql =
                    format!("SELECT {columns} FROM records r WHERE r.object_id = $1 AND r.id IN ({})", placeholders.join(", "));
                for row in tx.query(&sql, &params)? {
                    let record = record_from_row(object, &row)?;
                    found.insert(record.id, record);
                }
            }
            Ok(())
        })?;
        let visible = |record: &Record| match visibility {
            VisibilityScope::All => true,
            VisibilityScope::Owners(owners) => owners.contains(&record.owner_id),
        };
        Ok(ids.iter().filter_map(|id| found.remove(id)).filter(visible).collect())
    }

    /// Returns one page of the records a query selects.
    pub fn query_records(&self, schema: &Schema, query: &RecordQuery) -> Result<Page> {
        let object =
            schema.object_by_id(query.object_id).ok_or_else(|| StoreError::not_found(format!("object {}", query.object_id)))?;
        let limit = query.limit.clamp(1, 10_000);
        let query = RecordQuery { limit, ..query.clone() };
        let records = self.read(|tx| {
            let indexed = field_indexes(tx, query.object_id)?;
            let compiled = compile::select_page(self.dialect(), schema, &query, record_columns(tx), &indexed);
            tx.query(&compiled.sql, &compiled.params)?.iter().map(|row| record_from_row(object, row)).collect::<Result<Vec<_>>>()
        })?;
        let next = if records.len() == limit {
            records.last().map(|last| Cursor {
                sort_value: query.sort.as_ref().map(|s| sort_value(last, &s.path)).unwrap_or(serde_json::Value::Null),
                id: last.id,
            })
        } else {
            None
        };
        Ok(Page { records, next })
    }

    /// Counts the records a query selects (sort, cursor and limit are ignored).
    pub fn count_records(&self, schema: &Schema, query: &RecordQuery) -> Result<i64> {
        self.read(|tx| {
            let compiled = compile::count(self.dialect(), schema, query);
            tx.query_one(&compiled.sql, &compiled.params)?.int(0)
        })
    }

    /// Finds the records holding each match key: one query per key kind for the whole batch.
    ///
    /// Returns, for each key in input order, the ids of candidate records (ascending). Keys are
    /// compared by hash, so callers confirm a duplicate on the records' real values.
    pub fn lookup_match_keys(&self, object: ObjectId, keys: &[MatchKey]) -> Result<Vec<Vec<RecordId>>> {
        let hashed: Vec<(i64, i64)> = keys.iter().map(|key| (key.kind.code(), key.hash())).collect();
        let mut by_kind: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (kind, hash) in &hashed {
            by_kind.entry(*kind).or_default().push(*hash);
        }
        // Every (kind, hash, record) found, sorted: each key's records are one run, found by
        // binary search (no map, and no allocation for a key without records).
        let mut hits: Vec<(i64, i64, i64)> = Vec::new();
        for (kind, mut hashes) in by_kind {
            hashes.sort_unstable();
            hashes.dedup();
            hits.extend(self.lookup_kind(object, kind, &hashes)?.into_iter().map(|(hash, record)| (kind, hash, record)));
        }
        hits.sort_unstable();
        hits.dedup();
        Ok(hashed
            .iter()
            .map(|&(kind, hash)| {
                let start = hits.partition_point(|hit| (hit.0, hit.1) < (kind, hash));
                hits[start..].iter().take_while(|hit| (hit.0, hit.1) == (kind, hash)).map(|hit| RecordId(hit.2)).collect()
            })
            .collect())
    }

    /// Looks up sorted hashes of one key kind in one statement; returns (hash, record id) pairs.
    fn lookup_kind(&self, object: ObjectId, kind: i64, hashes: &[i64]) -> Result<Vec<(i64, i64)>> {
        match &self.backend {
            Backend::Sqlite(backend) => crate::sqlite::records::lookup(&*backend.conn()?, object, kind, hashes),
            Backend::Postgres(backend) => crate::postgres::records::lookup(&mut *backend.conn()?, object, kind, hashes),
        }
    }

    /// Counts records per object of an organization, within a visibility scope.
    pub fn count_by_object(&self, org: OrgId, visibility: &VisibilityScope) -> Result<BTreeMap<ObjectId, i64>> {
        self.read(|tx| {
            let mut params: Vec<SqlValue> = vec![org.0.into()];
            let scope = match visibility {
                VisibilityScope::All => String::new(),
                VisibilityScope::Owners(owners) => {
                    let list: Vec<String> = owners
                        .iter()
                        .map(|o| {
                            params.push(o.0.into());
                            format!("${}", params.len())
                        })
                        .collect();
                    if list.is_empty() {
                        " AND 1 = 0".into()
                    } else {
                        format!(" AND r.owner_id IN ({})", list.join(", "))
                    }
                }
            };
            let sql = format!(
                "SELECT o.id, (SELECT COUNT(*) FROM records r WHERE r.object_id = o.id{scope}) FROM objects o WHERE o.org_id = $1 ORDER BY o.id"
            );
            tx.query(&sql, &params)?.iter().map(|r| Ok((ObjectId(r.int(0)?), r.int(1)?))).collect()
        })
    }
}
