//! Booleans, phone numbers, email addresses and web addresses.

use salesos_model::keys::normalize_phone;

/// Words read as `true`, lower case.
const TRUE_WORDS: &[&str] = &[
    "true",
    "t",
    "yes",
    "y",
    "1",
    "x",
    "checked",
    "on",
    "ja",
    "j",
    "wahr",
    "oui",
    "vrai",
    "sí",
    "si",
    "sim",
    "verdadero",
    "verdadeiro",
    "vero",
    "waar",
    "✓",
    "✔",
    "☑",
];

/// Words read as `false`, lower case.
const FALSE_WORDS: &[&str] = &[
    "false",
    "f",
    "no",
    "n",
    "0",
    "unchecked",
    "off",
    "nein",
    "falsch",
    "non",
    "faux",
    "não",
    "nao",
    "falso",
    "onwaar",
    "nee",
    "☐",
];

/// Parses a boolean: true/false, t/f, yes/no, y/n, 1/0, `x` (a ticked box), checked/unchecked,
/// on/off and the German, French, Spanish, Portuguese, Italian and Dutch words (ja/nein,
/// oui/non, sí/no, sim/não, vero/falso, waar/onwaar, …). Case-insensitive and trimmed; empty
/// text is not a boolean (`None`): whether an empty cell means false is the mapping's decision.
pub fn parse_bool(text: &str) -> Option<bool> {
    let text = salesos_model::text::trim(text);
    if text.is_empty() || text.len() > 16 {
        return None;
    }
    let mut buffer = [0u8; 16];
    let lower: &str = if text.is_ascii() {
        let bytes = &mut buffer[..text.len()];
        bytes.copy_from_slice(text.as_bytes());
        bytes.make_ascii_lowercase();
        std::str::from_utf8(bytes).ok()?
    } else {
        let lower = text.to_lowercase();
        return lookup_bool(&lower);
    };
    lookup_bool(lower)
}

fn lookup_bool(lower: &str) -> Option<bool> {
    if TRUE_WORDS.contains(&lower) {
        Some(true)
    } else if FALSE_WORDS.contains(&lower) {
        Some(false)
    } else {
        None
    }
}

/// Normalizes a phone number to E.164 with the default country (ISO code such as `US`),
/// checking that it is plausible.
///
/// Accepts the usual punctuation (spaces, `-`, `.`, `/`, parentheses), a leading `+`, `00` or
/// (in North America) `011`, a `tel:` prefix, and the international habit of a bracketed trunk
/// zero (`+44 (0)20 7946 0958`). An extension (`x12`, `ext. 12`, `extension 12`, `#12`) is
/// checked and dropped: E.164 has no room for it. Any other letter refuses the value. The
/// result must have 8 to 15 digits; North American (`+1`) numbers exactly 11, with an area code
/// and exchange that do not start with 0 or 1. A national number needs a known default country.
pub fn parse_phone(text: &str, default_country: &str) -> Option<String> {
    let text = salesos_model::text::trim(text);
    let text = strip_prefix_ignore_case(text, "tel:").unwrap_or(text).trim_start();
    // ASCII text (most numbers) is checked byte by byte; the same rules as for any text.
    let ascii = text.is_ascii();
    let marker = if ascii {
        text.bytes().position(|b| b.is_ascii_alphabetic() || b == b'#')
    } else {
        text.find(|c: char| c.is_alphabetic() || c == '#')
    };
    let (main, extension) = text.split_at(marker.unwrap_or(text.len()));
    if !extension.is_empty() && !valid_extension(extension) {
        return None;
    }
    let main = salesos_model::text::trim(main);
    if main.strip_prefix('+').is_some_and(|rest| rest.contains('+')) {
        return None;
    }
    let separator =
        |c: char| matches!(c, ' ' | '+' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' | '\u{2010}' | '\u{2011}' | '\u{2013}');
    let allowed = if ascii {
        main.bytes().all(|b| b.is_ascii_digit() || separator(char::from(b)))
    } else {
        main.chars().all(|c| c.is_ascii_digit() || separator(c))
    };
    if !allowed {
        return None;
    }
    let international = main.starts_with('+') || main.starts_with("00");
    let cleaned;
    // `contains` with a string needle costs hundreds of instructions per call: look for the
    // parenthesis first (a byte search).
    let main = if international && main.contains('(') && main.contains("(0)") {
        cleaned = main.replace("(0)", "");
        cleaned.as_str()
    } else {
        main
    };
    let e164 = normalize_phone(main, default_country)?;
    let digits = &e164.as_bytes()[1..];
    if !(8..=15).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) || digits[0] == b'0' {
        return None;
    }
    if digits[0] == b'1' && (digits.len() != 11 || digits[1] < b'2' || digits[4] < b'2') {
        return None;
    }
    Some(e164)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// Whether text is an extension: a marker and 1 to 6 digits.
fn valid_extension(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let rest = ["extension", "ext.", "ext", "x", "#"].iter().find_map(|marker| lower.strip_prefix(marker));
    let Some(rest) = rest else { return false };
    let digits = rest.trim_start_matches([' ', '.', ':']).trim();
    (1..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Normalizes an email address, or `None` if the text is not one.
///
/// Trims, drops `mailto:` (and any `?subject=…`), takes the address out of a display form
/// (`Ann Smith <ann@x.org>`), and lower-cases the domain only: the local part is kept as
/// written, since it may be case-sensitive. Requires one `@`, a local part of at most 64
/// characters without spaces, brackets or consecutive, leading or trailing dots, and a
/// dotted domain whose labels are letters, digits and inner hyphens, ending in a top-level
/// domain of at least two letters (or an `xn--` one).
pub fn parse_email(text: &str) -> Option<String> {
    let mut text = salesos_model::text::trim(text);
    if let (Some(open), true) = (text.rfind('<'), text.ends_with('>')) {
        text = text[open + 1..text.len() - 1].trim();
    }
    if let Some(rest) = strip_prefix_ignore_case(text, "mailto:") {
        text = rest.split('?').next().unwrap_or("").trim();
    }
    if text.len() > 254 {
        return None;
    }
    let (local, domain) = text.split_once('@')?;
    if !valid_local_part(local) || !valid_domain(domain, false) {
        return None;
    }
    let mut email = String::with_capacity(text.len());
    email.push_str(local);
    email.push('@');
    if domain.is_ascii() {
        let start = email.len();
        email.push_str(domain);
        email[start..].make_ascii_lowercase();
    } else {
        email.push_str(&domain.to_lowercase());
    }
    Some(email)
}

/// Characters besides letters, digits and dots allowed in the local part of an address.
const fn local_special(c: char) -> bool {
    matches!(c, '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '/' | '=' | '?' | '^' | '_' | '`' | '{' | '|' | '}' | '~' | '-')
}

/// Whether text is the local part of an address: 1 to 64 characters, letters, digits, dots
/// (not leading, trailing or doubled) and the specials of `local_special`.
fn valid_local_part(local: &str) -> bool {
    if !local.is_ascii() {
        return valid_local_part_general(local);
    }
    // One pass over the bytes; a dot after a dot (or at the start, as `previous` begins as a
    // dot) is refused.
    let bytes = local.as_bytes();
    let mut previous = b'.';
    for &byte in bytes {
        let ok = if byte == b'.' { previous != b'.' } else { BYTE_CLASSES[usize::from(byte)] & IN_LOCAL_PART != 0 };
        if !ok {
            return false;
        }
        previous = byte;
    }
    (1..=64).contains(&bytes.len()) && previous != b'.'
}

/// `valid_local_part` for any text, by characters.
fn valid_local_part_general(local: &str) -> bool {
    (1..=64).contains(&local.chars().count())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || c == '.' || local_special(c))
}

/// Whether text is a dotted host name with a real top-level domain (or, if allowed, an IPv4 address).
fn valid_domain(domain: &str, allow_ipv4: bool) -> bool {
    if domain.is_empty() || domain.len() > 253 {
        return false;
    }
    let labels = || domain.split('.');
    if allow_ipv4 && labels().count() == 4 && labels().all(|l| !l.is_empty() && l.len() <= 3 && l.parse::<u8>().is_ok()) {
        return true;
    }
    if domain.is_ascii() {
        valid_ascii_host(domain.as_bytes())
    } else {
        valid_host_general(domain)
    }
}

/// The host-name rule of `valid_domain` for any text, by characters.
fn valid_host_general(domain: &str) -> bool {
    let labels = || domain.split('.');
    let Some(tld) = labels().next_back() else { return false };
    let tld_ok = (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
        || (tld.len() > 4 && tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")));
    labels().count() >= 2
        && tld_ok
        && labels().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// Byte classes of the ASCII checks of addresses and host names: one table lookup per byte
/// (these run for every imported email) instead of a chain of comparisons.
static BYTE_CLASSES: [u8; 256] = byte_classes();
/// Allowed in the local part of an address besides dots: letters, digits and `local_special`.
const IN_LOCAL_PART: u8 = 1;
/// Allowed in a host-name label: letters, digits and hyphens.
const IN_HOST_LABEL: u8 = 2;

const fn byte_classes() -> [u8; 256] {
    let mut classes = [0u8; 256];
    let mut byte = 0;
    while byte < 128 {
        let b = byte as u8;
        let alphanumeric = b.is_ascii_alphanumeric();
        if alphanumeric || local_special(b as char) {
            classes[byte] |= IN_LOCAL_PART;
        }
        if alphanumeric || b == b'-' {
            classes[byte] |= IN_HOST_LABEL;
        }
        byte += 1;
    }
    classes
}

/// The host-name rule of `valid_domain` for ASCII, in one pass over the bytes: at least two
/// labels of 1 to 63 letters, digits and inner hyphens, the last of two or more letters or an
/// `xn--` one.
fn valid_ascii_host(host: &[u8]) -> bool {
    let mut labels = 0;
    let mut start = 0;
    let mut last = 0..0;
    // A dot past the end closes the last label.
    for end in 0..=host.len() {
        let byte = host.get(end).copied().unwrap_or(b'.');
        if byte != b'.' {
            if BYTE_CLASSES[usize::from(byte)] & IN_HOST_LABEL == 0 {
                return false;
            }
            continue;
        }
        let label = &host[start..end];
        if !(1..=63).contains(&label.len()) || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return false;
        }
        labels += 1;
        last = start..end;
        start = end + 1;
    }
    let last = &host[last];
    let tld_ok = (last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic))
        || (last.len() > 4 && last[..4].eq_ignore_ascii_case(b"xn--"));
    labels >= 2 && tld_ok
}

/// Normalizes a URL: adds `https://` to a bare domain; refuses text that is not a web address.
///
/// Accepts `http://` and `https://` (scheme lower-cased), protocol-relative `//host`, and bare
/// hosts with an optional port and path (`acme.com`, `www.acme.com/about`). The host is
/// lower-cased and must be a dotted name with a top-level domain of two or more letters, or
/// an IPv4 address. Refuses other schemes (`javascript:`, `mailto:`, `ftp://`), whitespace,
/// user names (`user@host`) and hosts without a dot (`localhost`).
pub fn parse_url(text: &str) -> Option<String> {
    let text = salesos_model::text::trim(text);
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (scheme, rest) = if let Some(at) = text.find("://") {
        let scheme = &text[..at];
        if scheme.eq_ignore_ascii_case("https") {
            ("https", &text[at + 3..])
        } else if scheme.eq_ignore_ascii_case("http") {
            ("http", &text[at + 3..])
        } else {
            return None;
        }
    } else if let Some(rest) = text.strip_prefix("//") {
        ("https", rest)
    } else {
        // Text before a colon without a dot is a scheme (`javascript:`, `mailto:`), not a host.
        if let Some(colon) = text.find(':') {
            if !text[..colon].contains('.') {
                return None;
            }
        }
        ("https", text)
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') || tail.starts_with('\\') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (host, Some(port))
        }
        None => (authority, None),
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if !valid_domain(host, true) {
        return None;
    }
    let host = host.to_lowercase();
    Some(match port {
        Some(port) => format!("{scheme}://{host}:{port}{tail}"),
        None => format!("{scheme}://{host}{tail}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ASCII texts around the rules' edges: every pair of a set of parts, joined with and
    /// without a dot.
    fn ascii_samples() -> Vec<String> {
        let parts = [
            "", ".", "..", "-", "a", "A", "ab", "a-b", "-ab", "ab-", "xn--", "xn--p1ai", "XN--ABC", "co", "c", "1", "123", "a1",
            "ann", "o'brien", "a+b", "a b", "a@b", "a_b", "{x}", "~", "é", "org", "ORG", "x.y", "a..b", ".a", "a.",
        ];
        let mut samples: Vec<String> = Vec::new();
        for first in parts {
            for second in parts {
                samples.push(format!("{first}{second}"));
                samples.push(format!("{first}.{second}"));
            }
        }
        samples.push("a".repeat(64));
        samples.push("a".repeat(65));
        samples.push(format!("{}.com", "b".repeat(63)));
        samples.push(format!("{}.com", "b".repeat(64)));
        samples
    }

    #[test]
    fn the_ascii_local_part_rule_is_the_general_one() {
        for sample in ascii_samples().iter().filter(|s| s.is_ascii()) {
            assert_eq!(valid_local_part(sample), valid_local_part_general(sample), "{sample:?}");
        }
    }

    #[test]
    fn the_byte_classes_are_the_rules_character_tests() {
        for byte in 0..=255u8 {
            let c = char::from(byte);
            let class = BYTE_CLASSES[usize::from(byte)];
            assert_eq!(class & IN_LOCAL_PART != 0, byte.is_ascii() && (c.is_ascii_alphanumeric() || local_special(c)), "{byte}");
            assert_eq!(class & IN_HOST_LABEL != 0, byte.is_ascii() && (c.is_ascii_alphanumeric() || c == '-'), "{byte}");
        }
    }

    #[test]
    fn the_ascii_host_rule_is_the_general_one() {
        for sample in ascii_samples().iter().filter(|s| s.is_ascii() && !s.is_empty()) {
            assert_eq!(valid_ascii_host(sample.as_bytes()), valid_host_general(sample), "{sample:?}");
        }
    }
}
