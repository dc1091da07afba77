//! Import sessions: the wizard's steps as saved state, for the API (and later the web app).
//! Upload (kept in the file store, status `draft`) → detected settings and preview → mapping
//! (proposed: the remembered or automatic one, with suggestions) → duplicate settings →
//! validation preview (a dry run) → confirm, which queues the job. Every step is saved in the
//! import's stored request; changing a step sends the session back to that step, so the preview
//! a user confirms is always the one of the settings that run. A step taken out of order, or a
//! confirm without a successful preview, is refused with a message naming the next step.

use super::job::{self, StoredRequest};
use super::json::{preview_json, report_json};
use super::{history, ImportRequest, SettingsOverrides, SAMPLE_ROWS};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_formats::read::{self, SourceRow};
use salesos_import::map::{self, MappingLimits};
use salesos_import::spec::MappingSpec;
use salesos_model::ids::OperationId;
use salesos_model::schema::ObjectDef;
use salesos_store::files::FileStore;
use salesos_store::{ImportLog, Store};
use std::io::Read;

/// Rows of the file shown with the detected settings.
const PREVIEW_ROWS: usize = 10;

/// The steps, in order.
const STEPS: [&str; 5] = ["uploaded", "mapped", "duplicates", "previewed", "preview_failed"];

fn step_index(step: &str) -> usize {
    STEPS.iter().position(|s| *s == step).unwrap_or(0)
}

/// Starts a session: keeps the upload and logs the import as a draft.
pub fn create(
    store: &Store,
    files: &FileStore,
    actor: &Actor,
    request: &ImportRequest,
    source: &mut dyn Read,
    nonce: u64,
    now: i64,
) -> AppResult<ImportLog> {
    let log = job::store_upload(store, files, actor, request, source, nonce, now)?;
    store.set_import_status(log.id, "queued", "draft")?;
    let mut stored = StoredRequest::from_json(&log.request)?;
    stored.step = Some("uploaded".into());
    store.set_import_request(log.id, &stored.to_json())?;
    Ok(store.import_log(actor.org.id, log.id)?)
}

/// A draft session of the actor's, with its stored request.
fn draft(store: &Store, actor: &Actor, id: OperationId) -> AppResult<(ImportLog, StoredRequest)> {
    let log = history::find(store, actor, id)?;
    if log.status != "draft" {
        return Err(AppError::invalid(format!("import {} is {}, no longer a session whose steps can change", id.0, log.status)));
    }
    let stored = StoredRequest::from_json(&log.request)?;
    Ok((log, stored))
}

/// The session's file, read with its reader settings: headers and sample rows.
fn headers_and_samples(
    files: &FileStore,
    store: &Store,
    log: &ImportLog,
    stored: &StoredRequest,
) -> AppResult<(Vec<String>, Vec<Vec<String>>)> {
    let request = source_request(files, store, log, stored)?;
    let mut reader = read::open(&request.file, &request.display_name, &request.read_options).map_err(super::read_error)?;
    let headers = reader.detected().column_names();
    let mut samples = Vec::new();
    let mut row = SourceRow::default();
    while samples.len() < SAMPLE_ROWS && reader.read_row(&mut row).map_err(super::read_error)? {
        samples.push(row.cells.to_vec());
    }
    Ok((headers, samples))
}

fn source_request(files: &FileStore, store: &Store, log: &ImportLog, stored: &StoredRequest) -> AppResult<ImportRequest> {
    let file_id = log.file_id.ok_or_else(|| AppError::invalid(format!("import {} kept no source file", log.id.0)))?;
    let meta = files.meta(store, log.org_id, file_id)?;
    Ok(stored.to_request(files.path(&meta), &log.file_name))
}

fn object_of(store: &Store, actor: &Actor, name: &str) -> AppResult<ObjectDef> {
    let schema = store.schema(actor.org.id)?;
    schema.object(name).cloned().ok_or_else(|| AppError::invalid(format!("object {name:?} no longer exists")))
}

/// The session as the API shows it: its step, the detected settings and first rows, the
/// proposed mapping with suggestions, the chosen mapping and settings, and the preview.
pub fn view(store: &Store, files: &FileStore, actor: &Actor, id: OperationId) -> AppResult<serde_json::Value> {
    let log = history::find(store, actor, id)?;
    let stored = StoredRequest::from_json(&log.request)?;
    let mut out = history::log_json(store, &log)?;
    out["step"] = serde_json::json!(stored.step);
    if log.status != "draft" {
        return Ok(out);
    }
    let request = source_request(files, store, &log, &stored)?;
    let detected =
        read::preview(&request.file, &request.display_name, &request.read_options, PREVIEW_ROWS).map_err(super::read_error)?;
    let (headers, samples) = headers_and_samples(files, store, &log, &stored)?;
    let schema = store.schema(actor.org.id)?;
    let object = object_of(store, actor, &log.object)?;
    let (proposed, source, suggestions) = super::proposed_mapping(store, actor, &schema, &object, &headers, &samples)?;
    out["detected"] = preview_json(&detected);
    out["proposed_mapping"] = serde_json::from_str(&proposed.to_json()).unwrap_or_default();
    out["proposed_mapping_source"] = serde_json::json!(source.as_str());
    out["suggestions"] = suggestions
        .iter()
        .map(|s| serde_json::json!({"column": s.header, "target": s.target, "confidence": s.confidence, "reason": s.reason.map(|r| r.as_str())}))
        .collect();
    out["settings"] = serde_json::json!({
        "on_duplicate": stored.overrides.on_duplicate.map(|d| d.as_str()),
        "match": stored.overrides.match_on.as_ref().map(|m| m.to_string()),
        "date_order": stored.overrides.date_order.map(|d| d.as_str()),
        "empty_cells": stored.overrides.empty_cells,
        "create_missing": stored.overrides.create_missing_references,
    });
    out["preview"] = stored.preview.clone().unwrap_or(serde_json::Value::Null);
    out["next"] = serde_json::json!(match stored.step.as_deref().unwrap_or("uploaded") {
        "uploaded" => "PUT mapping (the proposed mapping as it is, or changed)",
        "mapped" | "duplicates" => "POST preview (after PUT duplicates, or with the default settings)",
        "previewed" => "POST confirm",
        _ => "fix the mapping or settings the preview names, then POST preview again",
    });
    Ok(out)
}

/// Saves the mapping step: checked against the file's headers and the schema (every mapping
/// error named here). Sends the session back to this step.
pub fn set_mapping(store: &Store, files: &FileStore, actor: &Actor, id: OperationId, spec: MappingSpec) -> AppResult<()> {
    let (log, mut stored) = draft(store, actor, id)?;
    let (headers, samples) = headers_and_samples(files, store, &log, &stored)?;
    let schema = store.schema(actor.org.id)?;
    let object = object_of(store, actor, &log.object)?;
    let limits = MappingLimits { max_custom_field_mappings: stored.max_custom_field_mappings };
    map::resolve(&schema, &object, &headers, &samples, &spec, &limits)
        .map_err(|err| AppError::invalid(err.to_string()).with_field("mapping"))?;
    stored.mapping = Some(spec);
    stored.mapping_name = None;
    stored.mapping_source = Some("given".into());
    stored.step = Some("mapped".into());
    stored.preview = None;
    store.set_import_request(id, &stored.to_json())?;
    Ok(())
}

/// Saves the duplicate step (strategy, match, and the other run settings). Needs the mapping.
pub fn set_duplicates(
    store: &Store,
    files: &FileStore,
    actor: &Actor,
    id: OperationId,
    overrides: SettingsOverrides,
) -> AppResult<()> {
    let (log, mut stored) = draft(store, actor, id)?;
    let step = stored.step.clone().unwrap_or_default();
    if step_index(&step) < step_index("mapped") {
        return Err(AppError::invalid(format!(
            "import {}: set the mapping first (PUT …/mapping), then the duplicate settings",
            id.0
        )));
    }
    let mut spec = stored.mapping.clone().unwrap_or_default();
    super::apply_overrides(&mut spec.settings, &overrides);
    let (headers, samples) = headers_and_samples(files, store, &log, &stored)?;
    let schema = store.schema(actor.org.id)?;
    let object = object_of(store, actor, &log.object)?;
    let limits = MappingLimits { max_custom_field_mappings: stored.max_custom_field_mappings };
    map::resolve(&schema, &object, &headers, &samples, &spec, &limits)
        .map_err(|err| AppError::invalid(err.to_string()).with_field("settings"))?;
    stored.overrides = overrides;
    stored.step = Some("duplicates".into());
    stored.preview = None;
    store.set_import_request(id, &stored.to_json())?;
    Ok(())
}

/// Runs the validation preview (every stage but the commit) and saves it with the session.
/// A preview that cannot run (ambiguous dates, a file that breaks off) leaves the session at
/// `preview_failed`, and a confirm is refused until a preview succeeds.
pub fn preview(store: &Store, files: &FileStore, actor: &Actor, id: OperationId, now: i64) -> AppResult<serde_json::Value> {
    let (log, mut stored) = draft(store, actor, id)?;
    if step_index(stored.step.as_deref().unwrap_or_default()) < step_index("mapped") {
        return Err(AppError::invalid(format!("import {}: set the mapping first (PUT …/mapping), then preview", id.0)));
    }
    let mut request = source_request(files, store, &log, &stored)?;
    request.dry_run = true;
    request.error_report = None;
    request.failed_rows = None;
    let result = super::run(store, actor, &request, now, &mut |_| {});
    let (step, preview) = match &result {
        Ok(report) if report.ambiguous_dates.is_empty() => ("previewed", report_json(report)),
        Ok(report) => ("preview_failed", report_json(report)),
        Err(err) => ("preview_failed", serde_json::json!({"status": "failed", "error": err.body.to_json()})),
    };
    stored.step = Some(step.into());
    stored.preview = Some(preview.clone());
    store.set_import_request(id, &stored.to_json())?;
    result?;
    Ok(preview)
}

/// Confirms a previewed session: its job is queued (and run by a worker).
pub fn confirm(store: &Store, actor: &Actor, id: OperationId, now: i64) -> AppResult<ImportLog> {
    let (log, stored) = draft(store, actor, id)?;
    match stored.step.as_deref() {
        Some("previewed") => {}
        Some("preview_failed") => {
            return Err(AppError::invalid(format!(
                "import {}: its preview failed; fix the mapping or settings it names and preview again before confirming",
                id.0
            )))
        }
        _ => return Err(AppError::invalid(format!("import {}: preview it first (POST …/preview), then confirm", id.0))),
    }
    if !store.set_import_status(id, "draft", "queued")? {
        return Err(AppError::invalid(format!("import {} was confirmed already", id.0)));
    }
    let log = store.import_log(log.org_id, log.id)?;
    job::ensure_job(store, &log, now)
}
