//! Row issues: every problem found in a row, with the column, field, expected and found values,
//! and the error types the error report names.

use crate::rules::Severity;
use std::fmt;

/// The category of a problem, as the error report's "Error Type" column names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueKind {
    /// A required field is empty.
    Missing,
    /// The text is not in the field type's format (a date, an email, …).
    InvalidFormat,
    /// The value is not one of the picklist's options.
    NotInPicklist,
    /// A referenced record (an account by name) does not exist.
    ReferenceNotFound,
    /// Several records fit a reference.
    AmbiguousReference,
    /// Text where a number, boolean or the like was expected.
    TypeMismatch,
    /// A number outside the field's range, or text over its length.
    OutOfRange,
    /// Text that does not match the field's pattern.
    PatternMismatch,
    /// A custom validation rule does not hold.
    Rule,
    /// Several existing records match the row.
    AmbiguousDuplicate,
    /// The row is damaged in the file (as the reader reports it).
    MalformedRow,
    /// The store refused the change.
    Rejected,
}

impl IssueKind {
    /// Returns the stable name shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Missing => "missing",
            IssueKind::InvalidFormat => "invalid_format",
            IssueKind::NotInPicklist => "not_in_picklist",
            IssueKind::ReferenceNotFound => "reference_not_found",
            IssueKind::AmbiguousReference => "ambiguous_reference",
            IssueKind::TypeMismatch => "type_mismatch",
            IssueKind::OutOfRange => "out_of_range",
            IssueKind::PatternMismatch => "pattern_mismatch",
            IssueKind::Rule => "rule",
            IssueKind::AmbiguousDuplicate => "ambiguous_duplicate",
            IssueKind::MalformedRow => "malformed_row",
            IssueKind::Rejected => "rejected",
        }
    }
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// The source column's header, when one column is at fault.
    pub column: Option<String>,
    /// The target field path, when one field is at fault.
    pub field: Option<String>,
    /// The category.
    pub kind: IssueKind,
    /// An error fails the row; a warning imports it flagged.
    pub severity: Severity,
    /// A sentence for people.
    pub message: String,
    /// What was expected.
    pub expected: String,
    /// The offending original text.
    pub found: String,
}

impl RowIssue {
    /// Creates an error about one column and field.
    pub fn error(column: Option<&str>, field: Option<&str>, kind: IssueKind, expected: &str, found: &str) -> RowIssue {
        let message = match (column, field) {
            (Some(column), Some(field)) if kind == IssueKind::Missing => {
                format!("{field} is required (column {column:?} is empty)")
            }
            (_, Some(field)) if kind == IssueKind::Missing => format!("{field} is required"),
            (Some(column), Some(field)) => format!("column {column:?} → {field}: expected {expected}, found {found:?}"),
            (None, Some(field)) => format!("{field}: expected {expected}, found {found:?}"),
            (Some(column), None) => format!("column {column:?}: expected {expected}, found {found:?}"),
            (None, None) => format!("expected {expected}, found {found:?}"),
        };
        RowIssue {
            column: column.map(str::to_string),
            field: field.map(str::to_string),
            kind,
            severity: Severity::Error,
            message,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// Turns the issue into a warning with a note on what was done instead.
    pub fn downgraded(mut self, note: &str) -> RowIssue {
        self.severity = Severity::Warning;
        self.message = format!("{}; {note}", self.message);
        self
    }

    /// Returns whether the issue fails the row.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
