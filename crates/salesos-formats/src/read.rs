//! Readers: any uploaded file (CSV, Excel, JSON, vCard) → detected settings, a header and a
//! stream of rows whose cells keep their source position, so nothing downstream knows the format.
//!
//! [`open`] sniffs the format from the content (falling back to the extension), checks the size
//! limit before reading, detects the encoding, dialect and header, and returns a [`Reader`].
//! Every detected setting is in [`Reader::detected`] and can be overridden through
//! [`ReadOptions`]. Rows come from [`Reader::read_row`] (reuses the row's buffers) or
//! [`Reader::next_row`]; row-level problems (ragged rows, Excel error cells, lossy numbers…) are
//! collected as [`ReadIssue`]s and drained with [`Reader::take_issues`]; problems with the file as
//! a whole are [`ReadError`]s. [`preview`] reads the first rows; [`count_rows`] is the fast pass
//! that enforces the row limit before mapping.
//!
//! Positions: `row` is the row a spreadsheet shows (header = 1, first record = 2, whatever quoted
//! newlines the records hold; for Excel the sheet row itself; for JSON and vCard the record's or
//! card's index counting from 1, so the first record is row 1 there). CSV rows also carry the
//! physical `line` where the record starts. Blank CSV lines are not records and are not counted.

mod cells;
mod cfb;
pub use cells::Cells;
mod csv;
mod decode;
mod json;
pub mod sniff;
mod vcard;
mod xlsx;

use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek};
use std::path::Path;
use std::sync::Arc;

/// One mebibyte.
const MIB: u64 = 1024 * 1024;

/// Size and shape limits, from the spec; configurable per deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest CSV file, in bytes (50 MiB).
    pub csv_bytes: u64,
    /// Largest workbook (.xlsx, .xlsm, .xlsb, .xls, .ods), in bytes (50 MiB).
    pub xlsx_bytes: u64,
    /// Largest JSON file, in bytes (25 MiB).
    pub json_bytes: u64,
    /// Largest vCard file, in bytes (10 MiB).
    pub vcard_bytes: u64,
    /// Most data rows per import (100,000).
    pub max_rows: u64,
    /// Largest single cell, in bytes (1 MiB).
    pub max_cell_bytes: usize,
    /// Most columns of a table (16,384, as Excel).
    pub max_columns: usize,
    /// Deepest JSON nesting (64).
    pub max_json_depth: usize,
    /// Most bytes the parts of a zipped workbook may unpack to (1 GiB): zip bombs stop here.
    pub xlsx_unpacked_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            csv_bytes: 50 * MIB,
            xlsx_bytes: 50 * MIB,
            json_bytes: 25 * MIB,
            vcard_bytes: 10 * MIB,
            max_rows: 100_000,
            max_cell_bytes: MIB as usize,
            max_columns: 16_384,
            max_json_depth: 64,
            xlsx_unpacked_bytes: 1024 * MIB,
        }
    }
}

impl Limits {
    /// Limits that only stop pathological input (for benchmarks and tools, not uploads).
    pub fn unlimited() -> Limits {
        Limits {
            csv_bytes: u64::MAX,
            xlsx_bytes: u64::MAX,
            json_bytes: u64::MAX,
            vcard_bytes: u64::MAX,
            max_rows: u64::MAX,
            ..Limits::default()
        }
    }

    /// The size limit of a format, with the limit's name.
    pub fn size_limit(&self, format: Format) -> (u64, &'static str) {
        match format {
            Format::Csv => (self.csv_bytes, "CSV file size"),
            Format::Xlsx | Format::Xlsb | Format::Xls | Format::Ods => (self.xlsx_bytes, "Excel file size"),
            Format::Json => (self.json_bytes, "JSON file size"),
            Format::Vcard => (self.vcard_bytes, "vCard file size"),
        }
    }
}

/// How a quote character inside a quoted CSV field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Escape {
    /// Doubled: `"say ""hi"""` (RFC 4180).
    Doubled,
    /// Backslash: `"say \"hi\""`.
    Backslash,
}

impl Escape {
    /// `doubled` or `backslash`.
    pub fn as_str(self) -> &'static str {
        match self {
            Escape::Doubled => "doubled",
            Escape::Backslash => "backslash",
        }
    }
}

/// Line endings of a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// `\r` alone (old Mac).
    Cr,
    /// Several kinds (the most frequent one is used to split records).
    Mixed,
    /// No line break at all (one line).
    None,
}

impl LineEnding {
    /// `lf`, `crlf`, `cr`, `mixed` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "lf",
            LineEnding::CrLf => "crlf",
            LineEnding::Cr => "cr",
            LineEnding::Mixed => "mixed",
            LineEnding::None => "none",
        }
    }
}

/// Reads a delimiter or quote given by a user: one ASCII character, or a name (`tab`, `comma`,
/// `semicolon`, `pipe`, `caret`, `colon`, `backtick`, `double`, `single`).
pub fn separator_byte(text: &str) -> Option<u8> {
    Some(match text.to_ascii_lowercase().as_str() {
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
            _ => return None,
        },
    })
}

/// What the user chose instead of detection; `None` fields are detected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Encoding label (`utf-8`, `windows-1252`, `iso-8859-7`, `shift_jis`, `utf-16le`, `utf-32be`…).
    pub encoding: Option<String>,
    /// CSV delimiter byte.
    pub delimiter: Option<u8>,
    /// CSV quote byte.
    pub quote: Option<u8>,
    /// CSV escape style.
    pub escape: Option<Escape>,
    /// The header row, 1-based as a spreadsheet shows it; `Some(0)` means the file has no header.
    pub header_row: Option<u64>,
    /// Workbook sheets to read, in order; empty means the first visible worksheet.
    pub sheets: Vec<String>,
    /// Size and shape limits.
    pub limits: Limits,
}

/// The file formats the readers know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Delimited text.
    Csv,
    /// Office Open XML workbook (.xlsx, .xlsm).
    Xlsx,
    /// Excel binary workbook (.xlsb).
    Xlsb,
    /// Legacy Excel 97-2003 workbook (.xls).
    Xls,
    /// OpenDocument spreadsheet (.ods).
    Ods,
    /// JSON: an array of objects, an object holding a records array, or NDJSON.
    Json,
    /// vCard 2.1, 3.0 or 4.0 (several cards per file), or jCard.
    Vcard,
}

impl Format {
    /// `csv`, `xlsx`, `xlsb`, `xls`, `ods`, `json` or `vcard`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Json => "json",
            Format::Vcard => "vcard",
        }
    }

    /// Whether the format is a workbook with sheets.
    pub fn is_workbook(self) -> bool {
        matches!(self, Format::Xlsx | Format::Xlsb | Format::Xls | Format::Ods)
    }
}

/// The CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dialect {
    /// Field delimiter.
    pub delimiter: u8,
    /// Quote character.
    pub quote: u8,
    /// Escape style inside quoted fields.
    pub escape: Escape,
    /// Line ending.
    pub line_ending: LineEnding,
}

/// A sheet of a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetInfo {
    /// Sheet name.
    pub name: String,
    /// Hidden or very hidden.
    pub hidden: bool,
    /// A worksheet (as opposed to a chart or dialog sheet).
    pub worksheet: bool,
    /// Rows from the sheet's stored dimension, when present (including the header).
    pub rows: Option<u64>,
}

/// A column of the table as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header cell as written in the file (empty when the file has no header).
    pub original: String,
    /// The name used from here on: unique, never blank.
    pub name: String,
    /// Why the name differs from the original (blank, duplicate, control characters), if it does.
    pub renamed: Option<String>,
}

/// Everything detected about a file; each setting can be overridden through [`ReadOptions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The file's display name.
    pub file: String,
    /// The format.
    pub format: Format,
    /// Text encoding (canonical name), for text formats.
    pub encoding: Option<String>,
    /// Whether the file starts with a byte order mark.
    pub bom: bool,
    /// The CSV dialect.
    pub dialect: Option<Dialect>,
    /// The header row, 1-based as a spreadsheet shows it; 0 when there is none.
    pub header_row: u64,
    /// Every sheet of a workbook, in workbook order.
    pub sheets: Vec<SheetInfo>,
    /// The sheets being read.
    pub selected_sheets: Vec<String>,
    /// The columns, in order; cells of a row are in this order.
    pub columns: Vec<Column>,
    /// How the records were found (JSON layout, vCard versions, workbook date system…).
    pub layout: Option<String>,
}

impl Detected {
    /// The column names.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// Where a row comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowPos {
    /// The sheet, for workbooks.
    pub sheet: Option<Arc<str>>,
    /// The row a spreadsheet shows (CSV: header = 1), the sheet row, or the record's index.
    pub row: u64,
    /// The physical line where a CSV record starts.
    pub line: Option<u64>,
}

impl fmt::Display for RowPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sheet) = &self.sheet {
            write!(f, "sheet {sheet:?}, ")?;
        }
        match self.line {
            Some(line) => write!(f, "line {line} (row {})", self.row),
            None => write!(f, "row {}", self.row),
        }
    }
}

/// One row: its position and its cells, in the order of [`Detected::columns`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRow {
    /// Where it comes from.
    pub pos: RowPos,
    /// The cells as text; at least as many as there are columns (extra cells of a long row follow).
    pub cells: Cells,
}

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The row's data is damaged or incomplete (the row is still returned).
    Error,
    /// Worth a look; the data was read.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The kinds of row-level problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// A header name was blank, duplicated or held control characters and was renamed.
    RenamedColumn,
    /// Rows above the header (titles, comments, blank rows) were skipped.
    SkippedRows,
    /// A row has fewer cells than the header (padded with empty cells).
    MissingCells,
    /// A row has more cells than the header (the extra cells are kept after the columns).
    ExtraCells,
    /// A quote character in an unexpected place.
    StrayQuote,
    /// A quoted field never closes: the rest of the file was read into one cell.
    UnterminatedQuote,
    /// Bytes that are not valid in the file's encoding (replaced by U+FFFD).
    InvalidBytes,
    /// An Excel error value (`#DIV/0!`, `#N/A`…); the cell is read as empty.
    CellError,
    /// A number with more than 15 significant digits: Excel keeps only 15.
    LossyNumber,
    /// A row with no value at all was skipped.
    BlankRow,
    /// A JSON record that is not an object, or a value that was kept as JSON text.
    JsonValue,
    /// A vCard line that could not be understood, or a card without END.
    VcardLine,
}

impl IssueKind {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::RenamedColumn => "renamed_column",
            IssueKind::SkippedRows => "skipped_rows",
            IssueKind::MissingCells => "missing_cells",
            IssueKind::ExtraCells => "extra_cells",
            IssueKind::StrayQuote => "stray_quote",
            IssueKind::UnterminatedQuote => "unterminated_quote",
            IssueKind::InvalidBytes => "invalid_bytes",
            IssueKind::CellError => "cell_error",
            IssueKind::LossyNumber => "lossy_number",
            IssueKind::BlankRow => "blank_row",
            IssueKind::JsonValue => "json_value",
            IssueKind::VcardLine => "vcard_line",
        }
    }
}

/// A row-level problem, with its exact position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadIssue {
    /// The file's display name.
    pub file: String,
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
    /// The row (see [`RowPos::row`]).
    pub row: Option<u64>,
    /// The physical line, for CSV.
    pub line: Option<u64>,
    /// The column, 1-based.
    pub column: Option<usize>,
    /// The column's name.
    pub column_name: Option<String>,
    /// How bad it is.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: IssueKind,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// A sentence naming the file, position and problem.
    pub message: String,
}

/// Why a file (as a whole) cannot be read. Every message names the file, and the position when
/// there is one.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Reading the file failed.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: io::Error,
    },
    /// The file holds nothing to import.
    #[error("{file} is empty: it holds no header and no rows")]
    Empty {
        /// The file.
        file: String,
    },
    /// The file is over a size limit.
    #[error("{file} is {size} bytes, over the {limit} limit of {max} bytes")]
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
        /// The limit's name.
        limit: &'static str,
    },
    /// The file has more rows than an import may hold.
    #[error("{file} has more than {max} rows, over the limit of rows per import")]
    TooManyRows {
        /// The file.
        file: String,
        /// The limit.
        max: u64,
    },
    /// A row has more columns than a table may hold.
    #[error("{file}: {pos}: {found} columns, over the limit of {max} columns")]
    TooManyColumns {
        /// The file.
        file: String,
        /// Where.
        pos: RowPos,
        /// Columns found.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// A cell is over the cell size limit (often an unterminated quote).
    #[error("{file}: {pos}, column {column}: a cell of {size} bytes, over the limit of {max} bytes per cell{hint}")]
    CellTooLarge {
        /// The file.
        file: String,
        /// Where.
        pos: RowPos,
        /// The column, 1-based.
        column: usize,
        /// The cell's size.
        size: usize,
        /// The limit.
        max: usize,
        /// A hint about the cause.
        hint: &'static str,
    },
    /// Not a format we read (binary, image, archive…), or not what its extension says.
    #[error("{file} is not a CSV, Excel, JSON or vCard file: {detail}")]
    Unsupported {
        /// The file.
        file: String,
        /// What it looks like.
        detail: String,
    },
    /// An encrypted workbook.
    #[error("{file} is a password-protected workbook: open it in Excel, save a copy without a password, and upload that")]
    PasswordProtected {
        /// The file.
        file: String,
    },
    /// The file is damaged or truncated.
    #[error("{file} is damaged or truncated: {detail}")]
    Corrupt {
        /// The file.
        file: String,
        /// What is wrong.
        detail: String,
    },
    /// A zipped workbook unpacks to suspiciously much (a zip bomb).
    #[error("{file} unpacks to more than the limit of {max} bytes ({detail}): refused as a possible zip bomb")]
    ZipBomb {
        /// The file.
        file: String,
        /// The limit.
        max: u64,
        /// Which part.
        detail: String,
    },
    /// A syntax error with a position (JSON).
    #[error("{file}: line {line}, column {column}: {detail}")]
    Syntax {
        /// The file.
        file: String,
        /// The line, 1-based.
        line: u64,
        /// The column (character in the line), 1-based.
        column: u64,
        /// What is wrong.
        detail: String,
    },
    /// JSON nested deeper than the limit.
    #[error("{file}: line {line}, column {column}: JSON nested deeper than {max} levels")]
    TooDeep {
        /// The file.
        file: String,
        /// The line, 1-based.
        line: u64,
        /// The column, 1-based.
        column: u64,
        /// The limit.
        max: usize,
    },
    /// A requested sheet does not exist.
    #[error("{file} has no sheet {sheet:?}; its sheets are {available}")]
    UnknownSheet {
        /// The file.
        file: String,
        /// The sheet asked for.
        sheet: String,
        /// The sheets it has, quoted and comma-separated.
        available: String,
    },
    /// An override cannot apply (unknown encoding, header row beyond the file…).
    #[error("{file}: {detail}")]
    BadOption {
        /// The file.
        file: String,
        /// What is wrong.
        detail: String,
    },
}

impl ReadError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            ReadError::Io { file, .. }
            | ReadError::Empty { file }
            | ReadError::TooLarge { file, .. }
            | ReadError::TooManyRows { file, .. }
            | ReadError::TooManyColumns { file, .. }
            | ReadError::CellTooLarge { file, .. }
            | ReadError::Unsupported { file, .. }
            | ReadError::PasswordProtected { file }
            | ReadError::Corrupt { file, .. }
            | ReadError::ZipBomb { file, .. }
            | ReadError::Syntax { file, .. }
            | ReadError::TooDeep { file, .. }
            | ReadError::UnknownSheet { file, .. }
            | ReadError::BadOption { file, .. } => file,
        }
    }

    /// Whether a configured limit was exceeded (size, rows, columns, cell size, depth, zip bomb).
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            ReadError::TooLarge { .. }
                | ReadError::TooManyRows { .. }
                | ReadError::TooManyColumns { .. }
                | ReadError::CellTooLarge { .. }
                | ReadError::TooDeep { .. }
                | ReadError::ZipBomb { .. }
        )
    }

    /// Whether the machine failed (an i/o error other than a missing or unreadable file).
    pub fn is_machine(&self) -> bool {
        match self {
            ReadError::Io { source, .. } => !matches!(
                source.kind(),
                io::ErrorKind::NotFound
                    | io::ErrorKind::PermissionDenied
                    | io::ErrorKind::IsADirectory
                    | io::ErrorKind::InvalidData
                    | io::ErrorKind::UnexpectedEof
            ),
            _ => false,
        }
    }

    pub(crate) fn io(file: &str, source: io::Error) -> ReadError {
        ReadError::Io { file: file.to_string(), source }
    }
}

/// A seekable byte source: a file or bytes in memory.
pub(crate) trait Input: Read + Seek + Send {}
impl<T: Read + Seek + Send> Input for T {}

/// The boxed input every reader takes.
pub(crate) type BoxInput = Box<dyn Input>;

/// A streaming reader of one file: detected settings, then rows.
pub struct Reader {
    detected: Detected,
    source: Source,
    issues: Vec<ReadIssue>,
    rows: u64,
    max_rows: u64,
    done: bool,
    /// Whether row issues are kept for [`Reader::take_issues`].
    keep_issues: bool,
}

enum Source {
    Csv(Box<csv::CsvRows>),
    Book(Box<xlsx::BookRows>),
    Json(Box<json::JsonRows>),
    Vcard(Box<vcard::VcardRows>),
}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader").field("detected", &self.detected).field("rows", &self.rows).finish_non_exhaustive()
    }
}

impl Reader {
    /// Everything detected about the file.
    pub fn detected(&self) -> &Detected {
        &self.detected
    }

    /// Reads the next row into `row`, reusing its buffers; returns `false` at the end.
    ///
    /// After an error the reader stays at its end.
    pub fn read_row(&mut self, row: &mut SourceRow) -> Result<bool, ReadError> {
        if self.done {
            return Ok(false);
        }
        let result = match &mut self.source {
            Source::Csv(rows) => rows.read_row(row, &mut self.issues),
            Source::Book(rows) => rows.read_row(row, &mut self.issues),
            Source::Json(rows) => rows.read_row(row, &mut self.issues),
            Source::Vcard(rows) => rows.read_row(row, &mut self.issues),
        };
        if !self.keep_issues {
            self.issues.clear();
        }
        match result {
            Ok(true) => {
                self.rows += 1;
                if self.rows > self.max_rows {
                    self.done = true;
                    return Err(ReadError::TooManyRows { file: self.detected.file.clone(), max: self.max_rows });
                }
                let width = self.detected.columns.len();
                row.cells.pad_to(width);
                Ok(true)
            }
            Ok(false) => {
                self.done = true;
                Ok(false)
            }
            Err(err) => {
                self.done = true;
                Err(err)
            }
        }
    }

    /// Turns this reader into a first pass over a few columns: a CSV reader copies only these
    /// columns' cells (the others are left empty, and their bytes are not checked), and no
    /// reader keeps row issues. Rows, positions and errors are as in a full read.
    pub fn scan_only(&mut self, columns: &[usize]) {
        if let Source::Csv(rows) = &mut self.source {
            let mut wanted = vec![false; columns.iter().max().map_or(0, |max| max + 1)];
            for column in columns {
                wanted[*column] = true;
            }
            rows.wanted = Some(wanted);
        }
        self.issues.clear();
        self.keep_issues = false;
    }

    /// Splits a first pass ([`Reader::scan_only`]) over a large CSV file in two halves read at
    /// once: returns a reader of the rows from the first line start past the middle of `path`
    /// (this reader's file) to the end, and this reader stops there. `None` (nothing changed)
    /// for other formats, small files, and files whose bytes are not read as they are.
    ///
    /// Whether the line start was a record start shows when this reader gets there:
    /// [`Reader::reached_split`] is then true, and the rows of the two readers together are the
    /// file's rows. Otherwise (a quoted cell spans the line start) this reader reads on to the
    /// end of the file and the other reader's rows must be ignored. The other reader numbers
    /// its rows from 1, has no row limit, and keeps no row issues.
    /// The split is only a speed-up: a file that cannot be opened or read again is not split.
    pub fn split_scan(&mut self, path: &Path) -> Option<Reader> {
        let Source::Csv(rows) = &mut self.source else { return None };
        let second = File::open(path).and_then(|file| rows.split(file)).ok().flatten();
        second.map(|second| Reader {
            detected: self.detected.clone(),
            source: Source::Csv(Box::new(second)),
            issues: Vec::new(),
            rows: 0,
            max_rows: u64::MAX,
            done: false,
            keep_issues: false,
        })
    }

    /// Whether this reader stopped where [`Reader::split_scan`] split the file, which was a
    /// record start, and the second half was not given up: its rows are the rest of the file.
    pub fn reached_split(&self) -> bool {
        matches!(&self.source, Source::Csv(rows) if rows.reached_stop && !rows.split_cancelled.as_ref().is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)))
    }

    /// Gives up the second half of a split: its input ends at once (its rows so far are of no
    /// use). This reader also does so when it passes the split without stopping there.
    pub fn cancel_split(&self) {
        if let Source::Csv(rows) = &self.source {
            if let Some(cancelled) = &rows.split_cancelled {
                cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// Returns the next row, `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<SourceRow, ReadError>> {
        let mut row = SourceRow::default();
        match self.read_row(&mut row) {
            Ok(true) => Some(Ok(row)),
            Ok(false) => None,
            Err(err) => Some(Err(err)),
        }
    }

    /// Returns the row-level issues found since the last call (header issues come first).
    pub fn take_issues(&mut self) -> Vec<ReadIssue> {
        std::mem::take(&mut self.issues)
    }

    /// Data rows returned so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }
}

impl Iterator for Reader {
    type Item = Result<SourceRow, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

/// Opens a file: detects its format, checks the size limit, detects its settings.
///
/// `display_name` is the name used in messages (the uploaded file's name); its extension is the
/// fallback when the content does not tell the format.
pub fn open(path: &Path, display_name: &str, options: &ReadOptions) -> Result<Reader, ReadError> {
    let file = File::open(path).map_err(|err| ReadError::io(display_name, err))?;
    let size = file.metadata().map_err(|err| ReadError::io(display_name, err))?.len();
    open_input(Box::new(file), size, display_name, options)
}

/// Opens bytes held in memory, as [`open`] does a file.
pub fn open_bytes(bytes: Vec<u8>, display_name: &str, options: &ReadOptions) -> Result<Reader, ReadError> {
    let size = bytes.len() as u64;
    open_input(Box::new(Cursor::new(bytes)), size, display_name, options)
}

fn open_input(mut input: BoxInput, size: u64, name: &str, options: &ReadOptions) -> Result<Reader, ReadError> {
    let mut head = vec![0u8; sniff::HEAD_BYTES];
    let n = read_full(&mut input, &mut head).map_err(|err| ReadError::io(name, err))?;
    head.truncate(n);
    let format = sniff::format(&head, name)?;
    let (max, limit) = options.limits.size_limit(format);
    if size > max {
        return Err(ReadError::TooLarge { file: name.to_string(), size, max, limit });
    }
    if size == 0 {
        return Err(ReadError::Empty { file: name.to_string() });
    }
    input.rewind().map_err(|err| ReadError::io(name, err))?;
    let (detected, source, issues) = match format {
        Format::Csv => {
            let (detected, rows, issues) = csv::open(input, &head, name, options)?;
            (detected, Source::Csv(Box::new(rows)), issues)
        }
        Format::Json => {
            let (detected, rows, issues) = json::open(input, name, options)?;
            (detected, Source::Json(Box::new(rows)), issues)
        }
        Format::Vcard => {
            let (detected, rows, issues) = vcard::open(input, name, options)?;
            (detected, Source::Vcard(Box::new(rows)), issues)
        }
        Format::Xlsx | Format::Xlsb | Format::Xls | Format::Ods => {
            let (detected, rows, issues) = xlsx::open(input, format, name, options)?;
            (detected, Source::Book(Box::new(rows)), issues)
        }
    };
    Ok(Reader { detected, source, issues, rows: 0, max_rows: options.limits.max_rows, done: false, keep_issues: true })
}

/// Reads until the buffer is full or the input ends; returns the bytes read.
pub(crate) fn read_full(input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// The first rows of a file with everything detected, for the user to check before importing.
#[derive(Debug, Clone)]
pub struct Preview {
    /// Everything detected.
    pub detected: Detected,
    /// The first rows as parsed.
    pub rows: Vec<SourceRow>,
    /// Issues found in the header and those rows.
    pub issues: Vec<ReadIssue>,
}

/// Reads the detected settings and the first `rows` rows (10 in the spec).
pub fn preview(path: &Path, display_name: &str, options: &ReadOptions, rows: usize) -> Result<Preview, ReadError> {
    let reader = open(path, display_name, options)?;
    preview_reader(reader, rows)
}

/// [`preview`] of bytes held in memory.
pub fn preview_bytes(bytes: Vec<u8>, display_name: &str, options: &ReadOptions, rows: usize) -> Result<Preview, ReadError> {
    let reader = open_bytes(bytes, display_name, options)?;
    preview_reader(reader, rows)
}

fn preview_reader(mut reader: Reader, count: usize) -> Result<Preview, ReadError> {
    let mut rows = Vec::with_capacity(count.min(1000));
    while rows.len() < count {
        match reader.next_row() {
            Some(row) => rows.push(row?),
            None => break,
        }
    }
    let issues = reader.take_issues();
    Ok(Preview { detected: reader.detected, rows, issues })
}

/// Counts the data rows of a file (the fast pass that enforces the row limit before mapping).
///
/// Workbooks answer from the sheet's stored dimension where present (minus the rows up to the
/// header), other formats by reading. Returns [`ReadError::TooManyRows`] as soon as the count
/// passes `options.limits.max_rows`.
pub fn count_rows(path: &Path, display_name: &str, options: &ReadOptions) -> Result<u64, ReadError> {
    let reader = open(path, display_name, options)?;
    count_reader(reader, &options.limits)
}

fn count_reader(mut reader: Reader, limits: &Limits) -> Result<u64, ReadError> {
    if reader.detected.format.is_workbook() {
        let selected = &reader.detected.selected_sheets;
        let from_dimensions: Option<u64> = selected
            .iter()
            .map(|name| reader.detected.sheets.iter().find(|s| &s.name == name).and_then(|s| s.rows))
            .sum::<Option<u64>>();
        if let Some(total) = from_dimensions {
            // Each sheet's rows up to the header (the first sheet's header row) are not data.
            let count = total.saturating_sub(reader.detected.header_row.saturating_mul(selected.len() as u64));
            if count > limits.max_rows {
                return Err(ReadError::TooManyRows { file: reader.detected.file.clone(), max: limits.max_rows });
            }
            return Ok(count);
        }
    }
    let mut row = SourceRow::default();
    let mut count = 0;
    while reader.read_row(&mut row)? {
        count += 1;
        reader.issues.clear();
    }
    Ok(count)
}

/// The entry point of the fuzz targets (`fuzz/`) and of the corpus replay test: feeds `data`
/// through the readers as `target` (`sniff`, `csv`, `xlsx`, `json`, `vcard`) and reads every row,
/// ignoring errors (they are expected); returns the rows read. It must never panic or hang.
pub fn fuzz_entry(target: &str, data: &[u8]) -> u64 {
    let options = ReadOptions { limits: Limits { max_rows: 20_000, ..Limits::default() }, ..ReadOptions::default() };
    let (name, data) = match target {
        "csv" => ("input.csv", data),
        "xlsx" => ("input.xlsx", data),
        "json" => ("input.json", data),
        "vcard" => ("input.vcf", data),
        _ => {
            // The sniffer: the first byte picks the file name; the rest goes through detection.
            let names = ["input.csv", "input.xlsx", "input.json", "input.vcf", "input.txt"];
            let pick = data.first().map_or(0, |b| usize::from(*b) % names.len());
            let rest = data.get(1..).unwrap_or_default();
            let (encoding, _) = sniff::encoding(rest, true);
            let text = decode::decode_sample(rest, encoding, true);
            let dialect = sniff::dialect(&text, true, None, None, None);
            let records =
                sniff::sample_records(&text, dialect.delimiter, dialect.quote, dialect.escape, true, sniff::SAMPLE_RECORDS);
            let _ = sniff::header(&records);
            let _ = sniff::line_ending(&text);
            (names.get(pick).copied().unwrap_or("input"), rest)
        }
    };
    let Ok(mut reader) = open_bytes(data.to_vec(), name, &options) else { return 0 };
    let mut row = SourceRow::default();
    let mut rows = 0;
    while let Ok(true) = reader.read_row(&mut row) {
        rows += 1;
        reader.issues.clear();
    }
    rows
}

/// Builds the columns from header cells: blank, duplicate (case-insensitive) and control-character
/// names are renamed (`Column 5`, `Email (2)`), never dropped; `width` pads with `Column N`.
pub(crate) fn name_columns(header: &[String], width: usize) -> Vec<Column> {
    let mut columns: Vec<Column> = Vec::with_capacity(width.max(header.len()));
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for index in 0..width.max(header.len()) {
        let original = header.get(index).cloned().unwrap_or_default();
        let cleaned: String =
            original.split(|c: char| c.is_whitespace() || c.is_control()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
        let (mut name, mut reason) = if cleaned.is_empty() {
            let reason = if original.is_empty() { "blank header" } else { "header of only spaces or control characters" };
            (format!("Column {}", index + 1), Some(reason.to_string()))
        } else if cleaned != original {
            (cleaned.clone(), Some("spaces or control characters cleaned".to_string()))
        } else {
            (cleaned, None)
        };
        let mut key = name.to_lowercase();
        if let Some(count) = seen.get(&key).copied() {
            let mut n = count + 1;
            let mut candidate = format!("{name} ({n})");
            while seen.contains_key(&candidate.to_lowercase()) {
                n += 1;
                candidate = format!("{name} ({n})");
            }
            seen.insert(key.clone(), n);
            reason = Some(format!(
                "duplicate of column {}",
                columns.iter().position(|c| c.name.to_lowercase() == key).map_or(0, |p| p + 1)
            ));
            name = candidate;
            key = name.to_lowercase();
        }
        seen.insert(key, 1);
        columns.push(Column { original, name, renamed: reason });
    }
    columns
}

/// Renders a column reference for messages: `column 3 (Email)`.
pub(crate) fn column_ref(columns: &[Column], index: usize) -> String {
    match columns.get(index) {
        Some(column) => format!("column {} ({})", index + 1, column.name),
        None => format!("column {}", index + 1),
    }
}

/// Builds issues with the file name and column names filled in.
#[derive(Debug, Clone)]
pub(crate) struct IssueSink {
    file: String,
    columns: Vec<Column>,
}

impl IssueSink {
    pub(crate) fn new(file: &str, columns: &[Column]) -> IssueSink {
        IssueSink { file: file.to_string(), columns: columns.to_vec() }
    }

    /// Makes an issue; `column` is 0-based here and 1-based in the issue.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn issue(
        &self,
        pos: &RowPos,
        column: Option<usize>,
        severity: Severity,
        kind: IssueKind,
        expected: impl Into<String>,
        found: impl Into<String>,
        what: impl fmt::Display,
    ) -> ReadIssue {
        let mut message = format!("{}: {pos}", self.file);
        if let Some(index) = column {
            message.push_str(", ");
            message.push_str(&column_ref(&self.columns, index));
        }
        message.push_str(": ");
        message.push_str(&what.to_string());
        ReadIssue {
            file: self.file.clone(),
            sheet: pos.sheet.as_deref().map(str::to_string),
            row: Some(pos.row),
            line: pos.line,
            column: column.map(|c| c + 1),
            column_name: column.and_then(|c| self.columns.get(c)).map(|c| c.name.clone()),
            severity,
            kind,
            expected: expected.into(),
            found: found.into(),
            message,
        }
    }

    /// Issues for renamed columns, on the header row.
    pub(crate) fn renamed(&self, pos: &RowPos) -> Vec<ReadIssue> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(index, column)| {
                let reason = column.renamed.as_ref()?;
                Some(self.issue(
                    pos,
                    Some(index),
                    Severity::Warning,
                    IssueKind::RenamedColumn,
                    "a unique, non-blank header name",
                    format!("{:?}", column.original),
                    format!("{reason}: header {:?} renamed to {:?}", column.original, column.name),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
