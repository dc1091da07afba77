//! Streaming generated rows into files: CSV, Excel and JSON tables, or vCards.

use crate::{GenError, GenObject, GenOptions, GeneratedRow, Generator};
use salesos_formats::write::vcard::{VcardContact, VcardWriter};
use salesos_formats::write::{TableFormat, TableWriter, XLSX_MAX_ROWS};
use salesos_model::value::Value;
use std::path::Path;

/// The progress callback of [`write_file`] runs after every this many rows.
pub const PROGRESS_EVERY: u64 = 10_000;

/// The file formats [`write_file`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// A JSON array of objects keyed by the header.
    Json,
    /// vCard 3.0 cards (contacts and leads only).
    Vcf,
}

impl FileFormat {
    /// Every format.
    pub const ALL: [FileFormat; 4] = [FileFormat::Csv, FileFormat::Xlsx, FileFormat::Json, FileFormat::Vcf];

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
            FileFormat::Json => "json",
            FileFormat::Vcf => "vcf",
        }
    }

    /// Parses a format name or extension (`csv`, `xlsx`, `excel`, `json`, `vcf`, `vcard`), ignoring case.
    pub fn parse(text: &str) -> Option<FileFormat> {
        match text.trim().trim_start_matches('.').to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "xlsx" | "excel" => Some(FileFormat::Xlsx),
            "json" => Some(FileFormat::Json),
            "vcf" | "vcard" => Some(FileFormat::Vcf),
            _ => None,
        }
    }

    /// Guesses the format from a file's extension.
    pub fn from_path(path: &Path) -> Option<FileFormat> {
        path.extension().and_then(|ext| ext.to_str()).and_then(FileFormat::parse)
    }
}

/// Generates the rows of `options` into a file and returns the number of rows written.
///
/// `progress` receives the rows written so far after every [`PROGRESS_EVERY`] rows, and once
/// more at the end. Checks (rates, country, vCard object, Excel size) happen before the file
/// is created.
pub fn write_file(options: &GenOptions, format: FileFormat, path: &Path, progress: &mut dyn FnMut(u64)) -> Result<u64, GenError> {
    let generator = Generator::try_new(options)?;
    let table = match format {
        FileFormat::Csv => Some(TableFormat::Csv),
        FileFormat::Json => Some(TableFormat::Json),
        FileFormat::Xlsx => {
            let max = XLSX_MAX_ROWS - 1;
            if options.rows > max {
                return Err(GenError::TooManyRowsForXlsx { rows: options.rows, max });
            }
            Some(TableFormat::Xlsx)
        }
        FileFormat::Vcf => {
            if !matches!(options.object, GenObject::Contacts | GenObject::Leads) {
                return Err(GenError::NotPeople { object: options.object });
            }
            None
        }
    };
    let mut written = 0u64;
    match table {
        Some(table) => {
            let mut writer = TableWriter::create(table, path, &generator.header())?;
            for row in generator {
                writer.write_row(&row.cells)?;
                written += 1;
                if written.is_multiple_of(PROGRESS_EVERY) {
                    progress(written);
                }
            }
            writer.finish()?;
        }
        None => {
            let object = generator.object();
            let mut writer = VcardWriter::create(path)?;
            for row in generator {
                writer.write_contact(&vcard_of(object, &row))?;
                written += 1;
                if written.is_multiple_of(PROGRESS_EVERY) {
                    progress(written);
                }
            }
            writer.finish()?;
        }
    }
    progress(written);
    Ok(written)
}

/// Builds a vCard from a contact or lead row: the messy cells, with labels from the fields.
pub(crate) fn vcard_of(object: GenObject, row: &GeneratedRow) -> VcardContact {
    let cell = |index: usize| row.cells.get(index).map(|c| c.trim().to_string()).unwrap_or_default();
    let optional = |index: usize| Some(cell(index)).filter(|c| !c.is_empty());
    let email_label = match row.fields.get("emails") {
        Some(Value::Labeled(items)) => items.first().map(|item| item.label.clone()),
        _ => None,
    }
    .unwrap_or_else(|| "work".to_string());
    let mut contact = VcardContact { first_name: cell(0), last_name: cell(1), ..VcardContact::default() };
    if let Some(email) = optional(2) {
        contact.emails.push((email_label, email));
    }
    if let Some(phone) = optional(3) {
        contact.phones.push(("work".to_string(), phone));
    }
    match object {
        GenObject::Contacts => {
            if let Some(mobile) = optional(4) {
                contact.phones.push(("mobile".to_string(), mobile));
            }
            contact.org = optional(5);
            contact.title = optional(6);
            contact.street = optional(7);
            contact.city = optional(8);
            contact.region = optional(9);
            contact.postal_code = optional(10);
            contact.country = optional(11);
            contact.note = optional(14);
        }
        _ => {
            contact.org = optional(4);
            contact.title = optional(5);
            contact.note = optional(8);
        }
    }
    contact
}
