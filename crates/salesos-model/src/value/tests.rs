//! Tests of value parsing and the storage encoding.

use super::*;

#[track_caller]
fn round_trip(field_type: FieldType, multi: bool, text: &str) {
    let value = Value::parse(field_type, multi, text).unwrap();
    let decoded = Value::from_json(field_type, &value.to_json()).unwrap();
    assert_eq!(decoded, value, "{text}");
    assert_eq!(Value::parse(field_type, multi, &value.to_string()).unwrap(), value);
}

#[test]
fn every_type_round_trips_through_storage_and_text() {
    round_trip(FieldType::Text, false, "Zoë Ångström, \"quoted\"");
    round_trip(FieldType::Email, true, "work:jane@example.com;home:jane@home.org");
    round_trip(FieldType::Phone, true, "mobile:+4915112345678");
    round_trip(FieldType::Number, false, "12.5");
    round_trip(FieldType::Currency, false, "1200.5 EUR");
    round_trip(FieldType::Percent, false, "42");
    round_trip(FieldType::Date, false, "2026-02-28");
    round_trip(FieldType::DateTime, false, "2026-02-28T10:11:12.345Z");
    round_trip(FieldType::Boolean, false, "true");
    round_trip(FieldType::MultiPicklist, false, "a;b;c");
    round_trip(FieldType::Reference, false, "42");
}

#[test]
fn invalid_text_names_what_was_expected() {
    let err = Value::parse(FieldType::Date, false, "31/02/2026").unwrap_err();
    assert_eq!(err.found, "31/02/2026");
    assert!(err.expected.contains("date"), "{}", err.expected);
    assert!(Value::parse(FieldType::Email, false, "not-an-email").is_err());
    assert!(Value::parse(FieldType::Phone, false, "12").is_err());
    assert!(Value::parse(FieldType::Url, false, "example.com").is_err());
    assert!(Value::parse(FieldType::Number, false, "NaN").is_err());
    assert!(Value::parse(FieldType::Boolean, false, "maybe").is_err());
}

#[test]
fn dates_never_shift() {
    let value = Value::parse(FieldType::Date, false, "2026-03-29").unwrap();
    assert_eq!(value.to_json(), Json::String("2026-03-29".into()));
}

#[test]
fn storage_json_rejects_wrong_shapes() {
    assert!(Value::from_json(FieldType::Currency, &serde_json::json!(12)).is_err());
    assert!(Value::from_json(FieldType::Boolean, &serde_json::json!("yes")).is_err());
    assert_eq!(Value::from_json(FieldType::Number, &Json::Null).unwrap(), Value::Null);
}

#[test]
fn record_ids_in_input_are_positive() {
    // Negative ids are an import's placeholders for records still to be created, never input.
    for text in ["0", "-3"] {
        assert!(Value::parse(FieldType::Reference, false, text).is_err(), "{text}");
        let json: Json = serde_json::from_str(text).unwrap();
        assert!(Value::from_json(FieldType::Reference, &json).is_err(), "{text}");
    }
    assert_eq!(Value::parse(FieldType::Reference, false, "7").unwrap(), Value::Ref(crate::ids::RecordId(7)));
}
