//! Tests of filter resolution against the schema, sorting and cursors.

use super::*;
use crate::schema::standard_objects;

fn schema() -> Schema {
    let mut objects = standard_objects();
    for (index, object) in objects.iter_mut().enumerate() {
        object.id = ObjectId(index as i64 + 1);
    }
    Schema { objects, pipelines: Vec::new() }
}

#[track_caller]
fn check_err(object: &str, filter: &str, expect: &str) {
    let schema = schema();
    let def = schema.object(object).unwrap();
    let err = parse_and_resolve(&schema, def, filter).unwrap_err();
    assert_eq!(format!("{}|{:?}|{}", err.position, err.field, err.message), expect, "{filter}");
}

#[test]
fn values_get_the_field_type() {
    let schema = schema();
    let deals = schema.object("deals").unwrap();
    let cond =
        parse_and_resolve(&schema, deals, r#"amount >= "1000" and close_date < "2026-12-31" and account = 7"#).unwrap().unwrap();
    let Cond::And(parts) = cond else { panic!("expected and") };
    let Cond::And(first) = &parts[0] else { panic!("expected and") };
    assert!(matches!(&first[0], Cond::Compare { value: Value::Number(n), .. } if *n == 1000.0));
    assert!(matches!(&first[1], Cond::Compare { value: Value::Date(_), .. }));
    assert!(matches!(&parts[1], Cond::Compare { value: Value::Ref(RecordId(7)), .. }));
}

#[test]
fn type_and_field_errors_point_at_the_problem() {
    check_err("contacts", "nickname = 'x'", r#"0|Some("nickname")|unknown field "nickname" on contacts"#);
    check_err(
        "deals",
        "amount > 'lots'",
        r#"9|Some("amount")|amount expects an amount with an optional currency code, like 1200.50 EUR, found "lots""#,
    );
    check_err(
        "contacts",
        "do_not_contact contains 'x'",
        r#"0|Some("do_not_contact")|operator contains does not apply to boolean field do_not_contact"#,
    );
    check_err(
        "deals",
        "close_date = '31.12.2026'",
        r#"13|Some("close_date")|close_date expects a date as YYYY-MM-DD, found "31.12.2026""#,
    );
    check_err(
        "contacts",
        "account.name = 'x' and last_name = true",
        r#"35|Some("last_name")|last_name expects text, found true"#,
    );
}

#[test]
fn sorts_resolve() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    assert!(resolve_sort(&schema, contacts, "-created_at").unwrap().unwrap().descending);
    assert!(!resolve_sort(&schema, contacts, "last_name asc").unwrap().unwrap().descending);
    assert!(resolve_sort(&schema, contacts, "email desc").unwrap().is_some());
    assert!(resolve_sort(&schema, contacts, "account.name").is_err());
    assert!(resolve_sort(&schema, contacts, "last_name sideways").is_err());
}

#[test]
fn cursors_are_bound_to_their_query() {
    let cursor = Cursor { sort_value: serde_json::json!("Müller"), id: RecordId(42) };
    let print = query_fingerprint(ObjectId(1), "a = 1", "last_name");
    let token = cursor.encode(print);
    assert_eq!(Cursor::decode(&token, print).unwrap(), cursor);
    let other = query_fingerprint(ObjectId(1), "a = 2", "last_name");
    assert_eq!(Cursor::decode(&token, other), Err(CursorError::OtherQuery));
    assert_eq!(Cursor::decode("zz", print), Err(CursorError::Malformed));
    assert_eq!(Cursor::decode("", print), Err(CursorError::Malformed));
}
