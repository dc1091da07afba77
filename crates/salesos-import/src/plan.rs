//! The plan: what each row turns into under the duplicate strategy — a record to create, a patch
//! of an existing record, nothing (unchanged or skipped), or a failure with its issues.
//!
//! The record image that will be written (the new record with defaults, or the matched record
//! with the row's values merged in) is what required fields and custom rules are checked on.

use crate::dedupe::Decision;
use crate::issue::{IssueKind, RowIssue};
use crate::rules::RuleContext;
use crate::spec::DuplicateStrategy;
use crate::transform::TransformedRow;
use crate::validate::Validator;
use salesos_model::ids::{RecordId, UserId};
use salesos_model::record::{Fields, NewRecord, Record, RecordPatch};
use salesos_model::schema::ObjectDef;
use salesos_model::value::{Labeled, Value};

/// The final outcome of a row; every row has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// A record was created.
    Created,
    /// An existing record was changed.
    Updated,
    /// An existing record matched and already held every value.
    Unchanged,
    /// Not imported (a duplicate under the skip strategy).
    Skipped,
    /// Imported and flagged for review (reserved for fuzzy duplicates).
    Flagged,
    /// Not imported because of errors.
    Failed,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 6] =
        [Outcome::Created, Outcome::Updated, Outcome::Unchanged, Outcome::Skipped, Outcome::Flagged, Outcome::Failed];

    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped => "skipped",
            Outcome::Flagged => "flagged",
            Outcome::Failed => "failed",
        }
    }
}

/// The change a row turns into.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordChange {
    /// Create a record.
    Create(NewRecord),
    /// Change a record.
    Update {
        /// The record.
        id: RecordId,
        /// The change.
        patch: RecordPatch,
    },
    /// A record matched and nothing would change.
    Unchanged {
        /// The record.
        id: RecordId,
    },
    /// Do not import the row.
    Skip {
        /// Why, for the result file.
        reason: String,
        /// The record it duplicates, when an existing one.
        duplicate_of: Option<RecordId>,
    },
    /// The row cannot be imported (see its issues).
    Fail,
}

impl RecordChange {
    /// Returns the outcome the change leads to.
    pub fn outcome(&self) -> Outcome {
        match self {
            RecordChange::Create(_) => Outcome::Created,
            RecordChange::Update { .. } => Outcome::Updated,
            RecordChange::Unchanged { .. } => Outcome::Unchanged,
            RecordChange::Skip { .. } => Outcome::Skipped,
            RecordChange::Fail => Outcome::Failed,
        }
    }
}

/// A planned row.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    /// The change.
    pub change: RecordChange,
    /// Every issue (errors fail the row; warnings ride along).
    pub issues: Vec<RowIssue>,
    /// Whether the row matched an existing record or an earlier row.
    pub duplicate: bool,
}

impl PlannedRow {
    /// Returns whether the row imports with warnings.
    pub fn has_warnings(&self) -> bool {
        self.issues.iter().any(|i| !i.is_error())
    }
}

/// What plan needs besides the row.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The target object.
    pub object: &'a ObjectDef,
    /// Required fields and custom rules.
    pub validator: &'a Validator,
    /// The duplicate strategy.
    pub strategy: DuplicateStrategy,
    /// Owner of new records when the row names none.
    pub default_owner: UserId,
    /// The time custom rules see.
    pub now_ms: i64,
    /// The column each storage key comes from, for messages (the mapping's
    /// [`crate::map::ResolvedMapping::columns_by_key`]).
    pub columns: &'a std::collections::BTreeMap<String, String>,
}

/// Plans one row: `row.owner_id` is the resolved owner (if the row named one), `existing` the
/// matched record for a [`Decision::Match`].
pub fn plan_row(
    context: &PlanContext<'_>,
    row: TransformedRow,
    owner: Option<UserId>,
    decision: &Decision,
    existing: Option<&Record>,
) -> PlannedRow {
    plan_checked_row(context, row, owner, decision, existing, None)
}

/// Checks a row's record image as a new record ahead of planning (defaults applied to its
/// fields), when every plan that uses the image would create one: the strategy is not update
/// and the row has no errors. Pure per row, so callers may run it on several threads; the
/// result goes to [`plan_checked_row`].
pub fn check_as_new(context: &PlanContext<'_>, row: &mut TransformedRow) -> Option<Vec<RowIssue>> {
    if context.strategy == DuplicateStrategy::Update || row.has_errors() {
        return None;
    }
    Some(validate_image(context, &mut row.fields, context.columns, true))
}

/// [`plan_row`] with the image issues [`check_as_new`] found for the row, if it ran.
pub fn plan_checked_row(
    context: &PlanContext<'_>,
    mut row: TransformedRow,
    owner: Option<UserId>,
    decision: &Decision,
    existing: Option<&Record>,
    checked: Option<Vec<RowIssue>>,
) -> PlannedRow {
    let failed = row.has_errors();
    let mut issues = std::mem::take(&mut row.issues);
    if failed {
        return PlannedRow { change: RecordChange::Fail, issues, duplicate: false };
    }
    let fail = |mut issues: Vec<RowIssue>, issue: RowIssue, duplicate: bool| {
        issues.push(issue);
        PlannedRow { change: RecordChange::Fail, issues, duplicate }
    };
    match (decision, context.strategy) {
        (Decision::Ambiguous { ids }, _) => {
            let list: Vec<String> = ids.iter().take(10).map(|id| id.0.to_string()).collect();
            let mut issue = RowIssue::error(None, None, IssueKind::AmbiguousDuplicate, "at most one matching record", "");
            issue.message = format!(
                "{} existing records match this row (ids {}); fix the data or choose another match",
                ids.len(),
                list.join(", ")
            );
            fail(issues, issue, true)
        }
        (Decision::InFile { first_row }, strategy) if strategy != DuplicateStrategy::Create => PlannedRow {
            change: RecordChange::Skip { reason: format!("duplicate of row {first_row} of this file"), duplicate_of: None },
            issues,
            duplicate: true,
        },
        (Decision::Match { id, method }, DuplicateStrategy::Skip) => PlannedRow {
            change: RecordChange::Skip {
                reason: format!("duplicate of existing record {} (same {method})", id.0),
                duplicate_of: Some(*id),
            },
            issues,
            duplicate: true,
        },
        (Decision::Match { id, .. }, DuplicateStrategy::Update) => match existing {
            Some(record) => plan_update(context, row, owner, record, issues),
            None => {
                let issue = RowIssue::error(None, None, IssueKind::Rejected, "the matched record", "");
                fail(issues, RowIssue { message: format!("record {} vanished during the import", id.0), ..issue }, true)
            }
        },
        (decision, _) => {
            let duplicate = !matches!(decision, Decision::New);
            let mut fields = row.fields;
            let image_issues = match checked {
                Some(issues) => issues,
                None => validate_image(context, &mut fields, context.columns, true),
            };
            if image_issues.iter().any(RowIssue::is_error) {
                issues.extend(image_issues);
                return PlannedRow { change: RecordChange::Fail, issues, duplicate };
            }
            issues.extend(image_issues);
            let record = NewRecord { owner_id: owner.unwrap_or(context.default_owner), fields, external_ids: row.external_ids };
            PlannedRow { change: RecordChange::Create(record), issues, duplicate }
        }
    }
}

/// Checks a record image: defaults and types (the store's own check), required fields, rules.
fn validate_image(
    context: &PlanContext<'_>,
    fields: &mut Fields,
    columns: &std::collections::BTreeMap<String, String>,
    creating: bool,
) -> Vec<RowIssue> {
    if creating {
        // Defaults first, so required fields with a default pass.
        for (key, default) in context.validator.defaults() {
            if fields.get(key).is_none_or(Value::is_empty) {
                fields.insert(key.as_str().into(), default.clone());
            }
        }
    }
    let rule_context = RuleContext { now_ms: context.now_ms, created_at_ms: context.now_ms };
    let mut issues = context.validator.check_record(fields, columns, &rule_context);
    if issues.iter().any(RowIssue::is_error) {
        return issues;
    }
    for (key, value) in fields.iter() {
        if !fits(context.validator.field(key), value) {
            let mut issue =
                RowIssue::error(None, Some(key), IssueKind::Rejected, "a value of the field's type", &value.to_string());
            issue.message = format!("{key}: the value does not fit the field's type");
            issues.push(issue);
        }
    }
    issues
}

/// Returns whether a value has the shape its field stores (the store's own check, without its
/// JSON round trip: transform already produced typed values, this guards the combination).
fn fits(def: Option<&salesos_model::schema::FieldDef>, value: &Value) -> bool {
    use salesos_model::schema::FieldType as T;
    // Values of fields since removed from the schema stay as they were stored.
    let Some(def) = def else { return true };
    match value {
        Value::Null => true,
        Value::Labeled(_) => def.multi,
        _ if def.multi => false,
        Value::Text(_) => {
            matches!(def.field_type, T::Text | T::LongText | T::Email | T::Phone | T::Url | T::Picklist)
        }
        Value::Number(n) => n.is_finite() && matches!(def.field_type, T::Number | T::Percent),
        Value::Money { amount, .. } => amount.is_finite() && def.field_type == T::Currency,
        Value::Bool(_) => def.field_type == T::Boolean,
        Value::Date(_) => def.field_type == T::Date,
        Value::DateTime(_) => def.field_type == T::DateTime,
        Value::List(_) => def.field_type == T::MultiPicklist,
        Value::Ref(_) => def.field_type == T::Reference,
    }
}

/// Merges labelled entries: the row's first, then the record's that the row does not repeat.
fn merge_labeled(imported: &[Labeled], existing: &[Labeled]) -> Vec<Labeled> {
    let mut merged: Vec<Labeled> = imported.to_vec();
    for item in existing {
        if !merged.iter().any(|m| m.value.eq_ignore_ascii_case(&item.value)) {
            merged.push(item.clone());
        }
    }
    merged
}

fn plan_update(
    context: &PlanContext<'_>,
    row: TransformedRow,
    owner: Option<UserId>,
    record: &Record,
    mut issues: Vec<RowIssue>,
) -> PlannedRow {
    let mut patch = RecordPatch { expected_version: Some(record.version), ..RecordPatch::default() };
    let mut image = record.fields.clone();
    for (key, value) in row.fields {
        let new_value = match (&value, record.fields.get(&key)) {
            (Value::Labeled(imported), Some(Value::Labeled(current))) => Value::Labeled(merge_labeled(imported, current)),
            _ => value,
        };
        if record.fields.get(&key).map(Value::to_json) != Some(new_value.to_json()) {
            image.insert(key.clone(), new_value.clone());
            patch.set.insert(key, new_value);
        }
    }
    for key in row.cleared {
        if record.fields.get(&key).is_some_and(|v| !v.is_empty()) {
            image.remove(&key);
            patch.set.insert(key.into(), Value::Null);
        }
    }
    patch.add_external_ids = row.external_ids.into_iter().filter(|e| !record.external_ids.contains(e)).collect();
    patch.owner_id = owner.filter(|o| *o != record.owner_id);
    let image_issues = validate_image(context, &mut image, context.columns, false);
    let failed = image_issues.iter().any(RowIssue::is_error);
    issues.extend(image_issues);
    if failed {
        return PlannedRow { change: RecordChange::Fail, issues, duplicate: true };
    }
    let change = if patch.set.is_empty() && patch.add_external_ids.is_empty() && patch.owner_id.is_none() {
        RecordChange::Unchanged { id: record.id }
    } else {
        RecordChange::Update { id: record.id, patch }
    };
    PlannedRow { change, issues, duplicate: true }
}

#[cfg(test)]
mod tests;
