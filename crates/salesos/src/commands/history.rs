//! `salesos history [IMPORT_ID]` (the import log, one import's detail, its result file, cancel)
//! and `salesos undo IMPORT_ID` (with its report of records edited or referenced since).

use crate::cli::{GlobalArgs, HistoryArgs, UndoArgs};
use crate::context::{actor, now_ms, Settings};
use crate::error::CliResult;
use crate::output::{print_json, say};
use salesos_app::imports::history;
use salesos_app::imports::undo::{self, LaterEdits, UndoReport};
use salesos_model::ids::OperationId;
use salesos_store::files::FileStore;
use serde_json::json;

/// Runs `salesos history`.
pub fn run(settings: &Settings, global: &GlobalArgs, args: HistoryArgs) -> CliResult<u8> {
    let store = settings.open_store()?;
    let actor = actor(&store, global)?;
    let Some(id) = args.import_id.map(OperationId) else {
        let logs = history::list(&store, &actor, args.limit.clamp(1, 1000))?;
        let items: Vec<serde_json::Value> = logs.iter().map(|l| history::log_json(&store, l)).collect::<Result<_, _>>()?;
        if global.json {
            print_json(&json!({ "imports": items }));
        } else if items.is_empty() {
            say("No imports yet.");
        } else {
            for item in &items {
                say(format!(
                    "{:>6}  {:<22} {:<10} {:<24} {:>7} rows  {}{}",
                    item["import_id"],
                    item["status"].as_str().unwrap_or_default(),
                    item["object"].as_str().unwrap_or_default(),
                    item["file"]["name"].as_str().unwrap_or_default(),
                    item["rows"].as_i64().unwrap_or(item["rows_done"].as_i64().unwrap_or(0)),
                    item["created_at"].as_str().unwrap_or_default(),
                    if item["undone_at"].is_null() { "" } else { "  (undone)" },
                ));
            }
        }
        return Ok(0);
    };
    if args.cancel {
        let status = history::cancel(&store, &actor, id, now_ms())?;
        if global.json {
            print_json(&json!({"import_id": id.0, "status": status}));
        } else {
            say(format!("Import {}: {status}", id.0));
        }
        return Ok(0);
    }
    if let Some(path) = &args.result {
        let files = FileStore::new(settings.data_dir.join("files"))?;
        let rows = history::write_result_file(&store, &files, &actor, id, path)?;
        if global.json {
            print_json(&json!({"import_id": id.0, "result_file": path, "rows": rows}));
        } else {
            say(format!("Wrote the result file of import {} ({rows} rows) to {}", id.0, path.display()));
        }
        return Ok(0);
    }
    let log = history::find(&store, &actor, id)?;
    let detail = history::log_json(&store, &log)?;
    if global.json {
        print_json(&detail);
    } else {
        say(serde_json::to_string_pretty(&detail).unwrap_or_default());
    }
    Ok(0)
}

/// Runs `salesos undo`: exit 2 with the conflicts when edits need a decision.
pub fn undo(settings: &Settings, global: &GlobalArgs, args: UndoArgs) -> CliResult<u8> {
    let store = settings.open_store()?;
    let actor = actor(&store, global)?;
    let later = match (args.keep_later_edits, args.revert_all) {
        (true, _) => LaterEdits::Keep,
        (_, true) => LaterEdits::Revert,
        _ => LaterEdits::Ask,
    };
    let report = undo::undo(&store, &actor, OperationId(args.import_id), later, now_ms())?;
    if global.json {
        print_json(&serde_json::to_value(&report).unwrap_or_default());
    } else {
        print_undo(&report);
    }
    Ok(if report.status == "conflicts" { 2 } else { 0 })
}

fn print_undo(report: &UndoReport) {
    if report.status == "conflicts" {
        say(format!("Import {} was not undone: nothing changed.", report.import_id));
        if report.edited_count > 0 {
            say(format!("  {} records were edited after the import, e.g.:", report.edited_count));
            for record in report.edited.iter().take(10) {
                say(format!(
                    "    {} {} (the import {} it; version {} then, {} now)",
                    record.object, record.record_id, record.import_did, record.version_after_import, record.version_now
                ));
            }
        }
        if report.referenced_count > 0 {
            say(format!(
                "  {} records the import created are now referenced by other records (they will be kept), e.g.:",
                report.referenced_count
            ));
            for record in report.referenced.iter().take(10) {
                let by: Vec<String> = record.referenced_by.iter().map(|(o, id)| format!("{o} {id}")).collect();
                say(format!("    {} {} ← {}", record.object, record.record_id, by.join(", ")));
            }
        }
        say("Decide: --keep-later-edits leaves edited records as they are; --revert-all reverts them too.");
        return;
    }
    say(format!(
        "Undid import {}: {} deleted, {} restored, {} kept (edited), {} kept (referenced), {} already gone.",
        report.import_id, report.deleted, report.restored, report.kept_edited, report.kept_referenced, report.already_gone
    ));
}
