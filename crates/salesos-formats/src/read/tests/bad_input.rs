//! Bad input: truncated and binary files, wrong extensions, invalid UTF-8 mid-file, unterminated
//! quotes, a 10 MB cell, JSON nested 10,000 deep, zip bombs and XML entity bombs in .xlsx. Each
//! gives a clear error or issue naming the file and position, never a panic or a hang.

use super::*;
use crate::write::{TableFormat, TableWriter};
use std::io::Write;

fn read_all(bytes: Vec<u8>, name: &str, options: &ReadOptions) -> Result<(Detected, Vec<SourceRow>, Vec<ReadIssue>), ReadError> {
    let mut reader = open_bytes(bytes, name, options)?;
    let mut rows = Vec::new();
    let mut issues = reader.take_issues();
    while let Some(row) = reader.next_row() {
        rows.push(row?);
        issues.extend(reader.take_issues());
    }
    Ok((reader.detected().clone(), rows, issues))
}

fn xlsx_bytes(rows: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.xlsx");
    let mut writer = TableWriter::create(TableFormat::Xlsx, &path, &["Name", "Email"]).expect("create");
    for i in 0..rows {
        writer.write_row(&[format!("n{i}"), format!("e{i}@x.io")]).expect("row");
    }
    writer.finish().expect("finish");
    std::fs::read(&path).expect("read")
}

/// Rewrites a zip, replacing (or adding) one part.
fn replace_part(zip_bytes: &[u8], part: &str, content: &[u8]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut replaced = false;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("part");
        let name = file.name().expect("name").to_string();
        out.start_file(name.as_str(), options).expect("start");
        if name == part {
            out.write_all(content).expect("write");
            replaced = true;
        } else {
            std::io::copy(&mut file, &mut out).expect("copy");
        }
    }
    if !replaced {
        out.start_file(part, options).expect("start");
        out.write_all(content).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

#[test]
fn truncated_workbook_is_damaged() {
    let bytes = xlsx_bytes(200);
    for cut in [10, bytes.len() / 2, bytes.len() - 10] {
        let err = read_all(bytes.get(..cut).expect("cut").to_vec(), "cut.xlsx", &ReadOptions::default()).expect_err("truncated");
        assert!(matches!(err, ReadError::Corrupt { .. }), "{cut}: {err}");
        assert!(err.to_string().starts_with("cut.xlsx"), "{err}");
    }
}

#[test]
fn binary_files_are_refused() {
    let err = read_all(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "photo.csv", &ReadOptions::default()).expect_err("png");
    assert!(err.to_string().contains("a PNG image"), "{err}");
    let noise: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 % 32).collect();
    let err = read_all(noise, "noise.csv", &ReadOptions::default()).expect_err("binary");
    assert!(err.to_string().contains("binary"), "{err}");
    let err = read_all(Vec::new(), "empty.csv", &ReadOptions::default()).expect_err("empty");
    assert!(matches!(err, ReadError::Empty { .. }), "{err}");
}

#[test]
fn wrong_extension_follows_the_content() {
    let (detected, rows, _) = read_all(xlsx_bytes(3), "contacts.csv", &ReadOptions::default()).expect("xlsx named .csv");
    assert_eq!((detected.format, rows.len()), (Format::Xlsx, 3));
    let (detected, rows, _) = read_all(b"[{\"a\": 1}]".to_vec(), "data.csv", &ReadOptions::default()).expect("json named .csv");
    assert_eq!((detected.format, rows.len()), (Format::Json, 1));
    let err = read_all(b"a,b\n1,2\n".to_vec(), "book.xlsx", &ReadOptions::default()).expect_err("csv named .xlsx");
    assert!(err.to_string().contains("rename it .csv"), "{err}");
}

#[test]
fn invalid_utf8_mid_file_is_reported_with_line_and_column() {
    let mut bytes = b"name,email\n".to_vec();
    for i in 0..20_000 {
        bytes.extend_from_slice(format!("person {i},p{i}@x.io\n").as_bytes());
    }
    bytes.extend_from_slice(b"Jos\xe9,jose@x.io\nlast,l@x.io\n");
    let (detected, rows, issues) = read_all(bytes, "mixed.csv", &ReadOptions::default()).expect("read");
    assert_eq!(detected.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(rows.len(), 20_002);
    let issue = issues.iter().find(|i| i.kind == IssueKind::InvalidBytes).expect("issue");
    assert_eq!((issue.line, issue.row, issue.column), (Some(20_002), Some(20_002), Some(1)));
    assert!(issue.message.contains("mixed.csv: line 20002 (row 20002), column 1 (name)"), "{}", issue.message);
    assert_eq!(rows.get(20_000).map(|r| &r.cells[0]), Some("Jos\u{FFFD}"));
}

#[test]
fn a_character_cut_by_a_delimiter_is_invalid_in_both_cells_though_the_record_joins_it_up() {
    // `é` is C3 A9; here a comma falls between its two bytes, so each cell holds half of it,
    // while the record's cells laid end to end spell `aéb`.
    let mut bytes = b"name,city\n".to_vec();
    for i in 0..20_000 {
        bytes.extend_from_slice(format!("Zo\u{e9} {i},K\u{f6}ln\n").as_bytes());
    }
    bytes.extend_from_slice(b"a\xc3,\xa9b\nlast,Ulm\n");
    let (detected, rows, issues) = read_all(bytes, "cut.csv", &ReadOptions::default()).expect("read");
    assert_eq!(detected.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(rows.len(), 20_002);
    assert_eq!(rows[20_000].cells.to_vec()[..2], ["a\u{FFFD}".to_string(), "\u{FFFD}b".to_string()]);
    let columns: Vec<Option<usize>> = issues.iter().filter(|i| i.kind == IssueKind::InvalidBytes).map(|i| i.column).collect();
    assert_eq!(columns, [Some(1), Some(2)]);
    assert_eq!(rows[20_001].cells.to_vec()[..2], ["last".to_string(), "Ulm".to_string()]);
    assert_eq!(rows[7].cells.to_vec()[..2], ["Zo\u{e9} 7".to_string(), "K\u{f6}ln".to_string()]);
}

#[test]
fn rows_with_accents_keep_their_cells_whatever_their_width() {
    // Trailing delimiters beyond the header are dropped, real extra cells kept after the last
    // column, short rows padded: with accented text, read through the one-piece copy.
    let mut bytes = "name,city,note\n".as_bytes().to_vec();
    for i in 0..20_000 {
        bytes.extend_from_slice(format!("Zoë {i},Köln,é\n").as_bytes());
    }
    bytes.extend_from_slice("Åsa,Göteborg,ß,,\nÉmile,Liège\nJörg,Zürich,ü,extra,\"x,ÿ\"\n".as_bytes());
    let (_, rows, issues) = read_all(bytes, "wide.csv", &ReadOptions::default()).expect("read");
    assert_eq!(rows.len(), 20_003);
    assert_eq!(rows[20_000].cells, ["Åsa", "Göteborg", "ß"]);
    assert_eq!(rows[20_001].cells, ["Émile", "Liège", ""]);
    assert_eq!(rows[20_002].cells, ["Jörg", "Zürich", "ü", "extra", "x,ÿ"]);
    assert_eq!(rows[3].cells, ["Zoë 3", "Köln", "é"]);
    let kinds: Vec<IssueKind> = issues.iter().filter(|i| i.row.unwrap_or(0) > 20_000).map(|i| i.kind).collect();
    assert_eq!(kinds, [IssueKind::MissingCells, IssueKind::ExtraCells]);
}

#[test]
fn unterminated_quote_is_reported() {
    let bytes = b"a,b,c\n1,2,3\n4,\"five\n6,7,8\n9,10,11\n".to_vec();
    let (_, rows, issues) = read_all(bytes, "open.csv", &ReadOptions::default()).expect("read");
    assert_eq!(rows.len(), 2);
    let issue = issues.iter().find(|i| i.kind == IssueKind::UnterminatedQuote).expect("issue");
    assert_eq!((issue.line, issue.column), (Some(3), Some(2)));
    assert!(issue.message.contains("never closed"), "{}", issue.message);
}

#[test]
fn a_ten_megabyte_cell_is_an_error_naming_line_and_column() {
    let mut bytes = b"a,b\n1,2\n3,".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    bytes.extend_from_slice(b"\n5,6\n");
    let err = read_all(bytes, "big.csv", &ReadOptions::default()).expect_err("too large");
    let text = err.to_string();
    assert!(matches!(err, ReadError::CellTooLarge { column: 2, .. }), "{text}");
    assert!(text.contains("big.csv: line 3 (row 3), column 2"), "{text}");
}

#[test]
fn json_nested_ten_thousand_deep_is_refused() {
    let mut bytes = b"[{\"a\": ".to_vec();
    bytes.extend(std::iter::repeat_n(b'[', 10_000));
    bytes.extend(std::iter::repeat_n(b']', 10_000));
    bytes.extend_from_slice(b"}]");
    let err = read_all(bytes, "deep.json", &ReadOptions::default()).expect_err("deep");
    assert!(matches!(err, ReadError::TooDeep { line: 1, max: 64, .. }), "{err}");
    let err = read_all(b"[{\"a\": 1}, {\"b\": tru}]".to_vec(), "bad.json", &ReadOptions::default()).expect_err("syntax");
    assert!(err.to_string().starts_with("bad.json: line 1, column"), "{err}");
    let err = read_all(b"[{\"a\": 1}, {\"b\":".to_vec(), "cut.json", &ReadOptions::default()).expect_err("truncated");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn zip_bombs_are_refused() {
    // A part that declares more than the limit.
    let limits = Limits { xlsx_unpacked_bytes: 4096, ..Limits::default() };
    let err = read_all(xlsx_bytes(500), "bomb.xlsx", &ReadOptions { limits, ..ReadOptions::default() }).expect_err("bomb");
    assert!(matches!(err, ReadError::ZipBomb { .. }), "{err}");
    assert!(err.is_limit());
    // A real bomb: 64 MB of spaces in the shared strings, under a 32 MB unpacked limit.
    let spaces = vec![b' '; 64 << 20];
    let bomb = replace_part(&xlsx_bytes(1), "xl/sharedStrings.xml", &spaces);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let limits = Limits { xlsx_unpacked_bytes: 32 << 20, ..Limits::default() };
    let err = read_all(bomb, "bomb.xlsx", &ReadOptions { limits, ..ReadOptions::default() }).expect_err("bomb");
    assert!(matches!(err, ReadError::ZipBomb { .. }), "{err}");
}

#[test]
fn xml_entity_bombs_are_not_expanded() {
    let mut xml = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        xml.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
    }
    xml.push_str("]><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\"><si><t>&lol9;</t></si></sst>");
    let bomb = replace_part(&xlsx_bytes(1), "xl/sharedStrings.xml", xml.as_bytes());
    let started = std::time::Instant::now();
    match read_all(bomb, "lol.xlsx", &ReadOptions::default()) {
        Ok((_, rows, _)) => assert!(rows.iter().flat_map(|r| &r.cells).all(|c| c.len() < 1000)),
        Err(err) => assert!(err.to_string().starts_with("lol.xlsx"), "{err}"),
    }
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn row_and_size_limits_name_the_limit() {
    let limits = Limits { max_rows: 5, csv_bytes: 1000, ..Limits::default() };
    let options = ReadOptions { limits, ..ReadOptions::default() };
    let csv: String = std::iter::once("a\n".to_string()).chain((0..10).map(|i| format!("{i}\n"))).collect();
    let err = read_all(csv.into_bytes(), "rows.csv", &options).expect_err("rows");
    assert!(err.to_string().contains("more than 5 rows"), "{err}");
    let err = read_all(vec![b'a'; 2000], "size.csv", &options).expect_err("size");
    assert!(err.to_string().contains("over the CSV file size limit of 1000 bytes"), "{err}");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ten.xlsx");
    std::fs::write(&path, xlsx_bytes(10)).expect("write");
    assert_eq!(count_rows(&path, "ten.xlsx", &ReadOptions::default()).expect("count"), 10);
    let err = count_rows(&path, "ten.xlsx", &options).expect_err("limit");
    assert!(matches!(err, ReadError::TooManyRows { max: 5, .. }), "{err}");
}

#[test]
fn cr_only_files_count_physical_lines() {
    let (detected, rows, _) = read_all(b"a,b\r1,\"x\ry\"\r2,z\r".to_vec(), "mac.csv", &ReadOptions::default()).expect("read");
    assert_eq!(detected.dialect.map(|d| d.line_ending), Some(LineEnding::Cr));
    let positions: Vec<(u64, Option<u64>)> = rows.iter().map(|r| (r.pos.row, r.pos.line)).collect();
    assert_eq!(positions, [(2, Some(2)), (3, Some(4))]);
    assert_eq!(rows[0].cells, ["1", "x\ny"]);
}

#[test]
fn utf16_and_utf32_without_bom() {
    let text = "name;city\nZoë;Köln\n";
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let (detected, rows, _) = read_all(utf16, "u16.csv", &ReadOptions::default()).expect("utf16");
    assert_eq!((detected.encoding.as_deref(), &rows[0].cells[1]), (Some("UTF-16LE"), "Köln"));
    let utf32: Vec<u8> = text.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
    let (detected, rows, _) = read_all(utf32, "u32.csv", &ReadOptions::default()).expect("utf32");
    assert_eq!((detected.encoding.as_deref(), &rows[0].cells[0]), (Some("UTF-32BE"), "Zoë"));
}

#[test]
fn a_scan_of_some_columns_numbers_rows_as_a_full_read_and_keeps_no_issues() {
    // A blank row, a short row, an invalid byte outside the scanned column, and a quoted newline.
    let bytes = b"Name,Birthdate,Note\nAnn,1990-01-02,x\n,,\nBob,1991-02-03\nCy\xff,1992-03-04,\"a\nb\"\n".to_vec();
    let (_, full, issues) = read_all(bytes.clone(), "people.csv", &ReadOptions::default()).expect("full read");
    assert!(!issues.is_empty(), "a full read reports the blank row, the short row and the byte");
    let mut reader = open_bytes(bytes, "people.csv", &ReadOptions::default()).expect("open");
    reader.scan_only(&[1]);
    let mut row = SourceRow::default();
    let mut scanned = Vec::new();
    while reader.read_row(&mut row).expect("row") {
        assert!(reader.take_issues().is_empty());
        scanned.push((row.pos.row, row.cells.clone()));
    }
    assert_eq!(scanned.len(), full.len());
    for ((position, cells), full) in scanned.iter().zip(&full) {
        assert_eq!(*position, full.pos.row);
        assert_eq!(cells[1], full.cells[1], "the scanned column is read as in a full read");
        assert!(cells[0].is_empty() && cells[2].is_empty(), "other columns are left empty: {cells:?}");
    }
}
