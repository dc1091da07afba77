//! Output: JSON documents on stdout, human lines on stderr, and the JSON shape of records.

use salesos_model::access::{Action, Principal};
use salesos_model::record::Record;
use salesos_model::schema::ObjectDef;
use serde_json::Value as Json;

/// Prints a JSON document on stdout. A closed pipe (`| head`) is not an error worth a panic.
pub fn print_json(value: &Json) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{value}");
}

/// Prints a human line on stderr.
pub fn say(line: impl AsRef<str>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{}", line.as_ref());
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
