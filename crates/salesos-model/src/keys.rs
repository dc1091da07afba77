//! Normalized match keys: the values duplicate detection compares, and their 64-bit hashes that
//! the store indexes and looks up in batches.
//!
//! A key is a kind plus a normalized text. Stores keep only `(object, kind, hash, record)`, so
//! a lookup returns candidate records; whoever decides on a duplicate compares the real values,
//! which also guards against the (astronomically unlikely) hash collision.

use crate::org::calling_code;
use crate::record::{ExternalId, Fields};
use crate::schema::{FieldDef, FieldType, ObjectDef};
use crate::value::Value;

/// The kind of a match key; the number is stored and must never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKeyKind {
    /// Lower-cased email address.
    Email = 1,
    /// E.164 phone number.
    Phone = 2,
    /// Domain of an email address or website (free-mail domains left out).
    Domain = 3,
    /// Normalized company name.
    CompanyName = 4,
    /// External id, `system` and id.
    ExternalId = 5,
}

impl MatchKeyKind {
    /// Every kind.
    pub const ALL: [MatchKeyKind; 5] =
        [MatchKeyKind::Email, MatchKeyKind::Phone, MatchKeyKind::Domain, MatchKeyKind::CompanyName, MatchKeyKind::ExternalId];

    /// Returns the stored number.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKeyKind::Email => "email",
            MatchKeyKind::Phone => "phone",
            MatchKeyKind::Domain => "domain",
            MatchKeyKind::CompanyName => "company_name",
            MatchKeyKind::ExternalId => "external_id",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<MatchKeyKind> {
        MatchKeyKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One normalized key of a record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatchKey {
    /// Its kind.
    pub kind: MatchKeyKind,
    /// The normalized text.
    pub normalized: String,
}

impl MatchKey {
    /// Returns the 64-bit hash the store indexes.
    pub fn hash(&self) -> i64 {
        key_hash(self.kind, &self.normalized)
    }
}

/// Hashes a normalized key (xxh3, seeded with the kind), as stored.
pub fn key_hash(kind: MatchKeyKind, normalized: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(normalized.as_bytes(), kind.code() as u64) as i64
}

/// Lower-cases and trims an email address; `None` if it is not one.
pub fn normalize_email(text: &str) -> Option<String> {
    let mut trimmed = crate::text::trim(text);
    while let Some(rest) = trimmed.strip_prefix("mailto:") {
        trimmed = rest;
    }
    if trimmed.is_ascii() {
        // One pass over the bytes (this runs for every imported row's email): ASCII whitespace
        // is what `char::is_whitespace` finds in ASCII text, tab to carriage return and space.
        let bytes = trimmed.as_bytes();
        let at = bytes.iter().position(|b| *b == b'@')?;
        let whitespace = |b: &u8| matches!(*b, b' ' | b'\t'..=b'\r');
        if at == 0 || !bytes[at + 1..].contains(&b'.') || bytes.iter().any(whitespace) {
            return None;
        }
        return Some(trimmed.to_ascii_lowercase());
    }
    let (local, domain) = trimmed.split_once('@')?;
    if local.is_empty() || !domain.contains('.') || trimmed.contains(char::is_whitespace) {
        return None;
    }
    Some(trimmed.to_lowercase())
}

/// Returns whether text is a plain ASCII email address as used for sign-in: `[A-Za-z0-9._%+'-]`
/// before the `@`, dot-separated labels of letters, digits and `-` after it, and a top-level
/// domain of at least two letters.
pub fn is_login_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    let local_ok = (1..=64).contains(&local.len()) && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+'-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| (1..=63).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let tld_ok = labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && labels_ok && tld_ok
}

/// Normalizes a phone number to E.164 (`+4930123456`), using the default country for national numbers.
///
/// Handles `+`, `00` and `011` prefixes, a trunk `0` and extensions (`x123`, `ext. 123`, dropped).
/// Full libphonenumber validation is the import transforms' job; keys only need one spelling.
pub fn normalize_phone(text: &str, default_country: &str) -> Option<String> {
    // Already E.164 (what imports store): `+` and 5 to 15 digits are their own key.
    if let Some(digits) = text.strip_prefix('+') {
        if (5..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(text.to_string());
        }
    }
    // The number ends at an extension marker (`x`, `#` or `ext`, any case); only its digits and
    // a leading `+` count. Up to 17 digits, gathered without allocating.
    let bytes = text.as_bytes();
    let end = (0..bytes.len())
        .find(|&i| {
            let b = bytes[i].to_ascii_lowercase();
            b == b'x' || b == b'#' || (b == b'e' && bytes.get(i + 1..i + 3).is_some_and(|t| t.eq_ignore_ascii_case(b"xt")))
        })
        .unwrap_or(bytes.len());
    // `end` is at an ASCII byte (or the end), so this slice is whole characters.
    let main = text.get(..end).unwrap_or(text);
    let plus = main.trim_start().starts_with('+');
    let mut buffer = [0u8; 17];
    let mut count = 0;
    for digit in main.bytes().filter(u8::is_ascii_digit) {
        if count == buffer.len() {
            return None;
        }
        buffer[count] = digit;
        count += 1;
    }
    if count < 5 {
        return None;
    }
    let digits = std::str::from_utf8(&buffer[..count]).ok()?;
    let e164 = |code: &str, rest: &str| {
        let mut out = String::with_capacity(1 + code.len() + rest.len());
        out.push('+');
        out.push_str(code);
        out.push_str(rest);
        out
    };
    if plus {
        return (digits.len() <= 15).then(|| e164("", digits));
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return Some(e164("", rest));
    }
    let code = calling_code(default_country)?;
    if code == "1" {
        if let Some(rest) = digits.strip_prefix("011") {
            return Some(e164("", rest));
        }
        if digits.len() == 11 && digits.starts_with('1') {
            return Some(e164("", digits));
        }
        return Some(e164(code, digits));
    }
    Some(e164(code, digits.strip_prefix('0').unwrap_or(digits)))
}

/// Domains of free mail providers: sharing one says nothing about being the same company.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "hotmail.com",
    "hotmail.co.uk",
    "outlook.com",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.ru",
    "yandex.ru",
    "protonmail.com",
    "proton.me",
    "qq.com",
    "163.com",
    "orange.fr",
    "free.fr",
    "t-online.de",
    "libero.it",
];

/// Returns the domain of an email address, unless it is a free-mail provider.
pub fn email_domain(email: &str) -> Option<String> {
    domain_of_normalized_email(&normalize_email(email)?)
}

/// [`email_domain`] of an address [`normalize_email`] returned.
fn domain_of_normalized_email(normalized: &str) -> Option<String> {
    let domain = normalized.rsplit_once('@')?.1;
    (!FREE_MAIL.contains(&domain)).then(|| domain.to_string())
}

/// Returns the domain of a website or bare domain: no scheme, `www.`, port, path or case.
pub fn website_domain(text: &str) -> Option<String> {
    let lower = crate::text::trim(text).to_lowercase();
    let without_scheme = lower.split_once("://").map(|(_, rest)| rest).unwrap_or(&lower);
    let host = without_scheme.split(['/', '?', '#', ':']).next()?.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    (host.contains('.') && !host.contains(char::is_whitespace) && !host.contains('@')).then(|| host.to_string())
}

const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "plc",
    "pty",
    "srl",
    "spa",
    "oy",
    "ab",
    "as",
    "kg",
    "lp",
    "llp",
    "the",
];

/// Folds common Latin accents to ASCII (é → e, ß → ss) so names spelled either way match.
pub fn fold_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
            'ł' | 'ľ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ť' | 'ţ' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(folded);
    }
    out
}

/// Normalizes a company name: lower case, accents folded, punctuation and legal suffixes removed.
pub fn normalize_company_name(text: &str) -> Option<String> {
    if text.is_ascii() {
        return ascii_company_name(text);
    }
    general_company_name(text)
}

/// [`normalize_company_name`] for any text.
fn general_company_name(text: &str) -> Option<String> {
    // Dots are dropped rather than split on, so `S.A.` becomes the suffix `sa`.
    let folded = fold_accents(&text.to_lowercase()).replace('&', " and ").replace('.', "");
    let words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    company_words(&words)
}

/// Joins a company name's words without a trailing legal form or a leading `the`.
fn company_words(words: &[&str]) -> Option<String> {
    let mut end = words.len();
    while end > 1 && LEGAL_SUFFIXES.contains(&words[end - 1]) {
        end -= 1;
    }
    let start = usize::from(end > 1 && words[0] == "the");
    let name = words[start..end].join(" ");
    (!name.is_empty()).then_some(name)
}

/// [`normalize_company_name`] for ASCII text (most names), in one pass: the same words as the
/// general path (lower case, `&` as the word `and`, dots dropped, any other non-alphanumeric
/// character a separator), written straight into the result with single spaces, then cut as
/// [`company_words`] cuts.
fn ascii_company_name(text: &str) -> Option<String> {
    let mut name: Vec<u8> = Vec::with_capacity(text.len() + 4);
    // Where each word starts in `name`.
    let mut starts: Vec<usize> = Vec::with_capacity(8);
    let mut in_word = false;
    for byte in text.bytes() {
        let lower = match byte {
            b'.' => continue,
            b'a'..=b'z' | b'0'..=b'9' => byte,
            b'A'..=b'Z' => byte.to_ascii_lowercase(),
            b'&' => {
                if !name.is_empty() {
                    name.push(b' ');
                }
                starts.push(name.len());
                name.extend_from_slice(b"and");
                in_word = false;
                continue;
            }
            _ => {
                in_word = false;
                continue;
            }
        };
        if !in_word {
            if !name.is_empty() {
                name.push(b' ');
            }
            starts.push(name.len());
            in_word = true;
        }
        name.push(lower);
    }
    let word =
        |name: &[u8], i: usize| -> std::ops::Range<usize> { starts[i]..starts.get(i + 1).map_or(name.len(), |next| next - 1) };
    let mut end = starts.len();
    while end > 1 && LEGAL_SUFFIXES.iter().any(|suffix| suffix.as_bytes() == &name[word(&name, end - 1)]) {
        end -= 1;
    }
    if end == 0 {
        return None;
    }
    name.truncate(word(&name, end - 1).end);
    if end > 1 && name[word(&name, 0)] == *b"the" {
        name.drain(..starts[1]);
    }
    String::from_utf8(name).ok()
}

/// Returns the normalized key text of an external id.
pub fn external_id_key(external_id: &ExternalId) -> String {
    format!("{}\u{1f}{}", external_id.system, external_id.id)
}

/// Derives every match key of a record of an object.
///
/// Emails and phones of all multi-valued email and phone fields; the domains of those emails
/// and of `website` / `domain` fields; the company name of `name` on accounts and of `company`
/// on leads; and every external id. The result is sorted and free of repeats.
pub fn record_match_keys(
    object: &ObjectDef,
    fields: &Fields,
    external_ids: &[ExternalId],
    default_country: &str,
) -> Vec<MatchKey> {
    // One record: the object's fields are walked here rather than gathered into a `KeyFields`.
    let sources = object.fields.iter().filter_map(|def| Some((def.api_name.as_str(), key_source(object, def)?)));
    keys_of(sources, fields, external_ids, default_country)
}

/// What one field gives keys as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeySource {
    /// Its emails and their domains.
    Email,
    /// Its phones.
    Phone,
    /// The domain of a website or bare domain.
    Website,
    /// The normalized company name.
    CompanyName,
}

/// What a field of an object gives keys as, if anything.
fn key_source(object: &ObjectDef, def: &FieldDef) -> Option<KeySource> {
    let company_name =
        (object.api_name == "accounts" && def.api_name == "name") || (object.api_name == "leads" && def.api_name == "company");
    let domain = matches!(def.api_name.as_str(), "website" | "domain");
    match def.field_type {
        FieldType::Email => Some(KeySource::Email),
        FieldType::Phone => Some(KeySource::Phone),
        FieldType::Url | FieldType::Text if domain => Some(KeySource::Website),
        FieldType::Text if company_name => Some(KeySource::CompanyName),
        _ => None,
    }
}

/// The keys of a record's values in the fields `sources` names, and of its external ids; sorted
/// and free of repeats.
fn keys_of<'a>(
    sources: impl Iterator<Item = (&'a str, KeySource)>,
    fields: &Fields,
    external_ids: &[ExternalId],
    default_country: &str,
) -> Vec<MatchKey> {
    let mut keys = Vec::new();
    let mut push = |kind: MatchKeyKind, normalized: Option<String>| {
        if let Some(normalized) = normalized {
            keys.push(MatchKey { kind, normalized });
        }
    };
    for (name, source) in sources {
        let Some(value) = fields.get(name) else { continue };
        let (one, many) = match value {
            Value::Text(text) => (Some(text.as_str()), &[][..]),
            Value::Labeled(items) => (None, items.as_slice()),
            _ => continue,
        };
        for text in one.into_iter().chain(many.iter().map(|item| item.value.as_str())) {
            match source {
                KeySource::Email => {
                    let email = normalize_email(text);
                    let domain = email.as_deref().and_then(domain_of_normalized_email);
                    push(MatchKeyKind::Email, email);
                    push(MatchKeyKind::Domain, domain);
                }
                KeySource::Phone => push(MatchKeyKind::Phone, normalize_phone(text, default_country)),
                KeySource::Website => push(MatchKeyKind::Domain, website_domain(text)),
                KeySource::CompanyName => push(MatchKeyKind::CompanyName, normalize_company_name(text)),
            }
        }
    }
    for external_id in external_ids {
        push(MatchKeyKind::ExternalId, Some(external_id_key(external_id)));
    }
    if keys.len() > 1 {
        keys.sort();
        keys.dedup();
    }
    keys
}

/// The fields of an object that give match keys (a few of its dozens), found once so that
/// deriving many records' keys looks up only those ([`record_match_keys`] for one record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFields {
    fields: Vec<(String, KeySource)>,
}

impl KeyFields {
    /// The key-giving fields of an object, in schema order.
    pub fn of(object: &ObjectDef) -> KeyFields {
        let fields = object.fields.iter().filter_map(|def| Some((def.api_name.clone(), key_source(object, def)?))).collect();
        KeyFields { fields }
    }

    /// Every match key of a record (as [`record_match_keys`] describes), sorted and free of repeats.
    pub fn keys(&self, fields: &Fields, external_ids: &[ExternalId], default_country: &str) -> Vec<MatchKey> {
        keys_of(self.fields.iter().map(|(name, source)| (name.as_str(), *source)), fields, external_ids, default_country)
    }
}

#[cfg(test)]
mod tests;
