//! A first pass split in two halves read at once (`Reader::split_scan`): the halves' rows are
//! exactly the file's rows, or, when the split falls inside a quoted cell, the first reads all.

use super::*;

/// Rows as their cells.
type Rows = Vec<Vec<String>>;

/// Reads every row's cells (the wanted columns only, as a scan does).
fn rows_of(reader: &mut Reader) -> Rows {
    let mut out = Vec::new();
    let mut row = SourceRow::default();
    while reader.read_row(&mut row).expect("read") {
        out.push(row.cells.to_vec());
    }
    out
}

/// The rows of a whole scan, and of a split one: (first half, second half, reached the split).
fn scans(path: &Path) -> (Rows, Rows, Option<Rows>, bool) {
    let options = ReadOptions::default();
    let options = ReadOptions { limits: Limits { max_rows: u64::MAX, ..options.limits }, ..options };
    let mut whole = open(path, "people.csv", &options).expect("open");
    whole.scan_only(&[0, 2]);
    let all = rows_of(&mut whole);
    let mut first = open(path, "people.csv", &options).expect("open");
    first.scan_only(&[0, 2]);
    let second = first.split_scan(path);
    let head = rows_of(&mut first);
    let tail = second.map(|mut second| rows_of(&mut second));
    let reached = first.reached_split();
    (all, head, tail, reached)
}

#[test]
fn halves_of_a_scan_together_are_the_files_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("people.csv");
    let mut text = String::from("Name,Notes,Birthdate\n");
    let mut n = 0;
    while text.len() < 6 * 1024 * 1024 {
        // Every seventh row has a quoted note over two lines, every eleventh a blank line after it.
        let note = if n % 7 == 0 { format!("\"line one, {n}\nline two\"") } else { format!("note {n}") };
        text.push_str(&format!("P{n},{note},19{:02}-01-{:02}\n", n % 90 + 10, n % 28 + 1));
        if n % 11 == 0 {
            text.push('\n');
        }
        n += 1;
    }
    std::fs::write(&path, &text).expect("write");
    let (all, head, tail, reached) = scans(&path);
    assert!(reached, "the middle's next line start is a record start here");
    let tail = tail.expect("a second half");
    assert!(!head.is_empty() && !tail.is_empty());
    assert_eq!(head.len() + tail.len(), all.len());
    assert_eq!([head, tail].concat(), all);
}

#[test]
fn a_split_inside_a_quoted_cell_leaves_the_first_half_to_read_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("people.csv");
    // Each record is one quoted note of a thousand lines, so the line start after the middle
    // is inside a cell.
    let mut text = String::from("Name,Notes,Birthdate\n");
    let note = "a line of the note\n".repeat(1000);
    let mut n = 0;
    while text.len() < 6 * 1024 * 1024 {
        text.push_str(&format!("P{n},\"{note}\",1990-01-01\n"));
        n += 1;
    }
    std::fs::write(&path, &text).expect("write");
    let (all, head, tail, reached) = scans(&path);
    assert!(tail.is_some(), "split");
    assert!(!reached, "no record starts at the split");
    assert_eq!(all.len(), n);
    assert_eq!(head, all, "the first half read on to the end");
}

#[test]
fn windows_line_endings_split_as_well() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("people.csv");
    let mut text = String::from("Name,Notes,Birthdate\r\n");
    let mut n = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&format!("P{n},\"a, b\",1990-01-01\r\n"));
        n += 1;
    }
    std::fs::write(&path, &text).expect("write");
    // The parser stands at the LF of a CR LF ending, where the split expects it.
    assert_split_reads_the_file(&path, n);
}

/// Asserts that the file of `n` rows splits at a record start and its halves are its rows.
fn assert_split_reads_the_file(path: &Path, n: usize) {
    let (all, head, tail, reached) = scans(path);
    assert_eq!(all.len(), n);
    assert!(reached, "the split is at a record start");
    assert_eq!([head, tail.expect("a second half")].concat(), all);
}

#[test]
fn small_files_and_files_read_through_a_decoder_are_not_split() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("small.csv");
    std::fs::write(&path, "Name,Notes,Birthdate\nAnn,x,1990-01-01\n").expect("write");
    let mut reader = open(&path, "small.csv", &ReadOptions::default()).expect("open");
    assert!(reader.split_scan(&path).is_none());
    assert_eq!(rows_of(&mut reader).len(), 1);
    assert!(!reader.reached_split());
    // Windows-1252 bytes (é as 0xE9): the parser reads decoded text, whose positions are not
    // the file's, so a large file is read in one pass.
    let path = dir.path().join("latin.csv");
    let mut bytes = b"Name,Notes,Birthdate\n".to_vec();
    let mut n = 0;
    while bytes.len() < 5 * 1024 * 1024 {
        bytes.extend_from_slice(format!("P{n},caf").as_bytes());
        bytes.extend_from_slice(b"\xE9,1990-01-01\n");
        n += 1;
    }
    std::fs::write(&path, &bytes).expect("write");
    let (all, head, tail, reached) = scans(&path);
    assert!(tail.is_none() && !reached);
    assert_eq!(all.len(), n);
    assert_eq!(head, all);
}

/// A file of simple records, each line opened by `prefix` and followed by `after`.
fn lines_file(dir: &Path, head: &str, prefix: &str, after: &str) -> (PathBuf, usize) {
    let path = dir.join("people.csv");
    let mut text = format!("{head}Name,Notes,Birthdate\n");
    let mut n = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&format!("{prefix}P{n},note,1990-01-01\n{after}"));
        n += 1;
    }
    std::fs::write(&path, &text).expect("write");
    (path, n)
}

#[test]
fn a_file_opened_by_a_byte_order_mark_splits_at_the_same_places() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Positions count from after the mark.
    let (path, n) = lines_file(dir.path(), "\u{FEFF}", "", "");
    assert_split_reads_the_file(&path, n);
}

#[test]
fn blank_lines_and_lines_opened_by_a_byte_order_mark_are_no_split_points() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A blank line after every record: the split falls before a blank line, never after one.
    let (path, n) = lines_file(dir.path(), "", "", "\n");
    assert_split_reads_the_file(&path, n);
    // Every line opened by U+FEFF (files joined end to end): a new parser would drop the mark,
    // so there is no split.
    let (path, n) = lines_file(dir.path(), "", "\u{FEFF}", "");
    let (all, head, tail, _) = scans(&path);
    assert_eq!(all.len(), n);
    assert!(tail.is_none());
    assert_eq!(head, all);
}
