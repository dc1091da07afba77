//! Records: the values of one object instance with their system fields, external ids and
//! per-field modification times, plus the shapes used to create and change them.

use crate::ids::{ObjectId, RecordId, UserId};
use crate::schema::ObjectDef;
use crate::value::{Value, ValueError};
use std::collections::BTreeMap;

/// A record's id in another system, e.g. (`salesforce`, `0035e00000AbCdE`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExternalId {
    /// The system's name, lower-case.
    pub system: String,
    /// The id there, exactly as given.
    pub id: String,
}

impl ExternalId {
    /// Creates an external id, lower-casing the system name.
    pub fn new(system: &str, id: &str) -> ExternalId {
        ExternalId { system: system.trim().to_ascii_lowercase(), id: id.trim().to_string() }
    }
}

/// Field values keyed by storage key (the field api name). Absent and `Null` mean the same.
pub type Fields = crate::field_map::FieldMap;

/// A stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its id.
    pub id: RecordId,
    /// The object it belongs to.
    pub object_id: ObjectId,
    /// Its owner.
    pub owner_id: UserId,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    pub updated_at: i64,
    /// Grows by one on every change.
    pub version: i64,
    /// Field values.
    pub fields: Fields,
    /// Modification time per field changed after creation (absent: `created_at`).
    pub field_times: BTreeMap<String, i64>,
    /// Ids in other systems.
    pub external_ids: Vec<ExternalId>,
}

impl Record {
    /// Returns when a field was last modified.
    pub fn field_time(&self, key: &str) -> i64 {
        self.field_times.get(key).copied().unwrap_or(self.created_at)
    }
}

/// A record to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    /// Its owner.
    pub owner_id: UserId,
    /// Field values.
    pub fields: Fields,
    /// Ids in other systems.
    pub external_ids: Vec<ExternalId>,
}

/// A change to one record: fields to set (a `Null` clears) and external ids to add.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordPatch {
    /// Fields to set.
    pub set: Fields,
    /// External ids to add.
    pub add_external_ids: Vec<ExternalId>,
    /// New owner, if it changes.
    pub owner_id: Option<UserId>,
    /// Refuse the change unless the record still has this version (optimistic locking).
    pub expected_version: Option<i64>,
}

/// Why a set of field values does not fit an object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FieldsError {
    /// The key names no field.
    #[error("unknown field {field:?} on {object}")]
    UnknownField {
        /// The object.
        object: String,
        /// The key.
        field: String,
    },
    /// A required field is empty.
    #[error("required field {field:?} is missing")]
    MissingRequired {
        /// The field.
        field: String,
    },
    /// A value is not of the field's type or not one of its options.
    #[error("field {field:?}: {source}")]
    InvalidValue {
        /// The field.
        field: String,
        /// What was expected and found.
        source: ValueError,
    },
}

/// Checks field values against an object: known fields, types, picklist options, required fields.
///
/// With `creating`, missing required fields are filled from defaults or reported.
pub fn check_fields(object: &ObjectDef, fields: &mut Fields, creating: bool) -> Result<(), FieldsError> {
    for (key, value) in fields.iter() {
        let def = object
            .field(key)
            .ok_or_else(|| FieldsError::UnknownField { object: object.api_name.clone(), field: key.to_string() })?;
        let invalid = |expected: String, found: String| FieldsError::InvalidValue {
            field: key.to_string(),
            source: ValueError { expected, found },
        };
        match value {
            Value::Null => {}
            Value::Text(text) if !def.options.is_empty() => {
                if def.options.iter().all(|o| &o.value != text) {
                    let values: Vec<&str> = def.options.iter().map(|o| o.value.as_str()).collect();
                    return Err(invalid(format!("one of {}", values.join(", ")), text.clone()));
                }
            }
            Value::List(items) => {
                for item in items {
                    if def.options.iter().all(|o| &o.value != item) {
                        let values: Vec<&str> = def.options.iter().map(|o| o.value.as_str()).collect();
                        return Err(invalid(format!("one of {}", values.join(", ")), item.clone()));
                    }
                }
            }
            other => {
                // The storage round trip is the type check: a value that cannot be decoded as
                // the field's type does not belong in it.
                let json = other.to_json();
                Value::from_json(def.field_type, &json)
                    .map_err(|err| FieldsError::InvalidValue { field: key.to_string(), source: err })?;
                if matches!(other, Value::Labeled(_)) != def.multi {
                    return Err(invalid(def.field_type.expected().into(), other.to_string()));
                }
            }
        }
    }
    if creating {
        for def in &object.fields {
            let empty = fields.get(&def.api_name).is_none_or(Value::is_empty);
            if empty {
                if let Some(default) = def.default_value() {
                    fields.insert(def.api_name.as_str().into(), default);
                } else if def.required {
                    return Err(FieldsError::MissingRequired { field: def.api_name.clone() });
                }
            }
        }
    }
    Ok(())
}

/// Encodes field values as the storage JSON object, leaving out empty values.
///
/// Written straight into one string (keys are already sorted by the map), since this runs once
/// per record on every bulk write.
pub fn fields_to_json(fields: &Fields) -> String {
    encode_fields(fields, None)
}

/// [`fields_to_json`], except that a reference to a placeholder ([`RecordId::placeholder`]) is
/// left out of the text: it comes back as (byte offset, placeholder index), where the record's
/// id is to be put once it is known.
pub fn fields_to_json_with_placeholders(fields: &Fields) -> (String, Vec<(usize, u64)>) {
    let mut placeholders = Vec::new();
    let json = encode_fields(fields, Some(&mut placeholders));
    (json, placeholders)
}

/// Encodes into a reused per-thread buffer and returns an exact-size copy: a guessed capacity
/// left most of every record's allocation unused (a commit batch of 10,000 encoded records was
/// 15 MB for 4 MB of JSON).
fn encode_fields(fields: &Fields, placeholders: Option<&mut Vec<(usize, u64)>>) -> String {
    thread_local! {
        static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    SCRATCH.with_borrow_mut(|out| {
        out.clear();
        encode_fields_into(out, fields, placeholders);
        let json = out.as_str().to_owned();
        if out.capacity() > 1 << 20 {
            // One huge record does not keep its buffer for the rest of the thread.
            *out = String::new();
        }
        json
    })
}

fn encode_fields_into(out: &mut String, fields: &Fields, mut placeholders: Option<&mut Vec<(usize, u64)>>) {
    out.push('{');
    for (key, value) in fields {
        if value.is_empty() {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        push_json_string(out, key);
        out.push(':');
        let placeholder = match value {
            Value::Ref(id) => id.placeholder_index(),
            _ => None,
        };
        match (placeholder, placeholders.as_deref_mut()) {
            (Some(n), Some(found)) => found.push((out.len(), n)),
            _ => push_json_value(out, value),
        }
    }
    out.push('}');
}

/// Appends a value's storage JSON: the common shapes written directly, the others through
/// [`Value::to_json`].
fn push_json_value(out: &mut String, value: &Value) {
    use std::fmt::Write;
    match value {
        Value::Text(text) => push_json_string(out, text),
        Value::Labeled(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push('[');
                push_json_string(out, &item.label);
                out.push(',');
                push_json_string(out, &item.value);
                out.push(']');
            }
            out.push(']');
        }
        Value::List(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                push_json_string(out, item);
            }
            out.push(']');
        }
        // Writing to a String cannot fail.
        Value::Date(date) => {
            let _ = write!(out, "\"{}\"", date.format("%Y-%m-%d"));
        }
        Value::Ref(id) => {
            let _ = write!(out, "{}", id.0);
        }
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        other => out.push_str(&other.to_json().to_string()),
    }
}

/// Appends a JSON string literal (quoted and escaped).
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    // Runs of bytes that need no escape are copied whole (most values are one run), found eight
    // bytes at a time; the bytes that need one are ASCII, so every cut falls on a character
    // boundary.
    let bytes = text.as_bytes();
    let mut run_start = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes.get(at..at + 8) {
            let mut chunk = [0u8; 8];
            chunk.copy_from_slice(word);
            if !any_needs_escape(u64::from_le_bytes(chunk)) {
                at += 8;
                continue;
            }
        }
        let byte = bytes[at];
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            byte if byte < 0x20 => "",
            _ => {
                at += 1;
                continue;
            }
        };
        out.push_str(&text[run_start..at]);
        if escape.is_empty() {
            // Writing to a String cannot fail.
            let _ = std::fmt::Write::write_fmt(out, format_args!("\\u{:04x}", byte));
        } else {
            out.push_str(escape);
        }
        at += 1;
        run_start = at;
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

/// Whether any of the eight bytes of a word is a control character (below 0x20), `"` or `\`
/// (the exact "has a byte less than n" and "has a zero byte" bit tricks, n at most 128).
fn any_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    below_space || has_zero(word ^ (ONES * u64::from(b'"'))) || has_zero(word ^ (ONES * u64::from(b'\\')))
}

/// Decodes the storage JSON object with the object's field types.
///
/// Keys no longer in the schema are kept as text so that nothing stored is ever dropped.
pub fn fields_from_json(object: &ObjectDef, json: &str) -> Result<Fields, ValueError> {
    let parsed: serde_json::Value =
        serde_json::from_str(json).map_err(|err| ValueError { expected: "a JSON object".into(), found: err.to_string() })?;
    let map = parsed.as_object().ok_or_else(|| ValueError { expected: "a JSON object".into(), found: json.into() })?;
    // The JSON object's keys come sorted (serde_json's map is ordered by key), so the map takes
    // them as they are rather than inserting one by one.
    map.iter()
        .map(|(key, value)| {
            let decoded = match object.field(key) {
                Some(def) => Value::from_json(def.field_type, value)?,
                None => Value::Text(value.to_string()),
            };
            Ok((key.as_str(), decoded))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_copy_runs_and_escape_like_the_char_by_char_encoder() {
        fn char_by_char(text: &str) -> String {
            let mut out = String::from('"');
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        let every_ascii: String = (0u8..128).map(char::from).collect();
        // Each byte value at each place of a word, among plain, accented and wide characters.
        for special in (0u8..128).map(char::from) {
            for place in 0..19 {
                for filler in ["a", "é", "日"] {
                    let text: String =
                        (0..19).map(|i| if i == place { special.to_string() } else { filler.to_string() }).collect();
                    let mut out = String::new();
                    push_json_string(&mut out, &text);
                    assert_eq!(out, char_by_char(&text), "{text:?}");
                }
            }
        }
        for text in ["", "plain", "Zoë \"Quote\" \\ back", "tab\tnew\nline\r", "\u{1}ctl\u{1f}", "日本語\u{7}é", &every_ascii]
        {
            let mut out = String::new();
            push_json_string(&mut out, text);
            assert_eq!(out, char_by_char(text), "{text:?}");
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text);
        }
    }

    #[test]
    fn placeholders_are_left_out_where_the_id_goes() {
        let mut fields = Fields::new();
        fields.insert("account_id".into(), Value::Ref(RecordId::placeholder(6)));
        fields.insert("name".into(), Value::Text("Ann".into()));
        fields.insert("owner_ref".into(), Value::Ref(RecordId(12)));
        let (json, placeholders) = fields_to_json_with_placeholders(&fields);
        assert_eq!(json, r#"{"account_id":,"name":"Ann","owner_ref":12}"#);
        assert_eq!(placeholders, vec![(14, 6)]);
        let mut spliced = json.clone();
        spliced.insert_str(14, "4711");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&spliced).unwrap()["account_id"], 4711);
        assert_eq!(fields_to_json(&fields), r#"{"account_id":-7,"name":"Ann","owner_ref":12}"#, "as a dry run reports it");
        assert_eq!(RecordId::placeholder(6).placeholder_index(), Some(6));
        assert_eq!(RecordId(1).placeholder_index(), None);
    }
    use crate::value::Labeled;

    #[test]
    fn storage_json_is_valid_escaped_and_skips_empty_values() {
        let mut fields = Fields::new();
        fields.insert("b".into(), Value::Text("quote \" back \\ nl \n tab \t bell \u{7} é".into()));
        fields.insert("a".into(), Value::Number(1.5));
        fields.insert("c".into(), Value::Null);
        fields.insert("d".into(), Value::Text(String::new()));
        fields.insert("e".into(), Value::Labeled(vec![Labeled { label: "work".into(), value: "x@y.z".into() }]));
        let json = fields_to_json(&fields);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"a": 1.5, "b": "quote \" back \\ nl \n tab \t bell \u{7} é", "e": [["work", "x@y.z"]]})
        );
        assert_eq!(fields_to_json(&Fields::new()), "{}");
    }

    #[test]
    fn storage_json_written_directly_equals_each_values_json() {
        let values = [
            Value::Text("a \"b\" \u{1f}".into()),
            Value::Labeled(vec![
                Labeled { label: "work".into(), value: "x@y.z".into() },
                Labeled { label: "mo\"bile".into(), value: "+4915112345678".into() },
            ]),
            Value::List(vec!["web".into(), "re\\ferral".into()]),
            Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
            Value::Date(chrono::NaiveDate::from_ymd_opt(12, 1, 5).unwrap()),
            Value::Ref(crate::ids::RecordId(1234567)),
            Value::Bool(true),
            Value::Bool(false),
            Value::Number(-2.0),
            Value::Money { amount: 1200.5, currency: "EUR".into() },
        ];
        for value in values {
            let mut fields = Fields::new();
            fields.insert("k".into(), value.clone());
            let parsed: serde_json::Value = serde_json::from_str(&fields_to_json(&fields)).unwrap();
            assert_eq!(parsed["k"], value.to_json(), "{value:?}");
        }
    }
}
