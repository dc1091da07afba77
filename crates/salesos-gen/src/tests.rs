//! Tests of the generator: determinism, rates, bounded memory, model conformance, realism,
//! duplicate findability and the file writers.

use super::*;
use crate::locale::Country;
use crate::world::{slug, World, COMPANY_SPACE};
use salesos_model::keys::{normalize_company_name, normalize_email, normalize_phone};
use salesos_model::record::{check_fields, Fields};
use salesos_model::schema::{standard_objects, FieldType, ObjectDef};
use salesos_model::value::{check_contact_value, Value};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

fn options(object: GenObject, rows: u64, seed: u64) -> GenOptions {
    GenOptions { object, rows, seed, duplicate_rate: 0.1, invalid_rate: 0.05, default_country: "US".into() }
}

fn rows(options: &GenOptions) -> Vec<GeneratedRow> {
    Generator::new(options).collect()
}

fn model(object: GenObject) -> ObjectDef {
    standard_objects().into_iter().find(|o| o.api_name == object.api_name()).expect("standard object")
}

fn primary(fields: &Fields, key: &str) -> Option<String> {
    match fields.get(key) {
        Some(Value::Labeled(items)) => items.first().map(|item| item.value.clone()),
        Some(Value::Text(text)) => Some(text.clone()),
        _ => None,
    }
}

/// A scratch file removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        Scratch(std::env::temp_dir().join(format!("salesos-gen-test-{}-{name}", std::process::id())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn headers_are_a_users_spreadsheet_columns() {
    assert_eq!(
        header(GenObject::Contacts),
        [
            "First Name",
            "Last Name",
            "Email",
            "Phone",
            "Mobile",
            "Company",
            "Title",
            "Street",
            "City",
            "State",
            "Postal Code",
            "Country",
            "Lead Source",
            "Birthdate",
            "Notes"
        ]
    );
    assert_eq!(header(GenObject::Products), ["Product Name", "SKU", "Price", "Category", "Description", "Status"]);
    for object in GenObject::ALL {
        for row in Generator::new(&options(object, 300, 1)) {
            assert_eq!(row.cells.len(), header(object).len(), "{object}");
        }
    }
}

#[test]
fn objects_and_formats_parse() {
    assert_eq!(GenObject::parse("contacts"), Some(GenObject::Contacts));
    assert_eq!(GenObject::parse("Contact"), Some(GenObject::Contacts));
    assert_eq!(GenObject::parse("company"), Some(GenObject::Accounts));
    assert_eq!(GenObject::parse("opportunities"), Some(GenObject::Deals));
    assert_eq!(GenObject::parse("activity"), Some(GenObject::Activities));
    assert_eq!(GenObject::parse("product"), Some(GenObject::Products));
    assert_eq!(GenObject::parse("lead"), Some(GenObject::Leads));
    assert_eq!(GenObject::parse("notes"), None);
    for object in GenObject::ALL {
        assert_eq!(GenObject::parse(object.api_name()), Some(object));
    }
    assert_eq!(FileFormat::parse("VCARD"), Some(FileFormat::Vcf));
    assert_eq!(FileFormat::from_path(Path::new("x/out.XLSX")), Some(FileFormat::Xlsx));
    assert_eq!(FileFormat::parse("txt"), None);
}

#[test]
fn same_seed_same_rows_other_seed_other_rows() {
    for object in GenObject::ALL {
        let first = rows(&options(object, 2_000, 42));
        let again = rows(&options(object, 2_000, 42));
        assert_eq!(first, again, "{object}");
        let other = rows(&options(object, 2_000, 43));
        let same_cells = first.iter().zip(&other).filter(|(a, b)| a.cells == b.cells).count();
        assert!(same_cells < 20, "{object}: {same_cells} identical rows across seeds");
    }
}

#[test]
fn output_is_frozen() {
    // Same seed, same bytes forever: this fingerprint may only change with a deliberate,
    // announced change of the output format.
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for object in GenObject::ALL {
        for row in Generator::new(&options(object, 200, 7)) {
            for cell in &row.cells {
                for byte in cell.bytes().chain([0x1f]) {
                    hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
                }
            }
        }
    }
    let first = Generator::new(&options(GenObject::Contacts, 1, 7)).next().expect("a row");
    eprintln!("fingerprint {hash:#018x}; first row {:?}", first.cells);
    assert_eq!(hash, FINGERPRINT, "generated output changed");
}

const FINGERPRINT: u64 = 0xc0a4_ca98_0c76_db24;

#[test]
fn rates_hold_within_one_percent() {
    for object in GenObject::ALL {
        for (duplicate_rate, invalid_rate) in [(0.1, 0.05), (0.3, 0.2), (0.0, 0.0), (0.02, 0.5)] {
            let opts = GenOptions { duplicate_rate, invalid_rate, ..options(object, 20_000, 9) };
            let (mut duplicates, mut invalid) = (0u32, 0u32);
            for row in Generator::new(&opts) {
                match row.kind {
                    RowKind::NearDuplicate { .. } => duplicates += 1,
                    RowKind::Invalid { .. } => invalid += 1,
                    RowKind::Clean => {}
                }
            }
            let (duplicates, invalid) = (f64::from(duplicates) / 20_000.0, f64::from(invalid) / 20_000.0);
            assert!((duplicates - duplicate_rate).abs() <= 0.01, "{object}: duplicates {duplicates} vs {duplicate_rate}");
            assert!((invalid - invalid_rate).abs() <= 0.01, "{object}: invalid {invalid} vs {invalid_rate}");
        }
    }
}

#[test]
fn many_rows_in_bounded_memory() {
    let rows: u64 = if cfg!(debug_assertions) { 200_000 } else { 1_000_000 };
    let mut generator = Generator::new(&GenOptions { rows, ..options(GenObject::Contacts, rows, 5) });
    let mut count = 0u64;
    let mut max_reservoir = 0;
    while let Some(row) = generator.next() {
        assert_eq!(row.index, count);
        count += 1;
        if count.is_multiple_of(1000) {
            max_reservoir = max_reservoir.max(generator.reservoir_len());
        }
    }
    assert_eq!(count, rows);
    assert_eq!(max_reservoir, RESERVOIR_CAPACITY);
    assert_eq!(generator.reservoir_len(), RESERVOIR_CAPACITY);
    assert_eq!(generator.remaining(), 0);
}

#[test]
fn fields_fit_the_model() {
    for object in GenObject::ALL {
        let def = model(object);
        for row in Generator::new(&options(object, 3_000, 11)) {
            for key in row.fields.keys() {
                let field = def.field(key).unwrap_or_else(|| panic!("{object}: unknown field {key}"));
                assert_ne!(field.field_type, FieldType::Reference, "{object}.{key}: references are left out");
            }
            let mut fields = row.fields.clone();
            // Every row's clean values are valid, invalid rows included (the break is only in a cell).
            check_fields(&def, &mut fields, true).unwrap_or_else(|err| panic!("{object} row {}: {err}: {row:?}", row.index));
            assert_eq!(fields, row.fields, "no defaults needed");
            for value in row.fields.values() {
                if let Value::Labeled(items) = value {
                    assert!(!items.is_empty());
                    for item in items {
                        assert!(["work", "home", "mobile"].contains(&item.label.as_str()));
                    }
                }
            }
            let external_id = row.external_id.as_ref().expect("external id");
            assert_eq!(external_id.system, "salesos-gen");
            assert_eq!(external_id.id, format!("{object}:11:{}", row.index));
        }
    }
}

#[test]
fn clean_cells_match_their_fields() {
    let column = |object: GenObject, name: &str| header(object).iter().position(|h| h == name).expect("column");
    for object in GenObject::ALL {
        let def = model(object);
        // Picklist cells as (column, field).
        let picklists: &[(&str, &str)] = match object {
            GenObject::Contacts => &[("Lead Source", "lead_source")],
            GenObject::Accounts => &[("Industry", "industry"), ("Type", "type")],
            GenObject::Leads => &[("Lead Source", "source"), ("Status", "status")],
            GenObject::Deals => &[("Stage", "stage"), ("Type", "type")],
            GenObject::Activities => &[("Type", "type"), ("Status", "status")],
            GenObject::Products => &[("Status", "status")],
        };
        for row in Generator::new(&options(object, 3_000, 12)) {
            if row.kind != RowKind::Clean {
                continue;
            }
            for (name, key) in picklists {
                let cell = &row.cells[column(object, name)];
                match row.fields.get(key) {
                    Some(Value::Text(value)) => {
                        let option = def.field(key).and_then(|f| f.find_option(cell));
                        assert_eq!(option.map(|o| o.value.as_str()), Some(value.as_str()), "{object} {name}: {cell:?}");
                    }
                    _ => assert!(cell.is_empty(), "{object} {name}: {cell:?} without a field"),
                }
            }
            if matches!(object, GenObject::Contacts | GenObject::Leads) {
                assert_eq!(row.cells[0], primary(&row.fields, "first_name").unwrap_or_default());
                assert_eq!(row.cells[1], primary(&row.fields, "last_name").unwrap_or_default());
                let email = &row.cells[2];
                assert_eq!(normalize_email(email), primary(&row.fields, "emails"), "{email:?}");
                if let Some(email) = primary(&row.fields, "emails") {
                    assert!(check_contact_value(FieldType::Email, &email).is_ok(), "{email}");
                }
            }
        }
    }
}

#[test]
fn phones_normalize_to_their_e164_in_every_default_country() {
    for country in ["US", "GB", "DE", "FR"] {
        for object in [GenObject::Contacts, GenObject::Leads, GenObject::Accounts] {
            let opts = GenOptions { default_country: country.into(), ..options(object, 2_000, 13) };
            let mut national = 0;
            for row in Generator::new(&opts) {
                if matches!(row.kind, RowKind::Invalid { .. }) {
                    continue;
                }
                let (cells, key): (Vec<usize>, &str) = match object {
                    GenObject::Contacts => (vec![3, 4], "phones"),
                    GenObject::Leads => (vec![3], "phones"),
                    _ => (vec![5], "phone"),
                };
                let expected: Vec<String> = match row.fields.get(key) {
                    Some(Value::Labeled(items)) => items.iter().map(|i| i.value.clone()).collect(),
                    Some(Value::Text(text)) => vec![text.clone()],
                    _ => Vec::new(),
                };
                let found: Vec<String> = cells
                    .iter()
                    .filter(|c| !row.cells[**c].is_empty())
                    .filter_map(|c| normalize_phone(&row.cells[*c], country))
                    .collect();
                assert_eq!(found, expected, "{country} {object} {:?}", row.cells);
                for cell in cells.iter().map(|c| &row.cells[*c]) {
                    national += usize::from(!cell.is_empty() && !cell.starts_with('+') && !cell.starts_with("00"));
                    assert!(cell.is_empty() || check_contact_value(FieldType::Phone, cell).is_ok(), "{cell}");
                }
            }
            assert!(national > 100, "{country} {object}: national formats appear ({national})");
        }
    }
}

#[test]
fn originals_have_unique_emails_and_phones() {
    for object in [GenObject::Contacts, GenObject::Leads] {
        let mut emails = HashSet::new();
        let mut phones = HashSet::new();
        for row in Generator::new(&GenOptions { duplicate_rate: 0.0, invalid_rate: 0.0, ..options(object, 50_000, 14) }) {
            if let Some(Value::Labeled(items)) = row.fields.get("emails") {
                for item in items {
                    assert!(emails.insert(item.value.clone()), "{object}: repeated email {}", item.value);
                }
            }
            if let Some(Value::Labeled(items)) = row.fields.get("phones") {
                for item in items {
                    assert!(phones.insert(item.value.clone()), "{object}: repeated phone {}", item.value);
                }
            }
        }
        assert!(emails.len() > 45_000 && phones.len() > 35_000, "{} {}", emails.len(), phones.len());
    }
    let mut names = HashSet::new();
    let mut domains = HashSet::new();
    for row in Generator::new(&GenOptions { duplicate_rate: 0.0, invalid_rate: 0.0, ..options(GenObject::Accounts, 30_000, 14) })
    {
        let name = normalize_company_name(&row.cells[0]).expect("a name");
        assert!(names.insert(name.clone()), "repeated company {name}");
        if let Some(Value::Text(domain)) = row.fields.get("domain") {
            assert!(domains.insert(domain.clone()), "repeated domain {domain}");
        }
    }
}

#[test]
fn near_duplicates_are_found_by_normalized_email_or_phone() {
    for object in [GenObject::Contacts, GenObject::Leads] {
        let all = rows(&GenOptions { duplicate_rate: 0.2, ..options(object, 10_000, 15) });
        let by_index: HashMap<u64, &GeneratedRow> = all.iter().map(|row| (row.index, row)).collect();
        let mut duplicates = 0;
        let mut typos = 0;
        for row in &all {
            let RowKind::NearDuplicate { of } = row.kind else { continue };
            duplicates += 1;
            let original = by_index[&of];
            assert!(of < row.index);
            assert_eq!(original.kind, RowKind::Clean);
            assert_ne!(row.cells, original.cells, "{object}: a near-duplicate differs");
            assert_eq!(row.fields.get("emails"), original.fields.get("emails"));
            assert_eq!(row.fields.get("phones"), original.fields.get("phones"));
            let email_match = normalize_email(&row.cells[2]).is_some_and(|e| Some(e) == normalize_email(&original.cells[2]));
            let phone_columns: &[usize] = if object == GenObject::Contacts { &[3, 4] } else { &[3] };
            let phone_match = phone_columns.iter().any(|c| {
                normalize_phone(&row.cells[*c], "US").is_some_and(|p| Some(p) == normalize_phone(&original.cells[*c], "US"))
            });
            assert!(email_match || phone_match, "{object}: {:?} vs {:?}", row.cells, original.cells);
            let name = |r: &GeneratedRow| (r.cells[0].trim().to_string(), r.cells[1].trim().to_string());
            if name(row) != name(original) {
                typos += 1;
                assert_eq!(Some(row.cells[0].trim().to_string()), primary(&row.fields, "first_name"));
                assert_eq!(Some(row.cells[1].trim().to_string()), primary(&row.fields, "last_name"));
            }
        }
        assert!(duplicates > 1_500, "{duplicates}");
        assert!(typos > duplicates / 3, "{typos} of {duplicates} have a typo");
    }
    let all = rows(&GenOptions { duplicate_rate: 0.2, ..options(GenObject::Accounts, 5_000, 15) });
    for row in &all {
        let RowKind::NearDuplicate { of } = row.kind else { continue };
        let original = &all[of as usize];
        assert_eq!(normalize_company_name(&row.cells[0]), normalize_company_name(&original.cells[0]), "{:?}", row.cells);
        assert_eq!(row.fields, original.fields);
    }
}

#[test]
fn invalid_rows_break_the_named_cell() {
    for object in GenObject::ALL {
        let mut seen = HashSet::new();
        for row in Generator::new(&GenOptions { invalid_rate: 0.3, ..options(object, 3_000, 16) }) {
            let RowKind::Invalid { field } = &row.kind else { continue };
            let column = header(object).iter().position(|h| h == field).unwrap_or_else(|| panic!("{field} is a header"));
            let cell = row.cells[column].as_str();
            seen.insert(field.clone());
            let broken = match field.as_str() {
                "Email" => check_contact_value(FieldType::Email, cell).is_err(),
                "Phone" => cell == "12",
                "Last Name" | "Company Name" | "Deal Name" | "Product Name" | "Subject" => cell.is_empty(),
                "Birthdate" | "Close Date" | "Date" => chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d").is_err(),
                "Amount" | "Annual Revenue" | "Price" | "Employees" | "Probability" | "Duration" => {
                    !cell.chars().any(|c| c.is_ascii_digit()) || cell.contains(",2,")
                }
                _ => {
                    let key = match (object, field.as_str()) {
                        (GenObject::Contacts, _) => "lead_source".to_string(),
                        (GenObject::Leads, "Lead Source") => "source".to_string(),
                        (_, other) => other.to_ascii_lowercase(),
                    };
                    model(object).field(&key).is_some_and(|f| f.find_option(cell).is_none())
                }
            };
            assert!(broken, "{object}: {field} = {cell:?}");
        }
        assert!(seen.len() >= 3, "{object}: {seen:?}");
    }
}

#[test]
fn cells_look_like_a_real_spreadsheet() {
    let all = rows(&options(GenObject::Contacts, 5_000, 17));
    let any = |test: &dyn Fn(&GeneratedRow) -> bool| all.iter().any(test);
    assert!(any(&|r| r.cells[14].contains('\n')), "line breaks in notes");
    assert!(any(&|r| r.cells[14].contains(',') && r.cells[14].contains('"')), "commas and quotes in notes");
    assert!(any(&|r| r.cells.iter().any(|c| c.contains('ü') || c.contains('é') || c.contains('ễ'))), "accents");
    assert!(any(&|r| r.cells[3].starts_with('(')), "US national phones");
    assert!(any(&|r| r.cells[3].starts_with("+49 ")), "German phones");
    assert!(any(&|r| r.cells[3].starts_with("0044 ")), "00 prefixes");
    assert!(any(&|r| r.cells[13].contains('/')), "US dates");
    assert!(any(&|r| r.cells[13].contains('.')), "German dates");
    assert!(any(&|r| r.cells[13].contains(", ")), "long dates");
    assert!(any(&|r| r.cells[13].contains('-')), "ISO dates");
    assert!(any(&|r| r.cells[2].contains("@gmail.com")), "free mail");
    assert!(any(&|r| r.cells[5].ends_with("GmbH")), "German companies");
    assert!(any(&|r| r.cells[7].contains(", Suite")), "commas in streets");
    let deals = rows(&options(GenObject::Deals, 3_000, 17));
    let amounts: Vec<&str> = deals.iter().map(|r| r.cells[1].as_str()).collect();
    for sample in ["$", " €", "£", " USD", "EUR "] {
        assert!(amounts.iter().any(|a| a.contains(sample)), "amounts with {sample:?}");
    }
    assert!(deals.iter().all(|r| !r.cells[4].is_empty()), "every deal names its account");
}

#[test]
fn companies_are_shared_across_objects() {
    // Company j is the j-th original account; contacts and deals of the same seed name them.
    let accounts: HashSet<String> =
        Generator::new(&GenOptions { duplicate_rate: 0.0, invalid_rate: 0.0, ..options(GenObject::Accounts, 250, 18) })
            .map(|row| row.cells[0].clone())
            .collect();
    for row in Generator::new(&GenOptions { duplicate_rate: 0.0, invalid_rate: 0.0, ..options(GenObject::Contacts, 1_000, 18) }) {
        assert!(accounts.contains(&row.cells[5]), "{}", row.cells[5]);
    }
    let deals = Generator::new(&GenOptions { duplicate_rate: 0.0, invalid_rate: 0.0, ..options(GenObject::Deals, 500, 18) });
    let known = deals.filter(|row| accounts.contains(&row.cells[4])).count();
    assert!(known > 400, "{known} of 500 deals name a generated account");
}

#[test]
fn name_lists_fold_to_unique_ascii_and_company_domains_are_unique() {
    for list in [data::FIRST_NAMES, data::LAST_NAMES] {
        let slugs: HashSet<String> = list.iter().map(|n| slug(n)).collect();
        assert_eq!(slugs.len(), list.len());
        assert!(slugs.iter().all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())));
    }
    assert!(data::FIRST_NAMES.len() >= 200 && data::LAST_NAMES.len() >= 200);
    let world = World::new(GenObject::Accounts, 3, Country::Us, COMPANY_SPACE + 10);
    let mut domains = HashSet::new();
    let mut names = HashSet::new();
    for j in 0..COMPANY_SPACE + 10 {
        let company = world.company(j);
        let domain = world.domain(&company);
        assert!(domains.insert(domain.clone()), "{domain}");
        assert!(names.insert(normalize_company_name(&company.name()).expect("name")), "{}", company.name());
    }
}

#[test]
fn options_are_checked() {
    let bad = |change: &dyn Fn(&mut GenOptions)| {
        let mut opts = GenOptions::default();
        change(&mut opts);
        Generator::try_new(&opts).map(|_| ()).expect_err("refused")
    };
    assert!(matches!(bad(&|o| o.duplicate_rate = 1.5), GenError::InvalidRate { name: "duplicate_rate", .. }));
    assert!(matches!(bad(&|o| o.invalid_rate = f64::NAN), GenError::InvalidRate { name: "invalid_rate", .. }));
    assert!(matches!(bad(&|o| o.invalid_rate = -0.1), GenError::InvalidRate { .. }));
    assert!(matches!(bad(&|o| (o.duplicate_rate, o.invalid_rate) = (0.6, 0.6)), GenError::RatesTooHigh { .. }));
    assert!(matches!(bad(&|o| o.default_country = "ES".into()), GenError::UnsupportedCountry { .. }));
    assert!(GenOptions { default_country: "uk".into(), ..GenOptions::default() }.validate().is_ok());
    // The lenient constructor clamps instead.
    let lenient = GenOptions { duplicate_rate: 0.9, invalid_rate: 0.9, default_country: "ES".into(), ..GenOptions::default() };
    let kinds: Vec<RowKind> = Generator::new(&lenient).map(|row| row.kind).collect();
    assert_eq!(kinds.len(), 1000);
    assert!(kinds.iter().all(|k| !matches!(k, RowKind::Clean)) || kinds.iter().filter(|k| **k == RowKind::Clean).count() < 5);
}

#[test]
fn write_file_streams_every_format() {
    let opts = options(GenObject::Contacts, 25_000, 19);
    for format in FileFormat::ALL {
        let scratch = Scratch::new(&format!("all.{}", format.extension()));
        let mut calls = Vec::new();
        let written = write_file(&opts, format, &scratch.0, &mut |done| calls.push(done)).expect("written");
        assert_eq!(written, 25_000);
        assert_eq!(calls, [10_000, 20_000, 25_000], "{format:?}");
        let bytes = std::fs::read(&scratch.0).expect("read");
        match format {
            FileFormat::Csv => {
                let text = String::from_utf8(bytes).expect("UTF-8");
                assert!(text.starts_with("First Name,Last Name,Email,Phone,Mobile,Company,"));
                let again = Scratch::new("again.csv");
                write_file(&opts, format, &again.0, &mut |_| {}).expect("written");
                assert_eq!(std::fs::read_to_string(&again.0).expect("read"), text, "same seed, same bytes");
            }
            FileFormat::Xlsx => assert!(bytes.starts_with(b"PK")),
            FileFormat::Json => {
                assert!(bytes.starts_with(b"[\n{\"First Name\":"));
                assert!(bytes.ends_with(b"}\n]\n"));
            }
            FileFormat::Vcf => {
                let text = String::from_utf8(bytes).expect("UTF-8");
                assert_eq!(text.matches("BEGIN:VCARD\r\n").count(), 25_000);
                assert!(text.contains("\r\nTEL;TYPE=CELL:"));
                assert!(text.contains("\r\nEMAIL;TYPE=HOME:"));
                assert!(text.lines().all(|line| line.len() <= 76), "folded");
            }
        }
    }
}

#[test]
fn write_file_refuses_before_writing() {
    let scratch = Scratch::new("refused.vcf");
    let err = write_file(&options(GenObject::Deals, 10, 1), FileFormat::Vcf, &scratch.0, &mut |_| {}).expect_err("deals");
    assert!(matches!(err, GenError::NotPeople { object: GenObject::Deals }), "{err}");
    let err = write_file(&options(GenObject::Contacts, 2_000_000, 1), FileFormat::Xlsx, &scratch.0, &mut |_| {})
        .expect_err("too many rows");
    assert!(matches!(err, GenError::TooManyRowsForXlsx { max: 1_048_575, .. }), "{err}");
    assert!(!scratch.0.try_exists().unwrap_or(true), "nothing was written");
    let leads = Scratch::new("leads.vcf");
    assert_eq!(write_file(&options(GenObject::Leads, 50, 1), FileFormat::Vcf, &leads.0, &mut |_| {}).expect("leads"), 50);
    let missing = std::env::temp_dir().join("salesos-gen-no-such-dir").join("x.csv");
    let err = write_file(&options(GenObject::Leads, 5, 1), FileFormat::Csv, &missing, &mut |_| {}).expect_err("no dir");
    assert!(matches!(err, GenError::Write(_)) && err.to_string().contains("x.csv"), "{err}");
}
