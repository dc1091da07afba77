//! The workbook reader (.xlsx, .xlsm, .xlsb, .xls, .ods) over calamine; macros never run.
//!
//! calamine runs on a worker thread that owns the workbook and sends rows through a bounded
//! channel, so .xlsx and .xlsb sheets stream cell by cell (calamine's cell readers) in bounded
//! memory; .xls and .ods sheets are loaded whole by calamine. Before calamine sees a zipped
//! workbook, every part's declared unpacked size is checked (the zip crate refuses to unpack more
//! than a part declares), which stops zip bombs; calamine does not expand XML entities.
//!
//! Cells become text: integers without a decimal point, other numbers rounded to Excel's 15
//! significant digits (no float noise; more digits give a [`IssueKind::LossyNumber`] warning),
//! dates from either date system as `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`, times as `HH:MM:SS`,
//! booleans as `TRUE`/`FALSE`, formulas by their cached value, and error values as empty cells
//! with an [`IssueKind::CellError`] issue. Merged cells keep their value in the top-left cell
//! only (the others read empty, as in Excel's own CSV export). Empty rows are skipped.

use super::sniff;
use super::{
    name_columns, BoxInput, Column, Detected, Format, IssueKind, IssueSink, ReadError, ReadIssue, ReadOptions, RowPos, Severity,
    SheetInfo, SourceRow,
};
use calamine::{Data, DataRef, Reader as _, SheetType, SheetVisible};
use std::io::{BufReader, Seek, SeekFrom};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

/// Batches in flight between the worker and the reader.
const CHANNEL: usize = 16;

/// Rows per batch: handing rows over one by one costs a thread wake-up per row.
const BATCH: usize = 256;

/// Most parts a zipped workbook may hold.
const MAX_PARTS: usize = 10_000;

/// A cell as text, with what to report about it.
#[derive(Debug, Clone, PartialEq)]
struct CellOut {
    col: u32,
    text: String,
    note: Option<Note>,
}

#[derive(Debug, Clone, PartialEq)]
enum Note {
    Error(String),
    Lossy(String),
}

/// A cell's text and what to report about it.
type TextCell = (String, Option<Note>);

/// A sheet row with its used cells, in column order.
#[derive(Debug, Clone, PartialEq)]
struct SparseRow {
    row: u32,
    cells: Vec<CellOut>,
}

enum Msg {
    Meta { sheets: Vec<SheetInfo>, selected: Vec<usize>, is_1904: bool },
    Sample { rows: Vec<SparseRow> },
    Rows { sheet: usize, rows: Vec<SparseRow> },
    Done,
    Error(ReadError),
}

/// How one selected sheet maps onto the columns.
#[derive(Debug)]
struct SheetMap {
    name: Arc<str>,
    skip_below: u32,
    col_offset: u32,
    /// Sheet column (after the offset) → index in the columns.
    mapping: Vec<usize>,
}

/// Streams the rows of the selected sheets.
pub(crate) struct BookRows {
    rx: Receiver<Msg>,
    /// The batch being read: its sheet and remaining rows.
    batch: (usize, std::vec::IntoIter<SparseRow>),
    sheets: Vec<SheetMap>,
    width: usize,
    sink: IssueSink,
    finished: bool,
    /// The row's cells by column before they go into the row, reused from row to row.
    slots: Vec<String>,
}

impl std::fmt::Debug for BookRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BookRows").field("sheets", &self.sheets).field("width", &self.width).finish_non_exhaustive()
    }
}

/// Opens a workbook on a worker thread and detects each selected sheet's header.
pub(crate) fn open(
    input: BoxInput,
    format: Format,
    name: &str,
    options: &ReadOptions,
) -> Result<(Detected, BookRows, Vec<ReadIssue>), ReadError> {
    let (tx, rx) = sync_channel::<Msg>(CHANNEL);
    let worker_name = name.to_string();
    let worker_options = options.clone();
    std::thread::Builder::new()
        .name("salesos-workbook".into())
        .spawn(move || {
            let error_tx = tx.clone();
            if let Err(err) = work(input, format, &worker_name, &worker_options, &tx) {
                let _ = error_tx.send(Msg::Error(err));
            }
        })
        .map_err(|err| ReadError::io(name, err))?;
    let stopped = || ReadError::Corrupt { file: name.to_string(), detail: "the workbook reader stopped unexpectedly".into() };
    let (sheets, selected, is_1904) = match rx.recv() {
        Ok(Msg::Meta { sheets, selected, is_1904 }) => (sheets, selected, is_1904),
        Ok(Msg::Error(err)) => return Err(err),
        _ => return Err(stopped()),
    };
    let mut columns: Vec<Column> = Vec::new();
    let mut maps = Vec::new();
    let mut issues = Vec::new();
    let mut first_header_row = 0u64;
    for (position, sheet_index) in selected.iter().enumerate() {
        let rows = match rx.recv() {
            Ok(Msg::Sample { rows }) => rows,
            Ok(Msg::Error(err)) => return Err(err),
            _ => return Err(stopped()),
        };
        let sheet_name: Arc<str> = sheets.get(*sheet_index).map(|s| s.name.as_str()).unwrap_or_default().into();
        let col_offset = rows.iter().flat_map(|r| r.cells.iter().map(|c| c.col)).min().unwrap_or(0);
        let dense: Vec<Vec<String>> = rows.iter().map(|r| dense(r, col_offset)).collect();
        let (header_index, skip) = match options.header_row {
            Some(0) => (None, 0),
            Some(row) => {
                let found = rows.iter().position(|r| u64::from(r.row) + 1 == row);
                (found, found.unwrap_or(0))
            }
            None => {
                let guess = sniff::header(&dense);
                (guess.header, guess.skip)
            }
        };
        let header: Vec<String> = header_index.and_then(|i| dense.get(i)).cloned().unwrap_or_default();
        let width = dense.iter().map(Vec::len).max().unwrap_or(0).max(header.len());
        if width > options.limits.max_columns {
            return Err(ReadError::TooManyColumns {
                file: name.to_string(),
                pos: RowPos { sheet: Some(sheet_name.clone()), row: 1, line: None },
                found: width,
                max: options.limits.max_columns,
            });
        }
        let header_row: u32 = match (options.header_row, header_index) {
            (Some(row), _) if row > 0 => u32::try_from(row).unwrap_or(u32::MAX),
            (_, Some(i)) => rows.get(i).map_or(0, |r| r.row + 1),
            (_, None) => 0,
        };
        // Sheet rows (0-based) below this one are skipped: the header and what is above it.
        let skip_below = if header_row > 0 { header_row } else { rows.get(skip).map_or(0, |r| r.row) };
        let sheet_columns = name_columns(&header, width);
        let header_pos = RowPos { sheet: Some(sheet_name.clone()), row: u64::from(header_row), line: None };
        if header_index.is_some() {
            issues.extend(IssueSink::new(name, &sheet_columns).renamed(&header_pos));
        }
        let first_row = rows.first().map_or(0, |r| r.row + 1);
        let skipped = header_index.map_or(skip, |i| i);
        if skipped > 0 {
            let pos = RowPos { sheet: Some(sheet_name.clone()), row: u64::from(first_row), line: None };
            issues.push(IssueSink::new(name, &sheet_columns).issue(
                &pos,
                None,
                Severity::Warning,
                IssueKind::SkippedRows,
                "the header on the first used row",
                format!("{skipped} row(s) above it"),
                format!("{skipped} row(s) above the header (titles or notes) were skipped"),
            ));
        }
        let mapping = if position == 0 {
            first_header_row = u64::from(header_row);
            columns = sheet_columns;
            (0..columns.len()).collect()
        } else {
            sheet_columns
                .into_iter()
                .map(|column| match columns.iter().position(|c| c.name.to_lowercase() == column.name.to_lowercase()) {
                    Some(index) => index,
                    None => {
                        columns.push(column);
                        columns.len() - 1
                    }
                })
                .collect()
        };
        maps.push(SheetMap { name: sheet_name, skip_below, col_offset, mapping });
    }
    let selected_sheets: Vec<String> = maps.iter().map(|m| m.name.to_string()).collect();
    let detected = Detected {
        file: name.to_string(),
        format,
        encoding: None,
        bom: false,
        dialect: None,
        header_row: first_header_row,
        sheets,
        selected_sheets,
        layout: Some(if is_1904 { "1904 date system".to_string() } else { "1900 date system".to_string() }),
        columns: columns.clone(),
    };
    let rows = BookRows {
        rx,
        sheets: maps,
        width: columns.len(),
        sink: IssueSink::new(name, &columns),
        finished: false,
        batch: (0, Vec::new().into_iter()),
        slots: Vec::new(),
    };
    Ok((detected, rows, issues))
}

fn dense(row: &SparseRow, offset: u32) -> Vec<String> {
    let width = row.cells.last().map_or(0, |c| (c.col.saturating_sub(offset) + 1) as usize);
    let mut out = vec![String::new(); width];
    for cell in &row.cells {
        if let Some(slot) = out.get_mut(cell.col.saturating_sub(offset) as usize) {
            slot.clone_from(&cell.text);
        }
    }
    out
}

impl BookRows {
    pub(crate) fn read_row(&mut self, out: &mut SourceRow, issues: &mut Vec<ReadIssue>) -> Result<bool, ReadError> {
        loop {
            if let Some(row) = self.batch.1.next() {
                let sheet_index = self.batch.0;
                if self.emit(sheet_index, row, out, issues) {
                    return Ok(true);
                }
                continue;
            }
            if self.finished {
                return Ok(false);
            }
            match self.rx.recv() {
                Ok(Msg::Rows { sheet, rows }) => self.batch = (sheet, rows.into_iter()),
                Ok(Msg::Done) => {
                    self.finished = true;
                    return Ok(false);
                }
                Ok(Msg::Error(err)) => return Err(err),
                Ok(_) | Err(_) => {
                    return Err(ReadError::Corrupt {
                        file: self.sink.file.clone(),
                        detail: "the workbook reader stopped unexpectedly".into(),
                    })
                }
            };
        }
    }

    /// Puts one sheet row into `out`; false when the row is skipped (above the header, or empty).
    fn emit(&mut self, sheet_index: usize, row: SparseRow, out: &mut SourceRow, issues: &mut Vec<ReadIssue>) -> bool {
        let Some(map) = self.sheets.get(sheet_index) else { return false };
        if row.row < map.skip_below || row.cells.iter().all(|c| c.text.is_empty() && c.note.is_none()) {
            return false;
        }
        out.pos = RowPos { sheet: Some(map.name.clone()), row: u64::from(row.row) + 1, line: None };
        let slots = &mut self.slots;
        slots.clear();
        slots.resize(self.width, String::new());
        for cell in row.cells {
            let Some(relative) = cell.col.checked_sub(map.col_offset) else {
                issues.push(self.sink.issue(
                    &out.pos,
                    None,
                    Severity::Warning,
                    IssueKind::ExtraCells,
                    "cells inside the table",
                    format!("{:?}", cell.text),
                    format!("a cell left of the table's first column holds {:?}; it is kept after the last column", cell.text),
                ));
                slots.push(cell.text);
                continue;
            };
            let index = match map.mapping.get(relative as usize) {
                Some(index) => *index,
                None => {
                    let index = slots.len().max(self.width + relative as usize - map.mapping.len());
                    if slots.len() <= index {
                        slots.resize(index + 1, String::new());
                    }
                    issues.push(self.sink.issue(
                        &out.pos,
                        Some(index),
                        Severity::Warning,
                        IssueKind::ExtraCells,
                        format!("{} columns", self.width),
                        format!("a value in column {}", relative + 1),
                        "a cell right of the header's last column is kept after the last column",
                    ));
                    index
                }
            };
            match cell.note {
                Some(Note::Error(value)) => issues.push(self.sink.issue(
                    &out.pos,
                    Some(index),
                    Severity::Error,
                    IssueKind::CellError,
                    "a value",
                    value.clone(),
                    format!("the cell holds the Excel error {value}; it is read as empty"),
                )),
                Some(Note::Lossy(value)) => issues.push(self.sink.issue(
                    &out.pos,
                    Some(index),
                    Severity::Warning,
                    IssueKind::LossyNumber,
                    "at most 15 significant digits",
                    value.clone(),
                    format!("the number {value} has more than 15 significant digits, which Excel does not keep: if it is a phone number or an id, its last digits may be wrong (format the column as text in Excel)"),
                )),
                None => {}
            }
            if let Some(slot) = slots.get_mut(index) {
                *slot = cell.text;
            }
        }
        out.cells.set_all(slots.iter());
        true
    }
}

/// Everything calamine does, on the worker thread.
fn work(mut input: BoxInput, format: Format, name: &str, options: &ReadOptions, tx: &SyncSender<Msg>) -> Result<(), ReadError> {
    let corrupt = |detail: String| ReadError::Corrupt { file: name.to_string(), detail };
    match format {
        Format::Xls => {
            if is_encrypted_package(&mut input).map_err(|err| ReadError::io(name, err))? {
                return Err(ReadError::PasswordProtected { file: name.to_string() });
            }
            let len = input.seek(SeekFrom::End(0)).map_err(|err| ReadError::io(name, err))?;
            super::cfb::check_chains(&mut input, len)
                .map_err(|detail| corrupt(format!("not a readable .xls workbook ({detail})")))?;
            input.seek(SeekFrom::Start(0)).map_err(|err| ReadError::io(name, err))?;
            let workbook = calamine::open_workbook_from_rs::<calamine::Xls<_>, _>(BufReader::new(input));
            match workbook {
                Ok(book) => run(&mut Book::Xls(Box::new(book)), name, options, tx),
                Err(calamine::XlsError::Password) => Err(ReadError::PasswordProtected { file: name.to_string() }),
                Err(err) => Err(cfb_error(name, err)),
            }
        }
        Format::Xlsx | Format::Xlsb | Format::Ods => {
            check_zip(&mut input, name, options)?;
            input.seek(SeekFrom::Start(0)).map_err(|err| ReadError::io(name, err))?;
            let rs = BufReader::with_capacity(64 * 1024, input);
            let mut book = match format {
                Format::Xlsb => Book::Xlsb(Box::new(
                    calamine::open_workbook_from_rs(rs).map_err(|err: calamine::XlsbError| corrupt(err.to_string()))?,
                )),
                Format::Ods => Book::Ods(Box::new(
                    calamine::open_workbook_from_rs(rs).map_err(|err: calamine::OdsError| corrupt(err.to_string()))?,
                )),
                _ => Book::Xlsx(Box::new(
                    calamine::open_workbook_from_rs(rs).map_err(|err: calamine::XlsxError| xlsx_error(name, err))?,
                )),
            };
            run(&mut book, name, options, tx)
        }
        _ => Err(corrupt("not a workbook".into())),
    }
}

/// Whether a compound file holds an `EncryptedPackage` stream (an encrypted OOXML workbook).
fn is_encrypted_package(input: &mut BoxInput) -> std::io::Result<bool> {
    let needle: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let finder = memchr::memmem::Finder::new(&needle);
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0usize;
    loop {
        let n = super::read_full(input, buf.get_mut(carry..).unwrap_or_default())?;
        let filled = carry + n;
        if finder.find(buf.get(..filled).unwrap_or_default()).is_some() {
            return Ok(true);
        }
        if n == 0 {
            return Ok(false);
        }
        carry = needle.len().min(filled);
        buf.copy_within(filled - carry..filled, 0);
    }
}

fn cfb_error(name: &str, err: calamine::XlsError) -> ReadError {
    let text = err.to_string();
    if text.to_lowercase().contains("password") || text.contains("Encrypt") {
        ReadError::PasswordProtected { file: name.to_string() }
    } else {
        ReadError::Corrupt { file: name.to_string(), detail: format!("not a readable .xls workbook ({text})") }
    }
}

fn xlsx_error(name: &str, err: calamine::XlsxError) -> ReadError {
    match err {
        calamine::XlsxError::Io(source) => ReadError::io(name, source),
        calamine::XlsxError::Password => ReadError::PasswordProtected { file: name.to_string() },
        other => ReadError::Corrupt { file: name.to_string(), detail: other.to_string() },
    }
}

/// Refuses zip bombs: too many parts, or parts that declare more unpacked bytes than the limit
/// (the zip crate never unpacks more than a part declares).
fn check_zip(input: &mut BoxInput, name: &str, options: &ReadOptions) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(&mut *input).map_err(|err| ReadError::Corrupt {
        file: name.to_string(),
        detail: format!("it is not a valid zip container ({err}); was the upload cut short?"),
    })?;
    let max = options.limits.xlsx_unpacked_bytes;
    if archive.len() > MAX_PARTS {
        return Err(ReadError::ZipBomb { file: name.to_string(), max, detail: format!("{} parts", archive.len()) });
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let part =
            archive.by_index_raw(index).map_err(|err| ReadError::Corrupt { file: name.to_string(), detail: err.to_string() })?;
        total = total.saturating_add(part.size());
        if total > max {
            let part_name = part.name().map(|n| n.to_string()).unwrap_or_default();
            return Err(ReadError::ZipBomb {
                file: name.to_string(),
                max,
                detail: format!("part {part_name} declares {} bytes", part.size()),
            });
        }
    }
    Ok(())
}

/// The workbook kinds, behind one interface.
enum Book {
    Xlsx(Box<calamine::Xlsx<BufReader<BoxInput>>>),
    Xlsb(Box<calamine::Xlsb<BufReader<BoxInput>>>),
    Xls(Box<calamine::Xls<BufReader<BoxInput>>>),
    Ods(Box<calamine::Ods<BufReader<BoxInput>>>),
}

impl Book {
    fn sheets_metadata(&self) -> Vec<calamine::Sheet> {
        match self {
            Book::Xlsx(b) => b.sheets_metadata().to_vec(),
            Book::Xlsb(b) => b.sheets_metadata().to_vec(),
            Book::Xls(b) => b.sheets_metadata().to_vec(),
            Book::Ods(b) => b.sheets_metadata().to_vec(),
        }
    }

    fn is_1904(&self) -> bool {
        match self {
            Book::Xlsx(b) => b.has_1904_epoch(),
            _ => false,
        }
    }

    /// Rows in the sheet's stored dimension (the last used row number).
    fn dimension_rows(&mut self, sheet: &str) -> Option<u64> {
        let dims = match self {
            Book::Xlsx(b) => b.worksheet_cells_reader(sheet).ok()?.dimensions(),
            Book::Xlsb(b) => b.worksheet_cells_reader(sheet).ok()?.dimensions(),
            _ => return None,
        };
        if dims.start == (0, 0) && dims.end == (0, 0) {
            return None;
        }
        Some(u64::from(dims.end.0) + 1)
    }

    /// Calls `each` with every non-empty row of a sheet, in order, until it returns false.
    fn rows(&mut self, sheet: &str, name: &str, each: &mut dyn FnMut(SparseRow) -> bool) -> Result<(), ReadError> {
        let corrupt =
            |detail: String| ReadError::Corrupt { file: name.to_string(), detail: format!("sheet {sheet:?}: {detail}") };
        match self {
            Book::Xlsx(b) => {
                let mut cells = b.worksheet_cells_reader(sheet).map_err(|err| xlsx_error(name, err))?;
                let mut current: Option<SparseRow> = None;
                loop {
                    let next = cells.next_cell().map_err(|err| corrupt(err.to_string()))?;
                    if !stream_cell(next.map(|c| (c.get_position(), cell_out(c.get_value()))), &mut current, each) {
                        return Ok(());
                    }
                }
            }
            Book::Xlsb(b) => {
                let mut cells = b.worksheet_cells_reader(sheet).map_err(|err| corrupt(err.to_string()))?;
                let mut current: Option<SparseRow> = None;
                loop {
                    let next = cells.next_cell().map_err(|err| corrupt(err.to_string()))?;
                    if !stream_cell(next.map(|c| (c.get_position(), cell_out(c.get_value()))), &mut current, each) {
                        return Ok(());
                    }
                }
            }
            Book::Xls(b) => {
                let range = b.worksheet_range(sheet).map_err(|err| corrupt(err.to_string()))?;
                range_rows(&range, each);
                Ok(())
            }
            Book::Ods(b) => {
                let range = b.worksheet_range(sheet).map_err(|err| corrupt(err.to_string()))?;
                range_rows(&range, each);
                Ok(())
            }
        }
    }
}

/// Adds one streamed cell to the current row; sends the row when the next starts. Returns false
/// when done (end of cells, or `each` asked to stop).
fn stream_cell(
    next: Option<((u32, u32), Option<TextCell>)>,
    current: &mut Option<SparseRow>,
    each: &mut dyn FnMut(SparseRow) -> bool,
) -> bool {
    match next {
        None => {
            if let Some(row) = current.take() {
                each(row);
            }
            false
        }
        Some(((row, col), value)) => {
            if current.as_ref().is_some_and(|r| r.row != row) {
                if let Some(done) = current.take() {
                    if !each(done) {
                        return false;
                    }
                }
            }
            let Some((text, note)) = value else { return true };
            current.get_or_insert_with(|| SparseRow { row, cells: Vec::new() }).cells.push(CellOut { col, text, note });
            true
        }
    }
}

fn range_rows(range: &calamine::Range<Data>, each: &mut dyn FnMut(SparseRow) -> bool) {
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    for (offset, cells) in range.rows().enumerate() {
        let row = start_row + u32::try_from(offset).unwrap_or(u32::MAX - start_row);
        let cells: Vec<CellOut> = cells
            .iter()
            .enumerate()
            .filter_map(|(c, data)| {
                let (text, note) = cell_out(&data_ref(data))?;
                Some(CellOut { col: start_col + u32::try_from(c).unwrap_or(0), text, note })
            })
            .collect();
        if !cells.is_empty() && !each(SparseRow { row, cells }) {
            return;
        }
    }
}

/// Lists the sheets, picks the selected ones, samples their first rows, then streams them.
fn run(book: &mut Book, name: &str, options: &ReadOptions, tx: &SyncSender<Msg>) -> Result<(), ReadError> {
    let metadata = book.sheets_metadata();
    let mut sheets = Vec::with_capacity(metadata.len());
    for sheet in &metadata {
        let worksheet = sheet.typ == SheetType::WorkSheet;
        let rows = if worksheet { book.dimension_rows(&sheet.name) } else { None };
        sheets.push(SheetInfo { name: sheet.name.clone(), hidden: sheet.visible != SheetVisible::Visible, worksheet, rows });
    }
    let selected: Vec<usize> = if options.sheets.is_empty() {
        let first = sheets.iter().position(|s| s.worksheet && !s.hidden).or_else(|| sheets.iter().position(|s| s.worksheet));
        match first {
            Some(index) => vec![index],
            None => return Err(ReadError::Empty { file: name.to_string() }),
        }
    } else {
        options
            .sheets
            .iter()
            .map(|wanted| {
                sheets
                    .iter()
                    .position(|s| &s.name == wanted)
                    .or_else(|| sheets.iter().position(|s| s.name.eq_ignore_ascii_case(wanted)))
                    .ok_or_else(|| ReadError::UnknownSheet {
                        file: name.to_string(),
                        sheet: wanted.clone(),
                        available: sheets.iter().map(|s| format!("{:?}", s.name)).collect::<Vec<_>>().join(", "),
                    })
            })
            .collect::<Result<_, _>>()?
    };
    let names: Vec<String> = selected.iter().filter_map(|i| sheets.get(*i)).map(|s| s.name.clone()).collect();
    if tx.send(Msg::Meta { sheets, selected, is_1904: book.is_1904() }).is_err() {
        return Ok(());
    }
    for sheet in &names {
        let mut sample = Vec::new();
        book.rows(sheet, name, &mut |row| {
            sample.push(row);
            sample.len() < sniff::SAMPLE_RECORDS
        })?;
        if tx.send(Msg::Sample { rows: sample }).is_err() {
            return Ok(());
        }
    }
    for (index, sheet) in names.iter().enumerate() {
        let mut open = true;
        let mut batch = Vec::with_capacity(BATCH);
        book.rows(sheet, name, &mut |row| {
            batch.push(row);
            if batch.len() >= BATCH {
                open =
                    tx.send(Msg::Rows { sheet: index, rows: std::mem::replace(&mut batch, Vec::with_capacity(BATCH)) }).is_ok();
            }
            open
        })?;
        if !open || (!batch.is_empty() && tx.send(Msg::Rows { sheet: index, rows: batch }).is_err()) {
            return Ok(());
        }
    }
    let _ = tx.send(Msg::Done);
    Ok(())
}

fn data_ref(data: &Data) -> DataRef<'_> {
    match data {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// A cell as text and what to report; `None` for an empty cell.
fn cell_out(value: &DataRef<'_>) -> Option<(String, Option<Note>)> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::String(s) => (s.clone(), None),
        DataRef::SharedString(s) => ((*s).to_string(), None),
        DataRef::Int(i) => {
            let text = i.to_string();
            let lossy = i.unsigned_abs() >= 1_000_000_000_000_000;
            let note = lossy.then(|| Note::Lossy(text.clone()));
            (text, note)
        }
        DataRef::Float(f) => {
            let (text, lossy) = format_number(*f);
            let note = lossy.then(|| Note::Lossy(text.clone()));
            (text, note)
        }
        DataRef::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_string(), None),
        DataRef::DateTime(dt) => (format_datetime(dt), None),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), None),
        DataRef::Error(e) => (String::new(), Some(Note::Error(e.to_string()))),
    })
}

/// Formats a date, date-time, time or duration.
fn format_datetime(dt: &calamine::ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        let total = (value * 86_400.0).round() as i64;
        return format!("{}:{:02}:{:02}", total / 3600, (total / 60) % 60, total % 60);
    }
    let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
    if (0.0..1.0).contains(&value) {
        format!("{hh:02}:{mm:02}:{ss:02}")
    } else if hh == 0 && mm == 0 && ss == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")
    }
}

/// Formats a number as Excel shows it in General format, without float noise: integers without
/// a point, others rounded to 15 significant digits; true when the value has more than 15
/// significant integer digits (which Excel itself did not keep).
pub(crate) fn format_number(value: f64) -> (String, bool) {
    if !value.is_finite() {
        return (value.to_string(), false);
    }
    if value == value.trunc() && value.abs() < 1e15 {
        return (format!("{}", value as i64), false);
    }
    let lossy = value.abs() >= 1e15;
    // 15 significant digits, then plain decimal notation without trailing zeros.
    let sci = format!("{value:.14e}");
    let Some((mantissa, exponent)) = sci.split_once('e') else { return (value.to_string(), lossy) };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let text = if !(-7..=20).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}E{exponent:+}")
        } else {
            format!("{first}.{rest}E{exponent:+}")
        }
    } else if exponent < 0 {
        format!("0.{}{digits}", "0".repeat((-exponent - 1) as usize))
    } else {
        let int_len = exponent as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}", "0".repeat(int_len - digits.len()))
        } else {
            let (int, frac) = digits.split_at(int_len);
            format!("{int}.{frac}")
        }
    };
    (if negative { format!("-{text}") } else { text }, lossy)
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_without_float_noise() {
        assert_eq!(format_number(0.1 + 0.2), ("0.3".into(), false));
        assert_eq!(format_number(42.0), ("42".into(), false));
        assert_eq!(format_number(-1.5), ("-1.5".into(), false));
        assert_eq!(format_number(1.31888e18), ("1318880000000000000".into(), true));
        assert_eq!(format_number(4155551234567.0), ("4155551234567".into(), false));
        assert_eq!(format_number(0.000123), ("0.000123".into(), false));
        assert_eq!(format_number(1e-10), ("1E-10".into(), false));
        assert_eq!(format_number(1000.5577), ("1000.5577".into(), false));
    }
}
