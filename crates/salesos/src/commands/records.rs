//! `salesos records`: list (filter, sort, paginate, count), get, create, update and delete.

use super::{audit, require};
use crate::cli::{GlobalArgs, RecordsCommand};
use crate::context::{actor, now_ms, Actor};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, record_json, record_line, say};
use salesos_model::access::Action;
use salesos_model::error::ErrorCode;
use salesos_model::ids::RecordId;
use salesos_model::path::{resolve, PathTarget};
use salesos_model::query::{parse_and_resolve, query_fingerprint, resolve_sort, Cursor, RecordQuery};
use salesos_model::record::{check_fields, ExternalId, Fields, NewRecord, RecordPatch};
use salesos_model::schema::{ObjectDef, Schema};
use salesos_model::value::{Labeled, Value};
use salesos_store::{Store, UpdateOutcome, WriteContext};
use serde_json::json;

fn object_of<'a>(schema: &'a Schema, actor: &Actor, name: &str) -> CliResult<&'a ObjectDef> {
    schema
        .object(name)
        .filter(|o| actor.principal.can(&o.api_name, Action::Read))
        .ok_or_else(|| CliError::new(ErrorCode::UnknownObject, format!("unknown object {name:?}")))
}

/// Parses `path=value` assignments into typed field values for an object.
///
/// `email=…` / `phone=…` set the primary entry, `emails[home]=…` adds a labelled one, and picklist
/// values may be given by label. An empty value clears the field.
fn parse_assignments(schema: &Schema, object: &ObjectDef, actor: &Actor, assignments: &[String]) -> CliResult<Fields> {
    let mut fields = Fields::new();
    for assignment in assignments {
        let (path, text) =
            assignment.split_once('=').ok_or_else(|| CliError::invalid(format!("{assignment:?} is not FIELD=VALUE")))?;
        let resolved = resolve(schema, object, path)?;
        let (key, label) = match &resolved.target {
            PathTarget::Field { key } => (key.clone(), None),
            PathTarget::Primary { key } => (
                key.clone(),
                Some(if resolved.field_type == salesos_model::schema::FieldType::Phone { "mobile" } else { "work" }.to_string()),
            ),
            PathTarget::Labeled { key, label } => (key.clone(), Some(label.clone())),
            _ => {
                return Err(
                    CliError::invalid(format!("{path:?} cannot be set: set a field of the record itself")).with_field(path)
                )
            }
        };
        if !actor.principal.can_field(&object.api_name, &key, Action::Edit) {
            return Err(CliError::new(ErrorCode::Forbidden, format!("{} may not edit {key}", actor.user.email)).with_field(key));
        }
        let def = object.field(&key).ok_or_else(|| CliError::new(ErrorCode::UnknownField, format!("unknown field {key:?}")))?;
        let value = match label {
            Some(label) if !text.trim().is_empty() => {
                let entry = Labeled { label: label.clone(), value: text.trim().to_string() };
                salesos_model::value::check_contact_value(def.field_type, &entry.value).map_err(|err| {
                    CliError::new(ErrorCode::InvalidValue, format!("field {key:?}: {err}")).with_field(key.clone())
                })?;
                let mut items = match fields.remove(&key) {
                    Some(Value::Labeled(items)) => items,
                    _ => Vec::new(),
                };
                // The primary (first) entry is replaced; labelled entries are added or replaced.
                if matches!(resolved.target, PathTarget::Primary { .. }) {
                    if items.is_empty() {
                        items.push(entry);
                    } else {
                        items[0] = entry;
                    }
                } else if let Some(existing) = items.iter_mut().find(|i| i.label == label) {
                    *existing = entry;
                } else {
                    items.push(entry);
                }
                Value::Labeled(items)
            }
            _ => {
                let mut value = Value::parse(def.field_type, def.multi, text).map_err(|err| {
                    CliError::new(ErrorCode::InvalidValue, format!("field {key:?}: {err}")).with_field(key.clone())
                })?;
                if let Value::Text(given) = &value {
                    if let Some(option) = def.find_option(given) {
                        value = Value::Text(option.value.clone());
                    }
                }
                if let Value::List(items) = &value {
                    value = Value::List(
                        items.iter().map(|i| def.find_option(i).map(|o| o.value.clone()).unwrap_or_else(|| i.clone())).collect(),
                    );
                }
                value
            }
        };
        fields.insert(key, value);
    }
    Ok(fields)
}

fn write_context(actor: &Actor) -> WriteContext {
    WriteContext {
        org_id: actor.org.id,
        actor: actor.user.id,
        operation: None,
        now: now_ms(),
        default_country: actor.org.settings.default_phone_country.clone(),
    }
}

/// Runs a `records` command.
pub fn run(store: &Store, global: &GlobalArgs, command: RecordsCommand) -> CliResult<u8> {
    let actor = actor(store, global)?;
    let schema = store.schema(actor.org.id)?;
    match command {
        RecordsCommand::List { object, filter, sort, limit, cursor, count } => {
            let object = object_of(&schema, &actor, &object)?;
            let cond = parse_and_resolve(&schema, object, &filter)?;
            for path in filter_paths(&cond) {
                if !actor.principal.can_field(&object.api_name, &path, Action::Read) {
                    return Err(CliError::new(
                        ErrorCode::InvalidFilter,
                        format!("unknown field {path:?} on {}", object.api_name),
                    )
                    .with_field(path));
                }
            }
            let sort_spec = resolve_sort(&schema, object, &sort)
                .map_err(|err| CliError::new(ErrorCode::InvalidSort, err.message).with_field(sort.clone()))?;
            if !(1..=10_000).contains(&limit) {
                return Err(CliError::invalid(format!("--limit {limit} is out of range 1 to 10000")).with_field("limit"));
            }
            let fingerprint = query_fingerprint(object.id, &filter, &sort);
            let after = cursor
                .as_deref()
                .map(|token| {
                    Cursor::decode(token, fingerprint)
                        .map_err(|err| CliError::new(ErrorCode::InvalidCursor, err.to_string()).with_field("cursor"))
                })
                .transpose()?;
            let query = RecordQuery {
                object_id: object.id,
                cond,
                visibility: actor.principal.visibility_scope(),
                sort: sort_spec,
                limit,
                after,
            };
            if count {
                let total = store.count_records(&schema, &query)?;
                if global.json {
                    print_json(&json!({"object": object.api_name, "count": total}));
                } else {
                    say(total.to_string());
                }
                return Ok(0);
            }
            let page = store.query_records(&schema, &query)?;
            let next = page.next.as_ref().map(|c| c.encode(fingerprint));
            if global.json {
                let records: Vec<_> = page.records.iter().map(|r| record_json(object, r, &actor.principal)).collect();
                print_json(&json!({"object": object.api_name, "records": records, "next_cursor": next}));
            } else {
                for record in &page.records {
                    say(record_line(object, record, &actor.principal));
                }
                if let Some(next) = next {
                    say(format!("(more: --cursor {next})"));
                }
            }
            Ok(0)
        }
        RecordsCommand::Get { object, id } => {
            let object = object_of(&schema, &actor, &object)?;
            let record = store
                .get_records(object, &[RecordId(id)], &actor.principal.visibility_scope())?
                .pop()
                .ok_or_else(|| CliError::new(ErrorCode::RecordNotFound, format!("{} record {id} not found", object.api_name)))?;
            if global.json {
                print_json(&record_json(object, &record, &actor.principal));
            } else {
                say(record_line(object, &record, &actor.principal));
            }
            Ok(0)
        }
        RecordsCommand::Create { object, set, external_ids } => {
            let object = object_of(&schema, &actor, &object)?;
            require(&actor, &object.api_name, Action::Edit)?;
            let mut fields = parse_assignments(&schema, object, &actor, &set)?;
            check_fields(object, &mut fields, true)?;
            let external_ids = external_ids
                .iter()
                .map(|pair| match pair.split_once(':') {
                    Some((system, id)) if !system.trim().is_empty() && !id.trim().is_empty() => Ok(ExternalId::new(system, id)),
                    _ => Err(CliError::invalid(format!("external id {pair:?} is not SYSTEM:ID")).with_field("external_id")),
                })
                .collect::<CliResult<Vec<_>>>()?;
            let record = NewRecord { owner_id: actor.user.id, fields, external_ids };
            let id = store.insert_records(&write_context(&actor), object, &[record], None)?[0];
            audit(store, &actor, "records.create", Some(&object.api_name), 1, json!({"id": id.0}))?;
            let stored = store.get_records(object, &[id], &salesos_model::access::VisibilityScope::All)?.pop();
            if global.json {
                print_json(&stored.map(|r| record_json(object, &r, &actor.principal)).unwrap_or(json!({"id": id.0})));
            } else {
                say(format!("Created {} record {id}.", object.api_name));
            }
            Ok(0)
        }
        RecordsCommand::Update { object, id, set, expect_version } => {
            let object = object_of(&schema, &actor, &object)?;
            require(&actor, &object.api_name, Action::Edit)?;
            let visible = store.get_records(object, &[RecordId(id)], &actor.principal.visibility_scope())?;
            let Some(current) = visible.into_iter().next() else {
                return Err(CliError::new(ErrorCode::RecordNotFound, format!("{} record {id} not found", object.api_name)));
            };
            let set = parse_assignments(&schema, object, &actor, &set)?;
            // The merged record must still be valid (required fields, types, options).
            let mut merged = current.fields.clone();
            for (key, value) in &set {
                merged.insert(key.clone(), value.clone());
            }
            merged.retain(|_, v| !v.is_empty());
            check_fields(object, &mut merged.clone(), false)?;
            if let Some(def) = object.fields.iter().find(|f| f.required && merged.get(&f.api_name).is_none_or(Value::is_empty)) {
                return Err(CliError::new(
                    ErrorCode::InvalidValue,
                    format!("required field {:?} cannot be cleared", def.api_name),
                )
                .with_field(def.api_name.clone()));
            }
            let patch = RecordPatch { set, expected_version: expect_version, ..Default::default() };
            let outcome = store.update_records(&write_context(&actor), object, &[(RecordId(id), patch)])?[0];
            let version = match outcome {
                UpdateOutcome::Updated { version } => version,
                UpdateOutcome::Unchanged => current.version,
                UpdateOutcome::NotFound => {
                    return Err(CliError::new(ErrorCode::RecordNotFound, format!("{} record {id} not found", object.api_name)))
                }
                UpdateOutcome::Conflict { actual } => {
                    return Err(CliError::new(
                        ErrorCode::VersionConflict,
                        format!("record {id} is at version {actual}, not {}", expect_version.unwrap_or_default()),
                    ))
                }
            };
            let changed = matches!(outcome, UpdateOutcome::Updated { .. });
            if changed {
                audit(store, &actor, "records.update", Some(&object.api_name), 1, json!({"id": id}))?;
            }
            if global.json {
                print_json(&json!({"id": id, "version": version, "changed": changed}));
            } else {
                say(if changed {
                    format!("Updated {} record {id} (version {version}).", object.api_name)
                } else {
                    format!("Record {id} already had these values.")
                });
            }
            Ok(0)
        }
        RecordsCommand::Delete { object, id } => {
            let object = object_of(&schema, &actor, &object)?;
            require(&actor, &object.api_name, Action::Edit)?;
            if store.get_records(object, &[RecordId(id)], &actor.principal.visibility_scope())?.is_empty() {
                return Err(CliError::new(ErrorCode::RecordNotFound, format!("{} record {id} not found", object.api_name)));
            }
            store.delete_records(&write_context(&actor), object, &[RecordId(id)])?;
            audit(store, &actor, "records.delete", Some(&object.api_name), 1, json!({"id": id}))?;
            if global.json {
                print_json(&json!({"id": id, "deleted": true}));
            } else {
                say(format!("Deleted {} record {id}.", object.api_name));
            }
            Ok(0)
        }
    }
}

/// Returns the stored field keys a condition reads on the record itself (to check read access).
fn filter_paths(cond: &Option<salesos_model::query::Cond>) -> Vec<String> {
    use salesos_model::query::Cond;
    fn walk(cond: &Cond, out: &mut Vec<String>) {
        match cond {
            Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| walk(p, out)),
            Cond::Not(inner) => walk(inner, out),
            Cond::Compare { path, .. } | Cond::In { path, .. } | Cond::Empty { path, .. } => match &path.target {
                PathTarget::Field { key } | PathTarget::Primary { key } | PathTarget::Labeled { key, .. } => {
                    out.push(key.clone())
                }
                PathTarget::Related { via_key, .. } => out.push(via_key.clone()),
                _ => {}
            },
        }
    }
    let mut out = Vec::new();
    if let Some(cond) = cond {
        walk(cond, &mut out);
    }
    out
}
