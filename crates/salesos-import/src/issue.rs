//! Row issues: every problem found in a row, with the column, field, expected and found values,
//! and the error types the error report names.

use crate::rules::Severity;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The category of a problem, as the error report's "Error Type" column names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// What a row's stored outcome says beyond the outcome itself: whether it was a duplicate, why
/// it was skipped, and its problems. Stored as JSON with the row's outcome, so a resumed run
/// rebuilds its reports and a result file lists every message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RowMessages {
    /// The row matched an existing record or an earlier row.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
    /// Why the row was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The row's problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<RowIssue>,
}

impl RowMessages {
    /// Returns the JSON to store, or `None` when there is nothing to say.
    pub fn to_json(&self) -> Option<String> {
        if !self.duplicate && self.skipped.is_none() && self.issues.is_empty() {
            return None;
        }
        serde_json::to_string(self).ok()
    }

    /// Reads stored JSON; damaged text becomes one message holding it.
    pub fn from_json(text: &str) -> RowMessages {
        serde_json::from_str(text).unwrap_or_else(|_| RowMessages { skipped: Some(text.to_string()), ..RowMessages::default() })
    }

    /// One line for people: the skip reason and every message, separated by `; `.
    pub fn summary(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if let Some(reason) = &self.skipped {
            parts.push(reason);
        }
        parts.extend(self.issues.iter().map(|i| i.message.as_str()));
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_messages_round_trip_and_stay_empty_when_nothing_happened() {
        assert_eq!(RowMessages::default().to_json(), None);
        let mut issue = RowIssue::error(Some("Mail"), Some("email"), IssueKind::InvalidFormat, "an email", "x@");
        issue.message = "not an email".into();
        let messages = RowMessages { duplicate: true, skipped: Some("duplicate of row 2".into()), issues: vec![issue] };
        let json = messages.to_json().unwrap();
        assert_eq!(RowMessages::from_json(&json), messages);
        assert_eq!(messages.summary(), "duplicate of row 2; not an email");
        assert_eq!(RowMessages::from_json("garbage").skipped.as_deref(), Some("garbage"));
    }
}
