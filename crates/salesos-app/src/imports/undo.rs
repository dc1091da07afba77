//! Undo of a whole import, within 30 days, from its journal alone: records it created are
//! deleted, records it updated get their pre-import state back exactly. Before anything changes,
//! records edited since the import and records that others now point at are reported; with
//! edits and no choice (keep them or revert anyway), nothing changes. A referenced record is
//! never deleted, so undo leaves no dangling reference. The undo is an operation of its own,
//! journaled and audited, and resumable: records it already handled are skipped on a re-run.

use super::job::is_final;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_model::error::ErrorCode;
use salesos_model::ids::{ObjectId, OperationId, RecordId};
use salesos_model::ops::{AuditEntry, AuditOutcome, BeforeImage, JobState, JournalOp, NewJob};
use salesos_model::schema::{FieldType, ReferenceTarget};
use salesos_store::{InboundReference, Store, UndoAction, UndoItem, UndoResult, WriteContext};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The job kind of undos.
pub const UNDO_JOB: &str = "undo";
/// How long an undo's claim holds; a re-run after a crash waits for it.
const UNDO_LEASE_MS: i64 = 60_000;
/// How long after it ended an import may be undone, ms.
pub const UNDO_WINDOW_MS: i64 = 30 * 24 * 3_600_000;
/// Records changed per undo transaction.
const UNDO_BATCH: usize = 5_000;
/// Records listed per conflict kind in a report (the counts are complete).
const LISTED: usize = 100;

/// What to do with records edited since the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaterEdits {
    /// Report them and change nothing.
    Ask,
    /// Leave them as they are now; undo the rest.
    Keep,
    /// Revert them too (their later edits are lost).
    Revert,
}

/// A record edited since the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditedRecord {
    /// The record.
    pub record_id: i64,
    /// Its object.
    pub object: String,
    /// What the import did to it.
    pub import_did: &'static str,
    /// Its version right after the import.
    pub version_after_import: i64,
    /// Its version now.
    pub version_now: i64,
}

/// A created record that other records now reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferencedRecord {
    /// The record.
    pub record_id: i64,
    /// Its object.
    pub object: String,
    /// The records pointing at it: (object, id).
    pub referenced_by: Vec<(String, i64)>,
}

/// What an undo did, or would need decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoReport {
    /// The import.
    pub import_id: i64,
    /// The undo's own operation (none when nothing changed).
    pub undo_id: Option<i64>,
    /// The undo's job (none when nothing changed).
    pub job_id: Option<i64>,
    /// `undone`, or `conflicts` (nothing changed; decide with keep or revert).
    pub status: &'static str,
    /// Created records deleted.
    pub deleted: u64,
    /// Updated records restored to their pre-import state.
    pub restored: u64,
    /// Edited records left as they are (keep later edits, or edited during the undo).
    pub kept_edited: u64,
    /// Created records kept because others reference them.
    pub kept_referenced: u64,
    /// Records already deleted by someone else.
    pub already_gone: u64,
    /// Records edited since the import (first 100).
    pub edited: Vec<EditedRecord>,
    /// How many were edited since the import.
    pub edited_count: u64,
    /// Created records others reference (first 100).
    pub referenced: Vec<ReferencedRecord>,
    /// How many created records others reference.
    pub referenced_count: u64,
    /// Wall time, ms.
    pub duration_ms: u64,
}

/// The plan for one record the import touched.
struct Touched {
    record: RecordId,
    object: ObjectId,
    created: bool,
    before: Option<BeforeImage>,
    version_after: i64,
}

/// Undoes an import (see the module doc).
pub fn undo(store: &Store, actor: &Actor, import: OperationId, later: LaterEdits, now: i64) -> AppResult<UndoReport> {
    let started = std::time::Instant::now();
    let log = store.import_log(actor.org.id, import)?;
    if log.user_id != actor.user.id {
        actor
            .require_admin()
            .map_err(|_| AppError::forbidden(format!("only admins may undo an import someone else ran (import {})", import.0)))?;
    }
    if let Some(at) = log.undone_at {
        return Err(AppError::invalid(format!(
            "import {} was already undone at {} (undo {})",
            import.0,
            salesos_model::value::format_ms(at),
            log.undo_id.map_or(0, |u| u.0)
        )));
    }
    if !is_final(&log.status) {
        return Err(AppError::invalid(format!(
            "import {} is {}; cancel it or wait for it to end before undoing it",
            import.0, log.status
        )));
    }
    let ended = log.finished_at.unwrap_or(log.created_at);
    if now - ended > UNDO_WINDOW_MS {
        return Err(AppError::invalid(format!(
            "import {} ended at {}; an import can be undone within 30 days only",
            import.0,
            salesos_model::value::format_ms(ended)
        )));
    }
    let schema = store.schema(actor.org.id)?;
    let object_name =
        |id: ObjectId| schema.objects.iter().find(|o| o.id == id).map_or_else(|| id.0.to_string(), |o| o.api_name.clone());

    // Each record once: the first entry tells what the import did, the last its version after.
    let mut touched: Vec<Touched> = Vec::new();
    let mut index: HashMap<RecordId, usize> = HashMap::new();
    for entry in store.journal(import)? {
        match index.get(&entry.record_id) {
            Some(at) => touched[*at].version_after = entry.version_after,
            None => {
                index.insert(entry.record_id, touched.len());
                touched.push(Touched {
                    record: entry.record_id,
                    object: entry.object_id,
                    created: entry.op == JournalOp::Created,
                    before: entry.before,
                    version_after: entry.version_after,
                });
            }
        }
    }
    // A resumed undo skips what it already did.
    let done: HashSet<RecordId> = match log.undo_id {
        Some(undo) => store.journal(undo)?.into_iter().map(|e| e.record_id).collect(),
        None => HashSet::new(),
    };
    touched.retain(|t| !done.contains(&t.record));

    let ids: Vec<RecordId> = touched.iter().map(|t| t.record).collect();
    let versions = store.record_versions(&ids)?;
    let mut report = UndoReport {
        import_id: import.0,
        undo_id: None,
        job_id: None,
        status: "undone",
        deleted: 0,
        restored: 0,
        kept_edited: 0,
        kept_referenced: 0,
        already_gone: 0,
        edited: Vec::new(),
        edited_count: 0,
        referenced: Vec::new(),
        referenced_count: 0,
        duration_ms: 0,
    };
    for t in &touched {
        if let Some(now_version) = versions.get(&t.record) {
            if *now_version != t.version_after {
                report.edited_count += 1;
                if report.edited.len() < LISTED {
                    report.edited.push(EditedRecord {
                        record_id: t.record.0,
                        object: object_name(t.object),
                        import_did: if t.created { "created" } else { "updated" },
                        version_after_import: t.version_after,
                        version_now: *now_version,
                    });
                }
            }
        }
    }

    // Records outside the import pointing at records it created.
    let created_objects: HashSet<String> = touched.iter().filter(|t| t.created).map(|t| object_name(t.object)).collect();
    let mut reference_fields: Vec<(ObjectId, String)> = Vec::new();
    if !created_objects.is_empty() {
        for object in &schema.objects {
            for field in object.fields.iter().filter(|f| f.field_type == FieldType::Reference) {
                let points_here = match &field.reference {
                    Some(ReferenceTarget::Object(target)) => created_objects.contains(target),
                    Some(ReferenceTarget::Any) => true,
                    _ => false,
                };
                if points_here {
                    reference_fields.push((object.id, field.api_name.clone()));
                }
            }
        }
    }
    let mut referenced: BTreeMap<RecordId, Vec<(String, i64)>> = BTreeMap::new();
    let created_ids: HashSet<RecordId> = touched.iter().filter(|t| t.created).map(|t| t.record).collect();
    // Records the import updated and this undo restores (unless edited since and kept): their
    // references as they were before the import, not as they are now.
    let restored: HashMap<RecordId, &BeforeImage> = touched
        .iter()
        .filter(|t| !t.created && (versions.get(&t.record) == Some(&t.version_after) || later == LaterEdits::Revert))
        .filter_map(|t| Some((t.record, t.before.as_ref()?)))
        .collect();
    for reference in store.inbound_references(import, &reference_fields)? {
        if !created_ids.contains(&reference.to)
            || restored.get(&reference.from).is_some_and(|before| !still_refers(before, &reference))
        {
            continue;
        }
        referenced.entry(reference.to).or_default().push((object_name(reference.from_object), reference.from.0));
    }
    report.referenced_count = referenced.len() as u64;
    for (record, by) in referenced.iter().take(LISTED) {
        let object = touched.iter().find(|t| t.record == *record).map(|t| object_name(t.object)).unwrap_or_default();
        report.referenced.push(ReferencedRecord { record_id: record.0, object, referenced_by: by.clone() });
    }

    if later == LaterEdits::Ask && (report.edited_count > 0 || report.referenced_count > 0) {
        report.status = "conflicts";
        report.duration_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }

    // The undo is a job of its own (kind `undo`, one per import), run here; a re-run after a
    // crash takes the job back once its lease ends and skips what was done.
    let (job, _) = store.enqueue_job(
        &NewJob {
            org_id: actor.org.id,
            kind: UNDO_JOB.into(),
            payload: serde_json::json!({ "import_id": import.0 }).to_string(),
            unique_key: Some(format!("undo:{}", import.0)),
            run_after: now,
            max_attempts: 100,
        },
        now,
    )?;
    let worker = format!("undo:{}", actor.user.id.0);
    if store.claim_job_id(job.id, &worker, UNDO_LEASE_MS, None, now)?.is_none() {
        return Err(AppError::invalid(format!(
            "an undo of import {} is already running (job {}); wait for it to end",
            import.0, job.id.0
        )));
    }
    report.job_id = Some(job.id.0);
    match apply(store, actor, &log, touched, &versions, &referenced, later, &mut report, now) {
        Ok(()) => {
            report.duration_ms = started.elapsed().as_millis() as u64;
            let summary = serde_json::to_string(&report).unwrap_or_default();
            store.finish_job(job.id, &worker, JobState::Succeeded, &summary, None, now)?;
            Ok(report)
        }
        Err(err) => {
            store.finish_job(job.id, &worker, JobState::Queued, "{}", Some(&err.to_string()), now)?;
            Err(err)
        }
    }
}

/// Returns whether a record restored to its before-image still holds the reference: a record the
/// import linked to a record it created stops pointing at it once restored.
fn still_refers(before: &BeforeImage, reference: &InboundReference) -> bool {
    match serde_json::from_str::<serde_json::Value>(&before.data_json) {
        Ok(data) => data.get(&reference.field).and_then(serde_json::Value::as_i64) == Some(reference.to.0),
        // An unreadable before-image: assume the reference stays (nothing is deleted wrongly).
        Err(_) => true,
    }
}

/// Deletes and restores the records, then records the undo (import log, operation, audit).
#[allow(clippy::too_many_arguments)]
fn apply(
    store: &Store,
    actor: &Actor,
    log: &salesos_store::ImportLog,
    touched: Vec<Touched>,
    versions: &HashMap<RecordId, i64>,
    referenced: &BTreeMap<RecordId, Vec<(String, i64)>>,
    later: LaterEdits,
    report: &mut UndoReport,
    now: i64,
) -> AppResult<()> {
    let import = log.id;
    let schema = store.schema(actor.org.id)?;
    let (undo_id, _) = store.begin_import_undo(actor.org.id, import, actor.user.id, now)?;
    report.undo_id = Some(undo_id.0);
    let mut items: Vec<UndoItem> = Vec::with_capacity(touched.len());
    for t in touched {
        let Some(now_version) = versions.get(&t.record).copied() else {
            report.already_gone += 1;
            continue;
        };
        if t.created && referenced.contains_key(&t.record) {
            report.kept_referenced += 1;
            continue;
        }
        let edited = now_version != t.version_after;
        if edited && later == LaterEdits::Keep {
            report.kept_edited += 1;
            continue;
        }
        let action = if t.created {
            UndoAction::Delete
        } else {
            match t.before {
                Some(before) => UndoAction::Restore(before),
                None => {
                    return Err(AppError::new(
                        ErrorCode::Internal,
                        format!("the journal of import {} lacks the before-image of record {}", import.0, t.record.0),
                    ))
                }
            }
        };
        items.push(UndoItem { object_id: t.object, record: t.record, expected_version: Some(now_version), action });
    }
    // Restorations first: a record the import linked to a record it created lets go of it before
    // that record is deleted, so no batch boundary (or crash between batches) leaves it dangling.
    items.sort_by_key(|item| matches!(item.action, UndoAction::Delete));
    let ctx = WriteContext {
        org_id: actor.org.id,
        actor: actor.user.id,
        operation: Some(undo_id),
        now,
        default_country: actor.org.settings.default_phone_country.clone(),
    };
    for chunk in items.chunks(UNDO_BATCH) {
        let results = store.apply_undo(&ctx, &schema, chunk)?;
        for (item, result) in chunk.iter().zip(results) {
            match (result, &item.action) {
                (UndoResult::Done, UndoAction::Delete) => report.deleted += 1,
                (UndoResult::Done, UndoAction::Restore(_)) => report.restored += 1,
                (UndoResult::Gone, _) => report.already_gone += 1,
                (UndoResult::Conflict { .. }, _) => report.kept_edited += 1,
            }
        }
    }
    let summary = serde_json::to_string(&report).unwrap_or_default();
    store.finish_import_undo(import, undo_id, &summary, now)?;
    store.append_audit(&AuditEntry {
        at: now,
        org_id: actor.org.id,
        actor: Some(actor.user.id),
        action: "records.undo_import".into(),
        object: Some(log.object.clone()),
        count: (report.deleted + report.restored) as i64,
        outcome: if report.kept_edited + report.kept_referenced > 0 { AuditOutcome::Partial } else { AuditOutcome::Success },
        detail: summary,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::job::{self, JobContext, IMPORT_LEASE_MS};
    use crate::imports::ImportRequest;
    use salesos_model::access::Role;
    use salesos_store::files::FileStore;
    use salesos_store::NewUser;

    const T0: i64 = 1_780_000_000_000;
    const DAY: i64 = 24 * 3_600_000;

    fn setup(dir: &std::path::Path) -> (Store, FileStore, Actor) {
        let store = Store::open_sqlite(&dir.join("db.sqlite")).unwrap();
        let files = FileStore::new(dir.join("files")).unwrap();
        let org = store.create_org("acme", &Default::default(), T0).unwrap();
        let user = NewUser {
            org_id: org.id,
            email: "admin@acme.io".into(),
            name: "Admin".into(),
            role: Role::Admin,
            visibility: None,
            password_hash: None,
        };
        let user = store.create_user(&user, T0).unwrap();
        let actor = Actor::new(&store, org, user).unwrap();
        (store, files, actor)
    }

    #[test]
    fn undo_is_refused_while_running_and_after_thirty_days() {
        let dir = tempfile::tempdir().unwrap();
        let (store, files, actor) = setup(dir.path());
        let csv = dir.path().join("c.csv");
        std::fs::write(&csv, "First Name,Last Name,Email\nAnn,Archer,ann@acme.io\n").unwrap();
        let request = ImportRequest::new(csv, "c.csv", "contacts");
        let log = job::submit(&store, &files, &actor, &request, 1, T0).unwrap();
        let queued = undo(&store, &actor, log.id, LaterEdits::Revert, T0).unwrap_err();
        assert!(queued.body.message.contains("is queued"), "{}", queued.body.message);

        let job = store.claim_job_id(log.job_id.unwrap(), "w", IMPORT_LEASE_MS, Some(3), T0).unwrap().unwrap();
        let clock = || T0 + 2_000; // it waited two seconds in the queue
        let ctx = JobContext { store: &store, files: &files, worker: "w", clock: &clock, lease_ms: IMPORT_LEASE_MS };
        let report = job::execute(&ctx, &job, &mut |_| {}).unwrap();
        assert_eq!(report.summary.counts.created, 1);
        let kinds: Vec<String> =
            store.notifications(actor.org.id, actor.user.id, 10).unwrap().into_iter().map(|n| n.kind).collect();
        assert_eq!(kinds, ["import.completed", "import.started"], "newest first: it started after waiting, then completed");

        let late = undo(&store, &actor, log.id, LaterEdits::Revert, T0 + 2_000 + 30 * DAY + 1).unwrap_err();
        assert!(late.body.message.contains("within 30 days"), "{}", late.body.message);
        let done = undo(&store, &actor, log.id, LaterEdits::Ask, T0 + 29 * DAY).unwrap();
        assert_eq!((done.status, done.deleted), ("undone", 1));
        let twice = undo(&store, &actor, log.id, LaterEdits::Ask, T0 + 29 * DAY).unwrap_err();
        assert!(twice.body.message.contains("already undone"), "{}", twice.body.message);
    }
}
