//! Tests of the templates' column choice: every standard object's (and a custom object's)
//! template maps automatically and its example row converts without an issue; headers,
//! examples, custom paths and refusals.

use super::*;
use salesos_import::transform::{self, RowContext};
use salesos_import::validate::Validator;
use salesos_model::access::{Permissions, Role, Visibility};
use salesos_model::ids::{ObjectId, OrgId};
use salesos_model::schema::{standard_objects, standard_stages, ObjectKind, PicklistOption, Pipeline};
use std::collections::BTreeMap;

fn ctx() -> ExampleContext {
    ExampleContext { currency: "USD".into(), user_email: "admin@acme.io".into(), user_id: UserId(7) }
}

fn admin() -> Principal {
    Principal {
        org_id: OrgId(1),
        user_id: UserId(7),
        role: Role::Admin,
        visibility: Visibility::All,
        team_member_ids: vec![UserId(7)],
        object_rules: BTreeMap::new(),
        field_rules: BTreeMap::new(),
    }
}

fn custom_field(api_name: &str, label: &str, field_type: FieldType) -> FieldDef {
    let mut def = FieldDef::new(api_name, label, field_type);
    def.custom = true;
    def
}

fn options(def: &mut FieldDef, labels: &[(&str, &str)]) {
    def.options = labels.iter().map(|(v, l)| PicklistOption { value: v.to_string(), label: l.to_string() }).collect();
}

/// The standard objects with custom fields on contacts, and a custom object `projects` with a
/// field of every type.
fn schema() -> Schema {
    let mut objects = standard_objects();
    let contacts = objects.iter_mut().find(|o| o.api_name == "contacts").unwrap();
    contacts.fields.push(custom_field("custom.score", "Score", FieldType::Number));
    let mut tier = custom_field("custom.tier", "Tier", FieldType::Picklist);
    options(&mut tier, &[("gold", "Gold"), ("silver", "Silver")]);
    contacts.fields.push(tier);
    contacts.fields.push(custom_field("custom.region", "Region", FieldType::Text));

    let project = |api_name: &str, label: &str, field_type: FieldType| custom_field(api_name, label, field_type);
    let mut name = project("name", "Name", FieldType::Text);
    name.required = true;
    let mut status = project("status", "Status", FieldType::Picklist);
    options(&mut status, &[("planned", "Planned"), ("active", "Active"), ("done", "Done")]);
    status.required = true;
    let mut tags = project("tags", "Tags", FieldType::MultiPicklist);
    options(&mut tags, &[("hardware", "Hardware"), ("software", "Software"), ("services", "Services")]);
    let mut client = project("client", "Client", FieldType::Reference);
    client.reference = Some(ReferenceTarget::Object("accounts".into()));
    let mut sponsor = project("sponsor", "Sponsor", FieldType::Reference);
    sponsor.reference = Some(ReferenceTarget::Object("contacts".into()));
    let mut lead_deal = project("deal", "Deal", FieldType::Reference);
    lead_deal.reference = Some(ReferenceTarget::Object("deals".into()));
    let mut manager = project("manager", "Manager", FieldType::Reference);
    manager.reference = Some(ReferenceTarget::User);
    let fields = vec![
        name,
        project("summary", "Summary", FieldType::LongText),
        project("billing_email", "Billing email", FieldType::Email),
        project("hotline", "Hotline", FieldType::Phone),
        project("homepage", "Homepage", FieldType::Url),
        project("seats", "Seats", FieldType::Number),
        project("budget", "Budget", FieldType::Currency),
        project("margin", "Margin", FieldType::Percent),
        project("kickoff", "Kickoff", FieldType::Date),
        project("review_at", "Review at", FieldType::DateTime),
        project("billable", "Billable", FieldType::Boolean),
        status,
        tags,
        client,
        sponsor,
        lead_deal,
        manager,
    ];
    objects.push(ObjectDef {
        id: ObjectId(0),
        api_name: "projects".into(),
        label: "Project".into(),
        plural_label: "Projects".into(),
        kind: ObjectKind::Custom,
        name_field: "name".into(),
        fields,
    });
    for (i, object) in objects.iter_mut().enumerate() {
        object.id = ObjectId(i as i64 + 1);
    }
    let pipeline =
        Pipeline { id: salesos_model::ids::PipelineId(1), name: "Sales".into(), stages: standard_stages(), is_default: true };
    Schema { objects, pipelines: vec![pipeline] }
}

fn all_objects() -> Vec<&'static str> {
    vec!["contacts", "accounts", "leads", "deals", "activities", "products", "notes", "documents", "projects"]
}

#[test]
fn every_template_maps_automatically_and_its_example_row_converts_cleanly() {
    let schema = schema();
    for name in all_objects() {
        let object = schema.object(name).unwrap();
        let paths = default_paths(&schema, object, &admin());
        let columns = plan(&schema, object, &paths, &ctx(), true).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(columns.len(), paths.len(), "{name}");
        let headers: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
        let examples: Vec<String> = columns.iter().map(|c| c.example.clone()).collect();
        assert!(examples.iter().all(|e| !e.is_empty()), "{name}: every column has an example: {columns:?}");

        // Auto-mapping, asked afresh, maps every header to exactly its column's path.
        let suggestions = suggest::suggest(&schema, object, &headers, std::slice::from_ref(&examples));
        for (column, suggestion) in columns.iter().zip(&suggestions) {
            assert!(suggestion.confidence >= AUTO_MAP_THRESHOLD, "{name}: {suggestion:?}");
            let got = path::resolve(&schema, object, suggestion.target.as_deref().unwrap()).unwrap();
            let wanted = path::resolve(&schema, object, &column.path).unwrap();
            assert!(same_place(object, &got.target, &wanted.target), "{name}: {:?} → {suggestion:?}", column.path);
        }

        // The example row converts and validates without a single issue.
        let targets: Vec<Option<String>> = suggestions.iter().map(|s| s.target.clone()).collect();
        let spec = map::spec_from_targets(name, &headers, &targets, ImportSettings::default());
        let samples = vec![examples.clone()];
        let mapping = map::resolve(&schema, object, &headers, &samples, &spec, &MappingLimits::default())
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let context = RowContext { default_country: "US".into(), default_currency: "USD".into(), utc_offset_minutes: 0 };
        let mut row = transform::transform_row(&mapping, &context, &examples);
        Validator::new(object, Vec::new()).unwrap().check_values(&mut row, &mapping.columns_by_key);
        assert!(row.issues.is_empty(), "{name}: {:?}", row.issues);
        let related = columns
            .iter()
            .filter(|c| matches!(path::resolve(&schema, object, &c.path).unwrap().target, PathTarget::Related { .. }))
            .count();
        assert_eq!(row.references.len(), related, "{name}: every reference waits for its lookup");
    }
}

#[test]
fn the_contacts_template_has_a_column_per_importable_field() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let columns = plan(&schema, contacts, &default_paths(&schema, contacts, &admin()), &ctx(), true).unwrap();
    let got: Vec<(&str, &str, &str, bool)> =
        columns.iter().map(|c| (c.path.as_str(), c.header.as_str(), c.example.as_str(), c.required)).collect();
    assert_eq!(
        got,
        [
            ("first_name", "First name", "Jane", false),
            ("last_name", "Last name", "Doe", true),
            ("email", "Email", "jane.doe@example.com", false),
            ("phone", "Phone", "+14155550123", false),
            ("account.name", "Account", "Acme Corporation", false),
            ("title", "Title", "VP of Sales", false),
            ("department", "Department", "Sales", false),
            ("mailing_street", "Mailing Street", "100 Main Street", false),
            ("mailing_city", "Mailing City", "San Francisco", false),
            ("mailing_state", "Mailing State/Province", "CA", false),
            ("mailing_postal_code", "Mailing Postal code", "94105", false),
            ("mailing_country", "Mailing Country", "United States", false),
            ("lead_source", "Lead source", "Web", false),
            ("birthdate", "Birthdate", "1985-06-15", false),
            ("linkedin_url", "LinkedIn", "https://www.linkedin.com/in/janedoe", false),
            ("do_not_contact", "Do not contact", "false", false),
            ("description", "Description", "Met at the spring trade show; interested in the annual plan.", false),
            ("custom.score", "Score", "42", false),
            ("custom.tier", "Tier", "Gold", false),
            ("custom.region", "Region", "Example region", false),
            ("owner", "Owner", "admin@acme.io", false),
        ]
    );
    let source = &columns[12];
    assert_eq!(source.picklist.first().map(String::as_str), Some("Web"));
    assert_eq!(source.picklist.len(), 10);
    assert!(!source.multiple);
    assert_eq!(columns[18].picklist, ["Gold", "Silver"]);
    assert!(columns[0].picklist.is_empty());
}

#[test]
fn examples_fit_each_type() {
    let schema = schema();
    let projects = schema.object("projects").unwrap();
    let columns = plan(&schema, projects, &default_paths(&schema, projects, &admin()), &ctx(), true).unwrap();
    let by_path: BTreeMap<&str, &Column> = columns.iter().map(|c| (c.path.as_str(), c)).collect();
    let example = |path: &str| by_path.get(path).unwrap_or_else(|| panic!("{path} in {columns:?}")).example.as_str();
    assert_eq!(example("name"), "Example name");
    assert_eq!(example("billing_email"), "jane.doe@example.com");
    assert_eq!(example("hotline"), "+14155550123");
    assert_eq!(example("homepage"), "https://www.example.com");
    assert_eq!(example("seats"), "42");
    assert_eq!(example("budget"), "25000.00 USD");
    assert_eq!(example("margin"), "25");
    assert_eq!(example("kickoff"), "2026-03-15");
    assert_eq!(example("review_at"), "2026-03-15T14:30:00Z");
    assert_eq!(example("billable"), "true");
    assert_eq!(example("status"), "Planned");
    assert_eq!(example("tags"), "Hardware; Software");
    assert_eq!(example("client.name"), "Acme Corporation");
    assert_eq!(example("sponsor.email"), "jane.doe@example.com");
    assert_eq!(example("manager"), "7");
    assert_eq!(example("owner"), "admin@acme.io");
    assert!(!by_path.contains_key("deal") && !by_path.contains_key("deal.name"), "deals are found by external id only");
    assert!(by_path["status"].required && by_path["name"].required);
    assert!(by_path["tags"].multiple && by_path["tags"].picklist.len() == 3);
    assert!(!by_path["status"].multiple);
    assert!(by_path["client.name"].picklist.is_empty());

    // Deals: the stage is the default pipeline's first, the pipeline its name, the contact by email.
    let deals = schema.object("deals").unwrap();
    let columns = plan(&schema, deals, &default_paths(&schema, deals, &admin()), &ctx(), true).unwrap();
    let find = |path: &str| columns.iter().find(|c| c.path == path).unwrap_or_else(|| panic!("{path}: {columns:?}"));
    assert_eq!((find("stage").example.as_str(), find("stage").required), ("Prospecting", true));
    assert_eq!(find("pipeline").example, "Sales");
    assert_eq!(find("amount").example, "25000.00 USD");
    assert_eq!(find("contact.email").example, "jane.doe@example.com");
    assert_ne!(find("contact.email").header, "Contact", "that header maps to the last name, found by no key");

    // Notes and documents: a link to any record is left out with its object column.
    for name in ["notes", "documents"] {
        let object = schema.object(name).unwrap();
        let paths = default_paths(&schema, object, &admin());
        assert!(!paths.iter().any(|p| p.starts_with("parent")), "{name}: {paths:?}");
    }
}

#[test]
fn custom_paths_keep_their_order_and_get_auto_mapping_headers() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let paths: Vec<String> =
        ["custom.score", "emails[work]", "email", "phones[mobile]", "account.name", "last_name", "external_ids[salesforce]"]
            .map(String::from)
            .to_vec();
    let columns = plan(&schema, contacts, &paths, &ctx(), true).unwrap();
    assert_eq!(columns.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(), paths);
    let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
    assert_eq!(headers, ["Score", "Work email", "Email", "Mobile phone", "Account", "Last name", "Salesforce ID"]);
    assert_eq!(columns[1].example, "jane.doe.work@example.com");
    assert_ne!(columns[1].example, columns[2].example);
    assert_eq!(columns[3].example, "+14155550177");
    assert_eq!(columns[6].example, "EXT-1001");
}

#[test]
fn unknown_repeated_and_unimportable_paths_are_refused_naming_the_path() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let refuse = |paths: &[&str]| {
        let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        plan(&schema, contacts, &paths, &ctx(), true).unwrap_err()
    };
    let err = refuse(&["last_name", "nickname"]);
    assert_eq!((err.code(), err.body.field.as_deref()), (ErrorCode::UnknownField, Some("nickname")));
    assert!(err.body.message.contains("\"nickname\""), "{err}");
    let err = refuse(&["emails[work"]);
    assert_eq!(err.code(), ErrorCode::UnknownField, "{err}");
    let err = refuse(&["email", "emails"]);
    assert!(err.body.message.contains("twice"), "{err}");
    let err = refuse(&["last_name", "created_at"]);
    assert_eq!(err.body.field.as_deref(), Some("created_at"), "{err}");
    assert!(err.body.message.contains("set by SalesOS"), "{err}");
    let err = refuse(&["account.website"]);
    assert_eq!(err.body.field.as_deref(), Some("account.website"), "{err}");
    assert_eq!(refuse(&[]).code(), ErrorCode::InvalidRequest);
    let activities = schema.object("activities").unwrap();
    let err = plan(&schema, activities, &["deal.name".to_string()], &ctx(), true).unwrap_err();
    assert!(err.body.message.contains("external_ids"), "{err}");
}

#[test]
fn fields_the_user_may_not_import_are_left_out() {
    let schema = schema();
    let contacts = schema.object("contacts").unwrap();
    let mut principal = admin();
    principal.role = Role::Member;
    let mut fields = BTreeMap::new();
    fields.insert("custom.score".to_string(), Permissions::parse("read").unwrap());
    fields.insert("account".to_string(), Permissions::parse("read,edit").unwrap());
    principal.field_rules.insert("contacts".into(), fields);
    let paths = default_paths(&schema, contacts, &principal);
    assert!(!paths.contains(&"custom.score".to_string()), "{paths:?}");
    assert!(!paths.contains(&"account.name".to_string()), "{paths:?}");
    assert!(paths.contains(&"last_name".to_string()));
}

#[test]
fn file_names_are_safe() {
    assert_eq!(slug("Trade show Q3 / EU"), "trade-show-q3-eu");
    assert_eq!(slug("***"), "template");
    assert_eq!(check_name("  crm  ").unwrap(), "crm");
    assert!(check_name(" ").is_err());
    assert!(check_name(&"x".repeat(101)).is_err());
    assert!(check_name("a\nb").is_err());
}

#[test]
fn a_column_no_header_can_reach_is_left_out_of_downloads_and_refused_when_saving() {
    let mut schema = schema();
    // A second reference to contacts: `Contact: Email` goes to the first one, `Reviewer` to a
    // last name (no lookup key), so nothing auto-maps to `reviewer.email`.
    let projects = schema.objects.iter_mut().find(|o| o.api_name == "projects").unwrap();
    let mut reviewer = custom_field("reviewer", "Reviewer", FieldType::Reference);
    reviewer.reference = Some(ReferenceTarget::Object("contacts".into()));
    projects.fields.push(reviewer);
    let projects = schema.object("projects").unwrap();
    let paths = default_paths(&schema, projects, &admin());
    assert!(paths.contains(&"reviewer.email".to_string()), "{paths:?}");
    let lenient = plan(&schema, projects, &paths, &ctx(), false).unwrap();
    assert_eq!(lenient.len(), paths.len() - 1);
    assert!(lenient.iter().any(|c| c.path == "sponsor.email") && !lenient.iter().any(|c| c.path == "reviewer.email"));
    let err = plan(&schema, projects, &paths, &ctx(), true).unwrap_err();
    assert_eq!(err.body.field.as_deref(), Some("reviewer.email"), "{err}");
    assert!(err.body.message.contains("automatically"), "{err}");
}
