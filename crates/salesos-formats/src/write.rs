//! Streaming tabular writers: CSV (RFC 4180), Excel XLSX (constant memory) and JSON arrays.
//!
//! A [`TableWriter`] is created with a header, takes one row at a time and keeps memory
//! constant in the number of rows. CSV and XLSX cells that a spreadsheet would run as a formula
//! are neutralized by default (see [`cell_safety`]); vCards are written by [`vcard`], import
//! templates (a header and an example row, with Excel dropdowns) by [`template`].

pub mod cell_safety;
pub mod template;
pub mod vcard;

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Rows an Excel worksheet holds, the header row included.
pub const XLSX_MAX_ROWS: u64 = 1_048_576;

/// Columns an Excel worksheet holds.
pub const XLSX_MAX_COLUMNS: usize = 16_384;

/// Buffer size of the file writers.
const BUFFER: usize = 64 * 1024;

/// The tabular file formats a [`TableWriter`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableFormat {
    /// Comma-separated values, RFC 4180, UTF-8 without BOM, LF line ends.
    Csv,
    /// An Excel workbook with one worksheet.
    Xlsx,
    /// A JSON array of objects keyed by the header.
    Json,
}

impl TableFormat {
    /// Returns the usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Xlsx => "xlsx",
            TableFormat::Json => "json",
        }
    }
}

/// Options of a [`TableWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Prefix `'` to CSV and XLSX cells a spreadsheet would evaluate as a formula
    /// (see [`cell_safety::neutralize_formula`]). JSON is never changed.
    pub neutralize_formulas: bool,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions { neutralize_formulas: true }
    }
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Creating or writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The Excel writer failed.
    #[error("cannot write Excel file {}: {source}", path.display())]
    Xlsx {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: XlsxError,
    },
    /// An Excel worksheet cannot hold more rows.
    #[error("cannot write Excel file {}: a worksheet holds at most {max} rows, header included", path.display())]
    TooManyRows {
        /// The file.
        path: PathBuf,
        /// Rows a worksheet holds, header included.
        max: u64,
    },
    /// An Excel worksheet cannot hold that many columns.
    #[error("cannot write Excel file {}: {found} columns, a worksheet holds at most {max}", path.display())]
    TooManyColumns {
        /// The file.
        path: PathBuf,
        /// Columns of the header.
        found: usize,
        /// Columns a worksheet holds.
        max: usize,
    },
    /// A row has another number of cells than the header.
    #[error("cannot write {}: row {row} has {found} cells but the header has {expected}", path.display())]
    RowWidth {
        /// The file.
        path: PathBuf,
        /// The data row, counting from 1.
        row: u64,
        /// Cells of the header.
        expected: usize,
        /// Cells of the row.
        found: usize,
    },
}

impl WriteError {
    /// Returns the file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            WriteError::Io { path, .. }
            | WriteError::Xlsx { path, .. }
            | WriteError::TooManyRows { path, .. }
            | WriteError::TooManyColumns { path, .. }
            | WriteError::RowWidth { path, .. } => path,
        }
    }

    pub(crate) fn io(path: &Path, source: io::Error) -> WriteError {
        WriteError::Io { path: path.to_path_buf(), source }
    }

    fn xlsx(path: &Path, source: XlsxError) -> WriteError {
        match source {
            XlsxError::IoError(source) => WriteError::io(path, source),
            source => WriteError::Xlsx { path: path.to_path_buf(), source },
        }
    }

    fn csv(path: &Path, source: csv::Error) -> WriteError {
        match source.into_kind() {
            csv::ErrorKind::Io(source) => WriteError::io(path, source),
            other => WriteError::io(path, io::Error::other(format!("{other:?}"))),
        }
    }
}

/// A streaming writer of one table: a header, then rows, then [`TableWriter::finish`].
///
/// Dropping the writer without finishing leaves an incomplete file (an empty one for XLSX).
pub struct TableWriter {
    path: PathBuf,
    columns: usize,
    rows: u64,
    neutralize: bool,
    sink: Sink,
}

enum Sink {
    Csv(Box<csv::Writer<File>>),
    Xlsx(Box<XlsxSink>),
    Json(JsonSink),
}

struct XlsxSink {
    workbook: Workbook,
    file: BufWriter<File>,
}

struct JsonSink {
    out: BufWriter<File>,
    /// The header cells, already encoded as JSON strings.
    keys: Vec<String>,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let format = match self.sink {
            Sink::Csv(_) => TableFormat::Csv,
            Sink::Xlsx(_) => TableFormat::Xlsx,
            Sink::Json(_) => TableFormat::Json,
        };
        f.debug_struct("TableWriter")
            .field("path", &self.path)
            .field("format", &format)
            .field("columns", &self.columns)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl TableWriter {
    /// Creates the file and writes the header, neutralizing formulas in CSV and XLSX.
    pub fn create<S: AsRef<str>>(format: TableFormat, path: &Path, header: &[S]) -> Result<TableWriter, WriteError> {
        TableWriter::create_with(format, path, header, WriteOptions::default())
    }

    /// Creates the file and writes the header, with options.
    pub fn create_with<S: AsRef<str>>(
        format: TableFormat,
        path: &Path,
        header: &[S],
        options: WriteOptions,
    ) -> Result<TableWriter, WriteError> {
        if format == TableFormat::Xlsx && header.len() > XLSX_MAX_COLUMNS {
            return Err(WriteError::TooManyColumns { path: path.to_path_buf(), found: header.len(), max: XLSX_MAX_COLUMNS });
        }
        let file = File::create(path).map_err(|err| WriteError::io(path, err))?;
        let neutralize = options.neutralize_formulas && format != TableFormat::Json;
        let sink = match format {
            TableFormat::Csv => {
                let mut writer = csv::WriterBuilder::new().buffer_capacity(BUFFER).from_writer(file);
                for cell in header {
                    writer.write_field(safe(neutralize, cell.as_ref()).as_bytes()).map_err(|err| WriteError::csv(path, err))?;
                }
                writer.write_record(std::iter::empty::<&[u8]>()).map_err(|err| WriteError::csv(path, err))?;
                Sink::Csv(Box::new(writer))
            }
            TableFormat::Xlsx => {
                let mut workbook = Workbook::new();
                let bold = Format::new().set_bold();
                let sheet = workbook.add_worksheet_with_constant_memory().map_err(|err| WriteError::xlsx(path, err))?;
                for (col, cell) in header.iter().enumerate() {
                    let text = safe(neutralize, cell.as_ref());
                    if !text.is_empty() {
                        sheet
                            .write_string_with_format(0, xlsx_col(col), text.as_ref(), &bold)
                            .map_err(|err| WriteError::xlsx(path, err))?;
                    }
                }
                Sink::Xlsx(Box::new(XlsxSink { workbook, file: BufWriter::with_capacity(BUFFER, file) }))
            }
            TableFormat::Json => {
                let keys = header
                    .iter()
                    .map(|cell| serde_json::to_string(cell.as_ref()).map_err(|err| WriteError::io(path, err.into())))
                    .collect::<Result<Vec<String>, WriteError>>()?;
                let mut out = BufWriter::with_capacity(BUFFER, file);
                out.write_all(b"[").map_err(|err| WriteError::io(path, err))?;
                Sink::Json(JsonSink { out, keys })
            }
        };
        Ok(TableWriter { path: path.to_path_buf(), columns: header.len(), rows: 0, neutralize, sink })
    }

    /// Returns the file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the data rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes one row; it must have as many cells as the header. Excel refuses cells longer
    /// than 32,767 characters ([`WriteError::Xlsx`]) and rows past the sheet's last
    /// ([`WriteError::TooManyRows`]).
    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), WriteError> {
        if cells.len() != self.columns {
            return Err(WriteError::RowWidth {
                path: self.path.clone(),
                row: self.rows + 1,
                expected: self.columns,
                found: cells.len(),
            });
        }
        let path = &self.path;
        match &mut self.sink {
            Sink::Csv(writer) => {
                for cell in cells {
                    writer
                        .write_field(safe(self.neutralize, cell.as_ref()).as_bytes())
                        .map_err(|err| WriteError::csv(path, err))?;
                }
                writer.write_record(std::iter::empty::<&[u8]>()).map_err(|err| WriteError::csv(path, err))?;
            }
            Sink::Xlsx(sink) => {
                // Row 0 is the header.
                let row = self.rows + 1;
                if row >= XLSX_MAX_ROWS {
                    return Err(WriteError::TooManyRows { path: path.clone(), max: XLSX_MAX_ROWS });
                }
                let row = u32::try_from(row).map_err(|_| WriteError::TooManyRows { path: path.clone(), max: XLSX_MAX_ROWS })?;
                let sheet = sink.workbook.worksheet_from_index(0).map_err(|err| WriteError::xlsx(path, err))?;
                for (col, cell) in cells.iter().enumerate() {
                    let text = safe(self.neutralize, cell.as_ref());
                    if !text.is_empty() {
                        sheet.write_string(row, xlsx_col(col), text.as_ref()).map_err(|err| WriteError::xlsx(path, err))?;
                    }
                }
            }
            Sink::Json(sink) => {
                write_json_object(&mut sink.out, &sink.keys, cells, self.rows == 0).map_err(|err| WriteError::io(path, err))?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Completes the file and returns the number of data rows written.
    pub fn finish(self) -> Result<u64, WriteError> {
        let path = &self.path;
        match self.sink {
            Sink::Csv(writer) => {
                writer.into_inner().map_err(|err| WriteError::io(path, err.into_error()))?;
            }
            Sink::Xlsx(sink) => {
                let XlsxSink { mut workbook, mut file } = *sink;
                workbook.save_to_writer(&mut file).map_err(|err| WriteError::xlsx(path, err))?;
                file.flush().map_err(|err| WriteError::io(path, err))?;
            }
            Sink::Json(mut sink) => {
                let end: &[u8] = if self.rows == 0 { b"]\n" } else { b"\n]\n" };
                sink.out.write_all(end).map_err(|err| WriteError::io(path, err))?;
                sink.out.flush().map_err(|err| WriteError::io(path, err))?;
            }
        }
        Ok(self.rows)
    }
}

/// Neutralizes a cell when asked to.
fn safe(neutralize: bool, cell: &str) -> std::borrow::Cow<'_, str> {
    if neutralize {
        cell_safety::neutralize_formula(cell)
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Converts a column index checked against [`XLSX_MAX_COLUMNS`] at creation.
fn xlsx_col(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

/// Writes `{"key":"value",...}`, preceded by `\n` for the first object and `,\n` otherwise.
fn write_json_object<W: Write, S: AsRef<str>>(out: &mut W, keys: &[String], cells: &[S], first: bool) -> io::Result<()> {
    out.write_all(if first { b"\n{" } else { b",\n{" })?;
    for (index, (key, cell)) in keys.iter().zip(cells).enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        out.write_all(key.as_bytes())?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut *out, cell.as_ref()).map_err(io::Error::from)?;
    }
    out.write_all(b"}")
}

#[cfg(test)]
mod tests;
