//! Validation: the field rules of each value a row gives (ranges, lengths, patterns), then, on
//! the record as it will be written (new, or merged into the matched record), required fields and
//! the object's custom rules.
//!
//! Type checks happen in [`crate::transform`], where text becomes typed values; what reaches
//! this stage is already of the right type.

use crate::issue::{IssueKind, RowIssue};
use crate::rules::{CompiledRule, RuleContext};
use crate::transform::TransformedRow;
use regex::Regex;
use salesos_model::record::Fields;
use salesos_model::schema::{FieldDef, FieldRule, ObjectDef};
use salesos_model::value::Value;
use std::collections::{BTreeMap, HashMap};

/// The checks of one object, compiled once per import.
#[derive(Debug, Clone)]
pub struct Validator {
    object: ObjectDef,
    defaults: Vec<(String, Value)>,
    /// Field positions by storage key, grouped by the key's length: looked up for every value of
    /// every row, where the length picks a handful of names to compare (no hash of the key).
    by_length: Vec<Vec<(String, usize)>>,
    /// The storage keys of the fields that have rules, with their positions, in key order: what
    /// [`Validator::check_values`] looks for in a row (most objects have few or none).
    ruled: Vec<(String, usize)>,
    patterns: HashMap<String, Regex>,
    rules: Vec<CompiledRule>,
}

/// Why a validator cannot be built: a field's pattern does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: the pattern {pattern:?} is not a valid regular expression: {message}")]
pub struct PatternError {
    /// The field.
    pub field: String,
    /// The pattern.
    pub pattern: String,
    /// The regex error.
    pub message: String,
}

impl Validator {
    /// Compiles the object's field patterns and takes its compiled custom rules.
    pub fn new(object: &ObjectDef, rules: Vec<CompiledRule>) -> Result<Validator, PatternError> {
        let mut patterns = HashMap::new();
        for def in &object.fields {
            for rule in &def.rules {
                if let FieldRule::Pattern { pattern } = rule {
                    let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|err| PatternError {
                        field: def.api_name.clone(),
                        pattern: pattern.clone(),
                        message: err.to_string(),
                    })?;
                    patterns.insert(def.api_name.clone(), regex);
                }
            }
        }
        let longest = object.fields.iter().map(|f| f.api_name.len()).max().unwrap_or(0);
        let mut by_length: Vec<Vec<(String, usize)>> = vec![Vec::new(); longest + 1];
        for (i, f) in object.fields.iter().enumerate() {
            by_length[f.api_name.len()].push((f.api_name.clone(), i));
        }
        let defaults = object.fields.iter().filter_map(|f| Some((f.api_name.clone(), f.default_value()?))).collect();
        // In key order, as a row's fields go: issues come in the order they always did.
        let mut ruled: Vec<(String, usize)> =
            object.fields.iter().enumerate().filter(|(_, f)| !f.rules.is_empty()).map(|(i, f)| (f.api_name.clone(), i)).collect();
        ruled.sort();
        Ok(Validator { object: object.clone(), defaults, by_length, ruled, patterns, rules })
    }

    /// The fields with a default value and that value, parsed once.
    pub fn defaults(&self) -> &[(String, Value)] {
        &self.defaults
    }

    /// Finds a field of the object by storage key (for per-row use: the first of two fields with
    /// one name, as the object's own lookup finds).
    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        let (_, i) = self.by_length.get(key.len())?.iter().find(|(name, _)| name == key)?;
        Some(&self.object.fields[*i])
    }

    /// Checks each value the row gives against its field's rules; failing values are removed.
    /// `columns` names the column each storage key comes from, for messages.
    pub fn check_values(&self, row: &mut TransformedRow, columns: &BTreeMap<String, String>) {
        let mut failed = Vec::new();
        for (key, index) in &self.ruled {
            let Some(value) = row.fields.get(key) else { continue };
            for rule in &self.object.fields[*index].rules {
                if let Some((kind, expected)) = self.check_rule(key, rule, value) {
                    let column = columns.get(key).map(String::as_str);
                    row.issues.push(RowIssue::error(column, Some(key), kind, &expected, &value.to_string()));
                    failed.push(key.clone());
                    break;
                }
            }
        }
        for key in failed {
            row.fields.remove(&key);
        }
    }

    fn check_rule(&self, key: &str, rule: &FieldRule, value: &Value) -> Option<(IssueKind, String)> {
        match (rule, value) {
            (FieldRule::Range { min, max }, Value::Number(n) | Value::Money { amount: n, .. }) => {
                let below = min.is_some_and(|m| *n < m);
                let above = max.is_some_and(|m| *n > m);
                (below || above).then(|| {
                    let range = match (min, max) {
                        (Some(a), Some(b)) => format!("a number from {a} to {b}"),
                        (Some(a), None) => format!("a number of at least {a}"),
                        (None, Some(b)) => format!("a number of at most {b}"),
                        (None, None) => "a number".into(),
                    };
                    (IssueKind::OutOfRange, range)
                })
            }
            (FieldRule::MaxLength { max }, Value::Text(text)) => {
                (text.chars().count() > *max).then(|| (IssueKind::OutOfRange, format!("at most {max} characters")))
            }
            (FieldRule::Pattern { pattern }, Value::Text(text)) => {
                let regex = self.patterns.get(key)?;
                (!regex.is_match(text)).then(|| (IssueKind::PatternMismatch, format!("text matching {pattern}")))
            }
            _ => None,
        }
    }

    /// Checks a record image before it is written: required fields, then custom rules.
    ///
    /// `columns` names the source column of each key, for messages.
    pub fn check_record(&self, fields: &Fields, columns: &BTreeMap<String, String>, context: &RuleContext) -> Vec<RowIssue> {
        let mut issues = Vec::new();
        for def in self.object.fields.iter().filter(|d| d.required) {
            if fields.get(&def.api_name).is_none_or(Value::is_empty) {
                let column = columns.get(&def.api_name).map(String::as_str);
                let mut issue = RowIssue::error(column, Some(&def.api_name), IssueKind::Missing, "a value", "");
                if column.is_none() {
                    issue.message = format!("{} is required, and no column of the file is mapped to it", def.api_name);
                }
                issues.push(issue);
            }
        }
        for rule in &self.rules {
            if !rule.holds(fields, context) {
                let field = rule.error_field(fields, context);
                let column = field.and_then(|f| columns.get(f)).map(String::as_str);
                let found = field.and_then(|f| fields.get(f)).map(Value::to_string).unwrap_or_default();
                let mut issue = RowIssue::error(column, field, IssueKind::Rule, &rule.def.expression, &found);
                issue.message = rule.message();
                issue.severity = rule.def.severity;
                issues.push(issue);
            }
        }
        issues
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salesos_model::schema::standard_objects;

    #[test]
    fn field_finds_what_the_objects_own_lookup_finds() {
        for object in standard_objects() {
            let validator = Validator::new(&object, Vec::new()).unwrap();
            let mut keys: Vec<String> = object.fields.iter().map(|f| f.api_name.clone()).collect();
            keys.extend(
                ["", "x", "emails_", "email", "custom.score", "a_name_longer_than_any_field_of_any_object"].map(String::from),
            );
            for key in &keys {
                assert_eq!(validator.field(key).map(|f| &f.api_name), object.field(key).map(|f| &f.api_name), "{key}");
            }
        }
    }
}
