//! Tests of auto-mapping: the ground-truth table (`test_data/ground_truth.tsv`) and focused cases.

use super::*;
use salesos_model::schema::{standard_objects, FieldDef};

fn schema() -> Schema {
    Schema { objects: standard_objects(), pipelines: vec![] }
}

fn headers(list: &[&str]) -> Vec<String> {
    list.iter().map(|h| h.to_string()).collect()
}

/// Rows of `(object, header, samples)` → `columns × rows` samples, as read from a file.
fn rows(columns: &[&[&str]]) -> Vec<Vec<String>> {
    let height = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    (0..height).map(|r| columns.iter().map(|c| c.get(r).map_or(String::new(), |v| v.to_string())).collect()).collect()
}

fn run(object: &str, list: &[&str], samples: &[Vec<String>]) -> Vec<Suggestion> {
    let schema = schema();
    let object = schema.object(object).expect("object").clone();
    suggest(&schema, &object, &headers(list), samples)
}

fn target(s: &Suggestion) -> Option<&str> {
    s.target.as_deref()
}

struct Row {
    line: usize,
    object: String,
    header: String,
    expected: Option<String>,
    samples: Vec<String>,
}

fn ground_truth() -> Vec<Row> {
    let text = include_str!("../../test_data/ground_truth.tsv");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("object\t") {
            continue;
        }
        let parts: Vec<&str> = line.split('\t').collect();
        assert!(parts.len() >= 3, "line {}: expected object, header, expected: {line:?}", i + 1);
        let samples = parts.get(3).map(|s| s.split('|').map(str::to_string).collect()).unwrap_or_default();
        out.push(Row {
            line: i + 1,
            object: parts[0].to_string(),
            header: parts[1].to_string(),
            expected: (parts[2] != "-").then(|| parts[2].to_string()),
            samples,
        });
    }
    out
}

#[test]
fn ground_truth_accuracy() {
    let schema = schema();
    let rows = ground_truth();
    assert!(rows.len() >= 300, "ground truth has {} rows", rows.len());
    let mut correct = 0;
    let mut misses = Vec::new();
    let mut wrong_auto = Vec::new();
    for row in &rows {
        let object = schema.object(&row.object).unwrap_or_else(|| panic!("line {}: unknown object {}", row.line, row.object));
        if let Some(expected) = &row.expected {
            assert!(resolve(&schema, object, expected).is_ok(), "line {}: {expected} does not resolve", row.line);
        }
        let samples: Vec<Vec<String>> = row.samples.iter().map(|s| vec![s.clone()]).collect();
        let got = suggest(&schema, object, std::slice::from_ref(&row.header), &samples).remove(0);
        let auto = got.confidence >= AUTO_MAP_THRESHOLD;
        let ok = match &row.expected {
            Some(expected) => got.target.as_deref() == Some(expected.as_str()),
            None => got.target.is_none() || !auto,
        };
        if ok {
            correct += 1;
        } else {
            misses.push(format!(
                "line {}: {} {:?}: expected {:?}, got {:?} ({:.2}, {:?})",
                row.line, row.object, row.header, row.expected, got.target, got.confidence, got.reason
            ));
        }
        if got.target.is_some() && auto && got.target != row.expected {
            wrong_auto.push(format!(
                "line {}: {} {:?} auto-mapped to {:?} ({:.2}), expected {:?}",
                row.line, row.object, row.header, got.target, got.confidence, row.expected
            ));
        }
    }
    let accuracy = correct as f64 / rows.len() as f64;
    println!("auto-mapping ground truth: {correct}/{} correct = {:.1} %", rows.len(), accuracy * 100.0);
    for miss in &misses {
        println!("  miss {miss}");
    }
    assert!(wrong_auto.is_empty(), "wrong suggestions at or above the auto-map threshold:\n{}", wrong_auto.join("\n"));
    assert!(accuracy >= 0.9, "accuracy {accuracy:.3} below 0.90");
}

#[test]
fn kontakt_column_of_emails_maps_to_email() {
    let samples = rows(&[&["Ana", "Bo", "Chris"], &["ana@example.com", "bo@example.org", "chris@example.net"]]);
    let got = run("contacts", &["Vorname", "Kontakt"], &samples);
    assert_eq!(target(&got[0]), Some("first_name"));
    assert_eq!(target(&got[1]), Some("email"));
    assert_eq!(got[1].reason, Some(SuggestionReason::DataPattern));
    assert!(got[1].confidence >= AUTO_MAP_THRESHOLD, "{got:?}");
}

#[test]
fn values_contradicting_the_header_lower_the_confidence() {
    let samples = rows(&[&["n/a", "unknown", "ask later"]]);
    let got = run("contacts", &["Email"], &samples);
    assert!(got[0].target.is_none() || got[0].confidence < AUTO_MAP_THRESHOLD, "{got:?}");
    let samples = rows(&[&["ana@example.com", "bo@example.org", "chris@example.net"]]);
    let got = run("contacts", &["Email"], &samples);
    assert_eq!(target(&got[0]), Some("email"));
    assert!(got[0].confidence >= 0.95);
}

#[test]
fn each_target_goes_to_one_column() {
    let got = run("contacts", &["Email", "E-mail", "Work Email", "Email Address"], &[]);
    assert_eq!(target(&got[0]), Some("email"));
    assert_eq!(target(&got[2]), Some("emails[work]"));
    let targets: Vec<&str> = got.iter().filter_map(target).collect();
    let mut unique = targets.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(targets.len(), unique.len(), "{got:?}");
    // The second email column by values falls back to a labelled entry.
    let samples = rows(&[&["a@x.com", "b@x.com"], &["c@y.com", "d@y.com"]]);
    let got = run("contacts", &["Email", "Kontakt"], &samples);
    assert_eq!(target(&got[0]), Some("email"));
    assert_eq!(target(&got[1]), Some("emails[other]"));
}

#[test]
fn the_more_confident_column_wins_a_conflict() {
    let got = run("contacts", &["Mail", "Email"], &[]);
    assert_eq!(target(&got[1]), Some("email"));
    assert_ne!(target(&got[0]), Some("email"));
}

#[test]
fn custom_fields_match_by_api_name_and_label() {
    let mut schema = schema();
    let contacts = schema.objects.iter_mut().find(|o| o.api_name == "contacts").expect("contacts");
    let mut score = FieldDef::new("custom.score", "Lead score", FieldType::Number);
    score.custom = true;
    contacts.fields.push(score);
    let mut status = FieldDef::new("custom.reservation_status", "Reservation status", FieldType::Text);
    status.custom = true;
    contacts.fields.push(status);
    let contacts = schema.object("contacts").expect("contacts").clone();
    let got = suggest(&schema, &contacts, &headers(&["Lead Score", "Reservation_Status__c"]), &[]);
    assert_eq!(target(&got[0]), Some("custom.score"));
    assert_eq!(got[0].reason, Some(SuggestionReason::Label));
    assert_eq!(target(&got[1]), Some("custom.reservation_status"));
    assert!(got[1].confidence >= AUTO_MAP_THRESHOLD);
    // The api name without its prefix, and the full path, name it too.
    for header in ["score", "custom.score"] {
        let got = suggest(&schema, &contacts, &headers(&[header]), &[]);
        assert_eq!(target(&got[0]), Some("custom.score"), "{header}");
        assert_eq!(got[0].reason, Some(SuggestionReason::ExactName));
    }
}

#[test]
fn custom_objects_use_plain_names() {
    let mut schema = schema();
    let mut object = schema.object("products").expect("products").clone();
    object.api_name = "vehicles".into();
    object.kind = salesos_model::schema::ObjectKind::Custom;
    object.fields = vec![FieldDef::new("vin", "Vehicle identification number", FieldType::Text)];
    schema.objects.push(object.clone());
    let got = suggest(&schema, &object, &headers(&["VIN", "Vehicle Identification Number", "Colour"]), &[]);
    assert_eq!(target(&got[0]), Some("vin"));
    assert_eq!(target(&got[1]), None, "taken by the first column");
    assert_eq!(target(&got[2]), None);
}

#[test]
fn errors_column_is_never_mapped() {
    let samples = rows(&[&["a@x.com", "b@x.com"], &["email: not an email address", "last_name: required"]]);
    let got = run("contacts", &["Email", "Errors"], &samples);
    assert_eq!(target(&got[0]), Some("email"));
    assert_eq!(got[1].target, None);
    assert_eq!(got[1].confidence, 0.0);
    assert!(is_error_column("errors"));
    assert!(is_error_column(" Errors "));
    assert!(!is_error_column("Error rate percent"));
}

#[test]
fn vendor_id_columns() {
    let sf = rows(&[&["0033600001a28f1AAA", "0033600001a28f2AAA"], &["0013600001exbKeAAI", "0013600001exbKfAAI"]]);
    let got = run("contacts", &["Id", "AccountId"], &sf);
    assert_eq!(target(&got[0]), Some("external_ids[salesforce]"));
    assert_eq!(target(&got[1]), Some("account.external_ids[salesforce]"));
    assert!(got[0].confidence >= AUTO_MAP_THRESHOLD);

    let got = run("contacts", &["Record ID", "First Name", "Contact owner"], &[]);
    assert_eq!(target(&got[0]), Some("external_ids[hubspot]"));
    assert_eq!(target(&got[2]), Some("owner"));

    let got = run("deals", &["Deal - ID", "Deal - Title", "Deal - Organization", "Deal - Value"], &[]);
    assert_eq!(target(&got[0]), Some("external_ids[pipedrive]"));
    assert_eq!(target(&got[1]), Some("name"));
    assert_eq!(target(&got[2]), Some("account.name"));
    assert_eq!(target(&got[3]), Some("amount"));

    // A bare id in a Salesforce-looking file is the Salesforce id even without samples.
    let got = run("accounts", &["Id", "Name", "BillingCity", "SystemModstamp"], &[]);
    assert_eq!(target(&got[0]), Some("external_ids[salesforce]"));
    assert_eq!(target(&got[2]), Some("billing_city"));
    assert_eq!(got[3].target, None);

    // Salesforce ids without a telling header: the key prefix names the object.
    let got = run("contacts", &["Ref"], &rows(&[&["0013600001exbKeAAI", "0013600001exbKfAAI"]]));
    assert_eq!(target(&got[0]), Some("account.external_ids[salesforce]"));
}

#[test]
fn leads_keep_the_company_as_text() {
    let got = run("leads", &["Company", "Organization - Name"], &[]);
    assert_eq!(target(&got[0]), Some("company"));
    let got = run("contacts", &["Company"], &[]);
    assert_eq!(target(&got[0]), Some("account.name"));
}

#[test]
fn normalization() {
    assert_eq!(normalize_header("MailingStreet"), "mailing street");
    assert_eq!(normalize_header("Reservation_Status__c"), "reservation status");
    assert_eq!(normalize_header("  Prénom "), "prenom");
    assert_eq!(normalize_header("Straße"), "strasse");
    assert_eq!(normalize_header("E-mail 1 - Value"), "e mail 1 value");
    assert_eq!(normalize_header("OwnerID"), "owner id");
    assert_eq!(normalize_header("\u{feff}URLValue"), "url value");
}

#[test]
fn every_suggested_path_resolves() {
    let schema = schema();
    for object in &schema.objects {
        for row in ground_truth() {
            let got = suggest(&schema, object, std::slice::from_ref(&row.header), &[]);
            if let Some(path) = &got[0].target {
                assert!(resolve(&schema, object, path).is_ok(), "{} {:?} → {path}", object.api_name, row.header);
            }
        }
    }
}

#[test]
fn a_wide_file_is_fast() {
    let schema = schema();
    let object = schema.object("contacts").expect("contacts");
    let list: Vec<String> = ground_truth().into_iter().filter(|r| r.object == "contacts").take(50).map(|r| r.header).collect();
    let samples: Vec<Vec<String>> = (0..20).map(|i| list.iter().map(|_| format!("value {i}")).collect()).collect();
    // Warm the alias index, then time one call.
    let _ = suggest(&schema, object, &list, &samples);
    let start = std::time::Instant::now();
    let got = suggest(&schema, object, &list, &samples);
    let elapsed = start.elapsed();
    assert_eq!(got.len(), list.len());
    println!("50 columns in {elapsed:?}");
    assert!(elapsed.as_millis() < 100, "{elapsed:?}");
}

/// Whole header rows of real files: targets are unique and the telling columns land.
#[test]
fn whole_files() {
    let salesforce_contact = "Id,AccountId,AssistantName,AssistantPhone,Birthdate,CreatedDate,Department,Description,Email,EmailBouncedDate,EmailBouncedReason,Fax,FirstName,HasOptedOutOfEmail,HomePhone,IsDeleted,IsEmailBounced,Jigsaw,JigsawContactId,LastActivityDate,LastCURequestDate,LastCUUpdateDate,LastModifiedDate,LastName,LastReferencedDate,LastViewedDate,LeadSource,MailingCity,MailingCountry,MailingGeocodeAccuracy,MailingLatitude,MailingLongitude,MailingPostalCode,MailingState,MailingStreet,MasterRecordId,MobilePhone,Name,OtherCity,OtherCountry,OtherGeocodeAccuracy,OtherLatitude,OtherLongitude,OtherPhone,OtherPostalCode,OtherState,OtherStreet,Phone,PhotoUrl,ReportsToId,Salutation,SystemModstamp,Title";
    let outlook = "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,Business Street 2,Business City,Business State,Business Postal Code,Business Country/Region,Home Street,Home City,Home State,Home Postal Code,Home Country/Region,Business Fax,Business Phone,Business Phone 2,Home Phone,Mobile Phone,Other Phone,Primary Phone,E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,Notes,Web Page";
    let pipedrive = "Person - ID,Person - Name,Person - First name,Person - Last name,Person - Email - Work,Person - Email - Home,Person - Phone - Work,Person - Phone - Mobile,Person - Organization,Person - Owner,Person - Label";
    let expect: &[(&str, &[(&str, &str)])] = &[
        (
            salesforce_contact,
            &[
                ("Id", "external_ids[salesforce]"),
                ("AccountId", "account.external_ids[salesforce]"),
                ("Email", "email"),
                ("MailingStreet", "mailing_street"),
                ("MobilePhone", "phones[mobile]"),
                ("Phone", "phone"),
                ("Title", "title"),
            ],
        ),
        (
            outlook,
            &[
                ("Company", "account.name"),
                ("Job Title", "title"),
                ("Business City", "mailing_city"),
                ("E-mail Address", "email"),
                ("E-mail 2 Address", "emails[other]"),
                ("Mobile Phone", "phones[mobile]"),
                ("Primary Phone", "phone"),
            ],
        ),
        (
            pipedrive,
            &[
                ("Person - ID", "external_ids[pipedrive]"),
                ("Person - Email - Work", "emails[work]"),
                ("Person - Organization", "account.name"),
                ("Person - Owner", "owner"),
            ],
        ),
    ];
    for (line, wanted) in expect {
        let list: Vec<&str> = line.split(',').collect();
        let got = run("contacts", &list, &[]);
        let mut seen = std::collections::HashSet::new();
        for s in &got {
            if let Some(t) = &s.target {
                assert!(seen.insert(t.clone()), "{t} given twice: {got:#?}");
            }
        }
        for (header, path) in *wanted {
            let s = got.iter().find(|s| s.header == *header).expect("header");
            assert_eq!(s.target.as_deref(), Some(*path), "{header}: {s:?}");
            assert!(s.confidence >= AUTO_MAP_THRESHOLD, "{header}: {s:?}");
        }
        // Outlook's Title holds salutations only with values; without them it may still be the job title,
        // but never above a real `Job Title` column.
        let auto = got.iter().filter(|s| s.confidence >= AUTO_MAP_THRESHOLD).count();
        println!("{} of {} columns auto-mapped", auto, got.len());
        for s in &got {
            println!(
                "  {:28} → {:40} {:.2} {:?}",
                s.header,
                s.target.as_deref().unwrap_or("-"),
                s.confidence,
                s.reason.map(|r| r.as_str())
            );
        }
    }
}
