//! Tests of duplicate decisions: confirmed on real keys, ambiguous never silent, in-file first.

use super::*;
use salesos_model::ids::{ObjectId, UserId};
use salesos_model::record::Fields;
use salesos_model::schema::standard_objects;
use salesos_model::value::Labeled;

fn contact(id: i64, email: &str) -> Record {
    let mut fields = Fields::new();
    fields.insert("last_name".into(), Value::Text("X".into()));
    fields.insert("emails".into(), Value::Labeled(vec![Labeled { label: "work".into(), value: email.into() }]));
    Record {
        id: RecordId(id),
        object_id: ObjectId(1),
        owner_id: UserId(1),
        created_at: 0,
        updated_at: 0,
        version: 1,
        fields,
        field_times: Default::default(),
        external_ids: Vec::new(),
    }
}

fn row(email: &str) -> TransformedRow {
    let mut row = TransformedRow::default();
    row.fields.insert("emails".into(), Value::Labeled(vec![Labeled { label: "work".into(), value: email.into() }]));
    row
}

#[test]
fn exact_matches_ambiguity_and_in_file_duplicates() {
    let contacts = standard_objects().into_iter().find(|o| o.api_name == "contacts").unwrap();
    let keys = row_keys(&MatchOn::Email, &contacts, &row("Ann@X.io"), &[], "US");
    assert_eq!(keys.keys.len(), 1);
    let mut candidates = Candidates::new();
    candidates.add_key_hits(keys.keys[0].clone(), vec![RecordId(7)]);
    assert_eq!(candidates.ids_to_fetch(), vec![RecordId(7)]);
    // A hit whose record does not really hold the key (a hash collision) is not a match.
    candidates.add_record(contact(7, "other@x.io"));
    let mut in_file = InFileKeys::new();
    assert_eq!(decide(&contacts, &keys, &candidates, &in_file, "US"), Decision::New);
    candidates.add_record(contact(7, "ann@x.io"));
    assert_eq!(decide(&contacts, &keys, &candidates, &in_file, "US"), Decision::Match { id: RecordId(7), method: "email" });
    candidates.add_key_hits(keys.keys[0].clone(), vec![RecordId(9)]);
    candidates.add_record(contact(9, "ANN@x.io"));
    assert_eq!(
        decide(&contacts, &keys, &candidates, &in_file, "US"),
        Decision::Ambiguous { ids: vec![RecordId(7), RecordId(9)] }
    );
    in_file.insert(&keys, 4);
    assert_eq!(decide(&contacts, &keys, &candidates, &in_file, "US"), Decision::InFile { first_row: 4 });
    let none = row_keys(&MatchOn::Email, &contacts, &TransformedRow::default(), &[], "US");
    assert_eq!(decide(&contacts, &none, &candidates, &in_file, "US"), Decision::New);
}

#[test]
fn composite_keys_need_every_field() {
    let mut fields = Fields::new();
    fields.insert("last_name".into(), Value::Text(" Smith ".into()));
    fields.insert("title".into(), Value::Text("CEO".into()));
    let keys = ["last_name".to_string(), "title".to_string()];
    assert_eq!(composite_key(&fields, &keys), Some("smith\u{1f}ceo".into()));
    fields.remove("title");
    assert_eq!(composite_key(&fields, &keys), None);
}

#[test]
fn the_in_file_set_keeps_each_keys_first_row_across_its_shards() {
    let contacts = standard_objects().into_iter().find(|o| o.api_name == "contacts").unwrap();
    let keys_of = |n: u64| row_keys(&MatchOn::Email, &contacts, &row(&format!("person{n}@example.com")), &[], "US");
    let mut in_file = InFileKeys::new();
    assert!(in_file.is_empty());
    for n in 0..20_000u64 {
        in_file.insert(&keys_of(n), n + 2);
    }
    // A later row with a key already seen does not take it over.
    in_file.insert(&keys_of(5), 99_999);
    assert_eq!(in_file.len(), 20_000);
    assert!(in_file.shards.iter().all(|shard| !shard.is_empty()), "hashes spread over every shard");
    for n in [0u64, 5, 12_345, 19_999] {
        assert_eq!(in_file.find(&keys_of(n)), Some(n + 2), "person{n}");
    }
    assert_eq!(in_file.find(&keys_of(20_000)), None);
}
