//! `salesos import FILE --preview`: the detected settings and first rows of a file, from the
//! readers in `salesos_formats::read`. The import pipeline itself comes with issue 5.

use crate::cli::{GlobalArgs, ImportArgs};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, say};
use salesos_formats::read::{self, Escape, Preview, ReadError, ReadOptions};
use salesos_model::error::ErrorCode;
use serde_json::{json, Value as Json};

/// Runs `salesos import`.
pub fn run(global: &GlobalArgs, args: ImportArgs) -> CliResult<u8> {
    if !args.preview {
        return Err(CliError::invalid("the import pipeline is not built yet (issue 5); use --preview"));
    }
    let options = options(&args)?;
    let name = args.file.file_name().and_then(|n| n.to_str()).map_or_else(|| args.file.display().to_string(), str::to_string);
    let preview = read::preview(&args.file, &name, &options, args.rows).map_err(read_error)?;
    if global.json {
        print_json(&preview_json(&preview));
    } else {
        print_human(&preview);
    }
    Ok(0)
}

/// Turns the override flags into read options.
fn options(args: &ImportArgs) -> CliResult<ReadOptions> {
    let byte = |flag: &str, value: &Option<String>| -> CliResult<Option<u8>> {
        let Some(text) = value else { return Ok(None) };
        let byte = match text.to_ascii_lowercase().as_str() {
            "tab" | "\\t" => b'\t',
            "comma" => b',',
            "semicolon" => b';',
            "pipe" => b'|',
            "caret" => b'^',
            "colon" => b':',
            "backquote" | "backtick" => b'`',
            "double" | "dquote" => b'"',
            "single" | "squote" => b'\'',
            _ => match text.as_bytes() {
                [b] if b.is_ascii() && *b != b'\n' && *b != b'\r' => *b,
                _ => {
                    return Err(CliError::invalid(format!(
                        "--{flag} {text:?} must be one ASCII character (or tab, comma, semicolon, pipe…)"
                    ))
                    .with_field(flag))
                }
            },
        };
        Ok(Some(byte))
    };
    let escape = match args.escape.as_deref() {
        None => None,
        Some("doubled" | "double") => Some(Escape::Doubled),
        Some("backslash") => Some(Escape::Backslash),
        Some(other) => {
            return Err(CliError::invalid(format!("--escape {other:?} must be doubled or backslash")).with_field("escape"))
        }
    };
    if let Some(label) = &args.encoding {
        if read::sniff::TextEncoding::from_label(label).is_none() {
            return Err(CliError::invalid(format!(
                "--encoding {label:?} is not an encoding we know (try utf-8, windows-1252, iso-8859-7, shift_jis, utf-16le)"
            ))
            .with_field("encoding"));
        }
    }
    Ok(ReadOptions {
        encoding: args.encoding.clone(),
        delimiter: byte("delimiter", &args.delimiter)?,
        quote: byte("quote", &args.quote)?,
        escape,
        header_row: args.header_row,
        sheets: args.sheets.clone(),
        ..ReadOptions::default()
    })
}

/// Maps a reader error to the shared error object.
fn read_error(err: ReadError) -> CliError {
    let code = if err.is_machine() {
        ErrorCode::Internal
    } else if err.is_limit() {
        ErrorCode::LimitExceeded
    } else {
        ErrorCode::InvalidRequest
    };
    CliError::new(code, err.to_string()).with_field("file")
}

fn byte_text(byte: u8) -> String {
    (byte as char).to_string()
}

/// The `--json` preview.
fn preview_json(preview: &Preview) -> Json {
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
        .map(|r| json!({"row": r.pos.row, "line": r.pos.line, "sheet": r.pos.sheet.as_deref(), "cells": r.cells}))
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
fn print_human(preview: &Preview) {
    let d = &preview.detected;
    let mut settings = vec![format!("format {}", d.format.as_str())];
    if let Some(encoding) = &d.encoding {
        settings.push(format!("encoding {encoding}{}", if d.bom { " (BOM)" } else { "" }));
    }
    if let Some(dialect) = &d.dialect {
        let delimiter = if dialect.delimiter == b'\t' { "tab".to_string() } else { byte_text(dialect.delimiter) };
        settings.push(format!(
            "delimiter {delimiter}  quote {}  escape {}  line ending {}",
            byte_text(dialect.quote),
            dialect.escape.as_str(),
            dialect.line_ending.as_str()
        ));
    }
    settings.push(if d.header_row == 0 { "no header row".to_string() } else { format!("header row {}", d.header_row) });
    if let Some(layout) = &d.layout {
        settings.push(layout.clone());
    }
    say(format!("{}: {}", d.file, settings.join(", ")));
    if !d.sheets.is_empty() {
        let sheets: Vec<String> =
            d.sheets.iter().map(|s| if s.hidden { format!("{} (hidden)", s.name) } else { s.name.clone() }).collect();
        say(format!("sheets: {}; reading {}", sheets.join(", "), d.selected_sheets.join(", ")));
    }
    say(format!("columns: {}", d.column_names().join(" | ")));
    for row in &preview.rows {
        say(format!("  {}: {}", row.pos, row.cells.join(" | ")));
    }
    for issue in &preview.issues {
        say(format!("{}: {}", issue.severity.as_str(), issue.message));
    }
}
