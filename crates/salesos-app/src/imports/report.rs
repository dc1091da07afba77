//! The files a run leaves for people: the error report (the spec's six columns, one line per
//! problem of every row that cannot be imported) and the failed-rows file (the source's columns
//! plus `Errors`, ready to fix in a spreadsheet and import again as it is).

use crate::error::{AppError, AppResult};
use salesos_formats::read::Cells;
use salesos_formats::write::{TableFormat, TableWriter};
use salesos_import::issue::RowIssue;
use salesos_import::spec::ERRORS_COLUMN;
use std::path::{Path, PathBuf};

/// The error report's columns, after the optional `Sheet` column.
pub const ERROR_REPORT_COLUMNS: [&str; 6] =
    ["Row Number", "Error Field", "Error Type", "Error Message", "Original Value", "All Original Data"];

/// Picks CSV or XLSX by a path's extension (CSV unless `.xlsx`).
pub fn format_for(path: &Path) -> TableFormat {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("xlsx") => TableFormat::Xlsx,
        _ => TableFormat::Csv,
    }
}

fn write_error(path: &Path, err: impl std::fmt::Display) -> AppError {
    AppError::invalid(format!("cannot write {}: {err}", path.display()))
}

/// Renders a row's original cells as one CSV line.
pub fn csv_line(cells: &[String]) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(cells);
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end_matches('\n').to_string()
}

/// Writes the error report and the failed-rows file as rows fail.
pub struct ReportFiles {
    errors: Option<TableWriter>,
    failed: Option<TableWriter>,
    with_sheet: bool,
    width: usize,
}

impl ReportFiles {
    /// Creates the requested files; `with_sheet` adds the leading `Sheet` column (multi-sheet imports).
    pub fn create(
        error_report: Option<&Path>,
        failed_rows: Option<(&Path, TableFormat)>,
        headers: &[String],
        with_sheet: bool,
    ) -> AppResult<ReportFiles> {
        let errors = match error_report {
            Some(path) => {
                let mut header: Vec<&str> = Vec::new();
                if with_sheet {
                    header.push("Sheet");
                }
                header.extend(ERROR_REPORT_COLUMNS);
                Some(TableWriter::create(format_for(path), path, &header).map_err(|err| write_error(path, err))?)
            }
            None => None,
        };
        let failed = match failed_rows {
            Some((path, format)) => {
                let mut header: Vec<String> = headers.iter().filter(|h| h.as_str() != ERRORS_COLUMN).cloned().collect();
                header.push(ERRORS_COLUMN.into());
                Some(TableWriter::create(format, path, &header).map_err(|err| write_error(path, err))?)
            }
            None => None,
        };
        let width = headers.iter().filter(|h| h.as_str() != ERRORS_COLUMN).count();
        Ok(ReportFiles { errors, failed, with_sheet, width })
    }

    /// Records a failed row: its errors in the report, the row in the failed-rows file.
    ///
    /// `cells` are the row's original cells; `errors_column` is the index of an `Errors` column
    /// the source already had (a failed-rows file imported again), which is left out.
    pub fn add_failed(
        &mut self,
        sheet: Option<&str>,
        row: u64,
        cells: &Cells,
        errors_column: Option<usize>,
        issues: &[RowIssue],
    ) -> AppResult<()> {
        let original: Vec<String> =
            cells.iter().enumerate().filter(|(i, _)| Some(*i) != errors_column).map(|(_, c)| c.to_string()).collect();
        let errors: Vec<&RowIssue> = issues.iter().filter(|i| i.is_error()).collect();
        if let Some(writer) = &mut self.errors {
            let all = csv_line(&original);
            for issue in &errors {
                let mut line: Vec<String> = Vec::with_capacity(7);
                if self.with_sheet {
                    line.push(sheet.unwrap_or("").to_string());
                }
                line.push(row.to_string());
                line.push(issue.field.clone().or_else(|| issue.column.clone()).unwrap_or_default());
                line.push(issue.kind.as_str().to_string());
                line.push(issue.message.clone());
                line.push(issue.found.clone());
                line.push(all.clone());
                let path = writer.path().to_path_buf();
                writer.write_row(&line).map_err(|err| write_error(&path, err))?;
            }
        }
        if let Some(writer) = &mut self.failed {
            let mut line = original;
            line.resize(self.width, String::new());
            line.push(errors.iter().map(|i| i.message.as_str()).collect::<Vec<_>>().join("; "));
            let path = writer.path().to_path_buf();
            writer.write_row(&line).map_err(|err| write_error(&path, err))?;
        }
        Ok(())
    }

    /// Finishes both files; returns their paths.
    pub fn finish(self) -> AppResult<(Option<PathBuf>, Option<PathBuf>)> {
        let finish = |writer: Option<TableWriter>| -> AppResult<Option<PathBuf>> {
            match writer {
                Some(writer) => {
                    let path = writer.path().to_path_buf();
                    writer.finish().map_err(|err| write_error(&path, err))?;
                    Ok(Some(path))
                }
                None => Ok(None),
            }
        };
        Ok((finish(self.errors)?, finish(self.failed)?))
    }
}
