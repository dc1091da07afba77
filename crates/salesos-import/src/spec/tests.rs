//! Tests of the mapping spec: the stored version-1 golden file keeps reading, and round-trips.

use super::*;

const V1: &str = include_str!("../../test_data/spec/v1.json");

#[test]
fn version_1_golden_file_reads_and_round_trips() {
    let spec = MappingSpec::from_json(V1).unwrap();
    assert_eq!(spec.columns.len(), 10);
    assert_eq!(spec.settings.on_duplicate, DuplicateStrategy::Update);
    assert_eq!(spec.settings.match_on, Some(MatchOn::ExternalId("salesforce".into())));
    assert_eq!(spec.columns[5].on_error, ErrorPolicy::Fallback("0".into()));
    assert!(matches!(&spec.columns[1].transforms[0], Transform::Split { by: SplitBy::Name, .. }));
    let again = MappingSpec::from_json(&spec.to_json()).unwrap();
    assert_eq!(again, spec);
}

#[test]
fn newer_versions_and_unknown_keys_are_refused() {
    assert_eq!(MappingSpec::from_json(r#"{"version": 2}"#), Err(SpecError::Version { found: 2 }));
    let err = MappingSpec::from_json(r#"{"version": 1, "colums": []}"#).unwrap_err();
    assert!(err.to_string().contains("unknown field `colums`"), "{err}");
    let err = MappingSpec::from_json(r#"{"version": 1, "settings": {"match": "external-id:"}}"#).unwrap_err();
    assert!(err.to_string().contains("needs a system name"), "{err}");
}

#[test]
fn match_specs_parse() {
    assert_eq!(MatchOn::parse("Email"), Ok(MatchOn::Email));
    assert_eq!(MatchOn::parse("name+domain"), Ok(MatchOn::NameAndDomain));
    assert_eq!(MatchOn::parse("external-id:SAP"), Ok(MatchOn::ExternalId("sap".into())));
    assert_eq!(MatchOn::parse("last_name, custom.code"), Ok(MatchOn::Fields(vec!["last_name".into(), "custom.code".into()])));
    assert!(MatchOn::parse(" ").is_err());
    assert_eq!(DuplicateStrategy::parse("update-if-newer"), Some(DuplicateStrategy::UpdateIfNewer));
}

#[test]
fn header_fingerprints_ignore_order_case_and_the_errors_column() {
    let a = header_fingerprint(&["Email".into(), "Name".into()]);
    let b = header_fingerprint(&["name ".into(), "EMAIL".into(), "Errors".into()]);
    assert_eq!(a, b);
    assert_ne!(a, header_fingerprint(&["Email".into(), "Name".into(), "Phone".into()]));
}
