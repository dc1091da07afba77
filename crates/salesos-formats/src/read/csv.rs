//! The CSV reader: encoding, dialect and header detection on the first 64 KiB, then a streaming
//! parse (the `csv` crate over the transcoding layer) in constant memory.

use super::decode::{decode_sample, Decoded};
use super::sniff::{self, TextEncoding, HEAD_BYTES, SAMPLE_RECORDS};
use super::{
    name_columns, BoxInput, Detected, Dialect, Escape, Format, IssueKind, IssueSink, ReadError, ReadIssue, ReadOptions, RowPos,
    Severity, SourceRow,
};
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Buffer of the CSV parser.
const BUFFER: usize = 64 * 1024;

/// Streams the data rows of a CSV file.
pub(crate) struct CsvRows {
    reader: ::csv::Reader<Box<dyn Read + Send>>,
    record: ::csv::ByteRecord,
    peeked: Option<::csv::ByteRecord>,
    /// Records read so far (header and skipped rows included).
    records: u64,
    width: usize,
    check_utf8: bool,
    sink: IssueSink,
    max_cell: usize,
    max_columns: usize,
    /// When set, only these columns' cells are copied (the others are left empty).
    pub(crate) wanted: Option<Vec<bool>>,
    /// The file offset of the parser's byte 0 when it reads the file's bytes as they are (UTF-8
    /// without line endings rewritten), so that parser positions are file positions.
    raw_start: Option<u64>,
    /// The settings of the parser, for another one over a later part of the file.
    dialect: (u8, u8, Escape),
    /// Stop before a record that starts at this parser position (the start of a second half).
    stop_at: Option<u64>,
    /// Whether a record started exactly at `stop_at`, and the reader stopped there.
    pub(crate) reached_stop: bool,
    /// Shared with the reader of the second half, whose input ends once it is set: this reader
    /// passed the split without stopping (the second half's rows are not needed), or the caller
    /// gave them up.
    pub(crate) split_cancelled: Option<Arc<AtomicBool>>,
}

/// The second half's input: it ends as soon as the split is cancelled, so that a parser gone
/// astray (a split inside a quoted cell) stops reading.
struct UntilCancelled {
    file: std::fs::File,
    cancelled: Arc<AtomicBool>,
}

impl Read for UntilCancelled {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Ok(0);
        }
        self.file.read(buf)
    }
}

/// The first line start in `window` (which begins two bytes before the middle, so that the
/// line ending before any line start it returns is in view) that may start a record: not a
/// blank line (a parser stands before blank lines, not after them) and not one opening with a
/// byte-order mark (a new parser would drop it). Returns the line start's index and whether the
/// line before ends with CR LF.
fn split_line(window: &[u8]) -> Option<(usize, bool)> {
    let mut from = 1;
    while let Some(at) = window.get(from..).and_then(|rest| memchr::memchr(b'\n', rest)) {
        let newline = from + at;
        let crlf = window.get(newline - 1) == Some(&b'\r');
        let before = if crlf { newline.checked_sub(2) } else { newline.checked_sub(1) };
        let blank_before = before.and_then(|i| window.get(i)).is_none_or(|b| *b == b'\n');
        let start = newline + 1;
        let rest = window.get(start..).unwrap_or_default();
        if !blank_before && rest.len() >= 3 && !rest.starts_with(b"\xEF\xBB\xBF") {
            return Some((start, crlf));
        }
        from = start;
    }
    None
}

/// Files smaller than this are scanned on one thread: the second one would save little.
const SPLIT_MIN_BYTES: u64 = 4 * 1024 * 1024;

/// How far past the middle a line start is looked for.
const SPLIT_SEARCH_BYTES: usize = 1024 * 1024;

/// Opens a CSV file: detects its settings and positions the parser on the first data record.
pub(crate) fn open(
    mut input: BoxInput,
    head: &[u8],
    name: &str,
    options: &ReadOptions,
) -> Result<(Detected, CsvRows, Vec<ReadIssue>), ReadError> {
    let complete = head.len() < HEAD_BYTES;
    let bom = sniff::bom(head);
    let (encoding, skip) = match &options.encoding {
        Some(label) => {
            let forced = TextEncoding::from_label(label)
                .ok_or_else(|| ReadError::BadOption { file: name.to_string(), detail: format!("unknown encoding {label:?}") })?;
            let skip = match bom {
                Some((found, len)) if found == forced => len,
                _ => 0,
            };
            (forced, skip)
        }
        None => sniff::encoding(head, complete),
    };
    let mut text = decode_sample(head.get(skip..).unwrap_or_default(), encoding, complete);
    if encoding.is_wide() && text.iter().take(4096).filter(|b| **b == 0).count() > 64 {
        return Err(ReadError::Unsupported { file: name.to_string(), detail: "it looks like binary data".into() });
    }
    let line_ending = sniff::line_ending(&text);
    let cr_to_lf = has_lone_cr(&text, complete);
    if cr_to_lf {
        convert_lone_crs(&mut text);
    }
    let sniffed = sniff::dialect(&text, complete, options.delimiter, options.quote, options.escape);
    let records = sniff::sample_records(&text, sniffed.delimiter, sniffed.quote, sniffed.escape, complete, SAMPLE_RECORDS);
    if records.iter().all(|r| r.iter().all(|c| c.is_empty())) && complete {
        return Err(ReadError::Empty { file: name.to_string() });
    }
    let guess = sniff::header(&records);
    // (index of the header record, records to skip before the data)
    let (header_index, data_start) = match options.header_row {
        Some(0) => (None, 0),
        Some(row) => {
            let index = usize::try_from(row - 1).unwrap_or(usize::MAX);
            if index >= records.len() && complete {
                return Err(ReadError::BadOption {
                    file: name.to_string(),
                    detail: format!("header row {row} is beyond the file's {} records", records.len()),
                });
            }
            (Some(index), index.saturating_add(1))
        }
        None => match guess.header {
            Some(index) => (Some(index), index + 1),
            None => (None, guess.skip),
        },
    };
    let header: Vec<String> = header_index.and_then(|i| records.get(i)).cloned().unwrap_or_default();
    let sample_width = records.iter().skip(data_start).map(|r| r.len()).max().unwrap_or(0);
    let header_width = header.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |p| p + 1);
    // Trailing empty header cells only count when data reaches them.
    let width = header_width.max(sample_width).max(usize::from(!header.is_empty() || sample_width > 0));
    let header: Vec<String> = header.into_iter().take(width).collect();
    if width > options.limits.max_columns {
        return Err(ReadError::TooManyColumns {
            file: name.to_string(),
            pos: RowPos { sheet: None, row: header_index.map_or(1, |i| i as u64 + 1), line: None },
            found: width,
            max: options.limits.max_columns,
        });
    }
    let columns = name_columns(&header, width);
    let sink = IssueSink::new(name, &columns);
    let mut issues = Vec::new();
    let header_pos = RowPos { sheet: None, row: header_index.map_or(0, |i| i as u64 + 1), line: None };
    let skipped = header_index.unwrap_or(data_start);
    if skipped > 0 {
        let pos = RowPos { sheet: None, row: 1, line: None };
        issues.push(sink.issue(
            &pos,
            None,
            Severity::Warning,
            IssueKind::SkippedRows,
            "the header on the first row",
            format!("{skipped} row(s) above it"),
            format!("{skipped} row(s) above the header (titles, comments or blank rows) were skipped"),
        ));
    }
    if header_index.is_some() {
        issues.extend(sink.renamed(&header_pos));
    }
    input.seek(SeekFrom::Start(skip as u64)).map_err(|err| ReadError::io(name, err))?;
    let stream: Box<dyn Read + Send> = if encoding == TextEncoding::Utf8 && !cr_to_lf {
        Box::new(input)
    } else {
        Box::new(Decoded::new(input, encoding, cr_to_lf))
    };
    let builder = parser_builder((sniffed.delimiter, sniffed.quote, sniffed.escape));
    let raw = encoding == TextEncoding::Utf8 && !cr_to_lf;
    let mut rows = CsvRows {
        reader: builder.from_reader(stream),
        record: ::csv::ByteRecord::new(),
        wanted: None,
        raw_start: raw.then_some(skip as u64),
        dialect: (sniffed.delimiter, sniffed.quote, sniffed.escape),
        stop_at: None,
        reached_stop: false,
        split_cancelled: None,
        peeked: None,
        records: 0,
        width,
        check_utf8: encoding == TextEncoding::Utf8,
        sink,
        max_cell: options.limits.max_cell_bytes,
        max_columns: options.limits.max_columns,
    };
    for _ in 0..data_start {
        if !rows.next_record()? {
            break;
        }
    }
    let detected = Detected {
        file: name.to_string(),
        format: Format::Csv,
        encoding: Some(encoding.name().to_string()),
        bom: skip > 0,
        dialect: Some(Dialect { delimiter: sniffed.delimiter, quote: sniffed.quote, escape: sniffed.escape, line_ending }),
        header_row: header_index.map_or(0, |i| i as u64 + 1),
        sheets: Vec::new(),
        selected_sheets: Vec::new(),
        columns,
        layout: None,
    };
    Ok((detected, rows, issues))
}

/// Whether the text holds a CR not followed by LF (ignoring one cut at the end of a sample).
fn has_lone_cr(text: &[u8], complete: bool) -> bool {
    let end = if complete { text.len() } else { text.len().saturating_sub(1) };
    let text = text.get(..end).unwrap_or_default();
    memchr::memchr_iter(b'\r', text).any(|i| text.get(i + 1) != Some(&b'\n'))
}

fn convert_lone_crs(text: &mut [u8]) {
    for i in 0..text.len() {
        if text.get(i) == Some(&b'\r') && text.get(i + 1) != Some(&b'\n') {
            if let Some(b) = text.get_mut(i) {
                *b = b'\n';
            }
        }
    }
}

/// The parser's settings: no header (the reader finds it), rows of any width.
fn parser_builder((delimiter, quote, escape): (u8, u8, Escape)) -> ::csv::ReaderBuilder {
    let mut builder = ::csv::ReaderBuilder::new();
    builder.has_headers(false).flexible(true).buffer_capacity(BUFFER).delimiter(delimiter).quote(quote);
    if escape == Escape::Backslash {
        builder.escape(Some(b'\\')).double_quote(false);
    }
    builder
}

fn csv_error(name: &str, err: ::csv::Error) -> ReadError {
    let line = err.position().map(|p| p.line());
    match err.into_kind() {
        ::csv::ErrorKind::Io(source) => ReadError::io(name, source),
        other => ReadError::Corrupt { file: name.to_string(), detail: format!("line {}: {other:?}", line.unwrap_or(0)) },
    }
}

impl CsvRows {
    /// Splits what is left of the file for a scan on two threads: this reader stops before the
    /// record that starts at the first line start past the middle of the file, and the returned
    /// one reads from that line start to the end (rows numbered from 1 again). `None` when the
    /// file is small, or its bytes are not read as they are (another encoding, rewritten line
    /// endings), or no line starts within a mebibyte past the middle.
    ///
    /// A line start inside a quoted cell is no record start: then this reader passes it without
    /// stopping ([`CsvRows::reached_stop`] stays false) and reads on to the end, and the other
    /// reader's rows are garbage to be ignored. A record that does start there is parsed the same
    /// by both, since a parser at a record start carries no state.
    pub(crate) fn split(&mut self, mut file: std::fs::File) -> std::io::Result<Option<CsvRows>> {
        let Some(raw_start) = self.raw_start else { return Ok(None) };
        let size = file.metadata()?.len();
        let here = raw_start + self.reader.position().byte();
        if self.peeked.is_some() || size < SPLIT_MIN_BYTES || here >= size / 2 {
            return Ok(None);
        }
        // The window starts two bytes early, to see the line ending before a line start.
        let middle = here + (size - here) / 2;
        file.seek(SeekFrom::Start(middle - 2))?;
        let mut window = vec![0u8; SPLIT_SEARCH_BYTES];
        let read = super::read_full(&mut file, &mut window)?;
        let Some((at, crlf)) = split_line(window.get(..read).unwrap_or_default()) else { return Ok(None) };
        let start = middle - 2 + at as u64;
        file.seek(SeekFrom::Start(start))?;
        // After a record ended by CR LF the parser stands at the LF (it takes it as part of the
        // line ending when it reads on).
        self.stop_at = Some(start - u64::from(crlf) - raw_start);
        let cancelled = Arc::new(AtomicBool::new(false));
        self.split_cancelled = Some(cancelled.clone());
        let stream: Box<dyn Read + Send> = Box::new(UntilCancelled { file, cancelled });
        Ok(Some(CsvRows {
            reader: parser_builder(self.dialect).from_reader(stream),
            record: ::csv::ByteRecord::new(),
            peeked: None,
            records: 0,
            width: self.width,
            check_utf8: self.check_utf8,
            sink: self.sink.clone(),
            max_cell: self.max_cell,
            max_columns: self.max_columns,
            wanted: self.wanted.clone(),
            raw_start: None,
            dialect: self.dialect,
            stop_at: None,
            reached_stop: false,
            split_cancelled: None,
        }))
    }

    /// Reads the next record into `self.record`.
    fn next_record(&mut self) -> Result<bool, ReadError> {
        if let Some(peeked) = self.peeked.take() {
            self.record = peeked;
            self.records += 1;
            return Ok(true);
        }
        if let Some(stop) = self.stop_at {
            let next = self.reader.position().byte();
            if next == stop {
                self.reached_stop = true;
                return Ok(false);
            }
            if next > stop {
                self.stop_at = None;
                if let Some(cancelled) = &self.split_cancelled {
                    cancelled.store(true, Ordering::Relaxed);
                }
            }
        }
        let more = self.reader.read_byte_record(&mut self.record).map_err(|err| csv_error(&self.sink.file, err))?;
        if more {
            self.records += 1;
        }
        Ok(more)
    }

    /// Copies the first `keep` cells of a record that is not valid UTF-8, cell by cell: each
    /// invalid byte becomes U+FFFD and (when checking) an issue naming its cell.
    fn copy_checked_cells(&mut self, row: &mut SourceRow, keep: usize, issues: &mut Vec<ReadIssue>) {
        row.cells.clear();
        for (index, field) in self.record.iter().take(keep).enumerate() {
            let text = match std::str::from_utf8(field) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(err) if self.check_utf8 => {
                    let bad = field.get(err.valid_up_to()..).and_then(|b| b.first()).copied().unwrap_or(0);
                    issues.push(self.sink.issue(
                        &row.pos,
                        Some(index),
                        Severity::Error,
                        IssueKind::InvalidBytes,
                        "UTF-8 text",
                        format!("byte 0x{bad:02X}"),
                        format!(
                            "invalid UTF-8 byte 0x{bad:02X} after {:?}, replaced by U+FFFD; if the file is not UTF-8, choose its encoding",
                            String::from_utf8_lossy(field.get(..err.valid_up_to()).unwrap_or_default())
                        ),
                    ));
                    String::from_utf8_lossy(field)
                }
                Err(_) => String::from_utf8_lossy(field),
            };
            row.cells.push(&text);
        }
    }

    pub(crate) fn read_row(&mut self, row: &mut SourceRow, issues: &mut Vec<ReadIssue>) -> Result<bool, ReadError> {
        loop {
            if !self.next_record()? {
                return Ok(false);
            }
            let line = self.record.position().map(|p| p.line());
            row.pos = RowPos { sheet: None, row: self.records, line };
            if self.record.iter().all(<[u8]>::is_empty) {
                issues.push(self.sink.issue(
                    &row.pos,
                    None,
                    Severity::Warning,
                    IssueKind::BlankRow,
                    "a row with values",
                    "only empty cells",
                    "a row without any value was skipped",
                ));
                continue;
            }
            let fields = self.record.len();
            if fields > self.max_columns {
                return Err(ReadError::TooManyColumns {
                    file: self.sink.file.clone(),
                    pos: row.pos.clone(),
                    found: fields,
                    max: self.max_columns,
                });
            }
            // Trailing empty cells beyond the header are dropped silently (a trailing delimiter).
            let keep = if fields > self.width {
                self.record.iter().rposition(|f| !f.is_empty()).map_or(0, |p| p + 1).max(self.width)
            } else {
                fields
            };
            if let Some((index, field)) = self.record.iter().take(keep).enumerate().find(|(_, f)| f.len() > self.max_cell) {
                return Err(ReadError::CellTooLarge {
                    file: self.sink.file.clone(),
                    pos: row.pos.clone(),
                    column: index + 1,
                    size: field.len(),
                    max: self.max_cell,
                    hint: " (an unterminated quote?)",
                });
            }
            if let Some(wanted) = &self.wanted {
                // Only the wanted cells are written; the others are empty (no one reads them).
                row.cells.clear();
                for (index, field) in self.record.iter().take(keep).enumerate() {
                    if wanted.get(index).copied().unwrap_or(false) {
                        row.cells.push(&String::from_utf8_lossy(field));
                    } else {
                        row.cells.push_empty();
                    }
                }
            } else {
                // The record's cells lie one after the other in the parser's buffer: the whole
                // record is checked as UTF-8 at once and copied in one piece, each cell ending on
                // a character boundary (a cell cut inside a character, whose bytes only join up
                // across the cut, is refused). The csv crate's own check goes cell by cell
                // whenever a record is not all ASCII, which costs more for names with accents.
                // Only a record with invalid bytes goes cell by cell to say where.
                let record = &self.record;
                row.cells.clear();
                let copied = std::str::from_utf8(record.as_slice()).is_ok_and(|text| {
                    let ends = (0..keep).map(|index| record.range(index).map_or(0, |range| range.end));
                    row.cells.push_laid_out(text, ends)
                });
                if !copied {
                    self.copy_checked_cells(row, keep, issues);
                }
            }
            if keep < self.width {
                let multiline = self.record.iter().any(|f| memchr::memchr(b'\n', f).is_some());
                if multiline && self.at_end_after_peek()? {
                    issues.push(self.sink.issue(
                        &row.pos,
                        Some(keep.saturating_sub(1)),
                        Severity::Error,
                        IssueKind::UnterminatedQuote,
                        "a closing quote",
                        "the end of the file",
                        "a quoted cell is never closed: the rest of the file was read into this cell",
                    ));
                } else {
                    issues.push(self.sink.issue(
                        &row.pos,
                        None,
                        Severity::Warning,
                        IssueKind::MissingCells,
                        format!("{} cells", self.width),
                        format!("{keep} cells"),
                        format!("the row has {keep} cells but the header has {}; the missing cells are empty", self.width),
                    ));
                }
            } else if keep > self.width {
                issues.push(self.sink.issue(
                    &row.pos,
                    Some(self.width),
                    Severity::Warning,
                    IssueKind::ExtraCells,
                    format!("{} cells", self.width),
                    format!("{keep} cells"),
                    format!(
                        "the row has {keep} cells but the header has {}; the extra cells are kept after the last column",
                        self.width
                    ),
                ));
            }
            return Ok(true);
        }
    }

    /// Peeks the next record; true when there is none.
    fn at_end_after_peek(&mut self) -> Result<bool, ReadError> {
        if self.stop_at == Some(self.reader.position().byte()) {
            // The next record is the second half's: not the end, and not to be read here.
            return Ok(false);
        }
        let mut next = ::csv::ByteRecord::new();
        let more = self.reader.read_byte_record(&mut next).map_err(|err| csv_error(&self.sink.file, err))?;
        if more {
            self.peeked = Some(next);
        }
        Ok(!more)
    }
}

impl std::fmt::Debug for CsvRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRows").field("records", &self.records).field("width", &self.width).finish_non_exhaustive()
    }
}
