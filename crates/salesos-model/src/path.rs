//! Field paths: one way to name a value in mappings, filters, the API and exports.
//!
//! | Path | Meaning |
//! | --- | --- |
//! | `last_name` | a standard field |
//! | `email`, `phone` | the primary entry of the multi-valued `emails` / `phones` |
//! | `emails[work]`, `phones[mobile]` | the first entry with that label |
//! | `emails` | the whole labelled list |
//! | `custom.score` | a custom field on a standard object (custom objects use plain names) |
//! | `account.name`, `deal.account.name` is not allowed | one hop through a reference field |
//! | `id`, `owner`, `created_at`, `updated_at`, `version` | record system fields |
//! | `external_ids[salesforce]` | the record's id in another system |

use crate::ids::ObjectId;
use crate::schema::{FieldType, ObjectDef, ReferenceTarget, Schema};

/// A system field every record has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemField {
    /// The record id.
    Id,
    /// The owning user's id.
    Owner,
    /// Creation time.
    CreatedAt,
    /// Last modification time.
    UpdatedAt,
    /// Version, growing on every change.
    Version,
}

impl SystemField {
    /// Every system field.
    pub const ALL: [SystemField; 5] =
        [SystemField::Id, SystemField::Owner, SystemField::CreatedAt, SystemField::UpdatedAt, SystemField::Version];

    /// Returns the path name.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemField::Id => "id",
            SystemField::Owner => "owner",
            SystemField::CreatedAt => "created_at",
            SystemField::UpdatedAt => "updated_at",
            SystemField::Version => "version",
        }
    }

    /// Returns the type values of the field have in filters.
    pub fn field_type(self) -> FieldType {
        match self {
            SystemField::CreatedAt | SystemField::UpdatedAt => FieldType::DateTime,
            _ => FieldType::Number,
        }
    }
}

/// What a resolved path points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathTarget {
    /// A system field.
    System(SystemField),
    /// A whole stored field, by storage key.
    Field {
        /// Storage key (the field's api name).
        key: String,
    },
    /// The primary entry of a multi-valued field.
    Primary {
        /// Storage key of the multi-valued field.
        key: String,
    },
    /// The first entry with a label of a multi-valued field.
    Labeled {
        /// Storage key of the multi-valued field.
        key: String,
        /// The label, lower-case.
        label: String,
    },
    /// The record's id in another system.
    ExternalId {
        /// The system's name, lower-case.
        system: String,
    },
    /// A value of the record a reference field points to.
    Related {
        /// Storage key of the reference field.
        via_key: String,
        /// The referenced object.
        object: ObjectId,
        /// What to read on the referenced record (never itself `Related`).
        inner: Box<PathTarget>,
    },
}

/// A path resolved against a schema: where the value lives and its type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolvedPath {
    /// The path as written.
    pub text: String,
    /// Where the value lives.
    pub target: PathTarget,
    /// The type of the value the path yields.
    pub field_type: FieldType,
}

/// Why a path does not name a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// No such field.
    #[error("unknown field {path:?} on {object}")]
    UnknownField {
        /// The path.
        path: String,
        /// The object.
        object: String,
    },
    /// Labels only apply to multi-valued email and phone fields.
    #[error("{path:?}: field {field} has no labelled values")]
    NotLabeled {
        /// The path.
        path: String,
        /// The field.
        field: String,
    },
    /// The prefix before `.` is not a reference to one object.
    #[error("{path:?}: {field} is not a reference to one object, so it has no related fields")]
    NotAReference {
        /// The path.
        path: String,
        /// The field.
        field: String,
    },
    /// Syntax error.
    #[error("{path:?} is not a field path: {reason}")]
    Syntax {
        /// The path.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl PathError {
    /// Returns the path concerned.
    pub fn path(&self) -> &str {
        match self {
            PathError::UnknownField { path, .. }
            | PathError::NotLabeled { path, .. }
            | PathError::NotAReference { path, .. }
            | PathError::Syntax { path, .. } => path,
        }
    }
}

/// Splits `name[label]` into the name and the optional label.
fn split_label(segment: &str, path: &str) -> Result<(String, Option<String>), PathError> {
    match segment.split_once('[') {
        None => Ok((segment.to_string(), None)),
        Some((name, rest)) => {
            let label = rest.strip_suffix(']').ok_or(PathError::Syntax { path: path.into(), reason: "missing ]" })?;
            if label.is_empty() || label.contains(['[', ']']) {
                return Err(PathError::Syntax { path: path.into(), reason: "empty or nested label" });
            }
            Ok((name.to_string(), Some(label.trim().to_ascii_lowercase())))
        }
    }
}

/// Resolves a path on an object.
pub fn resolve(schema: &Schema, object: &ObjectDef, path: &str) -> Result<ResolvedPath, PathError> {
    let text = path.trim();
    if text.is_empty() {
        return Err(PathError::Syntax { path: path.into(), reason: "empty" });
    }
    let (target, field_type) = resolve_target(schema, object, text, true)?;
    Ok(ResolvedPath { text: text.to_string(), target, field_type })
}

fn resolve_target(
    schema: &Schema,
    object: &ObjectDef,
    text: &str,
    allow_related: bool,
) -> Result<(PathTarget, FieldType), PathError> {
    let unknown = || PathError::UnknownField { path: text.into(), object: object.api_name.clone() };
    // Custom fields on standard objects keep their `custom.` prefix as part of the key.
    let (head, rest) = if let Some(after) = text.strip_prefix("custom.") {
        match after.split_once('.') {
            Some((name, rest)) => (format!("custom.{name}"), Some(rest)),
            None => (text.to_string(), None),
        }
    } else {
        match text.split_once('.') {
            Some((head, rest)) => (head.to_string(), Some(rest)),
            None => (text.to_string(), None),
        }
    };
    let (name, label) = split_label(&head, text)?;

    if let Some(rest) = rest {
        if label.is_some() || !allow_related {
            return Err(PathError::Syntax { path: text.into(), reason: "only one reference hop is allowed" });
        }
        let via = object.field(&name).ok_or_else(unknown)?;
        let target_object = match &via.reference {
            Some(ReferenceTarget::Object(target)) => schema.object(target),
            _ => None,
        }
        .ok_or_else(|| PathError::NotAReference { path: text.into(), field: name.clone() })?;
        let (inner, field_type) = resolve_target(schema, target_object, rest, false).map_err(|err| match err {
            PathError::UnknownField { .. } => {
                PathError::UnknownField { path: text.into(), object: target_object.api_name.clone() }
            }
            other => other,
        })?;
        return Ok((PathTarget::Related { via_key: name, object: target_object.id, inner: Box::new(inner) }, field_type));
    }

    if name == "external_ids" {
        let system = label.ok_or(PathError::Syntax {
            path: text.into(),
            reason: "external_ids needs a system, like external_ids[salesforce]",
        })?;
        return Ok((PathTarget::ExternalId { system }, FieldType::Text));
    }
    if label.is_none() {
        if let Some(system) = SystemField::ALL.into_iter().find(|s| s.as_str() == name) {
            if object.field(&name).is_none() {
                return Ok((PathTarget::System(system), system.field_type()));
            }
        }
        // `email` and `phone` name the primary entry of `emails` and `phones`.
        let plural = format!("{name}s");
        if object.field(&name).is_none() {
            if let Some(def) = object.field(&plural).filter(|def| def.multi) {
                return Ok((PathTarget::Primary { key: def.api_name.clone() }, def.field_type));
            }
        }
    }
    let def = object.field(&name).ok_or_else(unknown)?;
    match label {
        Some(label) if def.multi => Ok((PathTarget::Labeled { key: def.api_name.clone(), label }, def.field_type)),
        Some(_) => Err(PathError::NotLabeled { path: text.into(), field: name }),
        None => Ok((PathTarget::Field { key: def.api_name.clone() }, def.field_type)),
    }
}

#[cfg(test)]
mod tests;
