//! Tests of mapping resolution: targets, custom fields on the fly, limits and default matches.

use super::*;
use crate::spec::{ColumnSpec, MappingSpec, MatchOn, MAPPING_VERSION};
use salesos_model::schema::{standard_objects, Schema};

fn schema() -> Schema {
    let mut objects = standard_objects();
    for (i, object) in objects.iter_mut().enumerate() {
        object.id = salesos_model::ids::ObjectId(i as i64 + 1);
    }
    Schema { objects, pipelines: Vec::new() }
}

fn column(name: &str, target: &str) -> ColumnSpec {
    ColumnSpec { column: Some(name.into()), target: Some(target.into()), ..ColumnSpec::default() }
}

fn spec(columns: Vec<ColumnSpec>) -> MappingSpec {
    MappingSpec { version: MAPPING_VERSION, columns, ..MappingSpec::default() }
}

#[test]
fn targets_resolve_to_sinks_and_the_default_match_follows_the_object() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let headers: Vec<String> = ["Mail", "Cell", "Company", "SF Id", "Errors"].map(String::from).to_vec();
    let spec = spec(vec![
        column("mail", "email"),
        column("Cell", "phones[mobile]"),
        column("Company", "account.name"),
        column("SF Id", "external_ids[salesforce]"),
    ]);
    let mapping = resolve(&schema, contacts, &headers, &[], &spec, &MappingLimits::default()).unwrap();
    let sinks: Vec<&Sink> = mapping.columns.iter().map(|c| &c.outputs[0].as_ref().unwrap().sink).collect();
    assert_eq!(sinks[0], &Sink::Primary { key: "emails".into() });
    assert_eq!(sinks[1], &Sink::Labeled { key: "phones".into(), label: "mobile".into() });
    assert!(matches!(sinks[2], Sink::Reference { kind: MatchKeyKind::CompanyName, .. }));
    assert_eq!(mapping.match_on, Some(MatchOn::ExternalId("salesforce".into())), "a mapped external id decides");
    assert_eq!(mapping.ignored, vec![4]);
}

#[test]
fn mapping_errors_name_the_column() {
    let schema = schema();
    let deals = schema.object("deals").unwrap();
    let headers: Vec<String> = ["A", "B"].map(String::from).to_vec();
    let limits = MappingLimits::default();
    let err = resolve(&schema, deals, &headers, &[], &spec(vec![column("A", "nmae")]), &limits).unwrap_err();
    assert!(err.to_string().contains("column \"A\""), "{err}");
    let err = resolve(&schema, deals, &headers, &[], &spec(vec![column("Z", "name")]), &limits).unwrap_err();
    assert!(matches!(err, MapError::UnknownColumn { .. }));
    let err = resolve(&schema, deals, &headers, &[], &spec(vec![column("A", "name"), column("B", "name")]), &limits).unwrap_err();
    assert!(matches!(err, MapError::DuplicateTarget { .. }));
    let err = resolve(&schema, deals, &headers, &[], &spec(vec![column("A", "id")]), &limits).unwrap_err();
    assert!(matches!(err, MapError::NotImportable { .. }));
    let err = resolve(&schema, deals, &headers, &[], &spec(vec![column("A", "contact.title")]), &limits).unwrap_err();
    assert!(err.to_string().contains("found by"), "{err}");
}

#[test]
fn custom_fields_are_created_on_the_fly_with_inferred_types_and_limited() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let headers: Vec<String> = ["Score", "Joined"].map(String::from).to_vec();
    let samples = vec![vec!["12".to_string(), "2024-01-31".to_string()], vec!["7.5".to_string(), "2023-12-01".to_string()]];
    let mut columns = vec![column("Score", "custom.score"), column("Joined", "custom.joined")];
    for c in &mut columns {
        c.create_field = Some(crate::spec::NewFieldSpec::default());
    }
    let mapping = resolve(&schema, contacts, &headers, &samples, &spec(columns.clone()), &MappingLimits::default()).unwrap();
    let types: Vec<FieldType> = mapping.new_fields.iter().map(|f| f.field_type).collect();
    assert_eq!(types, [FieldType::Number, FieldType::Date]);
    let limits = MappingLimits { max_custom_field_mappings: 1 };
    let err = resolve(&schema, contacts, &headers, &samples, &spec(columns), &limits).unwrap_err();
    assert_eq!(err, MapError::TooManyCustomFields { count: 2, max: 1 });
}

#[test]
fn field_types_are_inferred_from_values() {
    assert_eq!(infer_field_type(&["a@b.io", "c@d.org"]), FieldType::Email);
    assert_eq!(infer_field_type(&["1,200", "3"]), FieldType::Number);
    assert_eq!(infer_field_type(&["00123", "00042"]), FieldType::Text, "leading zeros are codes");
    assert_eq!(infer_field_type(&["yes", "No"]), FieldType::Boolean);
    assert_eq!(infer_field_type(&["https://x.io"]), FieldType::Url);
    assert_eq!(infer_field_type(&["hello", ""]), FieldType::Text);
}

#[test]
fn every_output_ranks_at_its_key_among_the_mappings_sorted_keys() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let headers: Vec<String> = ["Title", "Mobile", "Phone", "Mail", "Company", "First", "Work mail"].map(String::from).to_vec();
    let spec = spec(vec![
        column("Title", "title"),
        column("Mobile", "phones[mobile]"),
        column("Phone", "phone"),
        column("Mail", "email"),
        column("Company", "account.name"),
        column("First", "first_name"),
        column("Work mail", "emails[work]"),
    ]);
    let mapping = resolve(&schema, contacts, &headers, &[], &spec, &MappingLimits::default()).unwrap();
    assert!(mapping.keys.windows(2).all(|pair| pair[0] < pair[1]), "{:?}", mapping.keys);
    let mut keyed = 0;
    for output in mapping.outputs() {
        if let Some(key) = &output.key {
            assert_eq!(mapping.keys.get(output.rank).map(|k| k.as_str()), Some(key.as_str()), "{}", output.path);
            keyed += 1;
        }
    }
    assert_eq!(keyed, 7, "a labelled and a primary output share their key's rank");
    assert_eq!(mapping.keys.len(), 5, "{:?}", mapping.keys);
}
