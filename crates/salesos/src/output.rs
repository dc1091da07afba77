//! Output: JSON documents on stdout, human lines on stderr, and the JSON shape of records.

use salesos_model::access::{Action, Principal};
use salesos_model::record::Record;
use salesos_model::schema::ObjectDef;
use serde_json::{json, Map, Value as Json};

/// Prints a JSON document on stdout.
pub fn print_json(value: &Json) {
    println!("{value}");
}

/// Prints a human line on stderr.
pub fn say(line: impl AsRef<str>) {
    eprintln!("{}", line.as_ref());
}

/// Renders a record as JSON, leaving out fields the principal may not read.
pub fn record_json(object: &ObjectDef, record: &Record, principal: &Principal) -> Json {
    let mut fields = Map::new();
    for (key, value) in &record.fields {
        if principal.can_field(&object.api_name, key, Action::Read) && !value.is_empty() {
            fields.insert(key.clone(), value.to_json());
        }
    }
    let external_ids: Map<String, Json> =
        record.external_ids.iter().map(|e| (e.system.clone(), Json::String(e.id.clone()))).collect();
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

/// Renders a record as one human line: id, name, then the other readable values.
pub fn record_line(object: &ObjectDef, record: &Record, principal: &Principal) -> String {
    let mut parts = vec![format!("#{}", record.id)];
    for (key, value) in &record.fields {
        if principal.can_field(&object.api_name, key, Action::Read) && !value.is_empty() {
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join("  ")
}
