//! Text helpers for the split and case transforms: full names, one-line addresses, and
//! Unicode-aware case changes. All of them are best effort: they never fail, and what they
//! cannot place is kept rather than dropped.

use regex::Regex;
use std::sync::LazyLock;

/// Salutations dropped before a name, lower case without dots.
const SALUTATIONS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "rev",
    "herr",
    "frau",
    "hr",
    "fr",
    "mme",
    "mlle",
    "sr",
    "sra",
    "srta",
    "sig",
    "sigra",
];

/// Suffixes dropped after a name, lower case without dots.
const SUFFIXES: &[&str] =
    &["jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba", "cpa", "dds", "jd", "rn", "cfa", "msc", "bsc", "ma", "ba", "pe"];

/// Particles that belong to the last name (`van der Berg`, `de la Cruz`), lower case.
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "la", "le", "du", "dos", "das", "do", "ter", "ten", "zu",
    "bin", "ibn", "al", "el", "st", "st.",
];

/// The token in lower case without dots and commas, for comparing with the lists.
fn bare(token: &str) -> String {
    token.chars().filter(|c| *c != '.' && *c != ',').flat_map(char::to_lowercase).collect()
}

fn is_salutation(token: &str) -> bool {
    SALUTATIONS.contains(&bare(token).as_str())
}

fn is_suffix(token: &str) -> bool {
    SUFFIXES.contains(&bare(token).as_str())
}

fn is_particle(token: &str) -> bool {
    PARTICLES.contains(&token.to_lowercase().as_str())
}

/// Drops leading salutations and trailing suffixes, keeping at least one token.
fn core_tokens(text: &str) -> Vec<&str> {
    let mut tokens: Vec<&str> = text.split_whitespace().map(|t| t.trim_matches(',')).filter(|t| !t.is_empty()).collect();
    while tokens.len() > 1 && is_salutation(tokens[0]) {
        tokens.remove(0);
    }
    while tokens.len() > 1 && tokens.last().is_some_and(|t| is_suffix(t)) {
        tokens.pop();
    }
    tokens
}

/// Splits a full name into first and last name.
///
/// `Last, First` (and `Last, First Middle`) is read as such unless what follows the comma is
/// only a suffix (`Ann Smith, PhD`). Salutations (`Mr.`, `Dr.`, `Frau`, …) and suffixes (`Jr.`,
/// `III`, `PhD`, …) are dropped. The last word is the last name, together with any particles
/// before it (`Ludwig van Beethoven` → `Ludwig` / `van Beethoven`, `Juan de la Cruz` → `Juan` /
/// `de la Cruz`); all other words are the first name (`Ann Marie`). A single word is a last
/// name only. Empty text gives two empty strings.
pub fn split_full_name(text: &str) -> (String, String) {
    let text = salesos_model::text::trim(text);
    if let Some((before, after)) = text.split_once(',') {
        let after_tokens: Vec<&str> = after.split([' ', ',']).filter(|t| !t.is_empty()).collect();
        let only_suffixes = after_tokens.iter().all(|t| is_suffix(t));
        if !after_tokens.is_empty() && !only_suffixes {
            let last = core_tokens(before).join(" ");
            let first = core_tokens(after).join(" ");
            return (first, last);
        }
        return split_full_name(before);
    }
    let tokens = core_tokens(text);
    match tokens.len() {
        0 => (String::new(), String::new()),
        1 => (String::new(), tokens[0].to_string()),
        _ => {
            let mut start = tokens.len() - 1;
            while start > 1 && is_particle(tokens[start - 1]) {
                start -= 1;
            }
            (tokens[..start].join(" "), tokens[start..].join(" "))
        }
    }
}

/// The parts of a postal address; a part the text did not show is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressParts {
    /// Street and number, and any further lines before the city.
    pub street: String,
    /// City or town.
    pub city: String,
    /// State, province or region (two-letter codes in North America).
    pub state: String,
    /// ZIP or postal code.
    pub postal_code: String,
    /// Country, as written.
    pub country: String,
}

/// Country names and codes recognized as the last part of an address, lower case. Two-letter
/// codes that are also US states (`CA`, `DE`, `IN`) are left out on purpose.
const COUNTRIES: &[&str] = &[
    "usa",
    "us",
    "u.s.a.",
    "u.s.",
    "united states",
    "united states of america",
    "uk",
    "u.k.",
    "gb",
    "united kingdom",
    "great britain",
    "england",
    "scotland",
    "wales",
    "northern ireland",
    "ireland",
    "germany",
    "deutschland",
    "austria",
    "österreich",
    "switzerland",
    "schweiz",
    "suisse",
    "france",
    "belgium",
    "netherlands",
    "the netherlands",
    "nederland",
    "luxembourg",
    "spain",
    "españa",
    "portugal",
    "italy",
    "italia",
    "sweden",
    "norway",
    "denmark",
    "finland",
    "poland",
    "canada",
    "mexico",
    "brazil",
    "australia",
    "new zealand",
    "japan",
    "china",
    "india",
    "singapore",
    "south africa",
];

/// `Springfield IL 62701`, `IL 62701-1234`, `Toronto ON M5V 2T6`: a two-letter state and a US ZIP or Canadian postal code.
static STATE_ZIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(.*?)[\s,]+)?([A-Z]{2})\s+(\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$").expect("valid regex")
});

/// `London SW1A 2AA` or a bare UK postcode.
static UK_POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(?:(.*?)\s+)?([A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$").expect("valid regex"));

/// `10115 Berlin`, `75008 Paris`, `1010 Wien`, `D-10115 Berlin`: a continental postal code before the city.
static CODE_CITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^((?:[A-Z]{1,2}-)?\d{4,5}(?:\s?[A-Z]{2})?)\s+(\D.*)$").expect("valid regex"));

/// A bare US ZIP or continental postal code.
static BARE_CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{4,5}(?:-\d{4})?$").expect("valid regex"));

/// A bare two-letter state or province.
static BARE_STATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Z]{2}$").expect("valid regex"));

fn clean(text: &str) -> String {
    text.trim().trim_matches(',').trim().to_string()
}

/// Splits a one-line address into its parts, best effort.
///
/// Parts are separated by commas (or semicolons and line breaks). From the end: a known country
/// (`USA`, `UK`, `Germany`, …); then US/Canadian `City ST 12345` or `ST 12345`, UK `City SW1A 2AA`,
/// or continental `10115 Berlin`; a part before that is the city when none was found yet; what
/// remains at the front is the street. Examples: `1 Main St, Springfield, IL 62701, USA` and
/// `Hauptstr. 5, 10115 Berlin, Germany`. Text it cannot place goes to `street`, so nothing is lost.
pub fn split_address(text: &str) -> AddressParts {
    let mut parts: Vec<&str> = text.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()).collect();
    let mut address = AddressParts::default();
    if parts.len() > 1 && parts.last().is_some_and(|p| COUNTRIES.contains(&p.to_lowercase().as_str())) {
        address.country = parts.pop().map(clean).unwrap_or_default();
    }
    // The locality: the last parts, holding the postal code, state and often the city.
    if parts.len() > 1 {
        let last = parts[parts.len() - 1];
        if let Some(caps) = STATE_ZIP.captures(last) {
            address.city = caps.get(1).map(|m| clean(m.as_str())).unwrap_or_default();
            address.state = clean(&caps[2]);
            address.postal_code = clean(&caps[3]);
            parts.pop();
        } else if let Some(caps) = UK_POSTCODE.captures(last) {
            address.city = caps.get(1).map(|m| clean(m.as_str())).unwrap_or_default();
            address.postal_code = clean(&caps[2].to_uppercase());
            parts.pop();
        } else if let Some(caps) = CODE_CITY.captures(last) {
            address.postal_code = clean(&caps[1]);
            address.city = clean(&caps[2]);
            parts.pop();
        } else if BARE_CODE.is_match(last) {
            address.postal_code = clean(last);
            parts.pop();
            if parts.len() > 1 && BARE_STATE.is_match(parts[parts.len() - 1]) {
                address.state = parts.pop().map(clean).unwrap_or_default();
            }
        } else if BARE_STATE.is_match(last) {
            address.state = parts.pop().map(clean).unwrap_or_default();
        }
    }
    if address.city.is_empty() && parts.len() > 1 {
        address.city = parts.pop().map(clean).unwrap_or_default();
    }
    address.street = clean(&parts.join(", "));
    address
}

/// Capitalizes the first letter of each word and lower-cases the rest, Unicode aware.
///
/// Words start after whitespace, `-`, `/`, `(` and `"`, and after an apostrophe that follows a
/// single letter (`o'brien` → `O'Brien`, but `don't` → `Don't`).
pub fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    let mut word_len = 0usize;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if start && c.is_alphabetic() {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
            word_len += 1;
        } else {
            out.push(c);
            if c.is_whitespace() || matches!(c, '-' | '/' | '(' | '"' | '\u{201c}') {
                start = true;
                word_len = 0;
            } else if matches!(c, '\'' | '\u{2019}') && word_len == 1 {
                start = true;
            }
        }
    }
    out
}

/// Upper-cases text, Unicode aware (`straße` → `STRASSE`).
pub fn upper_case(text: &str) -> String {
    text.to_uppercase()
}

/// Lower-cases text, Unicode aware.
pub fn lower_case(text: &str) -> String {
    text.to_lowercase()
}
