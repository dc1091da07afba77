//! `salesos records`: list (filter, sort, paginate, count), get, create, update and delete,
//! through the shared use cases of `salesos-app`.

use crate::cli::{GlobalArgs, RecordsCommand};
use crate::context::{actor, now_ms};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, record_line, say};
use salesos_app::records::{self, ListParams};
use salesos_app::values;
use salesos_model::ids::RecordId;
use salesos_model::record::ExternalId;
use salesos_store::Store;
use serde_json::json;

/// Runs a `records` command.
pub fn run(store: &Store, global: &GlobalArgs, command: RecordsCommand) -> CliResult<u8> {
    let actor = actor(store, global)?;
    let schema = store.schema(actor.org.id)?;
    match command {
        RecordsCommand::List { object, filter, sort, limit, cursor, count } => {
            let object = records::readable_object(&schema, &actor, &object)?;
            if count {
                let total = records::count(store, &schema, &actor, object, &filter)?;
                if global.json {
                    print_json(&json!({"object": object.api_name, "count": total}));
                } else {
                    say(total.to_string());
                }
                return Ok(0);
            }
            let page = records::list(store, &schema, &actor, object, &ListParams { filter, sort, limit, cursor })?;
            if global.json {
                let list: Vec<_> = page.records.iter().map(|r| records::to_json(object, r, &actor)).collect();
                print_json(&json!({"object": object.api_name, "records": list, "next_cursor": page.next_cursor}));
            } else {
                for record in &page.records {
                    say(record_line(object, record, &actor.principal));
                }
                if let Some(next) = page.next_cursor {
                    say(format!("(more: --cursor {next})"));
                }
            }
            Ok(0)
        }
        RecordsCommand::Get { object, id } => {
            let object = records::readable_object(&schema, &actor, &object)?;
            let record = records::get(store, &actor, object, RecordId(id))?;
            if global.json {
                print_json(&records::to_json(object, &record, &actor));
            } else {
                say(record_line(object, &record, &actor.principal));
            }
            Ok(0)
        }
        RecordsCommand::Create { object, set, external_ids } => {
            let object = records::readable_object(&schema, &actor, &object)?;
            actor.require(&object.api_name, salesos_model::access::Action::Edit)?;
            let fields = values::from_assignments(&schema, object, &actor, &set)?;
            let external_ids = external_ids
                .iter()
                .map(|pair| match pair.split_once(':') {
                    Some((system, id)) if !system.trim().is_empty() && !id.trim().is_empty() => Ok(ExternalId::new(system, id)),
                    _ => Err(CliError::invalid(format!("external id {pair:?} is not SYSTEM:ID")).with_field("external_id")),
                })
                .collect::<CliResult<Vec<_>>>()?;
            let record = records::create(store, &schema, &actor, object, fields, external_ids, now_ms())?;
            if global.json {
                print_json(&records::to_json(object, &record, &actor));
            } else {
                say(format!("Created {} record {}.", object.api_name, record.id));
            }
            Ok(0)
        }
        RecordsCommand::Update { object, id, set, expect_version } => {
            let object = records::readable_object(&schema, &actor, &object)?;
            actor.require(&object.api_name, salesos_model::access::Action::Edit)?;
            let fields = values::from_assignments(&schema, object, &actor, &set)?;
            let (record, changed) = records::update(
                store,
                &schema,
                &actor,
                object,
                RecordId(id),
                records::Edit { set: fields, expected_version: expect_version },
                now_ms(),
            )?;
            if global.json {
                print_json(&json!({"id": id, "version": record.version, "changed": changed}));
            } else if changed {
                say(format!("Updated {} record {id} (version {}).", object.api_name, record.version));
            } else {
                say(format!("Record {id} already had these values."));
            }
            Ok(0)
        }
        RecordsCommand::Delete { object, id } => {
            let object = records::readable_object(&schema, &actor, &object)?;
            records::delete(store, &actor, object, RecordId(id), now_ms())?;
            if global.json {
                print_json(&json!({"id": id, "deleted": true}));
            } else {
                say(format!("Deleted {} record {id}.", object.api_name));
            }
            Ok(0)
        }
    }
}
