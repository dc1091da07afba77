//! Tests of field-path resolution.

use super::*;
use crate::schema::{standard_objects, FieldDef};

fn schema() -> Schema {
    let mut objects = standard_objects();
    for (index, object) in objects.iter_mut().enumerate() {
        object.id = ObjectId(index as i64 + 1);
    }
    let contacts = objects.iter_mut().find(|o| o.api_name == "contacts").unwrap();
    let mut score = FieldDef::new("custom.score", "Score", FieldType::Number);
    score.custom = true;
    contacts.fields.push(score);
    Schema { objects, pipelines: Vec::new() }
}

#[track_caller]
fn check(path: &str, expect: &str) {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let actual = match resolve(&schema, contacts, path) {
        Ok(resolved) => format!("{:?} {}", resolved.target, resolved.field_type.as_str()),
        Err(err) => format!("error: {err}"),
    };
    assert_eq!(actual, expect, "{path}");
}

#[test]
fn paths_resolve() {
    check("last_name", r#"Field { key: "last_name" } text"#);
    check("email", r#"Primary { key: "emails" } email"#);
    check("emails[Work]", r#"Labeled { key: "emails", label: "work" } email"#);
    check("phones[mobile]", r#"Labeled { key: "phones", label: "mobile" } phone"#);
    check("custom.score", r#"Field { key: "custom.score" } number"#);
    check("account.name", r#"Related { via_key: "account", object: ObjectId(2), inner: Field { key: "name" } } text"#);
    check("account.phone", r#"Related { via_key: "account", object: ObjectId(2), inner: Field { key: "phone" } } phone"#);
    check("owner", "System(Owner) number");
    check("created_at", "System(CreatedAt) datetime");
    check("external_ids[salesforce]", r#"ExternalId { system: "salesforce" } text"#);
}

#[test]
fn bad_paths_are_explained() {
    check("nickname", r#"error: unknown field "nickname" on contacts"#);
    check("title[work]", r#"error: "title[work]": field title has no labelled values"#);
    check("title.name", r#"error: "title.name": title is not a reference to one object, so it has no related fields"#);
    check("account.nope", r#"error: unknown field "account.nope" on accounts"#);
    check(
        "account.parent_account.name",
        r#"error: "parent_account.name" is not a field path: only one reference hop is allowed"#,
    );
    check("emails[work", r#"error: "emails[work" is not a field path: missing ]"#);
    check(
        "external_ids",
        r#"error: "external_ids" is not a field path: external_ids needs a system, like external_ids[salesforce]"#,
    );
}
