//! The mapping spec: the stored, versioned description of how a file's columns become field
//! values, plus the import settings (duplicates, match keys, dates, empty cells).
//!
//! The same JSON is read from `--mapping FILE`, stored as a remembered or named mapping, and
//! sent by the API. Version 1:
//!
//! ```json
//! {
//!   "version": 1,
//!   "object": "contacts",
//!   "columns": [
//!     {"column": "E-mail", "target": "email"},
//!     {"column": "Full name", "transforms": [{"op": "split", "into": ["first_name", "last_name"], "by": {"kind": "name"}}]},
//!     {"column": "Street 1", "target": "mailing_street",
//!      "transforms": [{"op": "concat", "columns": ["Street 2"], "separator": ", "}]},
//!     {"column": "Status", "target": "lead_source", "transforms": [{"op": "value_map", "map": {"Web form": "web"}}]},
//!     {"column": "Signed up", "target": "custom.signed_up", "create_field": {"type": "date"},
//!      "transforms": [{"op": "date_format", "format": "%d.%m.%Y"}], "on_error": "set_empty"},
//!     {"column": "Score", "target": "custom.score", "on_error": {"fallback": "0"}},
//!     {"column": "Internal", "skip": true}
//!   ],
//!   "settings": {"on_duplicate": "update", "match": "email", "date_order": "dmy", "empty_cells": "keep"}
//! }
//! ```
//!
//! A column is found by its header (exact, then ignoring case and surrounding space) and, when
//! no header matches, by its 0-based `index`. Columns the spec does not name are not imported.

use crate::convert::{DateFormat, DateOrder, NumberStyle};
use salesos_model::schema::FieldType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The mapping spec version this build writes and reads.
pub const MAPPING_VERSION: u32 = 1;

/// How a file's columns become an object's field values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingSpec {
    /// Spec version; [`MAPPING_VERSION`].
    pub version: u32,
    /// The target object's api name, when the spec is tied to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// One entry per imported column.
    #[serde(default)]
    pub columns: Vec<ColumnSpec>,
    /// Duplicate handling and the other run settings.
    #[serde(default)]
    pub settings: ImportSettings,
}

/// How one source column is imported.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The column's header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The column's 0-based position, used when no header matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The target field path (`email`, `phones[mobile]`, `account.name`, `custom.score`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Do not import the column.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip: bool,
    /// Transforms applied in order to the cell's text before conversion.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    /// What to do when the value does not convert or validate.
    #[serde(default, skip_serializing_if = "ErrorPolicy::is_default")]
    pub on_error: ErrorPolicy,
    /// Create the target as a new custom field before the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_field: Option<NewFieldSpec>,
}

/// A custom field to create on the fly for a column.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFieldSpec {
    /// Its type; inferred from the column's values when absent.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub field_type: Option<FieldType>,
    /// Its label; the header when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Text case for the case transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStyle {
    /// UPPER CASE
    Upper,
    /// lower case
    Lower,
    /// Title Case
    Title,
}

/// How a split transform cuts a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SplitBy {
    /// At a delimiter; the last part keeps the rest.
    Delimiter {
        /// The delimiter text.
        delimiter: String,
    },
    /// By a regular expression whose capture groups give the parts in order.
    Pattern {
        /// The pattern (Rust regex syntax).
        pattern: String,
    },
    /// A person's full name into first and last name.
    Name,
    /// A one-line address into street, city, state, postal code and country.
    Address,
}

/// One transform of a column's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Trim surrounding white space (cells are always trimmed for typed fields).
    Trim,
    /// Change the case.
    Case {
        /// The case.
        case: CaseStyle,
    },
    /// Replace matches of a pattern.
    Replace {
        /// The pattern (Rust regex syntax).
        pattern: String,
        /// The replacement (`$1` names a group).
        with: String,
    },
    /// Append other columns' text.
    Concat {
        /// The other columns' headers, in order.
        columns: Vec<String>,
        /// Put between non-empty parts.
        #[serde(default = "default_separator")]
        separator: String,
    },
    /// Fill an empty cell.
    Default {
        /// The value.
        value: String,
    },
    /// Map source values to target values (picklist API values); matched exactly, then ignoring case.
    ValueMap {
        /// Source text → target text.
        map: BTreeMap<String, String>,
    },
    /// Read dates with an explicit format or day/month order.
    DateFormat {
        /// The chrono strftime format.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<DateFormat>,
        /// The order, when the format is to be inferred.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<DateOrder>,
    },
    /// Read numbers in a locale style.
    NumberFormat {
        /// The style.
        style: NumberStyle,
    },
    /// Read phone numbers with a default country other than the organization's.
    PhoneFormat {
        /// ISO 3166 country code.
        country: String,
    },
    /// Amounts without a currency are in this one (ISO 4217).
    Currency {
        /// The code.
        code: String,
    },
    /// Split the cell into several targets (the column then has no `target` of its own).
    Split {
        /// Target field paths, one per part; an empty string drops the part.
        into: Vec<String>,
        /// How to cut.
        by: SplitBy,
    },
}

fn default_separator() -> String {
    " ".into()
}

/// What to do with a value that does not convert or validate.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorPolicy {
    /// The row fails.
    #[default]
    Reject,
    /// The field is left empty and the row imports with a warning.
    SetEmpty,
    /// This value is used instead and the row imports with a warning.
    Fallback(String),
}

impl ErrorPolicy {
    fn is_default(&self) -> bool {
        *self == ErrorPolicy::Reject
    }
}

/// What happens to a row that matches an existing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateStrategy {
    /// Do not import the row.
    #[default]
    Skip,
    /// Write the row's non-empty values into the matched record.
    Update,
    /// Create a new record regardless.
    Create,
    /// Reserved: update only when the imported data is newer (duplicates issue).
    UpdateIfNewer,
    /// Reserved: import and flag for review (duplicates issue).
    Flag,
}

impl DuplicateStrategy {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateStrategy::Skip => "skip",
            DuplicateStrategy::Update => "update",
            DuplicateStrategy::Create => "create",
            DuplicateStrategy::UpdateIfNewer => "update_if_newer",
            DuplicateStrategy::Flag => "flag",
        }
    }

    /// Parses a stable name (`-` and `_` alike).
    pub fn parse(text: &str) -> Option<DuplicateStrategy> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "skip" => Some(DuplicateStrategy::Skip),
            "update" => Some(DuplicateStrategy::Update),
            "create" => Some(DuplicateStrategy::Create),
            "update_if_newer" => Some(DuplicateStrategy::UpdateIfNewer),
            "flag" => Some(DuplicateStrategy::Flag),
            _ => None,
        }
    }
}

/// Which values decide that a row is a duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MatchOn {
    /// The lower-cased email (any of the record's emails).
    Email,
    /// The E.164 phone (any of the record's phones).
    Phone,
    /// The id in a source system.
    ExternalId(String),
    /// Normalized company name, and the domain when both sides have one (accounts).
    NameAndDomain,
    /// Equal values of all these field paths.
    Fields(Vec<String>),
}

impl MatchOn {
    /// The kinds of stored match keys this match looks up (none for a match on fields, which
    /// queries the records).
    pub fn key_kinds(&self) -> Vec<salesos_model::keys::MatchKeyKind> {
        use salesos_model::keys::MatchKeyKind;
        match self {
            MatchOn::Email => vec![MatchKeyKind::Email],
            MatchOn::Phone => vec![MatchKeyKind::Phone],
            MatchOn::ExternalId(_) => vec![MatchKeyKind::ExternalId],
            MatchOn::NameAndDomain => vec![MatchKeyKind::CompanyName],
            MatchOn::Fields(_) => Vec::new(),
        }
    }

    /// Parses `email`, `phone`, `external-id:SYSTEM`, `name+domain` or `FIELD[,FIELD…]`.
    pub fn parse(text: &str) -> Result<MatchOn, String> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if lower.is_empty() {
            return Err("a match is one of email, phone, external-id:SYSTEM, name+domain or FIELD[,FIELD…]".into());
        }
        Ok(match lower.as_str() {
            "email" => MatchOn::Email,
            "phone" => MatchOn::Phone,
            "name+domain" | "name,domain" => MatchOn::NameAndDomain,
            _ => match lower.strip_prefix("external-id:").or_else(|| lower.strip_prefix("external_id:")) {
                Some("") => return Err("external-id:SYSTEM needs a system name, e.g. external-id:salesforce".into()),
                Some(system) => MatchOn::ExternalId(system.to_string()),
                None => MatchOn::Fields(text.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect()),
            },
        })
    }
}

impl fmt::Display for MatchOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchOn::Email => f.write_str("email"),
            MatchOn::Phone => f.write_str("phone"),
            MatchOn::ExternalId(system) => write!(f, "external-id:{system}"),
            MatchOn::NameAndDomain => f.write_str("name+domain"),
            MatchOn::Fields(fields) => f.write_str(&fields.join(",")),
        }
    }
}

impl TryFrom<String> for MatchOn {
    type Error = String;
    fn try_from(text: String) -> Result<MatchOn, String> {
        MatchOn::parse(&text)
    }
}

impl From<MatchOn> for String {
    fn from(on: MatchOn) -> String {
        on.to_string()
    }
}

/// Whether an empty cell erases the record's value on update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyCells {
    /// An empty cell never erases data.
    #[default]
    Keep,
    /// An empty cell clears the mapped field.
    Clear,
}

/// The run settings of an import.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// What to do with duplicates of existing records.
    #[serde(default)]
    pub on_duplicate: DuplicateStrategy,
    /// What decides a duplicate; the object's default when absent.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_on: Option<MatchOn>,
    /// Resolves ambiguous day/month dates for every date column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// Whether empty cells clear fields on update.
    #[serde(default)]
    pub empty_cells: EmptyCells,
    /// Create a referenced record (an account by name) when none exists.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_missing_references: bool,
}

/// Why a mapping spec cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Not valid JSON or not the spec's shape.
    #[error("the mapping is not valid: {0}")]
    Invalid(String),
    /// Written by a newer version.
    #[error("the mapping has version {found}; this build reads version {MAPPING_VERSION}")]
    Version {
        /// The version found.
        found: u32,
    },
}

impl MappingSpec {
    /// Reads a spec from JSON, checking its version.
    pub fn from_json(text: &str) -> Result<MappingSpec, SpecError> {
        let spec: MappingSpec = serde_json::from_str(text).map_err(|err| SpecError::Invalid(err.to_string()))?;
        if spec.version != MAPPING_VERSION {
            return Err(SpecError::Version { found: spec.version });
        }
        Ok(spec)
    }

    /// Writes the spec as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }
}

/// The name of the column our failed-rows files add; imports ignore it.
pub const ERRORS_COLUMN: &str = "Errors";

/// Returns a fingerprint of a file's header set (order and case ignored), for mapping memory.
pub fn header_fingerprint(headers: &[String]) -> String {
    let mut names: Vec<String> =
        headers.iter().map(|h| h.trim().to_lowercase()).filter(|h| !h.is_empty() && h != &ERRORS_COLUMN.to_lowercase()).collect();
    names.sort();
    names.dedup();
    // FNV-1a, 64 bits: stable across builds and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for name in &names {
        for byte in name.bytes().chain([0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests;
