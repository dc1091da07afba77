//! Rows of each object: clean originals, their near-duplicates and their invalid variants.
//!
//! An original is a pure function of the world and its original number `k`, so a
//! near-duplicate regenerates its original instead of keeping it in memory.

use crate::data::{self, EN_STREETS};
use crate::locale::{format_amount, format_date, format_datetime, group_thousands, Country, Phone};
use crate::rng::{hash2, Rng};
use crate::world::{Person, World};
use crate::GenObject;
use chrono::{Days, NaiveDate, NaiveDateTime};
use salesos_model::record::Fields;
use salesos_model::value::{Labeled, Value};

/// Contact columns.
pub const CONTACT_HEADER: &[&str] = &[
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
    "Notes",
];
/// Account columns.
pub const ACCOUNT_HEADER: &[&str] = &[
    "Company Name",
    "Website",
    "Industry",
    "Employees",
    "Annual Revenue",
    "Phone",
    "Street",
    "City",
    "State",
    "Postal Code",
    "Country",
    "Type",
];
/// Lead columns.
pub const LEAD_HEADER: &[&str] =
    &["First Name", "Last Name", "Email", "Phone", "Company", "Title", "Lead Source", "Status", "Notes"];
/// Deal columns.
pub const DEAL_HEADER: &[&str] =
    &["Deal Name", "Amount", "Stage", "Close Date", "Account", "Contact Email", "Probability", "Type"];
/// Activity columns.
pub const ACTIVITY_HEADER: &[&str] = &["Type", "Subject", "Date", "Duration", "Contact Email", "Deal", "Status"];
/// Product columns.
pub const PRODUCT_HEADER: &[&str] = &["Product Name", "SKU", "Price", "Category", "Description", "Status"];

/// Returns the columns of an object.
pub fn header_of(object: GenObject) -> &'static [&'static str] {
    match object {
        GenObject::Contacts => CONTACT_HEADER,
        GenObject::Accounts => ACCOUNT_HEADER,
        GenObject::Leads => LEAD_HEADER,
        GenObject::Deals => DEAL_HEADER,
        GenObject::Activities => ACTIVITY_HEADER,
        GenObject::Products => PRODUCT_HEADER,
    }
}

// Picklist values of the model's standard objects, with weights.
const LEAD_SOURCES: &[(&str, u32)] = &[
    ("web", 30),
    ("referral", 15),
    ("partner", 8),
    ("trade_show", 10),
    ("advertisement", 7),
    ("cold_call", 8),
    ("email", 8),
    ("social", 7),
    ("purchased_list", 4),
    ("other", 3),
];
use salesos_model::schema::{label_of, INDUSTRIES};
const ACCOUNT_TYPES: &[(&str, u32)] =
    &[("prospect", 40), ("customer", 35), ("partner", 10), ("competitor", 4), ("vendor", 8), ("other", 3)];
const LEAD_STATUSES: &[(&str, u32)] = &[("new", 40), ("contacted", 25), ("qualified", 15), ("unqualified", 12), ("converted", 8)];
/// Deal stages with weight and default probability.
const DEAL_STAGES: &[(&str, u32, u32)] = &[
    ("prospecting", 20, 10),
    ("qualification", 15, 20),
    ("needs_analysis", 12, 40),
    ("proposal", 12, 60),
    ("negotiation", 10, 80),
    ("closed_won", 18, 100),
    ("closed_lost", 13, 0),
];
const DEAL_TYPES: &[(&str, u32)] = &[("new_business", 45), ("existing_business", 25), ("renewal", 20), ("upsell", 10)];
const ACTIVITY_STATUSES: &[(&str, u32)] = &[("completed", 65), ("open", 28), ("cancelled", 7)];
const PRODUCT_STATUSES: &[(&str, u32)] = &[("active", 80), ("inactive", 12), ("discontinued", 8)];

/// Values that are in no picklist.
const BOGUS_PICKS: &[&str] =
    &["Carrier pigeon", "Underwater basket weaving", "Frenemy", "Verbal yes", "Smoke signal", "Half done", "Sold out??"];
const BAD_DATES: &[&str] = &["31/02/2024", "not-a-date", "2024-13-45", "32.01.2024", "yesterday"];
const BAD_AMOUNTS: &[&str] = &["twelve", "TBD", "call us", "1,2,3 €"];

/// A phone number in a cell.
#[derive(Debug, Clone, Copy)]
pub struct PhoneCell {
    col: usize,
    phone: Phone,
    style: u8,
}

/// A date or date-time in a cell.
#[derive(Debug, Clone, Copy)]
pub struct WhenCell {
    col: usize,
    value: When,
    style: u8,
}

/// A calendar date or a date and time (`iso`: written as RFC 3339).
#[derive(Debug, Clone, Copy)]
enum When {
    Date(NaiveDate),
    DateTime(NaiveDateTime, bool),
}

/// An amount in a cell.
#[derive(Debug, Clone, Copy)]
pub struct AmountCell {
    col: usize,
    cents: i64,
    style: u8,
}

/// A row under construction, with what is needed to reformat its values.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Cells in header order.
    pub cells: Vec<String>,
    /// Clean values.
    pub fields: Fields,
    country: Country,
    phones: [Option<PhoneCell>; 2],
    when: Option<WhenCell>,
    amount: Option<AmountCell>,
}

impl Draft {
    fn new(columns: usize, country: Country) -> Draft {
        Draft {
            cells: vec![String::new(); columns],
            fields: Fields::new(),
            country,
            phones: [None, None],
            when: None,
            amount: None,
        }
    }

    fn set(&mut self, key: &str, value: Value) {
        self.fields.insert(key.into(), value);
    }

    fn set_text(&mut self, key: &str, text: &str) {
        self.set(key, Value::Text(text.to_string()));
    }
}

/// Picks a weighted value.
fn weighted<'a>(rng: &mut Rng, items: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(u64::from(total)) as u32;
    for (value, weight) in items {
        if roll < *weight {
            return value;
        }
        roll -= weight;
    }
    items[0].0
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c == ' ';
    }
    out
}

/// Spells a picklist value as a spreadsheet would: mostly its label, sometimes Title Case,
/// lower case, upper case or the api value itself. All spellings match the option ignoring case.
fn picklist_cell(rng: &mut Rng, value: &str) -> String {
    let label = label_of(value);
    match rng.below(100) {
        0..=64 => label,
        65..=77 => title_case(&label),
        78..=87 => label.to_lowercase(),
        88..=95 => value.to_string(),
        _ => label.to_uppercase(),
    }
}

/// A date `0..days` days after a start.
fn date_after(rng: &mut Rng, year: i32, days: u64) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    start.checked_add_days(Days::new(rng.below(days))).unwrap_or(start)
}

/// Adds surrounding or (with `inner`) doubled whitespace, as pasted cells have.
fn pad(rng: &mut Rng, cell: &str, inner: bool) -> String {
    match rng.below(3) {
        0 => format!("  {cell}"),
        1 => format!("{cell} "),
        _ if inner && cell.contains(' ') => cell.replacen(' ', "  ", 1),
        _ => format!(" {cell} "),
    }
}

/// One typing mistake in a name: two letters swapped, one dropped, replaced or doubled.
/// Only letters after the first are touched, never spaces, hyphens or apostrophes.
fn typo(rng: &mut Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len()).filter(|i| chars[*i].is_alphabetic()).collect();
    let Some(&at) = letters.get(rng.index(letters.len())) else { return format!("{name}{name}") };
    let kind = if chars.len() < 4 { 3 } else { rng.below(3) };
    match kind {
        0 if chars.get(at + 1).is_some_and(|next| next.is_alphabetic() && *next != chars[at]) => chars.swap(at, at + 1),
        1 => {
            const LETTERS: &[char] = &['a', 'e', 'i', 'o', 'u', 'n', 'r', 's', 't', 'l'];
            let current = chars[at];
            let mut replacement = *rng.pick(LETTERS);
            if replacement == current.to_ascii_lowercase() {
                replacement = if replacement == 'a' { 'e' } else { 'a' };
            }
            chars[at] = replacement;
        }
        2 | 0 => {
            chars.remove(at);
        }
        _ => chars.insert(at, chars[at]),
    }
    chars.into_iter().collect()
}

/// Changes the case of an email address: `Jose.Muller@Acme.com` or all upper case.
fn recase_email(rng: &mut Rng, email: &str) -> String {
    let capitalized = capitalize_email(email);
    if rng.chance(0.3) || capitalized == email {
        email.to_uppercase()
    } else {
        capitalized
    }
}

fn capitalize_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    for c in email.chars() {
        if start {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
        start = matches!(c, '.' | '_' | '@') && !out.contains('@') || c == '@';
    }
    out
}

fn us_state_name(code: &str) -> &'static str {
    match code {
        "NY" => "New York",
        "CA" => "California",
        "IL" => "Illinois",
        "MA" => "Massachusetts",
        "WA" => "Washington",
        "TX" => "Texas",
        "CO" => "Colorado",
        "FL" => "Florida",
        "GA" => "Georgia",
        _ => "",
    }
}

/// Which columns hold a person's basics.
struct PersonCols {
    first: usize,
    last: usize,
    email: usize,
    phone: usize,
    mobile: Option<usize>,
    company: usize,
    title: usize,
}

/// Which columns and fields hold an address.
struct AddressCols {
    street: usize,
    prefix: &'static str,
}

impl World {
    /// Regenerates the `k`-th original row.
    pub fn original(&self, k: u64) -> Draft {
        let mut rng = Rng::new(hash2(self.object_key ^ 0x0D1C_E5ED, k));
        let rng = &mut rng;
        match self.object {
            GenObject::Contacts => self.contact(k, rng),
            GenObject::Accounts => self.account(k, rng),
            GenObject::Leads => self.lead(k, rng),
            GenObject::Deals => self.deal(rng),
            GenObject::Activities => self.activity(rng),
            GenObject::Products => self.product(k, rng),
        }
    }

    fn phone_style(&self, rng: &mut Rng, phone: &Phone) -> u8 {
        let national = phone.national_styles();
        if phone.country == self.default_country && rng.chance(0.6) {
            rng.below(u64::from(national)) as u8
        } else {
            national + rng.below(u64::from(phone.styles() - national)) as u8
        }
    }

    /// Another style for the same number, still normalizable with the default country.
    fn other_phone_style(&self, rng: &mut Rng, cell: &PhoneCell) -> u8 {
        let low = if cell.phone.country == self.default_country { 0 } else { cell.phone.national_styles() };
        let count = cell.phone.styles() - low;
        let offset = 1 + rng.below(u64::from(count - 1)) as u8;
        low + (cell.style - low + offset) % count
    }

    fn put_phone(&self, draft: &mut Draft, rng: &mut Rng, slot: usize, col: usize, phone: Phone) {
        let style = self.phone_style(rng, &phone);
        draft.cells[col] = phone.format(style);
        draft.phones[slot] = Some(PhoneCell { col, phone, style });
    }

    fn put_date(&self, draft: &mut Draft, rng: &mut Rng, col: usize, value: When) {
        let style = *rng.pick(draft.country.date_styles());
        let value = match value {
            When::DateTime(instant, _) => When::DateTime(instant, rng.chance(0.15)),
            other => other,
        };
        draft.cells[col] = format_when(value, style);
        draft.when = Some(WhenCell { col, value, style });
    }

    fn put_amount(&self, draft: &mut Draft, rng: &mut Rng, col: usize, key: &str, cents: i64) {
        let style = *rng.pick(draft.country.amount_styles());
        draft.cells[col] = format_amount(cents, draft.country, style);
        draft.amount = Some(AmountCell { col, cents, style });
        let currency = draft.country.currency().to_string();
        draft.set(key, Value::Money { amount: cents as f64 / 100.0, currency });
    }

    fn person_basics(&self, draft: &mut Draft, rng: &mut Rng, person: &Person, k: u64, cols: &PersonCols) {
        draft.cells[cols.first] = person.first_name().to_string();
        draft.cells[cols.last] = person.last_name().to_string();
        draft.set_text("first_name", person.first_name());
        draft.set_text("last_name", person.last_name());
        let has_email = rng.chance(0.92);
        let mut has_phone = rng.chance(0.75);
        let has_mobile = cols.mobile.is_some() && rng.chance(0.45);
        if !has_email && !has_phone && !has_mobile {
            has_phone = true;
        }
        if has_email {
            let (email, label) = self.email(person);
            draft.cells[cols.email] = if rng.chance(0.1) { capitalize_email(&email) } else { email.clone() };
            draft.set("emails", Value::Labeled(vec![Labeled { label: label.into(), value: email }]));
        }
        let country = person.country();
        let office = person.company.city;
        let mut phones = Vec::new();
        if has_phone {
            let phone = self.landline(k, country, office);
            self.put_phone(draft, rng, 0, cols.phone, phone);
            phones.push(Labeled { label: "work".into(), value: phone.e164() });
        }
        if let (true, Some(col)) = (has_mobile, cols.mobile) {
            let phone = self.mobile(k, country, office);
            self.put_phone(draft, rng, 1, col, phone);
            phones.push(Labeled { label: "mobile".into(), value: phone.e164() });
        }
        if !phones.is_empty() {
            draft.set("phones", Value::Labeled(phones));
        }
        draft.cells[cols.company] = person.company.name();
        if rng.chance(0.85) {
            let title = *rng.pick(data::TITLES);
            draft.cells[cols.title] = title.to_string();
            draft.set_text("title", title);
        }
    }

    fn address(&self, draft: &mut Draft, rng: &mut Rng, cols: &AddressCols, city: &data::City) {
        let country = draft.country;
        let key = |name: &str| format!("{}{name}", cols.prefix);
        if rng.chance(0.8) {
            let street = street(rng, country);
            draft.fields.insert(key("street").into(), Value::Text(street.clone()));
            draft.cells[cols.street] = street;
        }
        draft.cells[cols.street + 1] = city.name.to_string();
        draft.fields.insert(key("city").into(), Value::Text(city.name.to_string()));
        if !city.state.is_empty() {
            draft.cells[cols.street + 2] = if country == Country::Us && rng.chance(0.3) {
                us_state_name(city.state).to_string()
            } else {
                city.state.to_string()
            };
            draft.fields.insert(key("state").into(), Value::Text(city.state.to_string()));
        }
        let postal = postal_code(rng, country, city);
        draft.fields.insert(key("postal_code").into(), Value::Text(postal.clone()));
        draft.cells[cols.street + 3] = postal;
        let spellings = country.spellings();
        draft.cells[cols.street + 4] = if rng.chance(0.5) { spellings[0].to_string() } else { rng.pick(spellings).to_string() };
        draft.fields.insert(key("country").into(), Value::Text(country.code().to_string()));
    }

    fn contact(&self, k: u64, rng: &mut Rng) -> Draft {
        let person = self.person(k);
        let mut draft = Draft::new(CONTACT_HEADER.len(), person.country());
        let cols = PersonCols { first: 0, last: 1, email: 2, phone: 3, mobile: Some(4), company: 5, title: 6 };
        self.person_basics(&mut draft, rng, &person, k, &cols);
        if rng.chance(0.85) {
            let city = if rng.chance(0.8) { person.company.city } else { rng.pick(person.country().cities()) };
            self.address(&mut draft, rng, &AddressCols { street: 7, prefix: "mailing_" }, city);
        }
        if rng.chance(0.7) {
            let source = weighted(rng, LEAD_SOURCES);
            draft.cells[12] = picklist_cell(rng, source);
            draft.set_text("lead_source", source);
        }
        if rng.chance(0.35) {
            let birthdate = date_after(rng, 1950, 54 * 365);
            self.put_date(&mut draft, rng, 13, When::Date(birthdate));
            draft.set("birthdate", Value::Date(birthdate));
        }
        if rng.chance(0.15) {
            let note = note(rng, &person.company.base_name());
            draft.cells[14] = note.clone();
            draft.set("description", Value::Text(note));
        }
        draft
    }

    fn lead(&self, k: u64, rng: &mut Rng) -> Draft {
        let person = self.person(k);
        let mut draft = Draft::new(LEAD_HEADER.len(), person.country());
        let cols = PersonCols { first: 0, last: 1, email: 2, phone: 3, mobile: None, company: 4, title: 5 };
        self.person_basics(&mut draft, rng, &person, k, &cols);
        let company = draft.cells[4].clone();
        draft.set("company", Value::Text(company));
        if rng.chance(0.75) {
            let source = weighted(rng, LEAD_SOURCES);
            draft.cells[6] = picklist_cell(rng, source);
            draft.set_text("source", source);
        }
        if rng.chance(0.9) {
            let status = weighted(rng, LEAD_STATUSES);
            draft.cells[7] = picklist_cell(rng, status);
            draft.set_text("status", status);
        }
        if rng.chance(0.2) {
            let note = note(rng, &person.company.base_name());
            draft.cells[8] = note.clone();
            draft.set("notes", Value::Text(note));
        }
        draft
    }

    fn account(&self, k: u64, rng: &mut Rng) -> Draft {
        let company = self.company(k);
        let country = company.country;
        let mut draft = Draft::new(ACCOUNT_HEADER.len(), country);
        let name = company.name();
        draft.cells[0] = name.clone();
        draft.set("name", Value::Text(name));
        if rng.chance(0.85) {
            let domain = self.domain(&company);
            draft.cells[1] = website_cell(rng.below(5), &domain);
            draft.set("website", Value::Text(format!("https://www.{domain}")));
            draft.set("domain", Value::Text(domain));
        }
        if rng.chance(0.85) {
            let industry = if rng.chance(0.9) { company.industry } else { *rng.pick(INDUSTRIES) };
            draft.cells[2] = picklist_cell(rng, industry);
            draft.set_text("industry", industry);
        }
        let employees = rng.log_uniform(0, 47).max(1);
        if rng.chance(0.8) {
            draft.cells[3] = if employees >= 1000 && rng.chance(0.5) {
                group_thousands(employees, country.thousands())
            } else {
                employees.to_string()
            };
            draft.set("employees", Value::Number(employees as f64));
            draft.set_text("size", size_of(employees));
        }
        if rng.chance(0.6) {
            let per_head = rng.range(40, 300) as u64 * 1000;
            let units = (employees.saturating_mul(per_head) / 1000).max(1) * 1000;
            self.put_amount(&mut draft, rng, 4, "annual_revenue", units.min(i64::MAX as u64 / 100) as i64 * 100);
        }
        if rng.chance(0.85) {
            let phone = self.landline(k, country, company.city);
            self.put_phone(&mut draft, rng, 0, 5, phone);
            draft.set("phone", Value::Text(phone.e164()));
        }
        if rng.chance(0.85) {
            self.address(&mut draft, rng, &AddressCols { street: 6, prefix: "billing_" }, company.city);
        }
        if rng.chance(0.75) {
            let kind = weighted(rng, ACCOUNT_TYPES);
            draft.cells[11] = picklist_cell(rng, kind);
            draft.set_text("type", kind);
        }
        draft
    }

    fn deal(&self, rng: &mut Rng) -> Draft {
        let company = self.company(rng.below(self.companies()));
        let mut draft = Draft::new(DEAL_HEADER.len(), company.country);
        let name = deal_name(rng, &company.base_name());
        draft.cells[0] = name.clone();
        draft.set("name", Value::Text(name));
        if rng.chance(0.9) {
            let units = (rng.log_uniform(27, 57) / 10).max(1) as i64 * 10;
            let cents = units * 100 + if rng.chance(0.2) { rng.range(1, 99) } else { 0 };
            self.put_amount(&mut draft, rng, 1, "amount", cents);
        }
        let total: u32 = DEAL_STAGES.iter().map(|(_, w, _)| w).sum();
        let mut roll = rng.below(u64::from(total)) as u32;
        let (stage, probability) = DEAL_STAGES
            .iter()
            .find(|(_, weight, _)| {
                let hit = roll < *weight;
                roll = roll.saturating_sub(*weight);
                hit
            })
            .map(|(stage, _, probability)| (*stage, *probability))
            .unwrap_or(("prospecting", 10));
        draft.cells[2] = picklist_cell(rng, stage);
        draft.set_text("stage", stage);
        if rng.chance(0.85) {
            let close = date_after(rng, 2023, 4 * 365);
            self.put_date(&mut draft, rng, 3, When::Date(close));
            draft.set("close_date", Value::Date(close));
        }
        draft.cells[4] = if rng.chance(0.9) { company.name() } else { company.base_name() };
        if rng.chance(0.7) {
            let person = self.someone_at(company.index, rng);
            draft.cells[5] = self.email(&person).0;
        }
        if rng.chance(0.7) {
            draft.cells[6] = if rng.chance(0.6) { format!("{probability}%") } else { probability.to_string() };
            draft.set("probability", Value::Number(f64::from(probability)));
        }
        if rng.chance(0.7) {
            let kind = weighted(rng, DEAL_TYPES);
            draft.cells[7] = picklist_cell(rng, kind);
            draft.set_text("type", kind);
        }
        draft
    }

    fn activity(&self, rng: &mut Rng) -> Draft {
        let company = self.company(rng.below(self.companies()));
        let person = self.someone_at(company.index, rng);
        let mut draft = Draft::new(ACTIVITY_HEADER.len(), company.country);
        let (kind, template) = *rng.pick(data::ACTIVITY_SUBJECTS);
        let who = if rng.chance(0.7) { format!("{} {}", person.first_name(), person.last_name()) } else { company.base_name() };
        draft.cells[0] = picklist_cell(rng, kind);
        draft.set_text("type", kind);
        let subject = template.replace("{}", &who);
        draft.cells[1] = subject.clone();
        draft.set("subject", Value::Text(subject));
        if rng.chance(0.95) {
            let day = date_after(rng, 2023, 3 * 365);
            let minutes = 8 * 60 + 15 * rng.below(40);
            let instant = day.and_hms_opt((minutes / 60) as u32, (minutes % 60) as u32, 0).unwrap_or_default();
            self.put_date(&mut draft, rng, 2, When::DateTime(instant, false));
            draft.set("date", Value::DateTime(instant.and_utc()));
        }
        let minutes = match kind {
            "call" => Some(5 * rng.range(1, 12)),
            "meeting" => Some(15 * rng.range(2, 8)),
            _ if rng.chance(0.4) => Some(10 * rng.range(1, 6)),
            _ => None,
        };
        if let Some(minutes) = minutes {
            draft.cells[3] = match rng.below(3) {
                0 => minutes.to_string(),
                1 => format!("{minutes} min"),
                _ => format!("{}:{:02}", minutes / 60, minutes % 60),
            };
            draft.set("duration_minutes", Value::Number(minutes as f64));
        }
        if rng.chance(0.8) {
            draft.cells[4] = self.email(&person).0;
        }
        if rng.chance(0.4) {
            draft.cells[5] = deal_name(rng, &company.base_name());
        }
        if rng.chance(0.9) {
            let status = weighted(rng, ACTIVITY_STATUSES);
            draft.cells[6] = picklist_cell(rng, status);
            draft.set_text("status", status);
        }
        draft
    }

    fn product(&self, k: u64, rng: &mut Rng) -> Draft {
        let mut draft = Draft::new(PRODUCT_HEADER.len(), self.default_country);
        let (noun, category, low, high) = *rng.pick(data::PRODUCT_NOUNS);
        let adjective = rng.pick(data::PRODUCT_ADJECTIVES);
        let model = rng.pick(data::PRODUCT_MODELS);
        let name = if model.is_empty() { format!("{adjective} {noun}") } else { format!("{adjective} {noun} {model}") };
        draft.cells[0] = name.clone();
        draft.set("name", Value::Text(name));
        let sku = format!("{}-{}", category_code(category), base36(self.sku_perm.apply(k), 6));
        draft.cells[1] = sku.clone();
        draft.set("sku", Value::Text(sku));
        if rng.chance(0.95) {
            let cents = rng.range(low, high);
            let cents = match rng.below(10) {
                0..=4 => cents / 100 * 100 + 99,
                5..=7 => cents / 100 * 100,
                _ => cents / 10 * 10,
            };
            self.put_amount(&mut draft, rng, 2, "price", cents);
        }
        if rng.chance(0.9) {
            draft.cells[3] = category.to_string();
            draft.set_text("category", category);
        }
        if rng.chance(0.5) {
            let description = product_description(rng, noun, category);
            draft.cells[4] = description.clone();
            draft.set("description", Value::Text(description));
        }
        if rng.chance(0.9) {
            let status = weighted(rng, PRODUCT_STATUSES);
            draft.cells[5] = picklist_cell(rng, status);
            draft.set_text("status", status);
        }
        draft
    }

    /// Turns a copy of an original into a near-duplicate: typos in names, other spellings of
    /// the same email, phone, date and amount, stray whitespace. Emails and phones keep their
    /// clean values so that exact matching on normalized keys finds the pair.
    pub fn perturb(&self, draft: &mut Draft, rng: &mut Rng) {
        let mut changed = false;
        match self.object {
            GenObject::Contacts | GenObject::Leads => {
                let company_col = if self.object == GenObject::Contacts { 5 } else { 4 };
                if rng.chance(0.6) {
                    let (col, key) = if rng.chance(0.5) { (0, "first_name") } else { (1, "last_name") };
                    let misspelled = typo(rng, &draft.cells[col]);
                    draft.set(key, Value::Text(misspelled.clone()));
                    draft.cells[col] = misspelled;
                    changed = true;
                }
                if !draft.cells[2].is_empty() && rng.chance(0.5) {
                    draft.cells[2] = recase_email(rng, &draft.cells[2]);
                    changed = true;
                }
                if rng.chance(0.5) {
                    changed |= self.reformat_phones(draft, rng);
                }
                if rng.chance(0.4) {
                    let col = *rng.pick(&[0, 1, company_col]);
                    draft.cells[col] = pad(rng, &draft.cells[col], col == company_col);
                    changed = true;
                }
                if rng.chance(0.2) {
                    changed |= self.reformat_when(draft, rng);
                }
                if !changed {
                    if draft.cells[2].is_empty() {
                        self.reformat_phones(draft, rng);
                    } else {
                        draft.cells[2] = recase_email(rng, &draft.cells[2]);
                    }
                }
            }
            GenObject::Accounts => {
                let base = company_base(&draft.cells[0], draft.country);
                draft.cells[0] = match rng.below(4) {
                    0 => draft.cells[0].to_uppercase(),
                    1 => {
                        let suffixes = draft.country.legal_suffixes();
                        let current = &draft.cells[0][base.len()..];
                        let other = suffixes.iter().find(|s| !current.trim().eq_ignore_ascii_case(s)).copied().unwrap_or("");
                        if other.is_empty() {
                            base
                        } else {
                            format!("{base} {other}")
                        }
                    }
                    2 if base != draft.cells[0] => base,
                    _ => pad(rng, &draft.cells[0], true),
                };
                if let Some(Value::Text(domain)) = draft.fields.get("domain") {
                    let current = draft.cells[1].clone();
                    let mut variant = website_cell(rng.below(5), domain);
                    if variant == current {
                        variant = if current.starts_with("www.") { domain.clone() } else { format!("www.{domain}") };
                    }
                    draft.cells[1] = variant;
                }
                if rng.chance(0.5) {
                    self.reformat_phones(draft, rng);
                }
                if rng.chance(0.3) {
                    self.reformat_amount(draft, rng);
                }
            }
            GenObject::Deals | GenObject::Activities | GenObject::Products => {
                let col = if self.object == GenObject::Activities { 1 } else { 0 };
                draft.cells[col] = match rng.below(3) {
                    0 => draft.cells[col].to_uppercase(),
                    1 => draft.cells[col].to_lowercase(),
                    _ => pad(rng, &draft.cells[col], true),
                };
                if rng.chance(0.6) {
                    self.reformat_amount(draft, rng);
                }
                if rng.chance(0.6) {
                    self.reformat_when(draft, rng);
                }
                if self.object == GenObject::Products && rng.chance(0.5) {
                    draft.cells[1] = draft.cells[1].to_lowercase();
                }
            }
        }
    }

    fn reformat_phones(&self, draft: &mut Draft, rng: &mut Rng) -> bool {
        let mut changed = false;
        for slot in 0..draft.phones.len() {
            if let Some(cell) = draft.phones[slot] {
                let style = self.other_phone_style(rng, &cell);
                draft.cells[cell.col] = cell.phone.format(style);
                draft.phones[slot] = Some(PhoneCell { style, ..cell });
                changed = true;
            }
        }
        changed
    }

    fn reformat_when(&self, draft: &mut Draft, rng: &mut Rng) -> bool {
        let Some(cell) = draft.when else { return false };
        let styles = draft.country.date_styles();
        let position = styles.iter().position(|s| *s == cell.style).unwrap_or(0);
        let style = styles[(position + 1 + rng.index(styles.len() - 1)) % styles.len()];
        let value = match cell.value {
            When::DateTime(instant, iso) => When::DateTime(instant, !iso && rng.chance(0.3)),
            other => other,
        };
        draft.cells[cell.col] = format_when(value, style);
        draft.when = Some(WhenCell { style, value, ..cell });
        true
    }

    fn reformat_amount(&self, draft: &mut Draft, rng: &mut Rng) -> bool {
        let Some(cell) = draft.amount else { return false };
        let styles = draft.country.amount_styles();
        let position = styles.iter().position(|s| *s == cell.style).unwrap_or(0);
        let style = styles[(position + 1 + rng.index(styles.len() - 1)) % styles.len()];
        draft.cells[cell.col] = format_amount(cell.cents, draft.country, style);
        draft.amount = Some(AmountCell { style, ..cell });
        true
    }

    /// Makes one cell invalid and returns its header; the clean fields stay as they were.
    pub fn corrupt(&self, draft: &mut Draft, rng: &mut Rng) -> &'static str {
        // (column, what to do): e = email, p = phone, d = date, a = amount, k = picklist,
        // r = required text emptied, n = number.
        let plan: &[(usize, u8)] = match self.object {
            GenObject::Contacts => &[(2, b'e'), (3, b'p'), (13, b'd'), (12, b'k'), (1, b'r')],
            GenObject::Leads => &[(2, b'e'), (3, b'p'), (6, b'k'), (7, b'k'), (1, b'r')],
            GenObject::Accounts => &[(0, b'r'), (3, b'n'), (4, b'a'), (5, b'p'), (2, b'k'), (11, b'k')],
            GenObject::Deals => &[(0, b'r'), (1, b'a'), (2, b'k'), (3, b'd'), (6, b'n'), (7, b'k')],
            GenObject::Activities => &[(0, b'k'), (1, b'r'), (2, b'd'), (3, b'n'), (6, b'k')],
            GenObject::Products => &[(0, b'r'), (2, b'a'), (5, b'k')],
        };
        let (col, what) = *rng.pick(plan);
        let header = header_of(self.object);
        let cell = &mut draft.cells[col];
        *cell = match what {
            b'e' => {
                let email = if cell.is_empty() {
                    let first = crate::world::slug(&draft.fields.get("first_name").map(Value::to_string).unwrap_or_default());
                    format!("{first}@example.com")
                } else {
                    cell.clone()
                };
                if rng.chance(0.5) {
                    email.replacen('@', "", 1)
                } else {
                    email.replacen('@', " at ", 1)
                }
            }
            b'p' => "12".to_string(),
            b'd' => rng.pick(BAD_DATES).to_string(),
            b'a' => rng.pick(BAD_AMOUNTS).to_string(),
            b'k' => rng.pick(BOGUS_PICKS).to_string(),
            b'n' => rng.pick(&["lots", "about fifty", "n.a.", "high"]).to_string(),
            _ => String::new(),
        };
        header[col]
    }
}

fn format_when(value: When, style: u8) -> String {
    match value {
        When::Date(date) => format_date(date, style),
        When::DateTime(instant, iso) => format_datetime(instant, style, iso),
    }
}

/// The name without any legal suffix of the country.
fn company_base(name: &str, country: Country) -> String {
    for suffix in country.legal_suffixes() {
        if suffix.is_empty() {
            continue;
        }
        if let Some(base) = name.strip_suffix(suffix).and_then(|rest| rest.strip_suffix(' ')) {
            return base.to_string();
        }
    }
    name.to_string()
}

fn website_cell(variant: u64, domain: &str) -> String {
    match variant {
        0 => format!("https://www.{domain}"),
        1 => format!("www.{domain}"),
        2 => domain.to_string(),
        3 => format!("http://{domain}/"),
        _ => format!("https://{domain}"),
    }
}

fn size_of(employees: u64) -> &'static str {
    match employees {
        0..=10 => "1_10",
        11..=50 => "11_50",
        51..=200 => "51_200",
        201..=1000 => "201_1000",
        1001..=5000 => "1001_5000",
        _ => "5001_plus",
    }
}

fn street(rng: &mut Rng, country: Country) -> String {
    match country {
        Country::Us => {
            let street = format!("{} {} {}", rng.range(1, 9999), rng.pick(EN_STREETS), rng.pick(data::US_STREET_TYPES));
            if rng.chance(0.15) {
                format!("{street}, Suite {}", rng.range(100, 999))
            } else {
                street
            }
        }
        Country::Gb => {
            let street = format!("{} {} {}", rng.range(1, 250), rng.pick(EN_STREETS), rng.pick(data::GB_STREET_TYPES));
            if rng.chance(0.1) {
                format!("Flat {}, {street}", rng.range(1, 40))
            } else {
                street
            }
        }
        Country::De => {
            let letter = if rng.chance(0.1) { "a" } else { "" };
            format!("{} {}{letter}", rng.pick(data::DE_STREETS), rng.range(1, 200))
        }
        Country::Fr => format!("{} {}", rng.range(1, 150), rng.pick(data::FR_STREETS)),
    }
}

fn postal_code(rng: &mut Rng, country: Country, city: &data::City) -> String {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let base: u64 = city.postal.parse().unwrap_or(0);
    match country {
        Country::Gb => {
            format!("{} {}{}{}", city.postal, rng.range(1, 9), char::from(*rng.pick(LETTERS)), char::from(*rng.pick(LETTERS)))
        }
        Country::Us => format!("{:05}", base + rng.below(50)),
        Country::De => format!("{:05}", base + rng.below(100)),
        Country::Fr => format!("{:05}", base + rng.below(9)),
    }
}

fn note(rng: &mut Rng, company: &str) -> String {
    match rng.below(8) {
        0 => format!("Met at {}, interested in the {} plan.", rng.pick(data::EVENTS), rng.pick(&["Pro", "Team", "Enterprise"])),
        1 => "Prefers email, not phone.".to_string(),
        2 => "Called twice, no answer.\nLeft voicemail.".to_string(),
        3 => "Said: \"call me after the holidays, not before\"".to_string(),
        4 => format!("Budget approved; waiting for legal, then signature.\nFollow up in Q{}.", rng.range(1, 4)),
        5 => format!("Key contact for {company}'s EMEA rollout"),
        6 => "VIP – handle with care".to_string(),
        _ => format!("Referred by {} {}, {}", rng.pick(data::FIRST_NAMES), rng.pick(data::LAST_NAMES), rng.pick(data::TITLES)),
    }
}

fn deal_name(rng: &mut Rng, company: &str) -> String {
    let topic = rng.pick(data::DEAL_TOPICS);
    match rng.below(4) {
        0 => format!("{company} - {topic}"),
        1 => format!("{company} {topic} {}", rng.range(2023, 2026)),
        2 => format!("{company}: {} seats", 5 * rng.range(1, 100)),
        _ => format!("{company} – {}", title_case(topic)),
    }
}

fn product_description(rng: &mut Rng, noun: &str, category: &str) -> String {
    match rng.below(5) {
        0 => format!("Our best-selling {}, shipped in 2-3 days.", noun.to_lowercase()),
        1 => format!("{category}; includes 1 year warranty, free returns"),
        2 => "Bulk discounts available.\nContact sales for volume pricing.".to_string(),
        3 => format!("The \"{noun}\" everyone asks for"),
        _ => String::from("Replaces the previous model"),
    }
}

fn category_code(category: &str) -> String {
    category.chars().filter(char::is_ascii_alphabetic).take(3).map(|c| c.to_ascii_uppercase()).collect()
}

fn base36(mut value: u64, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value % 36) as usize];
        value /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_change_names() {
        let mut rng = Rng::new(3);
        for name in ["Li", "Wu", "Lê", "Kim", "Müller", "O'Brien", "Nguyễn", "Anne-Marie", "Ll", "Aaaa"] {
            for _ in 0..50 {
                let misspelled = typo(&mut rng, name);
                assert_ne!(misspelled, name);
                assert!(!misspelled.is_empty());
            }
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(label_of("closed_won"), "Closed won");
        assert_eq!(title_case("closed won"), "Closed Won");
        assert_eq!(capitalize_email("jose.muller@acme.com"), "Jose.Muller@Acme.com");
        assert_eq!(base36(35, 3), "00Z");
        assert_eq!(category_code("Food & Beverage"), "FOO");
        assert_eq!(company_base("Acme Systems Inc.", Country::Us), "Acme Systems");
        assert_eq!(company_base("Acme Systems", Country::Us), "Acme Systems");
    }
}
