//! Record use cases: list, count, get, create, update and delete, each applying the actor's
//! object, field and visibility rules, validating values, and writing the audit log.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_model::access::{Action, VisibilityScope};
use salesos_model::error::ErrorCode;
use salesos_model::ids::RecordId;
use salesos_model::path::PathTarget;
use salesos_model::query::{parse_and_resolve, query_fingerprint, resolve_sort, Cond, Cursor, RecordQuery};
use salesos_model::record::{check_fields, ExternalId, Fields, NewRecord, Record, RecordPatch};
use salesos_model::schema::{ObjectDef, Schema};
use salesos_model::value::Value;
use salesos_store::{Store, UpdateOutcome, WriteContext};
use serde_json::json;

/// Largest page a list returns.
pub const MAX_PAGE: usize = 1_000;

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    /// Filter text (the filter language).
    pub filter: String,
    /// Sort text (`field`, `-field`, `field desc`).
    pub sort: String,
    /// Page size, 1 to [`MAX_PAGE`].
    pub limit: usize,
    /// Cursor token from the previous page.
    pub cursor: Option<String>,
}

/// A page of records and the token of the next page.
#[derive(Debug, Clone)]
pub struct ListPage {
    /// The records.
    pub records: Vec<Record>,
    /// The next page's cursor, if there is more.
    pub next_cursor: Option<String>,
}

/// Finds an object the actor may read, or `unknown_object`.
pub fn readable_object<'a>(schema: &'a Schema, actor: &Actor, name: &str) -> AppResult<&'a ObjectDef> {
    schema
        .object(name)
        .filter(|o| actor.principal.can(&o.api_name, Action::Read))
        .ok_or_else(|| AppError::new(ErrorCode::UnknownObject, format!("unknown object {name:?}")))
}

/// Returns the stored keys a condition reads on the record itself (to check read access).
fn condition_keys(cond: &Cond, out: &mut Vec<String>) {
    match cond {
        Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| condition_keys(p, out)),
        Cond::Not(inner) => condition_keys(inner, out),
        Cond::Compare { path, .. } | Cond::In { path, .. } | Cond::Empty { path, .. } => match &path.target {
            PathTarget::Field { key } | PathTarget::Primary { key } | PathTarget::Labeled { key, .. } => out.push(key.clone()),
            PathTarget::Related { via_key, .. } => out.push(via_key.clone()),
            _ => {}
        },
    }
}

fn build_query(schema: &Schema, object: &ObjectDef, actor: &Actor, params: &ListParams) -> AppResult<RecordQuery> {
    let cond = parse_and_resolve(schema, object, &params.filter)?;
    let mut keys = Vec::new();
    if let Some(cond) = &cond {
        condition_keys(cond, &mut keys);
    }
    if let Some(key) = keys.iter().find(|k| !actor.principal.can_field(&object.api_name, k, Action::Read)) {
        // A field the actor may not read does not exist for them.
        return Err(AppError::new(ErrorCode::InvalidFilter, format!("unknown field {key:?} on {}", object.api_name))
            .with_field(key.clone()));
    }
    let sort = resolve_sort(schema, object, &params.sort)
        .map_err(|err| AppError::new(ErrorCode::InvalidSort, err.message).with_field(params.sort.clone()))?;
    if let Some(sort) = &sort {
        if let PathTarget::Field { key } | PathTarget::Primary { key } = &sort.path.target {
            if !actor.principal.can_field(&object.api_name, key, Action::Read) {
                return Err(AppError::new(ErrorCode::InvalidSort, format!("cannot sort by {key}")).with_field(key.clone()));
            }
        }
    }
    if !(1..=MAX_PAGE).contains(&params.limit) {
        return Err(AppError::invalid(format!("limit {} is out of range 1 to {MAX_PAGE}", params.limit)).with_field("limit"));
    }
    let fingerprint = query_fingerprint(object.id, &params.filter, &params.sort);
    let after = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|token| {
            Cursor::decode(token, fingerprint)
                .map_err(|err| AppError::new(ErrorCode::InvalidCursor, err.to_string()).with_field("cursor"))
        })
        .transpose()?;
    Ok(RecordQuery {
        object_id: object.id,
        cond,
        visibility: actor.principal.visibility_scope(),
        sort,
        limit: params.limit,
        after,
    })
}

/// Lists a page of records.
pub fn list(store: &Store, schema: &Schema, actor: &Actor, object: &ObjectDef, params: &ListParams) -> AppResult<ListPage> {
    let query = build_query(schema, object, actor, params)?;
    let page = store.query_records(schema, &query)?;
    let fingerprint = query_fingerprint(object.id, &params.filter, &params.sort);
    Ok(ListPage { records: page.records, next_cursor: page.next.map(|c| c.encode(fingerprint)) })
}

/// Counts the records a filter selects.
pub fn count(store: &Store, schema: &Schema, actor: &Actor, object: &ObjectDef, filter: &str) -> AppResult<i64> {
    let params = ListParams { filter: filter.into(), limit: 1, ..Default::default() };
    let query = build_query(schema, object, actor, &params)?;
    Ok(store.count_records(schema, &query)?)
}

/// Reads visible records by id, in the order asked; missing or invisible ones are left out.
pub fn get_many(store: &Store, actor: &Actor, object: &ObjectDef, ids: &[RecordId]) -> AppResult<Vec<Record>> {
    Ok(store.get_records(object, ids, &actor.principal.visibility_scope())?)
}

/// Reads one visible record, or `record_not_found`.
pub fn get(store: &Store, actor: &Actor, object: &ObjectDef, id: RecordId) -> AppResult<Record> {
    get_many(store, actor, object, &[id])?
        .pop()
        .ok_or_else(|| AppError::new(ErrorCode::RecordNotFound, format!("{} record {id} not found", object.api_name)))
}

fn context(actor: &Actor, now: i64) -> WriteContext {
    WriteContext {
        org_id: actor.org.id,
        actor: actor.user.id,
        operation: None,
        now,
        default_country: actor.org.settings.default_phone_country.clone(),
    }
}

/// Checks that reference fields point at visible records of the right object.
fn check_references(store: &Store, schema: &Schema, actor: &Actor, object: &ObjectDef, fields: &Fields) -> AppResult<()> {
    for (key, value) in fields {
        let (Value::Ref(id), Some(def)) = (value, object.field(key)) else { continue };
        let Some(salesos_model::schema::ReferenceTarget::Object(target)) = &def.reference else { continue };
        let Some(target) = schema.object(target) else { continue };
        if get_many(store, actor, target, &[*id])?.is_empty() {
            return Err(AppError::new(ErrorCode::InvalidValue, format!("field {key:?}: no {} record {id}", target.api_name))
                .with_field(key.clone()));
        }
    }
    Ok(())
}

/// Creates a record owned by the actor.
pub fn create(
    store: &Store,
    schema: &Schema,
    actor: &Actor,
    object: &ObjectDef,
    mut fields: Fields,
    external_ids: Vec<ExternalId>,
    now: i64,
) -> AppResult<Record> {
    actor.require(&object.api_name, Action::Edit)?;
    check_fields(object, &mut fields, true)?;
    check_references(store, schema, actor, object, &fields)?;
    for external_id in &external_ids {
        if external_id.system.is_empty() || external_id.id.is_empty() {
            return Err(AppError::invalid("an external id needs a system and an id").with_field("external_ids"));
        }
    }
    let record = NewRecord { owner_id: actor.user.id, fields, external_ids };
    let id = store.insert_records(&context(actor, now), object, &[record], None)?[0];
    actor.audit(store, now, "records.create", Some(&object.api_name), 1, json!({"id": id.0}))?;
    store
        .get_records(object, &[id], &VisibilityScope::All)?
        .pop()
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "created record vanished"))
}

/// A change to one record: fields to set (empty values clear) and the version it must be at.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    /// Fields to set.
    pub set: Fields,
    /// Refuse unless the record is at this version.
    pub expected_version: Option<i64>,
}

/// Changes fields of a visible record; returns the record after the change and whether it changed.
pub fn update(
    store: &Store,
    schema: &Schema,
    actor: &Actor,
    object: &ObjectDef,
    id: RecordId,
    edit: Edit,
    now: i64,
) -> AppResult<(Record, bool)> {
    let Edit { set, expected_version } = edit;
    actor.require(&object.api_name, Action::Edit)?;
    let current = get(store, actor, object, id)?;
    let mut merged = current.fields.clone();
    for (key, value) in &set {
        merged.insert(key.clone(), value.clone());
    }
    merged.retain(|_, v| !v.is_empty());
    check_fields(object, &mut merged, false)?;
    if let Some(def) = object.fields.iter().find(|f| f.required && merged.get(&f.api_name).is_none_or(Value::is_empty)) {
        return Err(AppError::new(ErrorCode::InvalidValue, format!("required field {:?} cannot be cleared", def.api_name))
            .with_field(def.api_name.clone()));
    }
    check_references(store, schema, actor, object, &set)?;
    let patch = RecordPatch { set, expected_version, ..Default::default() };
    let outcome = store.update_records(&context(actor, now), object, &[(id, patch)])?[0];
    let changed = match outcome {
        UpdateOutcome::Updated { .. } => true,
        UpdateOutcome::Unchanged => false,
        UpdateOutcome::NotFound => {
            return Err(AppError::new(ErrorCode::RecordNotFound, format!("{} record {id} not found", object.api_name)))
        }
        UpdateOutcome::Conflict { actual } => {
            return Err(AppError::new(
                ErrorCode::VersionConflict,
                format!("record {id} is at version {actual}, not {}", expected_version.unwrap_or_default()),
            ))
        }
    };
    if changed {
        actor.audit(store, now, "records.update", Some(&object.api_name), 1, json!({"id": id.0}))?;
    }
    Ok((get(store, actor, object, id)?, changed))
}

/// Deletes a visible record.
pub fn delete(store: &Store, actor: &Actor, object: &ObjectDef, id: RecordId, now: i64) -> AppResult<()> {
    actor.require(&object.api_name, Action::Edit)?;
    get(store, actor, object, id)?;
    store.delete_records(&context(actor, now), object, &[id])?;
    actor.audit(store, now, "records.delete", Some(&object.api_name), 1, json!({"id": id.0}))?;
    Ok(())
}

/// Renders a record as JSON, leaving out fields the actor may not read.
pub fn to_json(object: &ObjectDef, record: &Record, actor: &Actor) -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    for (key, value) in &record.fields {
        if actor.principal.can_field(&object.api_name, key, Action::Read) && !value.is_empty() {
            fields.insert(key.to_string(), value.to_json());
        }
    }
    let external_ids: serde_json::Map<String, serde_json::Value> =
        record.external_ids.iter().map(|e| (e.system.clone(), serde_json::Value::String(e.id.clone()))).collect();
    json!({
        "id": record.id.0,
        "object": object.api_name,
        "owner": record.owner_id.0,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "version": record.version,
        "fields": fields,
        "external_ids": external_ids,
    })
}
