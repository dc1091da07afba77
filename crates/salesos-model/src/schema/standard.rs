//! The standard objects and their fields, covering at least the spec's import-template table.

use super::{FieldDef, FieldType, ObjectDef, ObjectKind, PicklistOption, ReferenceTarget, Stage};
use crate::ids::ObjectId;

/// Api names of the standard objects, in display order.
pub const STANDARD_OBJECTS: [&str; 8] =
    ["contacts", "accounts", "leads", "deals", "activities", "products", "notes", "documents"];

fn field(api_name: &str, label: &str, field_type: FieldType) -> FieldDef {
    FieldDef::new(api_name, label, field_type)
}

fn required(mut def: FieldDef) -> FieldDef {
    def.required = true;
    def
}

fn multi(mut def: FieldDef) -> FieldDef {
    def.multi = true;
    def
}

fn picklist(api_name: &str, label: &str, values: &[&str]) -> FieldDef {
    let mut def = field(api_name, label, FieldType::Picklist);
    def.options = values.iter().map(|value| PicklistOption { value: value.to_string(), label: label_of(value) }).collect();
    def
}

fn reference(api_name: &str, label: &str, target: ReferenceTarget) -> FieldDef {
    let mut def = field(api_name, label, FieldType::Reference);
    def.reference = Some(target);
    def
}

fn object_ref(api_name: &str, label: &str, object: &str) -> FieldDef {
    reference(api_name, label, ReferenceTarget::Object(object.into()))
}

/// Turns an api value like `closed_won` into a label like `Closed won`.
pub fn label_of(value: &str) -> String {
    let spaced = value.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn address(prefix: &str) -> Vec<FieldDef> {
    let label = if prefix.is_empty() { String::new() } else { format!("{} ", label_of(prefix.trim_end_matches('_'))) };
    vec![
        field(&format!("{prefix}street"), &format!("{label}Street"), FieldType::Text),
        field(&format!("{prefix}city"), &format!("{label}City"), FieldType::Text),
        field(&format!("{prefix}state"), &format!("{label}State/Province"), FieldType::Text),
        field(&format!("{prefix}postal_code"), &format!("{label}Postal code"), FieldType::Text),
        field(&format!("{prefix}country"), &format!("{label}Country"), FieldType::Text),
    ]
}

/// Api values of the industry picklist (accounts and leads).
pub const INDUSTRIES: &[&str] = &[
    "agriculture",
    "banking",
    "biotechnology",
    "chemicals",
    "communications",
    "construction",
    "consulting",
    "education",
    "electronics",
    "energy",
    "engineering",
    "entertainment",
    "finance",
    "food_and_beverage",
    "government",
    "healthcare",
    "hospitality",
    "insurance",
    "manufacturing",
    "media",
    "not_for_profit",
    "retail",
    "technology",
    "telecommunications",
    "transportation",
    "utilities",
    "other",
];

const LEAD_SOURCES: &[&str] =
    &["web", "referral", "partner", "trade_show", "advertisement", "cold_call", "email", "social", "purchased_list", "other"];

/// Returns the default stages of the default sales pipeline.
pub fn default_stages() -> Vec<Stage> {
    let stage = |value: &str, probability: f64, closed: bool, won: bool| Stage {
        value: value.into(),
        label: label_of(value),
        probability,
        closed,
        won,
    };
    vec![
        stage("prospecting", 10.0, false, false),
        stage("qualification", 20.0, false, false),
        stage("needs_analysis", 40.0, false, false),
        stage("proposal", 60.0, false, false),
        stage("negotiation", 80.0, false, false),
        stage("closed_won", 100.0, true, true),
        stage("closed_lost", 0.0, true, false),
    ]
}

/// Returns the standard objects with their standard fields; ids are zero until the store assigns them.
pub fn standard_objects() -> Vec<ObjectDef> {
    let object = |api_name: &str, label: &str, plural: &str, name_field: &str, fields: Vec<FieldDef>| ObjectDef {
        id: ObjectId(0),
        api_name: api_name.into(),
        label: label.into(),
        plural_label: plural.into(),
        kind: ObjectKind::Standard,
        name_field: name_field.into(),
        fields,
    };
    let deal_stages: Vec<String> = default_stages().into_iter().map(|s| s.value).collect();
    let deal_stage_refs: Vec<&str> = deal_stages.iter().map(String::as_str).collect();

    let mut contact_fields = vec![
        field("first_name", "First name", FieldType::Text),
        required(field("last_name", "Last name", FieldType::Text)),
        multi(field("emails", "Email", FieldType::Email)),
        multi(field("phones", "Phone", FieldType::Phone)),
        object_ref("account", "Account", "accounts"),
        field("title", "Title", FieldType::Text),
        field("department", "Department", FieldType::Text),
    ];
    contact_fields.extend(address("mailing_"));
    contact_fields.extend([
        picklist("lead_source", "Lead source", LEAD_SOURCES),
        field("birthdate", "Birthdate", FieldType::Date),
        field("linkedin_url", "LinkedIn", FieldType::Url),
        field("do_not_contact", "Do not contact", FieldType::Boolean),
        field("description", "Description", FieldType::LongText),
    ]);

    let mut account_fields = vec![
        required(field("name", "Company name", FieldType::Text)),
        field("domain", "Domain", FieldType::Text),
        field("website", "Website", FieldType::Url),
        picklist("industry", "Industry", INDUSTRIES),
        field("employees", "Employees", FieldType::Number),
        picklist("size", "Size", &["1_10", "11_50", "51_200", "201_1000", "1001_5000", "5001_plus"]),
        field("annual_revenue", "Annual revenue", FieldType::Currency),
        field("phone", "Phone", FieldType::Phone),
        picklist("type", "Type", &["prospect", "customer", "partner", "competitor", "vendor", "other"]),
        object_ref("parent_account", "Parent account", "accounts"),
    ];
    account_fields.extend(address("billing_"));
    account_fields.push(field("description", "Description", FieldType::LongText));

    let mut lead_fields = vec![
        field("first_name", "First name", FieldType::Text),
        required(field("last_name", "Last name", FieldType::Text)),
        multi(field("emails", "Email", FieldType::Email)),
        multi(field("phones", "Phone", FieldType::Phone)),
        field("company", "Company", FieldType::Text),
        field("title", "Title", FieldType::Text),
        picklist("source", "Lead source", LEAD_SOURCES),
        picklist("status", "Status", &["new", "contacted", "qualified", "unqualified", "converted"]),
        picklist("rating", "Rating", &["hot", "warm", "cold"]),
        picklist("industry", "Industry", INDUSTRIES),
        field("website", "Website", FieldType::Url),
    ];
    lead_fields.extend(address(""));
    lead_fields.push(field("notes", "Notes", FieldType::LongText));

    let deal_fields = vec![
        required(field("name", "Deal name", FieldType::Text)),
        field("amount", "Amount", FieldType::Currency),
        required(picklist("stage", "Stage", &deal_stage_refs)),
        field("pipeline", "Pipeline", FieldType::Text),
        field("close_date", "Close date", FieldType::Date),
        object_ref("account", "Account", "accounts"),
        object_ref("contact", "Contact", "contacts"),
        field("probability", "Probability", FieldType::Percent),
        picklist("type", "Type", &["new_business", "existing_business", "renewal", "upsell"]),
        picklist("lead_source", "Lead source", LEAD_SOURCES),
        field("next_step", "Next step", FieldType::Text),
        field("description", "Description", FieldType::LongText),
    ];

    let activity_fields = vec![
        required(picklist("type", "Type", &["call", "email", "meeting", "task", "note", "other"])),
        required(field("subject", "Subject", FieldType::Text)),
        field("date", "Date", FieldType::DateTime),
        field("duration_minutes", "Duration (minutes)", FieldType::Number),
        object_ref("contact", "Related contact", "contacts"),
        object_ref("deal", "Related deal", "deals"),
        object_ref("account", "Related account", "accounts"),
        picklist("status", "Status", &["open", "completed", "cancelled"]),
        picklist("priority", "Priority", &["high", "normal", "low"]),
        field("description", "Description", FieldType::LongText),
    ];

    let mut sku = field("sku", "SKU", FieldType::Text);
    sku.rules.push(super::FieldRule::MaxLength { max: 64 });
    let product_fields = vec![
        required(field("name", "Product name", FieldType::Text)),
        sku,
        field("price", "Price", FieldType::Currency),
        field("category", "Category", FieldType::Text),
        field("description", "Description", FieldType::LongText),
        picklist("status", "Status", &["active", "inactive", "discontinued"]),
        field("unit", "Unit", FieldType::Text),
    ];

    let note_fields = vec![
        field("title", "Title", FieldType::Text),
        required(field("body", "Body", FieldType::LongText)),
        reference("parent", "Related to", ReferenceTarget::Any),
        field("parent_object", "Related object", FieldType::Text),
    ];

    let document_fields = vec![
        required(field("name", "File name", FieldType::Text)),
        field("file_id", "Stored file", FieldType::Number),
        field("content_type", "Content type", FieldType::Text),
        field("size_bytes", "Size (bytes)", FieldType::Number),
        field("sha256", "SHA-256", FieldType::Text),
        reference("parent", "Related to", ReferenceTarget::Any),
        field("parent_object", "Related object", FieldType::Text),
        field("description", "Description", FieldType::LongText),
    ];

    vec![
        object("contacts", "Contact", "Contacts", "last_name", contact_fields),
        object("accounts", "Account", "Accounts", "name", account_fields),
        object("leads", "Lead", "Leads", "last_name", lead_fields),
        object("deals", "Deal", "Deals", "name", deal_fields),
        object("activities", "Activity", "Activities", "subject", activity_fields),
        object("products", "Product", "Products", "name", product_fields),
        object("notes", "Note", "Notes", "title", note_fields),
        object("documents", "Document", "Documents", "name", document_fields),
    ]
}
