//! `salesos objects`: list objects and fields, define custom objects and fields, index fields,
//! and manage custom validation rules.

use super::audit;
use crate::cli::{GlobalArgs, ObjectsCommand};
use crate::context::{actor, now_ms};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, say};
use salesos_import::rules::{RuleDef, Severity};
use salesos_model::access::Action;
use salesos_model::error::ErrorCode;
use salesos_model::schema::{FieldDef, FieldType, ObjectDef, ObjectKind, PicklistOption, ReferenceTarget};
use salesos_store::Store;
use serde_json::json;

fn field_json(field: &FieldDef) -> serde_json::Value {
    json!({
        "api_name": field.api_name,
        "label": field.label,
        "type": field.field_type.as_str(),
        "required": field.required,
        "multi": field.multi,
        "default": field.default,
        "options": field.options.iter().map(|o| json!({"value": o.value, "label": o.label})).collect::<Vec<_>>(),
        "references": match &field.reference {
            Some(ReferenceTarget::Object(object)) => json!(object),
            Some(ReferenceTarget::Any) => json!("any"),
            Some(ReferenceTarget::User) => json!("user"),
            None => serde_json::Value::Null,
        },
        "custom": field.custom,
    })
}

fn rule_json(rule: &RuleDef) -> serde_json::Value {
    let severity = match rule.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    json!({"name": rule.name, "expression": rule.expression, "message": rule.message, "severity": severity})
}

fn kind_name(object: &ObjectDef) -> &'static str {
    match object.kind {
        ObjectKind::Standard => "standard",
        ObjectKind::Custom => "custom",
    }
}

/// Runs an `objects` command.
pub fn run(store: &Store, global: &GlobalArgs, command: ObjectsCommand) -> CliResult<u8> {
    let actor = actor(store, global)?;
    match command {
        ObjectsCommand::List { object: None } => {
            let schema = store.schema(actor.org.id)?;
            let counts = store.count_by_object(actor.org.id, &actor.principal.visibility_scope())?;
            let visible: Vec<&ObjectDef> =
                schema.objects.iter().filter(|o| actor.principal.can(&o.api_name, Action::Read)).collect();
            if global.json {
                let objects: Vec<_> = visible
                    .iter()
                    .map(|o| {
                        json!({
                            "api_name": o.api_name, "label": o.label, "plural_label": o.plural_label, "kind": kind_name(o),
                            "name_field": o.name_field, "fields": o.fields.len(), "records": counts.get(&o.id).copied().unwrap_or(0),
                        })
                    })
                    .collect();
                print_json(&json!({ "objects": objects }));
            } else {
                for o in visible {
                    say(format!(
                        "{:<14} {:<9} {:>9} records  {} fields",
                        o.api_name,
                        kind_name(o),
                        counts.get(&o.id).copied().unwrap_or(0),
                        o.fields.len()
                    ));
                }
            }
            Ok(0)
        }
        ObjectsCommand::List { object: Some(name) } => {
            let schema = store.schema(actor.org.id)?;
            let object = schema
                .object(&name)
                .filter(|o| actor.principal.can(&o.api_name, Action::Read))
                .ok_or_else(|| CliError::new(ErrorCode::UnknownObject, format!("unknown object {name:?}")))?;
            let fields: Vec<&FieldDef> =
                object.fields.iter().filter(|f| actor.principal.can_field(&object.api_name, &f.api_name, Action::Read)).collect();
            if global.json {
                let pipelines: Vec<_> = if object.api_name == "deals" {
                    schema
                        .pipelines
                        .iter()
                        .map(|p| json!({"name": p.name, "default": p.is_default, "stages": p.stages.iter().map(|s| json!({"value": s.value, "label": s.label, "probability": s.probability, "closed": s.closed, "won": s.won})).collect::<Vec<_>>()}))
                        .collect()
                } else {
                    Vec::new()
                };
                print_json(&json!({
                    "api_name": object.api_name, "label": object.label, "plural_label": object.plural_label, "kind": kind_name(object),
                    "name_field": object.name_field, "fields": fields.iter().map(|f| field_json(f)).collect::<Vec<_>>(), "pipelines": pipelines,
                }));
            } else {
                for f in fields {
                    let mut flags = Vec::new();
                    if f.required {
                        flags.push("required".to_string());
                    }
                    if f.multi {
                        flags.push("multi".into());
                    }
                    if !f.options.is_empty() {
                        flags.push(format!(
                            "options: {}",
                            f.options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>().join(", ")
                        ));
                    }
                    if let Some(ReferenceTarget::Object(target)) = &f.reference {
                        flags.push(format!("→ {target}"));
                    }
                    say(format!("{:<22} {:<15} {}", f.api_name, f.field_type.as_str(), flags.join("; ")));
                }
            }
            Ok(0)
        }
        ObjectsCommand::Index { object, field } => {
            actor.require_admin()?;
            let name = store.create_field_index(actor.org.id, &object, &field)?;
            audit(store, &actor, "schema.create_index", Some(&object), 1, json!({"field": field, "index": name}))?;
            if global.json {
                print_json(&json!({"object": object, "field": field, "index": name}));
            } else {
                say(format!("Indexed {object}.{field} ({name})."));
            }
            Ok(0)
        }
        ObjectsCommand::AddRule { object, name, expression, message, warning } => {
            let severity = if warning { Severity::Warning } else { Severity::Error };
            let def = RuleDef { name, expression, message, severity };
            salesos_app::imports::rules::add(store, &actor, &object, &def, now_ms())?;
            if global.json {
                print_json(&rule_json(&def));
            } else {
                say(format!("Added rule {} to {object}.", def.name));
            }
            Ok(0)
        }
        ObjectsCommand::Rules { object } => {
            let rules = salesos_app::imports::rules::list(store, &actor, &object)?;
            if global.json {
                print_json(&json!({"object": object, "rules": rules.iter().map(rule_json).collect::<Vec<_>>()}));
            } else {
                for rule in &rules {
                    say(format!("{}: {}", rule.name, rule.expression));
                }
            }
            Ok(0)
        }
        ObjectsCommand::RemoveRule { object, name } => {
            salesos_app::imports::rules::remove(store, &actor, &object, &name, now_ms())?;
            if global.json {
                print_json(&json!({"object": object, "removed": name}));
            } else {
                say(format!("Removed rule {name} from {object}."));
            }
            Ok(0)
        }
        ObjectsCommand::Create { name, label, plural } => {
            actor.require_admin()?;
            let object = store.create_object(actor.org.id, &name, &label, &plural, now_ms())?;
            audit(store, &actor, "schema.create_object", Some(&object.api_name), 1, json!({}))?;
            if global.json {
                print_json(
                    &json!({"api_name": object.api_name, "label": object.label, "plural_label": object.plural_label, "kind": "custom", "fields": object.fields.iter().map(field_json).collect::<Vec<_>>()}),
                );
            } else {
                say(format!("Created custom object {}.", object.api_name));
            }
            Ok(0)
        }
        ObjectsCommand::AddField { object, name, field_type, label, required, default, options, references, multi } => {
            actor.require_admin()?;
            let field_type = FieldType::parse(&field_type).ok_or_else(|| {
                let names: Vec<&str> = FieldType::ALL.iter().map(|t| t.as_str()).collect();
                CliError::invalid(format!("unknown field type {field_type:?}: use one of {}", names.join(", ")))
                    .with_field("type")
            })?;
            if multi && !matches!(field_type, FieldType::Email | FieldType::Phone) {
                return Err(CliError::new(ErrorCode::InvalidSchemaChange, "--multi applies to email and phone fields only")
                    .with_field(name));
            }
            let mut def = FieldDef::new(&name, &label, field_type);
            def.required = required;
            def.default = default;
            def.multi = multi;
            def.options = options
                .iter()
                .map(|o| match o.split_once(':') {
                    Some((value, label)) => PicklistOption { value: value.trim().into(), label: label.trim().into() },
                    None => PicklistOption { value: o.trim().into(), label: o.trim().into() },
                })
                .collect();
            def.reference = references.map(|target| match target.as_str() {
                "any" => ReferenceTarget::Any,
                "user" => ReferenceTarget::User,
                other => ReferenceTarget::Object(other.into()),
            });
            let stored = store.add_field(actor.org.id, &object, &def, now_ms())?;
            audit(
                store,
                &actor,
                "schema.add_field",
                Some(&object),
                1,
                json!({"field": stored.api_name, "type": field_type.as_str()}),
            )?;
            if global.json {
                print_json(&field_json(&stored));
            } else {
                say(format!("Added field {} ({}) to {object}.", stored.api_name, field_type.as_str()));
            }
            Ok(0)
        }
    }
}
