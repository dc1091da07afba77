//! Import history: the log of an organization's imports, one import's detail, its queue
//! position, cancelling, and the result file (every input row in input order with its original
//! columns plus outcome, record id and messages), and the sweep that forgets imports after 90 days.

use super::job::{is_final, StoredRequest, IMPORT_JOB, IMPORT_KEEP_MS};
use super::report::format_for;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_formats::read::{self, SourceRow};
use salesos_formats::write::TableWriter;
use salesos_import::issue::RowMessages;
use salesos_model::ids::OperationId;
use salesos_model::value::format_ms;
use salesos_store::files::FileStore;
use salesos_store::{ImportLog, Store};
use std::path::Path;

/// Columns the result file adds after the source's.
pub const RESULT_COLUMNS: [&str; 3] = ["Outcome", "Record Id", "Messages"];

/// An import as the history shows it (JSON for the CLI and the API).
pub fn log_json(store: &Store, log: &ImportLog) -> AppResult<serde_json::Value> {
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_or(serde_json::Value::Null);
    let request = StoredRequest::from_json(&log.request).ok();
    let summary = parse(&log.summary);
    let mut counts = parse(&log.counts);
    if !is_final(&log.status) {
        // While it runs, the counts are those of the rows committed so far.
        let stored = store.import_outcome_counts(log.id)?;
        counts = serde_json::json!(["created", "updated", "unchanged", "skipped", "flagged", "failed"]
            .iter()
            .map(|k| (k.to_string(), serde_json::Value::from(stored.get(*k).copied().unwrap_or(0))))
            .collect::<serde_json::Map<_, _>>());
    }
    let queue_position = match (log.status.as_str(), log.job_id) {
        ("queued", Some(job)) => Some(store.queue_position(log.org_id, IMPORT_JOB, job)?),
        _ => None,
    };
    let progress = match log.job_id {
        Some(job) if log.status == "running" || log.status == "cancelling" => {
            store.job(log.org_id, job).ok().map(|j| parse(&j.progress))
        }
        _ => None,
    };
    Ok(serde_json::json!({
        "import_id": log.id.0,
        "status": log.status,
        "object": log.object,
        "user_id": log.user_id.0,
        "file": {"name": log.file_name, "size": log.file_size, "sha256": log.file_sha256},
        "created_at": format_ms(log.created_at),
        "started_at": log.started_at.map(format_ms),
        "finished_at": log.finished_at.map(format_ms),
        "duration_ms": log.duration_ms,
        "rows": log.rows_total,
        "rows_done": log.rows_done,
        "counts": counts,
        "on_duplicate": request.as_ref().and_then(|r| r.mapping.as_ref().map(|m| m.settings.on_duplicate.as_str())),
        "mapping_source": request.as_ref().and_then(|r| r.mapping_source.clone()),
        "mapping": request.as_ref().and_then(|r| r.mapping.as_ref()).map(|m| parse(&m.to_json())),
        "queue_position": queue_position,
        "progress": progress,
        "error": log.error,
        "undone_at": log.undone_at.map(format_ms),
        "undo_id": log.undo_id.map(|u| u.0),
        "summary": summary,
    }))
}

/// Reads one import of the actor's organization: their own, or anyone's for admins.
pub fn find(store: &Store, actor: &Actor, import: OperationId) -> AppResult<ImportLog> {
    let log = store.import_log(actor.org.id, import)?;
    if log.user_id != actor.user.id && actor.require_admin().is_err() {
        return Err(AppError::forbidden(format!("import {} was run by someone else; only admins see it", import.0)));
    }
    Ok(log)
}

/// Lists the imports the actor may see, newest first: everyone's for admins, else their own.
pub fn list(store: &Store, actor: &Actor, limit: i64) -> AppResult<Vec<ImportLog>> {
    let admin = actor.require_admin().is_ok();
    Ok(store.list_imports(actor.org.id, limit)?.into_iter().filter(|l| admin || l.user_id == actor.user.id).collect())
}

/// Cancels an import: a queued one at once, a running one at its next batch boundary.
pub fn cancel(store: &Store, actor: &Actor, import: OperationId, now: i64) -> AppResult<String> {
    let log = find(store, actor, import)?;
    if is_final(&log.status) {
        return Err(AppError::invalid(format!("import {} already ended ({}); nothing to cancel", import.0, log.status)));
    }
    Ok(store.request_import_cancel(actor.org.id, import, now)?)
}

/// Writes the result file of an import (CSV, or XLSX by the path's extension); returns its rows.
pub fn write_result_file(store: &Store, files: &FileStore, actor: &Actor, import: OperationId, out: &Path) -> AppResult<u64> {
    let log = find(store, actor, import)?;
    let file_id = log.file_id.ok_or_else(|| AppError::invalid(format!("import {} kept no source file", import.0)))?;
    let meta = files.meta(store, log.org_id, file_id)?;
    let stored = StoredRequest::from_json(&log.request)?;
    let request = stored.to_request(files.path(&meta), &log.file_name);
    let mut reader = read::open(&request.file, &request.display_name, &request.read_options).map_err(super::read_error)?;
    let detected = reader.detected().clone();
    let multi_sheet = detected.selected_sheets.len() > 1;
    let mut header: Vec<String> = Vec::new();
    if multi_sheet {
        header.push("Sheet".into());
    }
    header.extend(detected.column_names());
    header.extend(RESULT_COLUMNS.iter().map(|c| c.to_string()));
    let write_error =
        |err: salesos_formats::write::WriteError| AppError::invalid(format!("cannot write {}: {err}", out.display()));
    let mut writer = TableWriter::create(format_for(out), out, &header).map_err(write_error)?;
    let mut seq: i64 = 0;
    // Outcomes are read a page at a time, in step with the file; once a page comes back short,
    // the rest of the file has none (rows a cancelled or failed import never reached).
    const PAGE: i64 = 10_000;
    let mut page = store.import_rows(import, 0, PAGE)?;
    let mut more = page.len() as i64 == PAGE;
    let mut outcomes = page.into_iter().peekable();
    let mut row = SourceRow::default();
    while reader.read_row(&mut row).map_err(super::read_error)? {
        if more && outcomes.peek().is_none() {
            page = store.import_rows(import, seq, PAGE)?;
            more = page.len() as i64 == PAGE;
            outcomes = page.into_iter().peekable();
        }
        let outcome = match outcomes.peek() {
            Some(o) if o.seq == seq => outcomes.next(),
            _ => None,
        };
        let mut cells: Vec<String> = Vec::with_capacity(header.len());
        if multi_sheet {
            cells.push(row.pos.sheet.as_deref().unwrap_or_default().to_string());
        }
        cells.extend(row.cells.iter().map(str::to_string));
        cells.resize(header.len() - RESULT_COLUMNS.len(), String::new());
        match outcome {
            Some(o) => {
                cells.push(o.outcome.clone());
                cells.push(o.record_id.map(|r| r.0.to_string()).unwrap_or_default());
                cells.push(o.messages.as_deref().map(|m| RowMessages::from_json(m).summary()).unwrap_or_default());
            }
            None => {
                cells.push(if is_final(&log.status) { "not_processed" } else { "pending" }.into());
                cells.push(String::new());
                cells.push(String::new());
            }
        }
        writer.write_row(&cells).map_err(write_error)?;
        seq += 1;
    }
    writer.finish().map_err(write_error)
}

/// Forgets imports older than 90 days (their row outcomes and journals); returns how many.
pub fn sweep(store: &Store, now: i64) -> AppResult<usize> {
    Ok(store.sweep_imports(now - IMPORT_KEEP_MS)?)
}
