//! Turns field values given as text (`path=value` on the command line) or as JSON (the API)
//! into typed [`Fields`] of an object, checking that the actor may edit each field.
//!
//! Text follows [`Value::parse`]; JSON accepts the canonical storage form (what reads return)
//! or a string in the text form, so a client can send back what it read.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_model::access::Action;
use salesos_model::error::ErrorCode;
use salesos_model::path::{resolve, PathTarget};
use salesos_model::record::Fields;
use salesos_model::schema::{FieldDef, FieldType, ObjectDef, Schema};
use salesos_model::value::{check_contact_value, Labeled, Value};

/// Where a value goes: the whole field, its primary entry, or a labelled entry.
enum Slot {
    Whole,
    Primary(String),
    Label(String),
}

fn slot_for(schema: &Schema, object: &ObjectDef, actor: &Actor, path: &str) -> AppResult<(String, Slot)> {
    let resolved = resolve(schema, object, path)?;
    let (key, slot) = match &resolved.target {
        PathTarget::Field { key } => (key.clone(), Slot::Whole),
        PathTarget::Primary { key } => {
            let label = if resolved.field_type == FieldType::Phone { "mobile" } else { "work" };
            (key.clone(), Slot::Primary(label.into()))
        }
        PathTarget::Labeled { key, label } => (key.clone(), Slot::Label(label.clone())),
        _ => return Err(AppError::invalid(format!("{path:?} cannot be set: set a field of the record itself")).with_field(path)),
    };
    if !actor.principal.can_field(&object.api_name, &key, Action::Read) {
        return Err(
            AppError::new(ErrorCode::UnknownField, format!("unknown field {path:?} on {}", object.api_name)).with_field(path)
        );
    }
    if !actor.principal.can_field(&object.api_name, &key, Action::Edit) {
        return Err(AppError::forbidden(format!("{} may not edit {key}", actor.user.email)).with_field(key));
    }
    Ok((key, slot))
}

fn invalid(key: &str, err: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::InvalidValue, format!("field {key:?}: {err}")).with_field(key)
}

/// Maps picklist labels to their api values (`Closed Won` → `closed_won`).
fn canonical_options(def: &FieldDef, value: Value) -> Value {
    match value {
        Value::Text(text) if !def.options.is_empty() => {
            Value::Text(def.find_option(&text).map(|o| o.value.clone()).unwrap_or(text))
        }
        Value::List(items) => {
            Value::List(items.iter().map(|i| def.find_option(i).map(|o| o.value.clone()).unwrap_or_else(|| i.clone())).collect())
        }
        other => other,
    }
}

fn put(fields: &mut Fields, def: &FieldDef, key: String, slot: Slot, value: Value, text: Option<&str>) -> AppResult<()> {
    match slot {
        Slot::Whole => {
            fields.insert(key.into(), canonical_options(def, value));
        }
        Slot::Primary(label) | Slot::Label(label) if text.is_some_and(|t| t.trim().is_empty()) || value.is_empty() => {
            let _ = label;
            fields.get_or_insert(&key, Value::Null);
        }
        slot => {
            let entry_value = match (&value, text) {
                (_, Some(text)) => text.trim().to_string(),
                (Value::Text(text), None) => text.clone(),
                _ => return Err(invalid(&key, format!("expected {}", def.field_type.expected()))),
            };
            check_contact_value(def.field_type, &entry_value).map_err(|err| invalid(&key, err))?;
            let mut items = match fields.remove(&key) {
                Some(Value::Labeled(items)) => items,
                _ => Vec::new(),
            };
            match slot {
                Slot::Primary(label) => {
                    let entry = Labeled { label, value: entry_value };
                    if items.is_empty() {
                        items.push(entry);
                    } else {
                        items[0] = entry;
                    }
                }
                Slot::Label(label) => match items.iter_mut().find(|i| i.label == label) {
                    Some(existing) => existing.value = entry_value,
                    None => items.push(Labeled { label, value: entry_value }),
                },
                Slot::Whole => {}
            }
            fields.insert(key.into(), Value::Labeled(items));
        }
    }
    Ok(())
}

/// Parses `path=value` assignments. An empty value clears the field.
pub fn from_assignments(schema: &Schema, object: &ObjectDef, actor: &Actor, assignments: &[String]) -> AppResult<Fields> {
    let mut fields = Fields::new();
    for assignment in assignments {
        let (path, text) =
            assignment.split_once('=').ok_or_else(|| AppError::invalid(format!("{assignment:?} is not FIELD=VALUE")))?;
        let (key, slot) = slot_for(schema, object, actor, path)?;
        let def = object.field(&key).ok_or_else(|| AppError::new(ErrorCode::UnknownField, format!("unknown field {key:?}")))?;
        let value = match slot {
            Slot::Whole => Value::parse(def.field_type, def.multi, text).map_err(|err| invalid(&key, err))?,
            _ => Value::Text(text.trim().to_string()),
        };
        put(&mut fields, def, key, slot, value, Some(text))?;
    }
    Ok(fields)
}

/// Converts a JSON value for one field: the storage form, or a string in the text form.
pub fn value_from_json(def: &FieldDef, json: &serde_json::Value) -> Result<Value, salesos_model::value::ValueError> {
    match json {
        serde_json::Value::String(text) => Value::parse(def.field_type, def.multi, text),
        serde_json::Value::Number(number) if def.field_type == FieldType::Currency => {
            Ok(Value::Money { amount: number.as_f64().unwrap_or_default(), currency: String::new() })
        }
        serde_json::Value::Array(items) if def.multi && items.iter().all(|i| i.is_object()) => {
            // [{"label": "work", "value": "a@b.c"}] is accepted beside [["work", "a@b.c"]].
            let pairs: Option<Vec<Labeled>> = items
                .iter()
                .map(|i| {
                    Some(Labeled {
                        label: i.get("label")?.as_str()?.to_lowercase(),
                        value: i.get("value")?.as_str()?.to_string(),
                    })
                })
                .collect();
            let pairs = pairs.ok_or_else(|| salesos_model::value::ValueError {
                expected: "[{\"label\", \"value\"}]".into(),
                found: json.to_string(),
            })?;
            for pair in &pairs {
                check_contact_value(def.field_type, &pair.value)?;
            }
            Ok(Value::Labeled(pairs))
        }
        other => {
            let value = Value::from_json(def.field_type, other)?;
            if let Value::Labeled(items) = &value {
                for item in items {
                    check_contact_value(def.field_type, &item.value)?;
                }
            }
            Ok(value)
        }
    }
}

/// Parses a JSON object of `path: value` pairs. `null` clears the field.
pub fn from_json(
    schema: &Schema,
    object: &ObjectDef,
    actor: &Actor,
    json: &serde_json::Map<String, serde_json::Value>,
) -> AppResult<Fields> {
    let mut fields = Fields::new();
    for (path, raw) in json {
        let (key, slot) = slot_for(schema, object, actor, path)?;
        let def = object.field(&key).ok_or_else(|| AppError::new(ErrorCode::UnknownField, format!("unknown field {key:?}")))?;
        let value = match (&slot, raw) {
            (_, serde_json::Value::Null) => Value::Null,
            (Slot::Whole, raw) => value_from_json(def, raw).map_err(|err| invalid(&key, err))?,
            (_, serde_json::Value::String(text)) => Value::Text(text.clone()),
            (_, other) => return Err(invalid(&key, format!("expected a string, found {other}"))),
        };
        put(&mut fields, def, key, slot, value, None)?;
    }
    Ok(fields)
}
