//! Tests of the table writers: exact CSV and JSON bytes, XLSX limits and sizes.

use super::*;

fn header() -> Vec<String> {
    ["Name", "Note", "Amount"].map(String::from).to_vec()
}

fn rows() -> Vec<Vec<String>> {
    vec![
        ["José Müller", "said \"hi\", then left", "-12.5"].map(String::from).to_vec(),
        ["Zoë", "line one\nline two", "=1+2"].map(String::from).to_vec(),
        ["", "+49 30 1234567", "@SUM(A1)"].map(String::from).to_vec(),
    ]
}

fn write_all(format: TableFormat, options: WriteOptions, path: &Path) -> u64 {
    let mut writer = TableWriter::create_with(format, path, &header(), options).expect("create");
    for row in rows() {
        writer.write_row(&row).expect("row");
    }
    writer.finish().expect("finish")
}

#[test]
fn csv_exact_bytes_with_neutralized_formulas() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.csv");
    assert_eq!(write_all(TableFormat::Csv, WriteOptions::default(), &path), 3);
    let expected = "Name,Note,Amount\n\
        José Müller,\"said \"\"hi\"\", then left\",-12.5\n\
        Zoë,\"line one\nline two\",'=1+2\n\
        ,+49 30 1234567,'@SUM(A1)\n";
    assert_eq!(std::fs::read_to_string(&path).expect("read"), expected);
}

#[test]
fn csv_without_neutralizing_keeps_cells() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.csv");
    write_all(TableFormat::Csv, WriteOptions { neutralize_formulas: false }, &path);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("\",=1+2\n"), "{text}");
    assert!(text.ends_with(",@SUM(A1)\n"), "{text}");
}

#[test]
fn csv_header_is_neutralized_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.csv");
    let writer = TableWriter::create(TableFormat::Csv, &path, &["=cmd", "ok"]).expect("create");
    assert_eq!(writer.finish().expect("finish"), 0);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "'=cmd,ok\n");
}

#[test]
fn json_exact_bytes_never_neutralized() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.json");
    assert_eq!(write_all(TableFormat::Json, WriteOptions::default(), &path), 3);
    let expected = "[\n\
        {\"Name\":\"José Müller\",\"Note\":\"said \\\"hi\\\", then left\",\"Amount\":\"-12.5\"},\n\
        {\"Name\":\"Zoë\",\"Note\":\"line one\\nline two\",\"Amount\":\"=1+2\"},\n\
        {\"Name\":\"\",\"Note\":\"+49 30 1234567\",\"Amount\":\"@SUM(A1)\"}\n\
        ]\n";
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text, expected);
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(parsed[1]["Note"], "line one\nline two");
}

#[test]
fn json_without_rows_is_an_empty_array() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.json");
    let writer = TableWriter::create(TableFormat::Json, &path, &header()).expect("create");
    assert_eq!(writer.finish().expect("finish"), 0);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "[]\n");
}

#[test]
fn xlsx_is_a_zip_and_grows_with_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let small = dir.path().join("small.xlsx");
    let large = dir.path().join("large.xlsx");
    let writer = TableWriter::create(TableFormat::Xlsx, &small, &header()).expect("create");
    assert_eq!(writer.finish().expect("finish"), 0);
    let mut writer = TableWriter::create(TableFormat::Xlsx, &large, &header()).expect("create");
    for index in 0..5_000 {
        let row = [format!("Person {index}"), format!("note {index}, with comma"), format!("{index}.5")];
        writer.write_row(&row).expect("row");
    }
    assert_eq!(writer.rows(), 5_000);
    assert_eq!(writer.finish().expect("finish"), 5_000);
    let small_bytes = std::fs::read(&small).expect("read");
    let large_bytes = std::fs::read(&large).expect("read");
    assert!(small_bytes.starts_with(b"PK"));
    assert!(large_bytes.starts_with(b"PK"));
    assert!(large_bytes.len() > small_bytes.len() + 10_000, "{} vs {}", large_bytes.len(), small_bytes.len());
}

#[test]
fn xlsx_refuses_too_many_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wide.xlsx");
    let wide: Vec<String> = (0..XLSX_MAX_COLUMNS + 1).map(|i| format!("c{i}")).collect();
    let err = TableWriter::create(TableFormat::Xlsx, &path, &wide).expect_err("too wide");
    assert!(matches!(err, WriteError::TooManyColumns { found: 16_385, .. }), "{err}");
    let widest = &wide[..XLSX_MAX_COLUMNS];
    let mut writer = TableWriter::create(TableFormat::Xlsx, &path, widest).expect("16384 columns fit");
    writer.write_row(widest).expect("row");
    writer.finish().expect("finish");
}

#[test]
fn xlsx_refuses_rows_past_the_sheet_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long.xlsx");
    let mut writer = TableWriter::create(TableFormat::Xlsx, &path, &["A"]).expect("create");
    // Pretend the sheet is full rather than writing a million rows in a unit test.
    writer.rows = XLSX_MAX_ROWS - 2;
    writer.write_row(&["last"]).expect("the last row fits");
    let err = writer.write_row(&["one too many"]).expect_err("sheet full");
    assert!(matches!(&err, WriteError::TooManyRows { max: XLSX_MAX_ROWS, .. }), "{err}");
    assert_eq!(err.path(), path);
    assert!(err.to_string().contains("long.xlsx"), "{err}");
}

#[test]
fn row_width_must_match_the_header() {
    let dir = tempfile::tempdir().expect("temp dir");
    for format in [TableFormat::Csv, TableFormat::Xlsx, TableFormat::Json] {
        let path = dir.path().join(format!("w.{}", format.extension()));
        let mut writer = TableWriter::create(format, &path, &header()).expect("create");
        let err = writer.write_row(&["only one"]).expect_err("too narrow");
        assert!(matches!(err, WriteError::RowWidth { row: 1, expected: 3, found: 1, .. }), "{err}");
    }
}

#[test]
fn unwritable_path_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing").join("out.csv");
    for format in [TableFormat::Csv, TableFormat::Xlsx, TableFormat::Json] {
        let err = TableWriter::create(format, &path, &header()).expect_err("no such directory");
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
        assert!(err.to_string().contains("out.csv"), "{err}");
    }
}
