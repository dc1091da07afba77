//! Custom validation rules as use cases: admins add, list and remove an object's rules; a rule
//! is compiled against the object before it is stored, so a rule that does not parse is refused
//! at the step where it is set.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_import::rules::{CompiledRule, RuleDef};
use salesos_model::error::ErrorCode;
use salesos_model::schema::{canonical_object_name, ObjectDef, Schema};
use salesos_store::Store;

fn object<'a>(schema: &'a Schema, name: &str) -> AppResult<&'a ObjectDef> {
    schema
        .object(&canonical_object_name(name))
        .ok_or_else(|| AppError::new(ErrorCode::UnknownObject, format!("unknown object {name:?}")))
}

/// Adds a rule to an object after checking that it compiles.
pub fn add(store: &Store, actor: &Actor, object_name: &str, def: &RuleDef, now: i64) -> AppResult<CompiledRule> {
    actor.require_admin()?;
    let schema = store.schema(actor.org.id)?;
    let object = object(&schema, object_name)?;
    if def.name.trim().is_empty() {
        return Err(AppError::invalid("a rule needs a name").with_field("name"));
    }
    let compiled = CompiledRule::compile(&schema, object, def).map_err(|err| {
        let mut error = AppError::new(ErrorCode::InvalidRequest, err.to_string()).with_field("expression");
        error.body.position = Some(err.position);
        error
    })?;
    let json = serde_json::to_string(def).map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
    store.add_validation_rule(actor.org.id, object.id, def.name.trim(), &json, now)?;
    actor.audit(store, now, "schema.add_rule", Some(&object.api_name), 1, serde_json::json!({"name": def.name}))?;
    Ok(compiled)
}

/// Lists an object's rules.
pub fn list(store: &Store, actor: &Actor, object_name: &str) -> AppResult<Vec<RuleDef>> {
    let schema = store.schema(actor.org.id)?;
    let object = object(&schema, object_name)?;
    store
        .validation_rules(actor.org.id, object.id)?
        .into_iter()
        .map(|stored| {
            serde_json::from_str(&stored.definition)
                .map_err(|err| AppError::new(ErrorCode::Internal, format!("stored rule {:?} is damaged: {err}", stored.name)))
        })
        .collect()
}

/// Removes a rule by name.
pub fn remove(store: &Store, actor: &Actor, object_name: &str, name: &str, now: i64) -> AppResult<()> {
    actor.require_admin()?;
    let schema = store.schema(actor.org.id)?;
    let object = object(&schema, object_name)?;
    if !store.delete_validation_rule(actor.org.id, object.id, name)? {
        return Err(AppError::new(ErrorCode::NotFound, format!("{} has no rule {name:?}", object.api_name)));
    }
    actor.audit(store, now, "schema.remove_rule", Some(&object.api_name), 1, serde_json::json!({"name": name}))?;
    Ok(())
}
