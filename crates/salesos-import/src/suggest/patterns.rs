//! Data patterns: what a column's sample values look like (emails, phones, URLs, dates,
//! numbers, Salesforce ids, salutations), and whether they fit a field type.

use salesos_model::schema::FieldType;

/// What one value looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Email,
    Url,
    Domain,
    Date,
    DateTime,
    Phone,
    Number,
    Bool,
    SalesforceId,
    Text,
}

/// The share of the column's non-empty samples of each kind.
#[derive(Debug, Clone, Default)]
pub(super) struct Profile {
    /// Non-empty samples looked at.
    pub count: usize,
    email: usize,
    url: usize,
    domain: usize,
    date: usize,
    datetime: usize,
    phone: usize,
    number: usize,
    boolean: usize,
    salesforce_id: usize,
    salutation: usize,
    linkedin: usize,
    /// Values that are plain digit strings of 5 to 15 digits (phones without formatting too).
    digits: usize,
    /// Values made of digits only (numeric ids).
    all_digits: usize,
    /// Key prefixes (first three characters) of Salesforce ids, first seen first.
    pub id_prefixes: Vec<String>,
}

/// The share at which a pattern is taken as the column's.
pub(super) const DOMINANT: f64 = 0.9;

impl Profile {
    /// Profiles the non-empty values of one column (at most 100 are looked at).
    pub fn of<'a>(values: impl Iterator<Item = &'a str>) -> Profile {
        let mut p = Profile::default();
        for value in values.map(str::trim).filter(|v| !v.is_empty()).take(100) {
            p.count += 1;
            match classify(value) {
                Kind::Email => p.email += 1,
                Kind::Url => p.url += 1,
                Kind::Domain => p.domain += 1,
                Kind::Date => p.date += 1,
                Kind::DateTime => p.datetime += 1,
                Kind::Phone => p.phone += 1,
                Kind::Number => p.number += 1,
                Kind::Bool => p.boolean += 1,
                Kind::SalesforceId => {
                    p.salesforce_id += 1;
                    let prefix: String = value.chars().take(3).collect();
                    if !p.id_prefixes.contains(&prefix) {
                        p.id_prefixes.push(prefix);
                    }
                }
                Kind::Text => {}
            }
            if is_salutation(value) {
                p.salutation += 1;
            }
            if value.to_ascii_lowercase().contains("linkedin.com") {
                p.linkedin += 1;
            }
            let digits = value.bytes().filter(u8::is_ascii_digit).count();
            if value.bytes().all(|b| b.is_ascii_digit()) {
                p.all_digits += 1;
                if (5..=15).contains(&digits) {
                    p.digits += 1;
                }
            }
        }
        p
    }

    fn share(&self, n: usize) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            n as f64 / self.count as f64
        }
    }

    /// The kind at least [`DOMINANT`] of the values have, if any.
    pub fn dominant(&self) -> Option<Kind> {
        if self.count < 2 {
            return None;
        }
        [
            (Kind::Email, self.email),
            (Kind::Url, self.url),
            (Kind::Domain, self.domain),
            (Kind::DateTime, self.datetime),
            (Kind::Date, self.date + self.datetime),
            (Kind::Phone, self.phone),
            (Kind::SalesforceId, self.salesforce_id),
            (Kind::Bool, self.boolean),
            (Kind::Number, self.number),
        ]
        .into_iter()
        .find(|&(_, n)| self.share(n) >= DOMINANT)
        .map(|(kind, _)| kind)
    }

    /// Whether most values are Salesforce ids.
    pub fn salesforce_ids(&self) -> bool {
        self.count >= 1 && self.share(self.salesforce_id) >= DOMINANT
    }

    /// Whether most values are LinkedIn URLs.
    pub fn linkedin(&self) -> bool {
        self.count >= 2 && self.share(self.linkedin) >= DOMINANT
    }

    /// Whether most values are salutations (Mr., Frau, Mme…), as in Outlook's `Title` column.
    pub fn salutations(&self) -> bool {
        self.count >= 2 && self.share(self.salutation) >= DOMINANT
    }

    /// Whether most values are plain integers (numeric ids of HubSpot or Pipedrive).
    pub fn integers(&self) -> bool {
        self.count >= 1 && self.share(self.all_digits) >= DOMINANT
    }

    /// The share of values a field of this type accepts, or `None` when any text fits.
    pub fn fit(&self, field_type: FieldType) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        let n = match field_type {
            FieldType::Email => self.email,
            FieldType::Phone => self.phone + self.digits,
            FieldType::Url => self.url + self.domain + self.linkedin.min(self.count),
            FieldType::Date | FieldType::DateTime => self.date + self.datetime,
            FieldType::Number | FieldType::Currency | FieldType::Percent => self.number + self.digits,
            FieldType::Boolean => self.boolean + self.number,
            _ => return None,
        };
        Some(self.share(n.min(self.count)))
    }
}

/// Classifies one trimmed, non-empty value.
pub(super) fn classify(value: &str) -> Kind {
    if is_email(value) {
        Kind::Email
    } else if is_url(value) {
        Kind::Url
    } else if let Some(kind) = date_kind(value) {
        kind
    } else if is_salesforce_id(value) {
        Kind::SalesforceId
    } else if is_number(value) {
        Kind::Number
    } else if is_phone(value) {
        Kind::Phone
    } else if is_bool(value) {
        Kind::Bool
    } else if is_domain(value) {
        Kind::Domain
    } else {
        Kind::Text
    }
}

fn is_email(value: &str) -> bool {
    // Several addresses joined (Google's ` ::: `, `;`) still count.
    let first = value.split([';', ',']).next().unwrap_or(value).split(" ::: ").next().unwrap_or(value).trim();
    let first = first.rsplit('<').next().unwrap_or(first).trim_end_matches('>');
    let Some((local, domain)) = first.split_once('@') else { return false };
    !local.is_empty()
        && !first.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
}

fn is_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
        && !value.contains(char::is_whitespace)
        && value.len() > 8
}

fn is_domain(value: &str) -> bool {
    let labels: Vec<&str> = value.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Date or date-time, in the usual numeric layouts (ISO, European, American).
fn date_kind(value: &str) -> Option<Kind> {
    let (date, time) = match value.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (value, None),
    };
    let sep = date.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = date.split(sep).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let year_first = parts[0].len() == 4 && parts[1].len() <= 2 && parts[2].len() <= 2;
    let year_last = parts[0].len() <= 2 && parts[1].len() <= 2 && matches!(parts[2].len(), 2 | 4);
    if !(year_first || year_last) {
        return None;
    }
    match time {
        None => Some(Kind::Date),
        Some(t) if t.len() >= 4 && t.as_bytes()[0].is_ascii_digit() && t.contains(':') => Some(Kind::DateTime),
        Some(_) => None,
    }
}

fn is_salesforce_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    (bytes.len() == 15 || bytes.len() == 18)
        && bytes.iter().all(u8::is_ascii_alphanumeric)
        && (bytes[0] == b'0' || bytes[0] == b'a')
        && bytes.iter().filter(|b| b.is_ascii_digit()).count() >= 5
        && bytes.iter().any(u8::is_ascii_alphabetic)
}

fn is_number(value: &str) -> bool {
    let trimmed = value.trim_start_matches(['$', '€', '£', '¥']).trim_end_matches(['%', '€', '$']).trim();
    // A trailing or leading currency code: `1200.50 EUR`.
    let trimmed = match trimmed.split_once(' ') {
        Some((a, b)) if b.len() == 3 && b.chars().all(|c| c.is_ascii_uppercase()) => a,
        Some((a, b)) if a.len() == 3 && a.chars().all(|c| c.is_ascii_uppercase()) => b,
        _ => trimmed,
    };
    let body = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    !body.is_empty()
        && body.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',' || b == b'\'')
        && body.bytes().filter(|b| b.is_ascii_digit()).count() < 10
}

fn is_phone(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let main = lower.split(" ext").next().unwrap_or(&lower).split(" x").next().unwrap_or(&lower).trim();
    let main = main.strip_prefix("tel:").unwrap_or(main);
    let digits = main.bytes().filter(u8::is_ascii_digit).count();
    let formatted = main.bytes().any(|b| matches!(b, b' ' | b'-' | b'(' | b')' | b'+' | b'.' | b'/'));
    main.bytes().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'(' | b')' | b'+' | b'.' | b'/'))
        && if formatted { (7..=15).contains(&digits) } else { (10..=15).contains(&digits) }
}

fn is_bool(value: &str) -> bool {
    matches!(
        value.to_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "y" | "n" | "ja" | "nein" | "oui" | "non" | "sí" | "si" | "sim" | "não" | "nee"
    )
}

fn is_salutation(value: &str) -> bool {
    matches!(
        value.trim_end_matches('.').to_lowercase().as_str(),
        "mr" | "mrs"
            | "ms"
            | "miss"
            | "mx"
            | "dr"
            | "prof"
            | "herr"
            | "frau"
            | "m"
            | "mme"
            | "mlle"
            | "sr"
            | "sra"
            | "srta"
            | "sig"
            | "sig.ra"
            | "dhr"
            | "mevr"
            | "sir"
            | "madam"
    )
}
