//! Tests of key normalization.

use super::*;
use crate::schema::standard_objects;
use crate::value::Labeled;

#[test]
fn login_emails_are_plain_ascii() {
    assert!(is_login_email("jane.doe+crm@acme-corp.co.uk"));
    for bad in ["0@0.aa*", "a@b", "@b.io", "a@b.c", "a b@c.io", "a@-.io x", "zoë@x.io", "a@b..io"] {
        assert!(!is_login_email(bad), "{bad}");
    }
}

#[test]
fn emails_normalize() {
    assert_eq!(normalize_email("  Jane.Doe@Example.COM "), Some("jane.doe@example.com".into()));
    assert_eq!(normalize_email("mailto:a@b.io"), Some("a@b.io".into()));
    assert_eq!(normalize_email("no-at-sign"), None);
    assert_eq!(normalize_email("a@localhost"), None);
    assert_eq!(normalize_email("mailto:mailto:A@B.io"), Some("a@b.io".into()), "every mailto: prefix");
    assert_eq!(normalize_email("@b.io"), None, "no local part");
    assert_eq!(normalize_email("a@b@c.io"), Some("a@b@c.io".into()), "split at the first @, as before");
    assert_eq!(normalize_email("a@b@c"), None, "no dot after the first @");
    for spaced in ["a b@c.io", "a@c.io\u{b}x", "a\t@c.io", "a@c.io\rx", "a@c.\u{a0}io", "zoë @x.io"] {
        assert_eq!(normalize_email(spaced), None, "{spaced:?}: whitespace inside");
    }
    assert_eq!(normalize_email("Zoë@Éxample.io"), Some("zoë@éxample.io".into()));
    assert_eq!(email_domain("x@Acme.io"), Some("acme.io".into()));
    assert_eq!(email_domain("x@gmail.com"), None);
}

#[test]
fn phones_normalize_to_e164() {
    let cases = [
        ("+1 (415) 555-0100", "US", Some("+14155550100")),
        ("(415) 555-0100", "US", Some("+14155550100")),
        ("1-415-555-0100", "US", Some("+14155550100")),
        ("011 49 30 1234567", "US", Some("+49301234567")),
        ("030 1234567", "DE", Some("+49301234567")),
        ("0049 30 1234567", "DE", Some("+49301234567")),
        ("+49 (0)30 1234567", "DE", Some("+490301234567")),
        ("415.555.0100 x123", "US", Some("+14155550100")),
        ("555-0100 ext. 9", "US", Some("+15550100")),
        ("12", "US", None),
        ("0301234567", "ZZ", None),
        ("+1 415 555 0100 #22", "US", Some("+14155550100")),
        ("415 555 0100 EXT 7", "us", Some("+14155550100")),
        ("\u{a0}+44 20 7946 0958", "US", Some("+442079460958")),
        ("00 44 20 7946 0958", "DE", Some("+442079460958")),
        ("+1234567890123456", "US", None),
        ("123456789012345678", "US", None),
        ("030 1234567", "DEU", None),
        ("+14155550100", "DE", Some("+14155550100")),
        ("+12345", "US", Some("+12345")),
        ("+1234", "US", None),
        ("+123456789012345", "US", Some("+123456789012345")),
        ("+1234567890123456", "DE", None),
    ];
    for (input, country, expect) in cases {
        assert_eq!(normalize_phone(input, country).as_deref(), expect, "{input}");
    }
}

#[test]
fn domains_and_company_names_normalize() {
    assert_eq!(website_domain("https://www.Acme.com/about?x=1"), Some("acme.com".into()));
    assert_eq!(website_domain("acme.co.uk"), Some("acme.co.uk".into()));
    assert_eq!(website_domain("http://localhost:8080"), None);
    assert_eq!(normalize_company_name("Acme, Inc."), Some("acme".into()));
    assert_eq!(normalize_company_name("The Müller & Söhne GmbH"), Some("muller and sohne".into()));
    assert_eq!(normalize_company_name("Société Générale S.A."), Some("societe generale".into()));
    assert_eq!(normalize_company_name("Co"), Some("co".into()));
    assert_eq!(normalize_company_name("  ,. "), None);
}

#[test]
fn record_keys_cover_every_email_phone_domain_and_external_id() {
    let objects = standard_objects();
    let contacts = objects.iter().find(|o| o.api_name == "contacts").unwrap();
    let mut fields = Fields::new();
    fields.insert(
        "emails".into(),
        Value::Labeled(vec![
            Labeled { label: "work".into(), value: "Jane@Acme.io".into() },
            Labeled { label: "home".into(), value: "jane@gmail.com".into() },
        ]),
    );
    fields.insert("phones".into(), Value::Labeled(vec![Labeled { label: "mobile".into(), value: "(415) 555-0100".into() }]));
    let keys = record_match_keys(contacts, &fields, &[ExternalId::new("Salesforce", "003A")], "US");
    let rendered: Vec<String> = keys.iter().map(|k| format!("{}={}", k.kind.as_str(), k.normalized)).collect();
    assert_eq!(
        rendered,
        [
            "email=jane@acme.io",
            "email=jane@gmail.com",
            "phone=+14155550100",
            "domain=acme.io",
            "external_id=salesforce\u{1f}003A"
        ]
    );
    assert_ne!(key_hash(MatchKeyKind::Email, "a"), key_hash(MatchKeyKind::Phone, "a"));
}

#[test]
fn ascii_company_names_take_the_short_path_to_the_same_key() {
    let names = [
        "Acme, Inc.",
        "The Acme Co.",
        "AT&T Inc.",
        "A&B",
        "&",
        "S.A.",
        "The",
        "the inc",
        "Inc",
        "  ,. ",
        "",
        "Foo--Bar_Baz (Holdings) Ltd",
        "Red Oak Networks Group Corp.",
        "THE  WIDGET   COMPANY",
        "3M",
        "a.b.c. gmbh & co. kg",
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen",
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen inc",
        "tab\there\nnewline;semi:colon/slash",
        "& Inc",
        "Inc &",
        "the the",
        "x & the",
        "& &",
        ".&.",
        "co & co",
        "The & Co",
        "the.inc",
        "ab&cd",
        "...the...acme...",
    ];
    for name in names {
        assert_eq!(normalize_company_name(name), general_company_name(name), "{name:?}");
    }
}

#[test]
fn key_fields_are_found_once_per_object_and_give_each_kind() {
    let objects = standard_objects();
    let object = |name: &str| objects.iter().find(|o| o.api_name == name).unwrap();
    let names = |fields: &KeyFields| fields.fields.iter().map(|(name, source)| format!("{name}:{source:?}")).collect::<Vec<_>>();
    // Contacts: email and phone fields only (a company name on a contact names its account).
    let contacts = names(&KeyFields::of(object("contacts")));
    assert!(contacts.contains(&"emails:Email".to_string()), "{contacts:?}");
    assert!(contacts.contains(&"phones:Phone".to_string()), "{contacts:?}");
    assert!(contacts.iter().all(|f| f.ends_with(":Email") || f.ends_with(":Phone")), "{contacts:?}");
    let accounts = names(&KeyFields::of(object("accounts")));
    assert!(accounts.contains(&"name:CompanyName".to_string()), "{accounts:?}");
    assert!(accounts.contains(&"website:Website".to_string()), "{accounts:?}");

    let mut fields = Fields::new();
    fields.insert("name".into(), Value::Text("Acme, Inc.".into()));
    fields.insert("website".into(), Value::Text("https://www.Acme.io/about".into()));
    fields.insert("description".into(), Value::Text("jane@acme.io".into()));
    let keys = KeyFields::of(object("accounts")).keys(&fields, &[], "US");
    let rendered: Vec<String> = keys.iter().map(|k| format!("{}={}", k.kind.as_str(), k.normalized)).collect();
    assert_eq!(rendered, ["domain=acme.io", "company_name=acme"], "a text field that gives no key is not read");
    assert_eq!(keys, record_match_keys(object("accounts"), &fields, &[], "US"));
}
