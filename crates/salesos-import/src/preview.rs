//! The validation preview: outcome counts, ready / warning / error / duplicate totals, the first
//! problems per column with examples, and an estimate of the run's duration. A dry run and a run
//! feed the same planned rows into the same summary, so their counts are equal.

use crate::issue::RowIssue;
use crate::plan::{Outcome, PlannedRow};
use std::collections::BTreeMap;

/// How many examples are kept per column.
pub const EXAMPLES_PER_COLUMN: usize = 3;

/// Rows per outcome; they add up to the rows read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records created.
    pub created: u64,
    /// Records updated.
    pub updated: u64,
    /// Matched records left as they were.
    pub unchanged: u64,
    /// Rows skipped.
    pub skipped: u64,
    /// Rows imported and flagged.
    pub flagged: u64,
    /// Rows that failed.
    pub failed: u64,
}

impl Counts {
    /// Adds one row's outcome.
    pub fn add(&mut self, outcome: Outcome) {
        *self.slot(outcome) += 1;
    }

    /// Returns the count of an outcome.
    pub fn get(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Created => self.created,
            Outcome::Updated => self.updated,
            Outcome::Unchanged => self.unchanged,
            Outcome::Skipped => self.skipped,
            Outcome::Flagged => self.flagged,
            Outcome::Failed => self.failed,
        }
    }

    fn slot(&mut self, outcome: Outcome) -> &mut u64 {
        match outcome {
            Outcome::Created => &mut self.created,
            Outcome::Updated => &mut self.updated,
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Skipped => &mut self.skipped,
            Outcome::Flagged => &mut self.flagged,
            Outcome::Failed => &mut self.failed,
        }
    }

    /// Returns the total of all outcomes.
    pub fn total(&self) -> u64 {
        Outcome::ALL.iter().map(|o| self.get(*o)).sum()
    }
}

/// An example problem of a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The row number.
    pub row: u64,
    /// The offending text.
    pub found: String,
    /// The message.
    pub message: String,
}

/// The problems of one column (or of the row as a whole, under the key `(row)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnProblems {
    /// The target field, when known.
    pub field: Option<String>,
    /// Errors.
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// The first examples.
    pub examples: Vec<Example>,
}

/// The preview summary of a run or dry run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Outcome counts.
    pub counts: Counts,
    /// Rows that import without warnings.
    pub ready: u64,
    /// Rows that import with warnings.
    pub warnings: u64,
    /// Rows that cannot be imported.
    pub errors: u64,
    /// Rows that matched an existing record or an earlier row.
    pub duplicates: u64,
    /// Problems per column header.
    pub per_column: BTreeMap<String, ColumnProblems>,
}

/// The key problems without a column are kept under.
pub const ROW_LEVEL: &str = "(row)";

impl Summary {
    /// Adds a planned row.
    pub fn add(&mut self, row: u64, planned: &PlannedRow) {
        let outcome = planned.change.outcome();
        self.counts.add(outcome);
        if planned.duplicate {
            self.duplicates += 1;
        }
        if outcome == Outcome::Failed {
            self.errors += 1;
        } else if planned.has_warnings() {
            self.warnings += 1;
        } else {
            self.ready += 1;
        }
        for issue in &planned.issues {
            self.add_issue(row, issue);
        }
    }

    fn add_issue(&mut self, row: u64, issue: &RowIssue) {
        let key = issue.column.clone().unwrap_or_else(|| ROW_LEVEL.to_string());
        let entry = self.per_column.entry(key).or_default();
        if entry.field.is_none() {
            entry.field = issue.field.clone();
        }
        if issue.is_error() {
            entry.errors += 1;
        } else {
            entry.warnings += 1;
        }
        if entry.examples.len() < EXAMPLES_PER_COLUMN {
            entry.examples.push(Example { row, found: issue.found.clone(), message: issue.message.clone() });
        }
    }
}

/// Estimates a run's duration from the rows and the rate measured for this kind of run
/// (rows per second), in milliseconds.
pub fn estimate_ms(rows: u64, rows_per_second: f64) -> u64 {
    if rows_per_second <= 0.0 {
        return 0;
    }
    ((rows as f64 / rows_per_second) * 1000.0).ceil() as u64
}
