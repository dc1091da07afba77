//! Auto-mapping: suggests a target field path for each column of a file, from header names,
//! field labels, an alias table of CRM and address-book exports, header similarity and the
//! patterns of the column's values, each with a confidence.
//!
//! Evidence, strongest first:
//!
//! | Evidence | Confidence |
//! | --- | --- |
//! | the field's api name or label (`MailingStreet` → `mailing_street`) | 1.0 / 0.97 |
//! | a known alias ([`aliases`]: Salesforce, HubSpot, Pipedrive, Outlook, Google, Thunderbird, vCard, six languages) | about 0.9–0.95 |
//! | vendor id columns (`Id` with Salesforce ids, `Record ID`, `Person - ID`) | 0.85–0.95 |
//! | header similarity (typos, near spellings) or a header containing a name | 0.45–0.85 |
//! | the values alone: emails, phones, URLs, domains, dates, Salesforce ids in ≥ 90 % of samples | 0.6–0.85 |
//!
//! Values then confirm or contradict a header: agreeing raises the confidence a little, a
//! header saying `Email` over values that are not emails drops below [`AUTO_MAP_THRESHOLD`].
//! Headers are normalized first ([`normalize_header`]): case, accents, punctuation, `__c`
//! suffixes and camelCase. Vendor prefixes (`Person - Email - Work`, `Contact: First Name`,
//! `Account.Name`, `Who:Contact-Email`) name the entity a column belongs to; a column of a
//! related object becomes a lookup path (`account.name`, `contact.email`). Finally each target
//! goes to at most one column, the most confident first, and every path is checked with
//! [`salesos_model::path::resolve`].

mod aliases;
mod patterns;
#[cfg(test)]
mod tests;

use patterns::{Kind, Profile};
use salesos_model::path::{resolve, PathTarget, SystemField};
use salesos_model::schema::{FieldType, ObjectDef, ReferenceTarget, Schema};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Suggestions at or above this confidence are applied without asking ("Auto-mapped").
pub const AUTO_MAP_THRESHOLD: f64 = 0.8;

/// Headers of the error column of our failed-rows file (and similar error columns); such a
/// column is never mapped, so a fixed error report re-imports cleanly.
pub const ERROR_COLUMN_HEADERS: &[&str] = &[
    "Errors",
    "Error",
    "Import errors",
    "Error message",
    "Error messages",
    "Row errors",
    "Validation errors",
    "Fehler",
    "Erreurs",
];

/// Why a column was suggested a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionReason {
    /// The header is the field's api name or path.
    ExactName,
    /// The header is the field's label.
    Label,
    /// The header is a known alias (vendor exports, address books, other languages).
    Alias,
    /// The header is similar to a name, label or alias.
    Similar,
    /// The values look like the field's type (emails, phones, dates, URLs).
    DataPattern,
}

impl SuggestionReason {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionReason::ExactName => "exact_name",
            SuggestionReason::Label => "label",
            SuggestionReason::Alias => "alias",
            SuggestionReason::Similar => "similar",
            SuggestionReason::DataPattern => "data_pattern",
        }
    }
}

/// A suggested target for one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// 0-based column index.
    pub column: usize,
    /// The column's header.
    pub header: String,
    /// The suggested field path, or `None` when nothing fits.
    pub target: Option<String>,
    /// 0.0 to 1.0; at or above [`AUTO_MAP_THRESHOLD`] it is applied.
    pub confidence: f64,
    /// Why, when there is a target.
    pub reason: Option<SuggestionReason>,
}

/// Returns whether a header names the error column of a failed-rows file.
pub fn is_error_column(header: &str) -> bool {
    let key = compact(&normalize_header(header));
    index().errors.contains(&key)
}

/// Normalizes a header for matching: `__c` suffix dropped, camelCase split (`MailingStreet` →
/// `mailing street`), lower case, accents folded (`Prénom` → `prenom`, `Straße` → `strasse`),
/// punctuation turned into single spaces.
pub fn normalize_header(header: &str) -> String {
    let text = header.trim().trim_start_matches('\u{feff}').trim();
    let text = strip_custom_suffix(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &ch) in chars.iter().enumerate() {
        if i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let camel = ch.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower));
            let digit = (ch.is_ascii_digit() && prev.is_alphabetic()) || (ch.is_alphabetic() && prev.is_ascii_digit());
            if camel || digit {
                out.push(' ');
            }
        }
        for lower in ch.to_lowercase() {
            fold(&mut out, lower);
        }
    }
    let mut result = String::with_capacity(out.len());
    for token in out.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()) {
        if !result.is_empty() {
            result.push(' ');
        }
        result.push_str(token);
    }
    result
}

/// Suggests a target for every column; each target is given to at most one column.
///
/// `samples` are the first rows' cells (row-major, as read), used for data patterns.
pub fn suggest(schema: &Schema, object: &ObjectDef, headers: &[String], samples: &[Vec<String>]) -> Vec<Suggestion> {
    let mut ctx = Context::new(schema, object, headers);
    let mut per_column: Vec<Vec<Candidate>> = Vec::with_capacity(headers.len());
    for (column, header) in headers.iter().enumerate() {
        let profile = Profile::of(samples.iter().filter_map(|row| row.get(column)).map(String::as_str));
        per_column.push(ctx.column(header, &profile));
    }
    assign(headers, per_column)
}

/// One possible target of a column.
#[derive(Debug, Clone)]
struct Candidate {
    path: String,
    confidence: f64,
    reason: SuggestionReason,
}

/// Gives each target to at most one column, the most confident pairs first.
fn assign(headers: &[String], per_column: Vec<Vec<Candidate>>) -> Vec<Suggestion> {
    let mut pairs: Vec<(usize, Candidate)> =
        per_column.into_iter().enumerate().flat_map(|(column, list)| list.into_iter().map(move |c| (column, c))).collect();
    pairs.sort_by(|a, b| b.1.confidence.total_cmp(&a.1.confidence).then(a.0.cmp(&b.0)));
    let mut taken: HashSet<String> = HashSet::new();
    let mut out: Vec<Suggestion> = headers
        .iter()
        .enumerate()
        .map(|(column, header)| Suggestion { column, header: header.clone(), target: None, confidence: 0.0, reason: None })
        .collect();
    for (column, candidate) in pairs {
        let slot = &mut out[column];
        if slot.target.is_some() || candidate.confidence < MIN_CONFIDENCE || taken.contains(&candidate.path) {
            continue;
        }
        taken.insert(candidate.path.clone());
        slot.confidence = (candidate.confidence.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        slot.target = Some(candidate.path);
        slot.reason = Some(candidate.reason);
    }
    out
}

/// Candidates below this are not worth showing.
const MIN_CONFIDENCE: f64 = 0.35;

/// Words of single-token aliases too generic to count when found inside a longer header.
const GENERIC_WORDS: &[&str] = &[
    "name", "date", "data", "type", "value", "first", "last", "text", "item", "user", "web", "site", "label", "status", "source",
    "start", "land", "deal", "job", "org", "mail", "art", "contact", "person", "account", "parent", "active", "code", "content",
    "product", "created", "updated", "modified", "owner", "phase", "service", "via", "body",
];

/// The external systems whose ids are recognized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    Salesforce,
    Hubspot,
    Pipedrive,
}

impl System {
    fn as_str(self) -> &'static str {
        match self {
            System::Salesforce => "salesforce",
            System::Hubspot => "hubspot",
            System::Pipedrive => "pipedrive",
        }
    }
}

/// A name a column may carry, with the path it means.
#[derive(Debug, Clone)]
struct Name {
    compact: String,
    tokens: Vec<String>,
    path: String,
    confidence: f64,
    reason: SuggestionReason,
}

/// All names of one object: fields, labels and resolved aliases.
struct Names {
    list: Vec<Name>,
    exact: HashMap<String, usize>,
}

/// The static, normalized alias table.
struct Index {
    /// (compact alias, tokens, concept index).
    aliases: Vec<(String, Vec<String>, usize)>,
    unmapped: HashSet<String>,
    errors: HashSet<String>,
    /// Entity words (`person`, `organization`, `deal`…) → object api name.
    entities: HashMap<String, &'static str>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut aliases = Vec::new();
        for (i, concept) in aliases::CONCEPTS.iter().enumerate() {
            for alias in concept.aliases {
                let norm = normalize_header(alias);
                aliases.push((compact(&norm), tokens(&norm), i));
            }
        }
        let unmapped = aliases::UNMAPPED.iter().map(|h| compact(&normalize_header(h))).collect();
        let errors = ERROR_COLUMN_HEADERS.iter().map(|h| compact(&normalize_header(h))).collect();
        let mut entities = HashMap::new();
        for (object, words) in ENTITY_WORDS {
            for word in *words {
                entities.insert(compact(&normalize_header(word)), *object);
            }
        }
        Index { aliases, unmapped, errors, entities }
    })
}

/// Words that name an entity in vendor prefixes (`Person - `, `Account: `, `Obchod - `).
const ENTITY_WORDS: &[(&str, &[&str])] = &[
    (
        "contacts",
        &[
            "person", "persons", "people", "contact", "contacts", "who", "osoba", "personne", "persona", "pessoa", "persoon",
            "kontakt", "contacto", "contatto", "contato",
        ],
    ),
    (
        "accounts",
        &[
            "organization",
            "organisation",
            "organizations",
            "org",
            "account",
            "accounts",
            "company",
            "companies",
            "organizace",
            "organización",
            "organizzazione",
            "organização",
            "organisatie",
            "unternehmen",
            "firma",
            "entreprise",
            "empresa",
            "azienda",
            "bedrijf",
            "société",
        ],
    ),
    (
        "deals",
        &[
            "deal",
            "deals",
            "opportunity",
            "opportunities",
            "obchod",
            "affaire",
            "trato",
            "negocio",
            "negócio",
            "trattativa",
            "oportunidad",
            "opportunité",
            "opportunità",
            "verkaufschance",
        ],
    ),
    ("leads", &["lead", "leads"]),
    (
        "activities",
        &[
            "activity",
            "activities",
            "task",
            "event",
            "call",
            "meeting",
            "aktivität",
            "activité",
            "actividad",
            "atividade",
            "attività",
            "activiteit",
            "aktivita",
        ],
    ),
    ("products", &["product", "products", "produkt", "produit", "producto", "produto", "prodotto"]),
    ("notes", &["note", "notes", "notiz", "poznamka"]),
];

/// What the file's headers say about its origin.
#[derive(Debug, Clone, Copy, Default)]
struct Vendor {
    system: Option<System>,
}

impl Vendor {
    fn detect(headers: &[String]) -> Vendor {
        const SALESFORCE: &[&str] = &[
            "systemmodstamp",
            "isdeleted",
            "createdbyid",
            "lastmodifiedbyid",
            "ownerid",
            "accountid",
            "stagename",
            "mailingstreet",
            "billingstreet",
            "leadsource",
            "masterrecordid",
            "whoid",
            "whatid",
        ];
        const HUBSPOT: &[&str] = &[
            "recordid",
            "contactowner",
            "companyowner",
            "dealowner",
            "lifecyclestage",
            "hubspotscore",
            "primaryassociatedcompanyid",
            "associatedcompanyids",
            "companydomainname",
            "hsobjectid",
        ];
        const PIPEDRIVE: &[&str] =
            &["org_id", "person_id", "deal_id", "add_time", "update_time", "active_flag", "visible_to", "busy_flag"];
        let mut system = None;
        for header in headers {
            let key = compact(&normalize_header(header));
            if header.trim().to_ascii_lowercase().ends_with("__c") || SALESFORCE.contains(&key.as_str()) {
                system = Some(System::Salesforce);
                break;
            }
            if HUBSPOT.contains(&key.as_str()) {
                system = Some(System::Hubspot);
                break;
            }
            if PIPEDRIVE.contains(&header.trim()) {
                system = Some(System::Pipedrive);
                break;
            }
            if split_prefix(header).is_some_and(|(entity, _, sep)| sep == " - " && index().entities.contains_key(&entity)) {
                system = Some(System::Pipedrive);
                break;
            }
        }
        Vendor { system }
    }
}

/// The matching state of one call.
struct Context<'a> {
    schema: &'a Schema,
    object: &'a ObjectDef,
    names: Names,
    related: HashMap<String, Names>,
    vendor: Vendor,
    /// Whether a `Job Title` column exists, making a bare `Title` the salutation (Outlook).
    job_title: bool,
}

/// How a header was read before values are looked at.
enum HeaderMatch {
    /// Candidates from the header.
    Found(Vec<Candidate>),
    /// The header names something known to have no target: values must not override it.
    Known,
    /// Nothing recognizable.
    Unknown,
}

impl<'a> Context<'a> {
    fn new(schema: &'a Schema, object: &'a ObjectDef, headers: &[String]) -> Context<'a> {
        let job_title = headers.iter().any(|h| compact(&normalize_header(h)) == "jobtitle");
        Context {
            schema,
            object,
            names: names_for(schema, object),
            related: HashMap::new(),
            vendor: Vendor::detect(headers),
            job_title,
        }
    }

    fn resolves(&self, path: &str) -> bool {
        resolve(self.schema, self.object, path).is_ok()
    }

    /// All candidates of one column, best first.
    fn column(&mut self, header: &str, profile: &Profile) -> Vec<Candidate> {
        if is_error_column(header) {
            return Vec::new();
        }
        let matched = self.header(header, profile);
        let mut candidates = match matched {
            HeaderMatch::Known => return Vec::new(),
            HeaderMatch::Found(list) => list,
            HeaderMatch::Unknown => Vec::new(),
        };
        self.apply_patterns(&mut candidates, profile);
        candidates.retain(|c| self.resolves(&c.path));
        candidates.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        let mut seen = HashSet::new();
        candidates.retain(|c| seen.insert(c.path.clone()));
        candidates.truncate(4);
        candidates
    }

    /// Reads a header: exact names and aliases, known-unmapped names, vendor prefixes, id
    /// columns, then similarity.
    fn header(&mut self, header: &str, profile: &Profile) -> HeaderMatch {
        let norm = normalize_header(header);
        let key = compact(&norm);
        if key.is_empty() {
            return HeaderMatch::Unknown;
        }
        if key == "title" && self.job_title && self.object.field("title").is_some() {
            return HeaderMatch::Known;
        }
        if let Some(found) = self.exact(&key) {
            return HeaderMatch::Found(vec![found]);
        }
        if let Some(found) = self.id_column(header, &norm, None, profile) {
            return found;
        }
        if index().unmapped.contains(&key) {
            return HeaderMatch::Known;
        }
        if let Some(found) = self.prefixed(header, profile) {
            return found;
        }
        let similar = similar(&self.names, &norm, &key);
        if similar.is_empty() {
            HeaderMatch::Unknown
        } else {
            HeaderMatch::Found(similar)
        }
    }

    fn exact(&self, key: &str) -> Option<Candidate> {
        self.names.exact.get(key).map(|&i| {
            let name = &self.names.list[i];
            Candidate { path: name.path.clone(), confidence: name.confidence, reason: name.reason }
        })
    }

    /// `Person - Email - Work`, `Contact: First Name`, `Account.Name`, `Who:Contact-Email`.
    fn prefixed(&mut self, header: &str, profile: &Profile) -> Option<HeaderMatch> {
        let (entity_word, rest, sep) = split_prefix(header)?;
        let system = (sep == " - ").then_some(System::Pipedrive);
        if entity_word == "owner" {
            return Some(HeaderMatch::Found(vec![candidate("owner", 0.9, SuggestionReason::Alias)]));
        }
        let entity = index().entities.get(&entity_word).copied()?;
        let rest_norm = normalize_header(&rest);
        let rest_key = compact(&rest_norm);
        if rest_key.is_empty() {
            return Some(HeaderMatch::Unknown);
        }
        if entity == self.object.api_name {
            if let Some(found) = self.id_column(&rest, &rest_norm, system, profile) {
                return Some(found);
            }
            if let Some(found) = self.exact(&rest_key) {
                return Some(HeaderMatch::Found(vec![found]));
            }
            if index().unmapped.contains(&rest_key) {
                return Some(HeaderMatch::Known);
            }
            let similar = similar(&self.names, &rest_norm, &rest_key);
            return Some(if similar.is_empty() { HeaderMatch::Unknown } else { HeaderMatch::Found(similar) });
        }
        // A column of a related record: only lookup keys make sense (name, email, external id).
        let Some(via) = self.reference_to(entity) else {
            // Leads keep the company as text.
            if entity == "accounts" && self.object.field("company").is_some() {
                let names = self.related_names("accounts");
                let name = names.exact.get(&rest_key).map(|&i| names.list[i].path.clone());
                if name.as_deref() == Some("name") {
                    return Some(HeaderMatch::Found(vec![candidate("company", 0.9, SuggestionReason::Alias)]));
                }
            }
            return Some(HeaderMatch::Known);
        };
        if let Some(HeaderMatch::Found(list)) = self.id_column(&rest, &rest_norm, system, profile) {
            // `Deal - Organization ID` is the organization's id seen from the deal; `Organization - ID`
            // seen from a contact is the related record's id.
            let mapped: Vec<Candidate> = list
                .into_iter()
                .filter_map(|c| {
                    if c.path.starts_with("external_ids[") {
                        Some(Candidate { path: format!("{via}.{}", c.path), ..c })
                    } else if c.path.contains(".external_ids[") {
                        Some(c)
                    } else {
                        None
                    }
                })
                .collect();
            return Some(if mapped.is_empty() { HeaderMatch::Known } else { HeaderMatch::Found(mapped) });
        }
        let target_name_field = self.schema.object(entity).map(|o| o.name_field.clone()).unwrap_or_default();
        let names = self.related_names(entity);
        let inner = names.exact.get(&rest_key).map(|&i| names.list[i].clone());
        match inner {
            Some(name)
                if name.path == target_name_field
                    || name.path == "email"
                    || name.path.starts_with("emails[")
                    || name.path.starts_with("external_ids[") =>
            {
                // A related record is looked up by its primary email, whatever the label.
                let inner = if name.path.starts_with("emails[") { "email" } else { name.path.as_str() };
                Some(HeaderMatch::Found(vec![Candidate {
                    path: format!("{via}.{inner}"),
                    confidence: name.confidence.min(0.93),
                    reason: SuggestionReason::Alias,
                }]))
            }
            _ => Some(HeaderMatch::Known),
        }
    }

    /// The reference field of this object pointing to `entity`.
    fn reference_to(&self, entity: &str) -> Option<String> {
        self.object
            .fields
            .iter()
            .find(|f| matches!(&f.reference, Some(ReferenceTarget::Object(target)) if target == entity))
            .map(|f| f.api_name.clone())
    }

    fn related_names(&mut self, entity: &str) -> &Names {
        if !self.related.contains_key(entity) {
            let names = match self.schema.object(entity) {
                Some(object) => names_for(self.schema, object),
                None => Names { list: Vec::new(), exact: HashMap::new() },
            };
            self.related.insert(entity.to_string(), names);
        }
        &self.related[entity]
    }

    /// Id columns: `Id`, `Record ID`, `AccountId`, `Salesforce Id`, `Person - ID`, `OwnerId`.
    fn id_column(&self, raw: &str, norm: &str, system_hint: Option<System>, profile: &Profile) -> Option<HeaderMatch> {
        let mut words: Vec<&str> = norm.split(' ').collect();
        // `ACCOUNTID`, `WHOID`: upper-case api names keep the entity glued to the id.
        if let Some(stem) = words.last().and_then(|w| w.strip_suffix("id")) {
            if stem.len() > 1 && (index().entities.contains_key(stem) || matches!(stem, "owner" | "parent")) {
                words.pop();
                words.push(stem);
                words.push("id");
            }
        }
        let (&last, before) = words.split_last()?;
        if last != "id" && last != "ids" {
            return None;
        }
        if last == "ids" {
            // Lists of associated ids (`Associated Deal IDs`) have no single target.
            return Some(HeaderMatch::Known);
        }
        let mut explicit = None;
        let mut entity_words: Vec<&str> = Vec::new();
        for &word in before {
            match word {
                "salesforce" | "sfdc" | "sf" => explicit = Some(System::Salesforce),
                "hubspot" | "hs" => explicit = Some(System::Hubspot),
                "pipedrive" | "pd" => explicit = Some(System::Pipedrive),
                "18" | "15" | "digit" | "case" | "safe" | "record" | "object" | "primary" | "associated" | "unique" => {}
                other => entity_words.push(other),
            }
        }
        let entity_key: String = entity_words.concat();
        if entity_key == "owner" || entity_key == "user" {
            return Some(HeaderMatch::Found(vec![candidate("owner", 0.92, SuggestionReason::Alias)]));
        }
        // Whose id: this record's, or a related record's (through a reference field).
        let via: Option<String> = if entity_key.is_empty() {
            None
        } else if entity_key == "parent" {
            Some(self.object.fields.iter().find(|f| f.api_name == "parent_account")?.api_name.clone())
        } else {
            let entity = *index().entities.get(&entity_key)?;
            if entity == self.object.api_name {
                None
            } else {
                match self.reference_to(entity) {
                    Some(via) => Some(via),
                    None => return Some(HeaderMatch::Known),
                }
            }
        };
        let salesforce_values = profile.count > 0 && profile.salesforce_ids();
        let raw = raw.trim();
        // Salesforce api names: `AccountId`, or `ACCOUNTID` from Data Loader; Pipedrive's: `org_id`.
        let glued = !raw.contains([' ', '_', '-']) && raw.len() > 2;
        let camel = glued && (raw.ends_with("Id") || (raw.ends_with("ID") && !raw.chars().any(char::is_lowercase)));
        let snake = raw.len() > 3 && raw.ends_with("_id") && !raw.chars().any(char::is_uppercase);
        let spaced_hubspot = raw.ends_with(" ID") && !entity_key.is_empty() || norm == "record id" || norm == "hs object id";
        let (system, mut confidence): (Option<System>, f64) = if let Some(system) = explicit {
            (Some(system), 0.95)
        } else if salesforce_values {
            (Some(System::Salesforce), 0.95)
        } else if let Some(system) = system_hint {
            (Some(system), 0.93)
        } else if camel {
            (Some(System::Salesforce), 0.85)
        } else if let Some(system) = self.vendor.system {
            (Some(system), 0.85)
        } else if spaced_hubspot {
            (Some(System::Hubspot), 0.85)
        } else if snake && !entity_key.is_empty() {
            (Some(System::Pipedrive), 0.75)
        } else {
            (None, 0.6)
        };
        if system == Some(System::Salesforce) && explicit.is_none() && profile.count >= 2 && !salesforce_values {
            confidence = 0.5;
        }
        if matches!(system, Some(System::Hubspot | System::Pipedrive)) && profile.count >= 2 && !profile.integers() {
            confidence = confidence.min(0.6);
        }
        let path = match (system, &via) {
            (Some(system), None) => format!("external_ids[{}]", system.as_str()),
            (Some(system), Some(via)) => format!("{via}.external_ids[{}]", system.as_str()),
            (None, None) => "id".to_string(),
            (None, Some(_)) => return Some(HeaderMatch::Known),
        };
        Some(HeaderMatch::Found(vec![candidate(&path, confidence, SuggestionReason::Alias)]))
    }

    /// Lets the values confirm, contradict or replace what the header said.
    fn apply_patterns(&self, candidates: &mut Vec<Candidate>, profile: &Profile) {
        if profile.count < 2 {
            return;
        }
        let dominant = profile.dominant();
        for c in candidates.iter_mut() {
            let Ok(resolved) = resolve(self.schema, self.object, &c.path) else { continue };
            // A contact named by a column of emails is looked up by email.
            if let PathTarget::Related { via_key, .. } = &resolved.target {
                if dominant == Some(Kind::Email) && resolved.field_type != FieldType::Email {
                    let by_email = format!("{via_key}.email");
                    if self.resolves(&by_email) {
                        c.path = by_email;
                        c.confidence = (c.confidence + 0.18).min(0.92);
                        continue;
                    }
                }
            }
            if c.path == "title" && profile.salutations() {
                c.confidence = 0.3;
                continue;
            }
            let checked = !matches!(
                resolved.target,
                PathTarget::System(SystemField::Owner | SystemField::Id) | PathTarget::ExternalId { .. }
            ) && !matches!(&resolved.target, PathTarget::Related { inner, .. } if matches!(**inner, PathTarget::ExternalId { .. }));
            if !checked {
                continue;
            }
            if let Some(fit) = profile.fit(resolved.field_type) {
                if fit >= patterns::DOMINANT {
                    c.confidence = (c.confidence + 0.04).min(1.0);
                } else if fit < 0.5 {
                    c.confidence *= 0.6;
                } else {
                    c.confidence -= 0.1;
                }
            }
        }
        let Some(kind) = dominant else { return };
        for (path, confidence) in self.pattern_targets(kind, profile) {
            match candidates.iter_mut().find(|c| c.path == path) {
                // Header and values agree.
                Some(existing) => existing.confidence = (existing.confidence.max(confidence) + 0.05).min(1.0),
                None => candidates.push(candidate(&path, confidence, SuggestionReason::DataPattern)),
            }
        }
    }

    /// Targets the values alone point to.
    fn pattern_targets(&self, kind: Kind, profile: &Profile) -> Vec<(String, f64)> {
        let fields_of = |t: FieldType| self.object.fields.iter().filter(move |f| f.field_type == t);
        let mut out = Vec::new();
        match kind {
            Kind::Email => {
                for f in fields_of(FieldType::Email) {
                    if f.multi {
                        out.push((f.api_name.trim_end_matches('s').to_string(), 0.82));
                        out.push((format!("{}[other]", f.api_name), 0.7));
                    } else {
                        out.push((f.api_name.clone(), 0.78));
                    }
                }
                if out.is_empty() {
                    if let Some(via) = self.reference_to("contacts") {
                        out.push((format!("{via}.email"), 0.78));
                    }
                }
            }
            Kind::Phone => {
                for f in fields_of(FieldType::Phone) {
                    if f.multi {
                        out.push((f.api_name.trim_end_matches('s').to_string(), 0.76));
                        out.push((format!("{}[other]", f.api_name), 0.66));
                    } else {
                        out.push((f.api_name.clone(), 0.76));
                    }
                }
            }
            Kind::Url | Kind::Domain => {
                let linkedin = profile.linkedin();
                for f in fields_of(FieldType::Url) {
                    let is_linkedin = f.api_name.contains("linkedin");
                    if is_linkedin == linkedin {
                        out.push((f.api_name.clone(), if linkedin { 0.85 } else { 0.72 }));
                    }
                }
                if kind == Kind::Domain {
                    if let Some(f) = self.object.field("domain") {
                        out.insert(0, (f.api_name.clone(), 0.75));
                    }
                }
            }
            Kind::Date | Kind::DateTime => {
                let dates: Vec<_> =
                    self.object.fields.iter().filter(|f| matches!(f.field_type, FieldType::Date | FieldType::DateTime)).collect();
                if let [only] = dates.as_slice() {
                    out.push((only.api_name.clone(), 0.6));
                }
            }
            Kind::SalesforceId => {
                if let Some(entity) = profile.id_prefixes.first().and_then(|p| salesforce_object(p)) {
                    if entity == self.object.api_name {
                        out.push(("external_ids[salesforce]".to_string(), 0.85));
                    } else if let Some(via) = self.reference_to(entity) {
                        out.push((format!("{via}.external_ids[salesforce]"), 0.8));
                    }
                }
            }
            _ => {}
        }
        out
    }
}

/// The object a Salesforce id's key prefix belongs to.
fn salesforce_object(prefix: &str) -> Option<&'static str> {
    match prefix {
        "001" => Some("accounts"),
        "003" => Some("contacts"),
        "00Q" => Some("leads"),
        "006" => Some("deals"),
        "00T" | "00U" => Some("activities"),
        "01t" => Some("products"),
        "002" => Some("notes"),
        _ => None,
    }
}

fn candidate(path: &str, confidence: f64, reason: SuggestionReason) -> Candidate {
    Candidate { path: path.to_string(), confidence, reason }
}

/// Splits a vendor prefix off a header: `(entity word compact, rest, separator)`.
fn split_prefix(header: &str) -> Option<(String, String, &'static str)> {
    let text = header.trim().trim_start_matches('\u{feff}');
    // Salesforce Data Loader relationship columns: `Who:Contact-Email`, `Owner:User-Username`.
    if let Some((rel, rest)) = text.split_once(':') {
        if !rel.contains(' ') && !rest.starts_with(' ') {
            if let Some((object, field)) = rest.split_once('-') {
                let rel_key = compact(&normalize_header(rel));
                let word = if rel_key == "owner" || index().entities.contains_key(&rel_key) {
                    rel_key
                } else {
                    compact(&normalize_header(object))
                };
                return Some((word, field.to_string(), ":"));
            }
        }
    }
    for sep in [" - ", ": ", " – "] {
        if let Some((prefix, rest)) = text.split_once(sep) {
            let word = compact(&normalize_header(prefix));
            if index().entities.contains_key(&word) || word == "owner" {
                return Some((word, rest.to_string(), if sep == ": " { ": " } else { " - " }));
            }
            return None;
        }
    }
    // `Account.Name` (relationship notation).
    if let Some((prefix, rest)) = text.split_once('.') {
        if !text.contains(' ') && !rest.is_empty() {
            let word = compact(&normalize_header(prefix));
            if index().entities.contains_key(&word) || word == "owner" {
                return Some((word, rest.to_string(), "."));
            }
        }
    }
    None
}

/// Builds the names of one object: field api names and labels, resolved aliases, system fields.
fn names_for(schema: &Schema, object: &ObjectDef) -> Names {
    let mut names = Names { list: Vec::new(), exact: HashMap::new() };
    let add = |names: &mut Names, text: &str, path: &str, confidence: f64, reason: SuggestionReason| {
        let norm = normalize_header(text);
        let key = compact(&norm);
        if key.is_empty() {
            return;
        }
        let name = Name { compact: key.clone(), tokens: tokens(&norm), path: path.to_string(), confidence, reason };
        let i = names.list.len();
        names.list.push(name);
        match names.exact.get(&key) {
            Some(&j) if names.list[j].confidence >= confidence => {}
            _ => {
                names.exact.insert(key, i);
            }
        }
    };
    for f in &object.fields {
        let (path, confidence) = match (&f.reference, f.multi) {
            (Some(ReferenceTarget::Object(target)), _) => {
                let Some(target) = schema.object(target) else { continue };
                let weak = target.name_field != "name";
                (format!("{}.{}", f.api_name, target.name_field), if weak { 0.75 } else { 0.95 })
            }
            (Some(ReferenceTarget::Any), _) => continue,
            (_, true) => {
                add(&mut names, &f.api_name, &f.api_name, 1.0, SuggestionReason::ExactName);
                (f.api_name.trim_end_matches('s').to_string(), 1.0)
            }
            _ => (f.api_name.clone(), 1.0),
        };
        if resolve(schema, object, &path).is_err() {
            continue;
        }
        let api = f.api_name.strip_prefix("custom.").unwrap_or(&f.api_name);
        add(&mut names, api, &path, confidence, SuggestionReason::ExactName);
        if api != f.api_name {
            add(&mut names, &f.api_name, &path, confidence, SuggestionReason::ExactName);
        }
        add(&mut names, &f.label, &path, confidence * 0.97, SuggestionReason::Label);
    }
    for system in ["owner", "created_at", "updated_at"] {
        if object.field(system).is_none() {
            add(&mut names, system, system, 1.0, SuggestionReason::ExactName);
        }
    }
    let index = index();
    let mut concept_paths: Vec<Option<String>> = vec![None; aliases::CONCEPTS.len()];
    for (i, concept) in aliases::CONCEPTS.iter().enumerate() {
        concept_paths[i] = concept.paths.iter().find_map(|candidate| {
            let path = match candidate.split_once(':') {
                Some((only, path)) if only == object.api_name => path,
                Some(_) => return None,
                None => candidate,
            };
            resolve(schema, object, path).is_ok().then(|| path.to_string())
        });
    }
    for (key, toks, concept) in &index.aliases {
        let Some(path) = &concept_paths[*concept] else { continue };
        let confidence = aliases::CONCEPTS[*concept].confidence;
        let i = names.list.len();
        names.list.push(Name {
            compact: key.clone(),
            tokens: toks.clone(),
            path: path.clone(),
            confidence,
            reason: SuggestionReason::Alias,
        });
        match names.exact.get(key) {
            Some(&j) if names.list[j].confidence >= confidence => {}
            _ => {
                names.exact.insert(key.clone(), i);
            }
        }
    }
    names
}

/// Candidates from header similarity (near spellings) and containment (`Customer Email Address`).
fn similar(names: &Names, norm: &str, key: &str) -> Vec<Candidate> {
    let header_tokens = tokens(norm);
    let header_chars: usize = header_tokens.iter().map(String::len).sum();
    let mut found: Vec<(String, f64)> = Vec::new();
    for name in &names.list {
        let mut confidence: f64 = 0.0;
        // Near spellings of the whole header.
        if key.len() >= 5 && name.compact.len() >= 5 && key.len().abs_diff(name.compact.len()) <= 3 {
            let longest = key.chars().count().max(name.compact.chars().count());
            let score = 1.0 - strsim::osa_distance(key, &name.compact) as f64 / longest as f64;
            if score >= 0.8 {
                confidence = confidence.max((0.6 + (score - 0.8) * 1.25).min(name.confidence - 0.05));
            }
        }
        // A name inside a longer header.
        let generic = name.tokens.len() == 1 && GENERIC_WORDS.contains(&name.tokens[0].as_str());
        let name_chars: usize = name.tokens.iter().map(String::len).sum();
        if !generic && name_chars >= 4 && name.tokens.len() < header_tokens.len() && contains_run(&header_tokens, &name.tokens) {
            let coverage = name_chars as f64 / header_chars.max(1) as f64;
            confidence = confidence.max((0.45 + 0.3 * coverage).min(0.75).min(name.confidence - 0.1));
        }
        if confidence > 0.0 {
            match found.iter_mut().find(|(p, _)| *p == name.path) {
                Some(existing) => existing.1 = existing.1.max(confidence),
                None => found.push((name.path.clone(), confidence)),
            }
        }
    }
    found.into_iter().map(|(path, confidence)| Candidate { path, confidence, reason: SuggestionReason::Similar }).collect()
}

/// Whether `run` occurs as consecutive tokens of `tokens`.
fn contains_run(tokens: &[String], run: &[String]) -> bool {
    !run.is_empty() && tokens.windows(run.len()).any(|w| w == run)
}

fn tokens(norm: &str) -> Vec<String> {
    norm.split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn compact(norm: &str) -> String {
    norm.chars().filter(|c| !c.is_whitespace()).collect()
}

fn strip_custom_suffix(text: &str) -> &str {
    let lower_tail =
        text.len() >= 3 && text.is_char_boundary(text.len() - 3) && text[text.len() - 3..].eq_ignore_ascii_case("__c");
    if lower_tail {
        &text[..text.len() - 3]
    } else {
        text
    }
}

/// Pushes a lower-case character with its accent folded.
fn fold(out: &mut String, ch: char) {
    let folded = match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'ď' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ě' | 'ē' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' | 'ň' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' => 'o',
        'ř' => 'r',
        'š' | 'ś' => 's',
        'ť' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ž' | 'ź' | 'ż' => 'z',
        'ł' => 'l',
        'ß' => {
            out.push_str("ss");
            return;
        }
        'æ' => {
            out.push_str("ae");
            return;
        }
        'œ' => {
            out.push_str("oe");
            return;
        }
        // Apostrophes vanish: `Assistant's` → `assistants`, `l'entreprise` → `lentreprise`.
        '\'' | '’' => return,
        other => other,
    };
    out.push(folded);
}
