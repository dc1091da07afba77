//! Tests of the readers: golden renderings of the real-world fixtures, the CSV detection table,
//! csv-spectrum's expected parses, bad input, round trips through the writers, and the fuzz
//! corpus replay. `UPDATE_EXPECT=1 cargo test -p salesos-formats` rewrites the golden files.

mod bad_input;
mod golden;
mod roundtrip;
mod split;

use super::*;
use std::path::PathBuf;

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixtures folder.
fn fixtures() -> PathBuf {
    root().join("fixtures")
}

/// Whether golden files are being rewritten.
#[allow(clippy::disallowed_methods)]
fn updating() -> bool {
    std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1")
}

/// Compares `actual` with the golden file, or rewrites it under `UPDATE_EXPECT=1`.
fn expect_file(path: &Path, actual: &str) {
    if updating() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        let context: Vec<String> = actual.lines().skip(first.saturating_sub(3)).take(12).map(str::to_string).collect();
        panic!(
            "{} differs from the output at line {} (UPDATE_EXPECT=1 rewrites it):\nexpected: {:?}\nactual:   {:?}\n---\n{}",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first),
            context.join("\n")
        );
    }
}

fn printable(byte: u8) -> String {
    match byte {
        b'\t' => "\\t".into(),
        b if b.is_ascii_graphic() => (b as char).to_string(),
        b => format!("0x{b:02X}"),
    }
}

fn short(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    format!("{out:?}")
}

/// Renders the detected settings, the first rows and the issues of a file, or its error.
fn render(path: &Path, name: &str, options: &ReadOptions, rows: usize) -> String {
    let mut out = String::new();
    let mut reader = match open(path, name, options) {
        Ok(reader) => reader,
        Err(err) => return format!("error: {err}\n"),
    };
    let d = reader.detected().clone();
    out.push_str(&format!("format {}", d.format.as_str()));
    if let Some(encoding) = &d.encoding {
        out.push_str(&format!(" | encoding {encoding}{}", if d.bom { " (BOM)" } else { "" }));
    }
    if let Some(dialect) = &d.dialect {
        out.push_str(&format!(
            " | delimiter {} | quote {} | escape {} | line ending {}",
            printable(dialect.delimiter),
            printable(dialect.quote),
            dialect.escape.as_str(),
            dialect.line_ending.as_str()
        ));
    }
    out.push_str(&format!(" | header row {}", d.header_row));
    if let Some(layout) = &d.layout {
        out.push_str(&format!(" | {layout}"));
    }
    out.push('\n');
    if !d.sheets.is_empty() {
        let sheets: Vec<String> = d
            .sheets
            .iter()
            .map(|s| {
                let mut text = format!("{:?}", s.name);
                if s.hidden {
                    text.push_str(" hidden");
                }
                if !s.worksheet {
                    text.push_str(" chart");
                }
                if let Some(rows) = s.rows {
                    text.push_str(&format!(" {rows} rows"));
                }
                text
            })
            .collect();
        out.push_str(&format!("sheets: {}; reading {:?}\n", sheets.join(", "), d.selected_sheets));
    }
    let columns: Vec<String> = d.columns.iter().take(30).map(|c| short(&c.name, 30)).collect();
    out.push_str(&format!(
        "columns ({}): {}{}\n",
        d.columns.len(),
        columns.join(", "),
        if d.columns.len() > 30 { ", …" } else { "" }
    ));
    let mut count = 0u64;
    let mut issues = Vec::new();
    let mut row = SourceRow::default();
    let mut error = None;
    loop {
        match reader.read_row(&mut row) {
            Ok(true) => {
                count += 1;
                if count as usize <= rows {
                    let cells: Vec<String> = row.cells.iter().take(12).map(|c| short(c, 40)).collect();
                    out.push_str(&format!(
                        "{}: [{}{}]\n",
                        row.pos,
                        cells.join(", "),
                        if row.cells.len() > 12 { ", …" } else { "" }
                    ));
                }
            }
            Ok(false) => break,
            Err(err) => {
                error = Some(err);
                break;
            }
        }
        issues.extend(reader.take_issues());
    }
    issues.extend(reader.take_issues());
    out.push_str(&format!("rows: {count}, issues: {}\n", issues.len()));
    for issue in issues.iter().take(8) {
        out.push_str(&format!("  {} {}: {}\n", issue.severity.as_str(), issue.kind.as_str(), issue.message));
    }
    if issues.len() > 8 {
        out.push_str(&format!("  … {} more\n", issues.len() - 8));
    }
    if let Some(err) = error {
        out.push_str(&format!("error after {count} rows: {err}\n"));
    }
    out
}

/// Every file under a folder, sorted, skipping READMEs and licences.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if !(name.ends_with(".md") || name.starts_with("LICENSE") || name.ends_with("license.txt")) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

/// `cargo test` replays the fuzz corpus (`fuzz/corpus/<target>/`) through the same entry point
/// as the fuzz targets.
#[test]
fn fuzz_corpus_replays_without_panic() {
    let mut replayed = 0;
    for target in ["sniff", "csv", "xlsx", "json", "vcard"] {
        let dir = root().join("fuzz/corpus").join(target);
        for file in files_under(&dir) {
            let bytes = std::fs::read(&file).expect("read corpus file");
            fuzz_entry(target, &bytes);
            replayed += 1;
        }
    }
    assert!(replayed >= 100, "replayed only {replayed} corpus files");
}
