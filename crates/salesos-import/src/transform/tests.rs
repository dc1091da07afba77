//! Tests of the transform stage: text steps, splits, conversions and error policies.

use super::*;
use crate::convert::DateFormat;
use crate::map::{resolve, MappingLimits};
use crate::spec::{ColumnSpec, MappingSpec, SplitBy, Transform, MAPPING_VERSION};
use salesos_model::schema::{standard_objects, Schema};

fn mapping(object: &str, headers: &[&str], columns: Vec<ColumnSpec>) -> ResolvedMapping {
    let schema = Schema { objects: standard_objects(), pipelines: Vec::new() };
    let object = schema.object(object).unwrap().clone();
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let spec = MappingSpec { version: MAPPING_VERSION, columns, ..MappingSpec::default() };
    resolve(&schema, &object, &headers, &[], &spec, &MappingLimits::default()).unwrap()
}

fn column(name: &str, target: Option<&str>, transforms: Vec<Transform>) -> ColumnSpec {
    ColumnSpec { column: Some(name.into()), target: target.map(str::to_string), transforms, ..ColumnSpec::default() }
}

fn context() -> RowContext {
    RowContext { default_country: "DE".into(), default_currency: "EUR".into(), utc_offset_minutes: 0 }
}

fn cells(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[test]
fn split_concat_default_and_value_map() {
    let m = mapping(
        "contacts",
        &["Name", "Street", "No", "Source"],
        vec![
            column(
                "Name",
                None,
                vec![Transform::Split { into: vec!["first_name".into(), "last_name".into()], by: SplitBy::Name }],
            ),
            column(
                "Street",
                Some("mailing_street"),
                vec![Transform::Concat { columns: vec!["No".into()], separator: " ".into() }],
            ),
            column(
                "Source",
                Some("lead_source"),
                vec![
                    Transform::ValueMap { map: [("Messe".to_string(), "trade_show".to_string())].into() },
                    Transform::Default { value: "other".into() },
                ],
            ),
        ],
    );
    let row = transform_row(&m, &context(), &cells(&["Dr. Anna van der Berg", "Hauptstr.", "5", "messe"]));
    assert!(row.issues.is_empty(), "{:?}", row.issues);
    assert_eq!(row.fields["first_name"], Value::Text("Anna".into()));
    assert_eq!(row.fields["last_name"], Value::Text("van der Berg".into()));
    assert_eq!(row.fields["mailing_street"], Value::Text("Hauptstr. 5".into()));
    assert_eq!(row.fields["lead_source"], Value::Text("trade_show".into()));
    let row = transform_row(&m, &context(), &cells(&["Berg", "", "", ""]));
    assert_eq!(row.fields["lead_source"], Value::Text("other".into()), "the default fills an empty cell");
    assert!(!row.fields.contains_key("mailing_street"));
}

#[test]
fn conversions_and_error_policies() {
    let mut reject = column("Phone", Some("phone"), vec![]);
    reject.on_error = ErrorPolicy::Reject;
    let mut empty = column("Email", Some("email"), vec![]);
    empty.on_error = ErrorPolicy::SetEmpty;
    let mut fallback = column("Source", Some("lead_source"), vec![]);
    fallback.on_error = ErrorPolicy::Fallback("other".into());
    let m = mapping("contacts", &["Phone", "Email", "Source"], vec![reject, empty, fallback]);
    let row = transform_row(&m, &context(), &cells(&["030 1234567", "Ann <ann@x.io>", "Closed Won"]));
    assert_eq!(row.fields["phones"], Value::Labeled(vec![Labeled { label: "work".into(), value: "+49301234567".into() }]));
    assert_eq!(row.fields["emails"], Value::Labeled(vec![Labeled { label: "work".into(), value: "ann@x.io".into() }]));
    assert_eq!(row.fields["lead_source"], Value::Text("other".into()));
    assert_eq!(row.issues.len(), 1, "the fallback warns");
    assert!(!row.has_errors());
    let row = transform_row(&m, &context(), &cells(&["12", "nope", "web"]));
    assert!(row.has_errors(), "a bad phone rejects the row");
    assert!(!row.fields.contains_key("emails"), "a bad email is left empty");
    assert_eq!(row.issues.iter().filter(|i| !i.is_error()).count(), 1);
}

#[test]
fn picklists_match_labels_and_loose_spellings_and_suggest_value_maps() {
    let schema = Schema { objects: standard_objects(), pipelines: Vec::new() };
    let deals = schema.object("deals").unwrap();
    let stage = deals.field("stage").unwrap();
    assert_eq!(find_option(stage, "Closed Won"), Some("closed_won"));
    assert_eq!(find_option(stage, "needs-analysis"), Some("needs_analysis"));
    assert_eq!(find_option(stage, "Lost"), None);
    let suggestions = suggest_value_map(stage, &["Negotiaton", "zzz"]);
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].1, "negotiation");
}

#[test]
fn a_chosen_day_month_order_reads_other_spellings_of_a_column() {
    let mut birthday = column(
        "Birthday",
        Some("birthdate"),
        vec![Transform::DateFormat { format: Some(DateFormat::new("%B %d, %Y")), order: None }],
    );
    let m = mapping("contacts", &["Birthday"], vec![birthday.clone()]);
    let row = transform_row(&m, &context(), &cells(&["04/05/1986"]));
    assert!(row.has_errors(), "reads two ways and no order was chosen");
    assert!(row.issues[0].expected.contains("like December 31, 2024"), "{:?}", row.issues[0]);
    birthday.transforms =
        vec![Transform::DateFormat { format: Some(DateFormat::new("%B %d, %Y")), order: Some(crate::convert::DateOrder::Dmy) }];
    let m = mapping("contacts", &["Birthday"], vec![birthday]);
    let row = transform_row(&m, &context(), &cells(&["04/05/1986"]));
    assert_eq!(row.fields["birthdate"], Value::Date(chrono::NaiveDate::from_ymd_opt(1986, 5, 4).unwrap()));
}

#[test]
fn fields_come_out_by_key_whatever_the_column_order() {
    let m = mapping(
        "contacts",
        &["Title", "Email", "Name", "Mobile"],
        vec![
            column("Title", Some("title"), vec![]),
            column("Email", Some("email"), vec![]),
            column(
                "Name",
                None,
                vec![Transform::Split {
                    into: vec!["last_name".into(), "first_name".into()],
                    by: SplitBy::Delimiter { delimiter: ",".into() },
                }],
            ),
            column("Mobile", Some("phones[mobile]"), vec![]),
        ],
    );
    let row = transform_row(&m, &context(), &cells(&["CFO", "anna@berg.de", "Berg, Anna", "0171 1234567"]));
    assert!(row.issues.is_empty(), "{:?}", row.issues);
    let keys: Vec<&str> = row.fields.keys().map(|key| key.as_str()).collect();
    assert_eq!(keys, ["emails", "first_name", "last_name", "phones", "title"]);
    assert_eq!(row.fields["first_name"], Value::Text("Anna".into()));
    assert_eq!(row.fields["last_name"], Value::Text("Berg".into()));
}

#[test]
fn a_primary_and_a_labelled_column_make_one_list_and_empty_cells_write_nothing() {
    let m = mapping(
        "contacts",
        &["Title", "Mobile", "Phone"],
        vec![
            column("Title", Some("title"), vec![]),
            column("Mobile", Some("phones[mobile]"), vec![]),
            column("Phone", Some("phone"), vec![]),
        ],
    );
    let row = transform_row(&m, &context(), &cells(&["CFO", "0171 1234567", "030 1234567"]));
    assert!(row.issues.is_empty(), "{:?}", row.issues);
    assert_eq!(row.fields["title"], Value::Text("CFO".into()));
    // The primary first, whatever the column order.
    let Value::Labeled(phones) = &row.fields["phones"] else { panic!("{:?}", row.fields["phones"]) };
    let numbers: Vec<&str> = phones.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(numbers, ["+49301234567", "+491711234567"]);
    let row = transform_row(&m, &context(), &cells(&["Buyer", "", " "]));
    let keys: Vec<&str> = row.fields.keys().map(|key| key.as_str()).collect();
    assert_eq!(keys, ["title"]);
}
