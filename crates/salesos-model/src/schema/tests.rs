//! Tests of the standard schema and of schema-change checks.

use super::*;

fn schema() -> Schema {
    let mut objects = standard_objects();
    for (index, object) in objects.iter_mut().enumerate() {
        object.id = ObjectId(index as i64 + 1);
    }
    Schema { objects, pipelines: Vec::new() }
}

#[test]
fn standard_objects_cover_the_template_table() {
    let schema = schema();
    let expect = [
        ("contacts", &["first_name", "last_name", "emails", "phones", "account", "title", "mailing_street", "mailing_city"][..]),
        ("accounts", &["name", "domain", "industry", "size", "annual_revenue", "billing_street", "phone"][..]),
        ("leads", &["first_name", "last_name", "emails", "company", "source", "status", "phones", "notes"][..]),
        ("deals", &["name", "amount", "stage", "close_date", "account", "contact"][..]),
        ("products", &["name", "sku", "price", "category", "description", "status"][..]),
        ("activities", &["type", "subject", "date", "duration_minutes", "contact", "deal"][..]),
        ("notes", &["body", "parent"][..]),
        ("documents", &["name", "parent"][..]),
    ];
    for (object, fields) in expect {
        let def = schema.object(object).unwrap();
        for field in fields {
            assert!(def.field(field).is_some(), "{object}.{field}");
        }
        assert!(def.field(&def.name_field).is_some(), "{object} name field");
    }
}

#[test]
fn aliases_find_objects() {
    let schema = schema();
    assert_eq!(schema.object("Companies").unwrap().api_name, "accounts");
    assert_eq!(schema.object("opportunity").unwrap().api_name, "deals");
    assert!(schema.object("tickets").is_none());
}

#[test]
fn new_fields_are_checked() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let score = FieldDef::new("score", "Score", FieldType::Number);
    let stored = check_new_field(&schema, contacts, &score, true).unwrap();
    assert_eq!(stored.api_name, "custom.score");
    assert!(stored.custom);

    let dup = FieldDef::new("title", "Title", FieldType::Text);
    assert!(matches!(check_new_field(&schema, contacts, &dup, false), Err(SchemaError::DuplicateField { .. })));

    let picklist = FieldDef::new("tier", "Tier", FieldType::Picklist);
    assert!(matches!(check_new_field(&schema, contacts, &picklist, false), Err(SchemaError::PicklistWithoutOptions { .. })));

    let mut must = FieldDef::new("region", "Region", FieldType::Text);
    must.required = true;
    assert!(matches!(check_new_field(&schema, contacts, &must, true), Err(SchemaError::RequiredWithoutDefault { .. })));
    assert!(check_new_field(&schema, contacts, &must, false).is_ok());
    must.default = Some("EMEA".into());
    assert!(check_new_field(&schema, contacts, &must, true).is_ok());

    let bad_name = FieldDef::new("Bad Name", "x", FieldType::Text);
    assert!(matches!(check_new_field(&schema, contacts, &bad_name, false), Err(SchemaError::InvalidName { .. })));

    let mut bad_default = FieldDef::new("since", "Since", FieldType::Date);
    bad_default.default = Some("yesterday".into());
    assert!(matches!(check_new_field(&schema, contacts, &bad_default, false), Err(SchemaError::InvalidDefault { .. })));

    let mut dangling = FieldDef::new("project", "Project", FieldType::Reference);
    dangling.reference = Some(ReferenceTarget::Object("projects".into()));
    assert!(matches!(check_new_field(&schema, contacts, &dangling, false), Err(SchemaError::InvalidReference { .. })));
}

#[test]
fn new_objects_are_checked() {
    let schema = schema();
    assert!(check_new_object(&schema, "projects").is_ok());
    assert!(matches!(check_new_object(&schema, "contacts"), Err(SchemaError::DuplicateObject { .. })));
    assert!(matches!(check_new_object(&schema, "company"), Err(SchemaError::DuplicateObject { .. })));
    assert!(matches!(check_new_object(&schema, "9lives"), Err(SchemaError::InvalidName { .. })));
}
