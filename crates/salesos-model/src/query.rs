//! Record queries: a filter resolved against the schema with typed values, visibility, sorting
//! and keyset pagination. Both store backends execute this one value.

use crate::access::VisibilityScope;
use crate::filter::{parse_filter, CompareOp, FilterError, FilterExpr, Literal};
use crate::ids::{ObjectId, RecordId};
use crate::path::{resolve, PathTarget, ResolvedPath};
use crate::schema::{FieldType, ObjectDef, Schema};
use crate::value::Value;

/// A resolved condition: every path exists and every value has the path's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// All hold.
    And(Vec<Cond>),
    /// Any holds.
    Or(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
    /// `path op value`.
    Compare {
        /// Where the value lives.
        path: ResolvedPath,
        /// The operator.
        op: CompareOp,
        /// The typed value.
        value: Value,
    },
    /// `path [not] in (values)`.
    In {
        /// Where the value lives.
        path: ResolvedPath,
        /// `not in`.
        negated: bool,
        /// Typed values.
        values: Vec<Value>,
    },
    /// `path is [not] empty`.
    Empty {
        /// Where the value lives.
        path: ResolvedPath,
        /// `is not empty`.
        negated: bool,
    },
}

/// Sorting by one path, ties broken by id in the same direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    /// The path sorted by.
    pub path: ResolvedPath,
    /// Descending instead of ascending.
    pub descending: bool,
}

/// The position after the last record of a page: its sort value (storage JSON) and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The sort value of the last record (`Null` for none, or when sorting by id).
    pub sort_value: serde_json::Value,
    /// The id of the last record.
    pub id: RecordId,
}

impl Cursor {
    /// Encodes the cursor as an opaque token bound to a query fingerprint.
    pub fn encode(&self, fingerprint: u64) -> String {
        let body = serde_json::json!([fingerprint.to_string(), self.id.0, self.sort_value]).to_string();
        body.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Decodes a token made by [`Cursor::encode`] for the same query fingerprint.
    pub fn decode(token: &str, fingerprint: u64) -> Result<Cursor, CursorError> {
        if !token.len().is_multiple_of(2) || token.len() > 16_384 {
            return Err(CursorError::Malformed);
        }
        let bytes: Option<Vec<u8>> =
            (0..token.len()).step_by(2).map(|i| token.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
        let body: serde_json::Value = bytes.and_then(|b| serde_json::from_slice(&b).ok()).ok_or(CursorError::Malformed)?;
        match body.as_array().map(Vec::as_slice) {
            Some([serde_json::Value::String(print), serde_json::Value::Number(id), sort_value]) => {
                if print.parse::<u64>().ok() != Some(fingerprint) {
                    return Err(CursorError::OtherQuery);
                }
                let id = id.as_i64().ok_or(CursorError::Malformed)?;
                Ok(Cursor { sort_value: sort_value.clone(), id: RecordId(id) })
            }
            _ => Err(CursorError::Malformed),
        }
    }
}

/// Why a page cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor at all.
    #[error("the page cursor is malformed")]
    Malformed,
    /// A cursor of a different filter, sort or object.
    #[error("the page cursor belongs to a different query")]
    OtherQuery,
}

/// A query for records of one object.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordQuery {
    /// The object queried.
    pub object_id: ObjectId,
    /// The condition, if any.
    pub cond: Option<Cond>,
    /// Which owners' records may be returned.
    pub visibility: VisibilityScope,
    /// Sort order; `None` sorts by id.
    pub sort: Option<Sort>,
    /// Maximum records returned.
    pub limit: usize,
    /// Return records after this position.
    pub after: Option<Cursor>,
}

impl RecordQuery {
    /// Creates a query of all visible records of an object, by id, `limit` at a time.
    pub fn new(object_id: ObjectId, visibility: VisibilityScope, limit: usize) -> RecordQuery {
        RecordQuery { object_id, cond: None, visibility, sort: None, limit, after: None }
    }
}

fn err(position: usize, field: &str, message: String) -> FilterError {
    FilterError { position, message, field: Some(field.to_string()) }
}

/// Parses and resolves a filter on an object in one step.
pub fn parse_and_resolve(schema: &Schema, object: &ObjectDef, text: &str) -> Result<Option<Cond>, FilterError> {
    match parse_filter(text)? {
        None => Ok(None),
        Some(expr) => resolve_filter(schema, object, &expr).map(Some),
    }
}

/// Resolves a parsed filter: checks every path, operator and value type.
pub fn resolve_filter(schema: &Schema, object: &ObjectDef, expr: &FilterExpr) -> Result<Cond, FilterError> {
    let path_of = |path: &str, pos: usize| resolve(schema, object, path).map_err(|e| err(pos, path, e.to_string()));
    Ok(match expr {
        FilterExpr::And(a, b) => Cond::And(vec![resolve_filter(schema, object, a)?, resolve_filter(schema, object, b)?]),
        FilterExpr::Or(a, b) => Cond::Or(vec![resolve_filter(schema, object, a)?, resolve_filter(schema, object, b)?]),
        FilterExpr::Not(a) => Cond::Not(Box::new(resolve_filter(schema, object, a)?)),
        FilterExpr::Compare { path, pos, op, value, value_pos } => {
            let resolved = path_of(path, *pos)?;
            check_operator(&resolved, *op, *pos)?;
            let value = typed_literal(&resolved, value, *op, *value_pos)?;
            Cond::Compare { path: resolved, op: *op, value }
        }
        FilterExpr::In { path, pos, negated, values } => {
            let resolved = path_of(path, *pos)?;
            let typed = values
                .iter()
                .map(|(literal, value_pos)| typed_literal(&resolved, literal, CompareOp::Eq, *value_pos))
                .collect::<Result<Vec<_>, _>>()?;
            Cond::In { path: resolved, negated: *negated, values: typed }
        }
        FilterExpr::Empty { path, pos, negated } => Cond::Empty { path: path_of(path, *pos)?, negated: *negated },
    })
}

fn is_textual(field_type: FieldType) -> bool {
    matches!(
        field_type,
        FieldType::Text
            | FieldType::LongText
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Url
            | FieldType::Picklist
            | FieldType::MultiPicklist
    )
}

fn check_operator(path: &ResolvedPath, op: CompareOp, pos: usize) -> Result<(), FilterError> {
    let field_type = path.field_type;
    let ok = match op {
        CompareOp::Eq | CompareOp::Ne => true,
        CompareOp::Contains | CompareOp::StartsWith => {
            is_textual(field_type) || matches!(path.target, PathTarget::ExternalId { .. })
        }
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
            !matches!(field_type, FieldType::Boolean | FieldType::MultiPicklist)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(err(
            pos,
            &path.text,
            format!("operator {} does not apply to {} field {}", op.as_str(), field_type.as_str(), path.text),
        ))
    }
}

/// Turns a literal into a value of the path's type (for multi-valued fields, of one entry).
fn typed_literal(path: &ResolvedPath, literal: &Literal, op: CompareOp, pos: usize) -> Result<Value, FilterError> {
    let field_type = path.field_type;
    let mismatch =
        |found: String| err(pos, &path.text, format!("{} expects {}, found {found}", path.text, field_type.expected()));
    let text = match literal {
        Literal::Text(text) => text.clone(),
        Literal::Number(number) => number.to_string(),
        Literal::Bool(flag) => flag.to_string(),
    };
    if matches!(op, CompareOp::Contains | CompareOp::StartsWith) || is_textual(field_type) {
        return match literal {
            Literal::Bool(_) => Err(mismatch(text)),
            _ => Ok(Value::Text(text)),
        };
    }
    match (field_type, literal) {
        (FieldType::Boolean, Literal::Bool(flag)) => Ok(Value::Bool(*flag)),
        (FieldType::Boolean, _) => Err(mismatch(text)),
        (FieldType::Number | FieldType::Percent | FieldType::Currency, Literal::Number(number)) => Ok(Value::Number(*number)),
        (FieldType::Number | FieldType::Percent | FieldType::Currency, Literal::Text(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::Number)
            .ok_or_else(|| mismatch(format!("{text:?}"))),
        (FieldType::Reference, Literal::Number(number)) if number.fract() == 0.0 => Ok(Value::Ref(RecordId(*number as i64))),
        (FieldType::Reference, Literal::Text(text)) => {
            text.trim().parse().map(|id| Value::Ref(RecordId(id))).map_err(|_| mismatch(format!("{text:?}")))
        }
        (FieldType::Date | FieldType::DateTime, Literal::Text(text)) => {
            Value::parse(field_type, false, text).map_err(|_| mismatch(format!("{text:?}")))
        }
        _ => Err(mismatch(text)),
    }
}

/// Resolves a sort like `last_name`, `-created_at` (descending) or `amount desc`.
pub fn resolve_sort(schema: &Schema, object: &ObjectDef, text: &str) -> Result<Option<Sort>, FilterError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (path, descending) = if let Some(rest) = text.strip_prefix('-') {
        (rest.trim(), true)
    } else if let Some((path, dir)) = text.rsplit_once(' ') {
        match dir.trim().to_ascii_lowercase().as_str() {
            "desc" => (path.trim(), true),
            "asc" => (path.trim(), false),
            _ => return Err(err(0, text, format!("sort direction must be asc or desc, found {dir:?}"))),
        }
    } else {
        (text, false)
    };
    let resolved = resolve(schema, object, path).map_err(|e| err(0, path, e.to_string()))?;
    match resolved.target {
        PathTarget::System(_) | PathTarget::Primary { .. } => {}
        PathTarget::Field { .. } if !object.field(path).is_some_and(|f| f.multi) => {}
        _ => return Err(err(0, path, format!("cannot sort by {path}: sort by a field of the record itself"))),
    }
    Ok(Some(Sort { path: resolved, descending }))
}

/// Returns a fingerprint of everything that shapes a page sequence, to bind cursors to queries.
pub fn query_fingerprint(object_id: ObjectId, filter_text: &str, sort_text: &str) -> u64 {
    let material = format!("{}\u{1f}{}\u{1f}{}", object_id.0, filter_text.trim(), sort_text.trim());
    xxhash_rust::xxh3::xxh3_64(material.as_bytes())
}

#[cfg(test)]
mod tests;
