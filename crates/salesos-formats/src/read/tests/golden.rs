//! Golden renderings of every real-world fixture, the CSV detection table and its score, and
//! csv-spectrum's expected parses.

use super::*;

/// Renders every fixture of one source folder (`fixtures/<kind>/<source>`) into
/// `test_data/read/<kind>__<source>.txt`.
fn golden_folder(kind: &str) {
    let base = fixtures().join(kind);
    let mut sources: Vec<PathBuf> =
        std::fs::read_dir(&base).expect("fixtures").map(|e| e.expect("entry").path()).filter(|p| p.is_dir()).collect();
    sources.sort();
    assert!(!sources.is_empty(), "no fixtures under {}", base.display());
    for source in sources {
        let mut out = String::new();
        for file in files_under(&source) {
            let relative = file.strip_prefix(fixtures()).expect("relative").display().to_string();
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            out.push_str(&format!("== {relative}\n"));
            out.push_str(&render(&file, &name, &ReadOptions::default(), 4));
            out.push('\n');
        }
        let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test_data/read")
            .join(format!("{kind}__{}.txt", source.file_name().and_then(|n| n.to_str()).unwrap_or_default()));
        expect_file(&golden, &out);
    }
}

#[test]
fn golden_csv_messy() {
    golden_folder("csv-messy");
}

#[test]
fn golden_xlsx() {
    golden_folder("xlsx");
}

#[test]
fn golden_vcard() {
    golden_folder("vcard");
}

#[test]
fn golden_salesforce() {
    golden_folder("salesforce");
}

/// Every vCard fixture reads without error (the jCard included; the xCard is not a vCard).
#[test]
fn every_vcard_fixture_reads_without_error() {
    let mut read = 0;
    for file in files_under(&fixtures().join("vcard")) {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if name.ends_with(".xml") {
            continue;
        }
        let reader = open(&file, &name, &ReadOptions::default()).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(reader.detected().format, Format::Vcard, "{name}");
        let rows: Vec<SourceRow> = reader.collect::<Result<_, _>>().unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(!rows.is_empty(), "{name}: no card");
        read += 1;
    }
    assert!(read >= 50, "only {read} vCard files");
}

/// One line of `test_data/csv_detection.tsv`.
struct Expected {
    file: String,
    encoding: String,
    delimiter: String,
    quote: String,
    header_row: String,
    ambiguous: Option<String>,
}

fn detection_table() -> Vec<Expected> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/csv_detection.tsv")).expect("table");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let col = |i: usize| cols.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
            Expected {
                file: col(0),
                encoding: col(1),
                delimiter: col(2),
                quote: col(3),
                header_row: col(4),
                ambiguous: Some(col(5)).filter(|s| !s.is_empty()),
            }
        })
        .collect()
}

fn delimiter_name(byte: u8) -> String {
    match byte {
        b'\t' => "tab".into(),
        b => (b as char).to_string(),
    }
}

/// Scores the detection on the table: every non-ambiguous file must match on encoding,
/// delimiter, quote and header row.
#[test]
fn csv_detection_score() {
    let table = detection_table();
    assert!(table.len() >= 100, "the table lists {} files", table.len());
    let (mut scored, mut right) = (0, 0);
    let mut wrong = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for row in &table {
        listed.insert(row.file.clone());
        let path = fixtures().join(&row.file);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let actual = match open(&path, &name, &ReadOptions::default()) {
            Ok(reader) => {
                let d = reader.detected();
                let dialect = d.dialect.unwrap_or(Dialect {
                    delimiter: 0,
                    quote: 0,
                    escape: Escape::Doubled,
                    line_ending: LineEnding::None,
                });
                (
                    d.encoding.clone().unwrap_or_default(),
                    delimiter_name(dialect.delimiter),
                    (dialect.quote as char).to_string(),
                    d.header_row.to_string(),
                )
            }
            Err(err) => (format!("error: {err}"), String::new(), String::new(), String::new()),
        };
        if row.ambiguous.is_some() {
            continue;
        }
        scored += 1;
        let expected = (row.encoding.clone(), row.delimiter.clone(), row.quote.clone(), row.header_row.clone());
        if actual == expected {
            right += 1;
        } else {
            wrong.push(format!("{}: expected {expected:?}, detected {actual:?}", row.file));
        }
    }
    // Every CSV-like fixture is in the table.
    for dir in ["csv-messy", "salesforce"] {
        for file in files_under(&fixtures().join(dir)) {
            let relative = file.strip_prefix(fixtures()).expect("relative").display().to_string();
            let is_csv = relative.ends_with(".csv") || relative.ends_with(".tsv") || relative.ends_with(".txt");
            if is_csv && !relative.contains("LICENSE") {
                assert!(listed.contains(&relative), "{relative} is not in test_data/csv_detection.tsv");
            }
        }
    }
    let score = right as f64 * 100.0 / scored.max(1) as f64;
    eprintln!("CSV detection score: {right}/{scored} = {score:.1}% of the non-ambiguous files");
    assert!(wrong.is_empty(), "detection score {right}/{scored}; wrong:\n{}", wrong.join("\n"));
}

/// csv-spectrum's expected parses (array of objects keyed by header) match ours cell for cell.
#[test]
fn csv_spectrum_expected_parses() {
    let dir = fixtures().join("csv-messy/max-mapper-csv-spectrum");
    let mut checked = 0;
    for file in files_under(&dir.join("csvs")) {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let json_path = dir.join("json").join(format!("{}.json", stem.trim_end_matches("_crlf")));
        let Ok(expected) = std::fs::read_to_string(&json_path) else { continue };
        let expected: serde_json::Value = serde_json::from_str(&expected).expect("json");
        let reader = open(&file, &stem, &ReadOptions { header_row: Some(1), ..ReadOptions::default() }).expect("open");
        let names = reader.detected().column_names();
        let rows: Vec<SourceRow> = reader.collect::<Result<_, _>>().expect("rows");
        // Upstream's location_coordinates.json is one object with other values than its CSV.
        let serde_json::Value::Array(expected) = expected else { continue };
        assert_eq!(rows.len(), expected.len(), "{stem}");
        for (row, object) in rows.iter().zip(&expected) {
            for (name, cell) in names.iter().zip(&row.cells) {
                let want = object.get(name).and_then(|v| v.as_str()).unwrap_or_default();
                // The expected parses keep LF inside cells; the CRLF copies hold CRLF there.
                assert_eq!(cell.replace("\r\n", "\n"), want.replace("\r\n", "\n"), "{stem} {name}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "checked {checked}");
}
