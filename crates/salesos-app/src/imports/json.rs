//! The JSON shapes of imports shared by the CLI's `--json` and the API: the run report (exactly
//! the object the issue names, plus mapping details) and the readers' preview.

use super::{ImportReport, ImportStatus};
use salesos_formats::read::Preview;
use salesos_import::plan::Outcome;
use serde_json::{json, Value as Json};

/// The `--json` report: exactly one object.
pub fn report_json(report: &ImportReport) -> Json {
    let counts = &report.summary.counts;
    let counts: serde_json::Map<String, Json> =
        Outcome::ALL.iter().map(|o| (o.as_str().to_string(), json!(counts.get(*o)))).collect();
    let per_column: serde_json::Map<String, Json> = report
        .summary
        .per_column
        .iter()
        .map(|(column, problems)| {
            let examples: Vec<Json> =
                problems.examples.iter().map(|e| json!({"row": e.row, "found": e.found, "message": e.message})).collect();
            (
                column.clone(),
                json!({"field": problems.field, "errors": problems.errors, "warnings": problems.warnings, "examples": examples}),
            )
        })
        .collect();
    let ambiguous: Vec<Json> = report
        .ambiguous_dates
        .iter()
        .map(|a| {
            json!({
                "column": a.column, "examples": a.examples, "day_first": a.day_first, "month_first": a.month_first,
                "suggested": a.suggested.as_str(),
                "message": format!("column {:?} reads as day/month or month/day ({}); choose with --date-order dmy|mdy (your locale suggests {})",
                    a.column, a.examples.join(", "), a.suggested.as_str()),
            })
        })
        .collect();
    let suggestions: Vec<Json> = report
        .suggestions
        .iter()
        .map(|s| json!({"column": s.header, "target": s.target, "confidence": s.confidence, "reason": s.reason.map(|r| r.as_str())}))
        .collect();
    let status = if report.ambiguous_dates.is_empty() { report.status.as_str() } else { ImportStatus::Failed.as_str() };
    json!({
        "import_id": report.import_id.map(|id| id.0),
        "status": status,
        "object": report.object,
        "rows": report.rows,
        "counts": counts,
        "preview": {
            "ready": report.summary.ready,
            "warnings": report.summary.warnings,
            "errors": report.summary.errors,
            "duplicates": report.summary.duplicates,
            "per_column": per_column,
            "estimated_ms": report.estimated_ms,
            "ambiguous_dates": ambiguous,
            "value_maps": report.value_maps.iter().map(|v| json!({
                "column": v.column, "field": v.field, "from": v.from, "to": v.to, "confidence": v.confidence,
            })).collect::<Vec<_>>(),
        },
        "error_report": report.error_report.as_ref().map(|p| p.display().to_string()),
        "failed_rows": report.failed_rows.as_ref().map(|p| p.display().to_string()),
        "duration_ms": report.duration_ms,
        "mapping": serde_json::from_str::<Json>(&report.mapping.to_json()).unwrap_or(Json::Null),
        "mapping_source": report.mapping_source.as_str(),
        "suggestions": suggestions,
        "created_fields": report.created_fields,
        "created_references": report.created_references,
    })
}

/// The human report, on stderr.
/// The `--json` preview.
pub fn preview_json(preview: &Preview) -> Json {
    let d = &preview.detected;
    let dialect = d.dialect.map(|dialect| {
        json!({
            "delimiter": byte_text(dialect.delimiter),
            "quote": byte_text(dialect.quote),
            "escape": dialect.escape.as_str(),
            "line_ending": dialect.line_ending.as_str(),
        })
    });
    let sheets: Vec<Json> =
        d.sheets.iter().map(|s| json!({"name": s.name, "hidden": s.hidden, "worksheet": s.worksheet, "rows": s.rows})).collect();
    let columns: Vec<Json> = d
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"index": i + 1, "name": c.name, "original": c.original, "renamed": c.renamed}))
        .collect();
    let rows: Vec<Json> = preview
        .rows
        .iter()
        .map(|r| json!({"row": r.pos.row, "line": r.pos.line, "sheet": r.pos.sheet.as_deref(), "cells": r.cells.to_vec()}))
        .collect();
    let issues: Vec<Json> = preview
        .issues
        .iter()
        .map(|i| {
            json!({
                "severity": i.severity.as_str(), "kind": i.kind.as_str(), "sheet": i.sheet, "row": i.row, "line": i.line,
                "column": i.column, "column_name": i.column_name, "expected": i.expected, "found": i.found, "message": i.message,
            })
        })
        .collect();
    json!({
        "file": d.file,
        "format": d.format.as_str(),
        "encoding": d.encoding,
        "bom": d.bom,
        "dialect": dialect,
        "header_row": d.header_row,
        "sheets": sheets,
        "selected_sheets": d.selected_sheets,
        "layout": d.layout,
        "columns": columns,
        "sample_rows": rows,
        "issues": issues,
    })
}

/// The human preview, on stderr.
/// A delimiter or quote byte as text.
pub fn byte_text(byte: u8) -> String {
    (byte as char).to_string()
}
