//! Import templates: a header row and one example row, as CSV or as an Excel workbook whose
//! picklist columns offer a dropdown and whose required columns are marked.
//!
//! The caller chooses the columns ([`TemplateColumn`]: header, required, picklist labels,
//! example); this module only lays them out:
//!
//! - **CSV**: UTF-8 with a byte-order mark (so Excel shows accents), the header, the example
//!   row, LF line ends; cells a spreadsheet would evaluate are neutralized.
//! - **XLSX**: one visible sheet with the header (bold; required columns bold on a yellow fill
//!   with the note "Required"), the example row, the top row frozen and widths fitted. A
//!   picklist column gets list validation (a dropdown) over data rows 2 to [`VALIDATED_ROWS`];
//!   the options live on a hidden `Lists` sheet, so long lists and labels with commas work. A
//!   multi-picklist column gets a note listing its options instead (Excel lists hold one
//!   value). The header text is never changed, so auto-mapping reads it as written.

use super::cell_safety::neutralize_formula;
use rust_xlsxwriter::{Color, DataValidation, Format, Formula, Note, Workbook, XlsxError};
use std::path::{Path, PathBuf};

/// The last spreadsheet row (1-based, header = 1) that picklist validation covers.
pub const VALIDATED_ROWS: u32 = 10_000;

/// Most columns a template may have (an Excel sheet's width).
pub const MAX_COLUMNS: usize = super::XLSX_MAX_COLUMNS;

/// The fill of required header cells.
const REQUIRED_FILL: u32 = 0xFFE699;

/// Name of the hidden sheet holding picklist options.
const LISTS_SHEET: &str = "Lists";

/// The note of a required column.
pub const REQUIRED_NOTE: &str = "Required";

/// The file formats of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl TemplateFormat {
    /// Parses `csv` or `xlsx` (also `excel`), ignoring case.
    pub fn parse(text: &str) -> Option<TemplateFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(TemplateFormat::Csv),
            "xlsx" | "excel" => Some(TemplateFormat::Xlsx),
            _ => None,
        }
    }

    /// Returns the stable name, which is also the file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateFormat::Csv => "csv",
            TemplateFormat::Xlsx => "xlsx",
        }
    }

    /// Returns the media type of the file.
    pub fn media_type(self) -> &'static str {
        match self {
            TemplateFormat::Csv => "text/csv; charset=utf-8",
            TemplateFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// One column of a template, described in plain terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateColumn {
    /// The header text, written exactly as given.
    pub header: String,
    /// Whether every row needs a value (marked in Excel).
    pub required: bool,
    /// The labels of a picklist's options; empty for other columns.
    pub picklist: Vec<String>,
    /// Whether several options may be given, separated by `;` (a note instead of a dropdown).
    pub multiple: bool,
    /// The example row's value.
    pub example: String,
}

/// Why a template could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// No columns.
    #[error("a template needs at least one column")]
    NoColumns,
    /// More columns than a sheet holds.
    #[error("a template has at most {max} columns, found {found}")]
    TooManyColumns {
        /// Columns given.
        found: usize,
        /// Columns allowed.
        max: usize,
    },
    /// The Excel writer failed.
    #[error("cannot write the Excel template: {0}")]
    Xlsx(#[from] XlsxError),
    /// The CSV writer failed.
    #[error("cannot write the CSV template: {0}")]
    Csv(String),
    /// Writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Renders a template in memory (templates are small: one header and one example row).
pub fn render(format: TemplateFormat, sheet_name: &str, columns: &[TemplateColumn]) -> Result<Vec<u8>, TemplateError> {
    if columns.is_empty() {
        return Err(TemplateError::NoColumns);
    }
    if columns.len() > MAX_COLUMNS {
        return Err(TemplateError::TooManyColumns { found: columns.len(), max: MAX_COLUMNS });
    }
    match format {
        TemplateFormat::Csv => csv_bytes(columns),
        TemplateFormat::Xlsx => xlsx_bytes(sheet_name, columns),
    }
}

/// Renders a template into a file.
pub fn write(format: TemplateFormat, path: &Path, sheet_name: &str, columns: &[TemplateColumn]) -> Result<(), TemplateError> {
    let bytes = render(format, sheet_name, columns)?;
    std::fs::write(path, bytes).map_err(|source| TemplateError::Io { path: path.to_path_buf(), source })
}

fn csv_bytes(columns: &[TemplateColumn]) -> Result<Vec<u8>, TemplateError> {
    let mut out = Vec::with_capacity(64 * columns.len());
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    let fail = |err: csv::Error| TemplateError::Csv(err.to_string());
    writer.write_record(columns.iter().map(|c| neutralize_formula(&c.header).into_owned())).map_err(fail)?;
    writer.write_record(columns.iter().map(|c| neutralize_formula(&c.example).into_owned())).map_err(fail)?;
    writer.into_inner().map_err(|err| TemplateError::Csv(err.error().to_string()))
}

/// A valid worksheet name from a wish: without `[]:*?/\`, not blank, at most 31 characters.
fn sheet_name(wanted: &str) -> String {
    let cleaned: String = wanted.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).take(31).collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim().to_string();
    if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") || cleaned.eq_ignore_ascii_case(LISTS_SHEET) {
        "Import".to_string()
    } else {
        cleaned
    }
}

fn xlsx_bytes(sheet: &str, columns: &[TemplateColumn]) -> Result<Vec<u8>, TemplateError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let required = Format::new().set_bold().set_background_color(Color::RGB(REQUIRED_FILL));
    let text = Format::new().set_num_format("@");

    // Options of each picklist column go on the hidden sheet, one sheet column per picklist.
    let picklists: Vec<(usize, &TemplateColumn)> =
        columns.iter().enumerate().filter(|(_, c)| !c.picklist.is_empty() && !c.multiple).collect();
    let mut lists: Vec<(u16, String)> = Vec::with_capacity(picklists.len());
    for (list, (index, column)) in picklists.iter().enumerate() {
        let col = u16::try_from(*index).map_err(|_| XlsxError::RowColumnLimitError)?;
        let letters = column_letters(u16::try_from(list).map_err(|_| XlsxError::RowColumnLimitError)?);
        lists.push((col, format!("={LISTS_SHEET}!${letters}$1:${letters}${}", column.picklist.len())));
    }

    let data = workbook.add_worksheet();
    data.set_name(sheet_name(sheet))?;
    for (index, column) in columns.iter().enumerate() {
        let col = u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)?;
        let header_text = neutralize_formula(&column.header);
        data.write_string_with_format(0, col, header_text.as_ref(), if column.required { &required } else { &header })?;
        // Text cells: Excel keeps `+14155550123`, `2026-03-15` and leading zeros as typed.
        data.write_string_with_format(1, col, neutralize_formula(&column.example).as_ref(), &text)?;
        let mut note = Vec::new();
        if column.required {
            note.push(REQUIRED_NOTE.to_string());
        }
        if column.multiple && !column.picklist.is_empty() {
            note.push(options_note(&column.picklist));
        }
        if !note.is_empty() {
            let note = Note::new(note.join("\n")).set_author("SalesOS").add_author_prefix(false);
            data.insert_note(0, col, &note)?;
        }
        let width = column.header.chars().count().max(column.example.chars().count()).clamp(10, 48);
        data.set_column_width(col, width as f64 + 2.0)?;
    }
    for (col, source) in &lists {
        let validation = DataValidation::new()
            .allow_list_formula(Formula::new(source))
            .set_error_title("Not an option")?
            .set_error_message("Choose a value from the list.")?;
        data.add_data_validation(1, *col, VALIDATED_ROWS - 1, *col, &validation)?;
    }
    data.set_freeze_panes(1, 0)?;
    // The data sheet is created first, so readers that take the first visible sheet find it.
    if !picklists.is_empty() {
        let options = workbook.add_worksheet();
        options.set_name(LISTS_SHEET)?;
        for (list, (_, column)) in picklists.iter().enumerate() {
            let col = u16::try_from(list).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (row, label) in column.picklist.iter().enumerate() {
                let row = u32::try_from(row).map_err(|_| XlsxError::RowColumnLimitError)?;
                options.write_string(row, col, label)?;
            }
        }
        options.set_hidden(true);
    }
    Ok(workbook.save_to_buffer()?)
}

/// The note of a multi-picklist column.
fn options_note(labels: &[String]) -> String {
    const MAX: usize = 4_000;
    let mut text = String::from("Several of these, separated by ;\n");
    for (i, label) in labels.iter().enumerate() {
        if text.len() + label.len() > MAX {
            text.push_str(&format!("… and {} more", labels.len() - i));
            break;
        }
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(label);
    }
    text
}

/// Returns the letters of a 0-based column (`0` → `A`, `26` → `AA`).
fn column_letters(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests;
