//! Numbers and money in the usual locale spellings.
//!
//! Plain ASCII numbers (`-1234.5`) take a fast path straight to `str::parse::<f64>`; everything
//! else is scanned once into a small stack buffer, without allocating.
//!
//! Separators: `.` and `,` are the decimal mark or a grouping separator depending on the style;
//! spaces (also no-break and thin spaces), `'` and `’` are always grouping separators. Groups
//! must look like groups: the last one before the decimal mark has three digits, the ones before
//! it two or three (so Indian `1,23,456` passes and `1,2` does not), and grouping never appears
//! after the decimal mark.
//!
//! In [`NumberStyle::Auto`], when both `.` and `,` appear, the last one is the decimal mark.
//! A single `,` followed by exactly three digits is a thousands separator (`1,234` is 1234, as
//! in CSV exports from English-language tools) when one to three digits precede it and they are
//! not just `0` (`0,125` and `1234,567` are decimals); otherwise a
//! single `,` is the decimal mark (`1,5` is 1.5). A single `.` is always the decimal mark
//! (`1.234` is 1.234); repeated `.` or `,` are grouping (`1.234.567`). Columns in a comma-decimal
//! locale should say [`NumberStyle::DecimalComma`] so that `1.234` is read as 1234.

use serde::{Deserialize, Serialize};

/// How a column writes numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberStyle {
    /// Decide per value (see the module documentation for the rules).
    #[default]
    Auto,
    /// `1,234.56`
    DecimalPoint,
    /// `1.234,56`
    DecimalComma,
}

/// The longest normalized number accepted.
const MAX_DIGITS: usize = 96;

/// A small stack buffer for the normalized ASCII number.
struct Buffer {
    bytes: [u8; MAX_DIGITS],
    len: usize,
}

impl Buffer {
    fn push(&mut self, byte: u8) -> Option<()> {
        *self.bytes.get_mut(self.len)? = byte;
        self.len += 1;
        Some(())
    }

    fn parse(&self) -> Option<f64> {
        let text = std::str::from_utf8(&self.bytes[..self.len]).ok()?;
        text.parse::<f64>().ok().filter(|n| n.is_finite())
    }
}

fn is_minus(c: char) -> bool {
    c == '-' || c == '\u{2212}'
}

/// Characters that group digits whatever the style.
fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}' | '\'' | '\u{2019}')
}

/// Parses a number: `1,234.56`, `1.234,56`, `1 234,56`, `1'234.50`, `(1,200)`, `+5`, `-5`, `5-`,
/// `12%` → 12, `1e3`. Refuses anything else, including NaN and infinities.
pub fn parse_number(text: &str, style: NumberStyle) -> Option<f64> {
    let text = salesos_model::text::trim(text);
    let bytes = text.as_bytes();
    // Fast path: optional `-`, digits and at most one `.` (read as the decimal point unless the style is comma-decimal).
    let body = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if !body.is_empty()
        && body.len() <= 40
        && body.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && body.iter().filter(|b| **b == b'.').count() <= usize::from(style != NumberStyle::DecimalComma)
    {
        return text.parse::<f64>().ok().filter(|n| n.is_finite());
    }
    let (negative, body) = strip_sign(text)?;
    let value = parse_unsigned(body, style)?;
    Some(if negative { -value } else { value })
}

/// Strips parentheses, a percent sign and one sign (leading or trailing); returns whether the
/// number is negative and the rest.
fn strip_sign(text: &str) -> Option<(bool, &str)> {
    let mut rest = salesos_model::text::trim(text);
    let mut negative = false;
    let mut signed = false;
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        rest = inner.trim();
        negative = true;
        signed = true;
    }
    if let Some(inner) = rest.strip_suffix('%') {
        rest = inner.trim_end();
    }
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) if is_minus(c) || c == '+' => {
            if signed {
                return None;
            }
            negative = is_minus(c);
            signed = true;
            rest = chars.as_str().trim_start();
        }
        _ => {}
    }
    let mut chars = rest.chars();
    if chars.next_back().is_some_and(is_minus) {
        if signed {
            return None;
        }
        negative = true;
        rest = chars.as_str().trim_end();
    }
    Some((negative, rest))
}

/// Parses an unsigned number with separators and an optional exponent.
fn parse_unsigned(text: &str, style: NumberStyle) -> Option<f64> {
    // Split off an exponent: `e`/`E`, an optional sign and digits, at the end.
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => {
            let exp = &text[at + 1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (&text[..at], Some(exp))
        }
        None => (text, None),
    };
    let decimal = decimal_mark(mantissa, style)?;
    let mut out = Buffer { bytes: [0; MAX_DIGITS], len: 0 };
    let mut digits = 0usize;
    let mut group_len = 0usize;
    let mut groups = 0usize;
    let mut first_group = 0usize;
    let mut bad_middle = false;
    let mut seen_decimal = false;
    for c in mantissa.chars() {
        if c.is_ascii_digit() {
            out.push(c as u8)?;
            digits += 1;
            group_len += 1;
        } else if Some(c) == decimal {
            if seen_decimal {
                return None;
            }
            seen_decimal = true;
            if groups > 0 && group_len != 3 {
                return None;
            }
            out.push(b'.')?;
        } else if c == '.' || c == ',' || is_group_space(c) {
            if seen_decimal || group_len == 0 {
                return None;
            }
            if groups == 0 {
                first_group = group_len;
            } else if !(2..=3).contains(&group_len) {
                bad_middle = true;
            }
            groups += 1;
            group_len = 0;
        } else {
            return None;
        }
    }
    if digits == 0 || bad_middle || (groups > 0 && (first_group > 3 || (!seen_decimal && group_len != 3))) {
        return None;
    }
    if let Some(exp) = exponent {
        out.push(b'e')?;
        for byte in exp.bytes() {
            out.push(byte)?;
        }
    }
    out.parse()
}

/// Decides which character is the decimal mark of a mantissa, or `None` for an integer.
/// The outer `None` refuses the text.
fn decimal_mark(mantissa: &str, style: NumberStyle) -> Option<Option<char>> {
    match style {
        NumberStyle::DecimalPoint => return Some(Some('.')),
        NumberStyle::DecimalComma => return Some(Some(',')),
        NumberStyle::Auto => {}
    }
    let bytes = mantissa.as_bytes();
    let dots = bytes.iter().filter(|b| **b == b'.').count();
    let commas = bytes.iter().filter(|b| **b == b',').count();
    Some(match (dots, commas) {
        (0, 0) => None,
        (_, 0) if dots > 1 => None,
        (_, 0) => Some('.'),
        (0, 1) => {
            let at = mantissa.find(',')?;
            let after = &bytes[at + 1..];
            let before = mantissa[..at].trim_end_matches(|c: char| c.is_ascii_digit());
            let integer = &mantissa[before.len()..at];
            if after.len() == 3 && after.iter().all(u8::is_ascii_digit) && (1..=3).contains(&integer.len()) && integer != "0" {
                None
            } else {
                Some(',')
            }
        }
        (0, _) => None,
        _ => {
            let last_dot = mantissa.rfind('.')?;
            let last_comma = mantissa.rfind(',')?;
            Some(if last_dot > last_comma { '.' } else { ',' })
        }
    })
}

/// Currency symbols and words, longest first within a shared start, with their ISO 4217 code.
/// `$`, `¥` and `kr` are resolved against the default currency (see [`parse_money`]).
const SYMBOLS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("AU$", "AUD"),
    ("A$", "AUD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("S$", "SGD"),
    ("R$", "BRL"),
    ("$", "$"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "¥"),
    ("￥", "¥"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("₽", "RUB"),
    ("₺", "TRY"),
    ("₪", "ILS"),
    ("₱", "PHP"),
    ("฿", "THB"),
    ("zł", "PLN"),
    ("Kč", "CZK"),
    ("Fr.", "CHF"),
    ("kr.", "kr"),
    ("kr", "kr"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
];

/// ISO 4217 codes recognized when written out.
const CODES: &[&str] = &[
    "USD", "EUR", "GBP", "JPY", "CNY", "INR", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "ISK", "PLN", "CZK", "HUF", "RON",
    "BGN", "RUB", "UAH", "TRY", "BRL", "MXN", "ARS", "CLP", "COP", "PEN", "ZAR", "SGD", "HKD", "KRW", "TWD", "THB", "MYR", "IDR",
    "PHP", "VND", "AED", "SAR", "QAR", "ILS", "EGP", "NGN", "KES", "MAD",
];

/// Currencies written with a bare `$`.
const DOLLARS: &[&str] = &["USD", "CAD", "AUD", "NZD", "MXN", "SGD", "HKD", "TWD", "ARS", "CLP", "COP"];

/// Resolves a symbol's code against the default currency.
fn resolve(code: &str, default_currency: &str) -> String {
    let default = default_currency.trim().to_ascii_uppercase();
    match code {
        "$" if DOLLARS.contains(&default.as_str()) => default,
        "$" => "USD".into(),
        "¥" if default == "CNY" => default,
        "¥" => "JPY".into(),
        "kr" if matches!(default.as_str(), "SEK" | "NOK" | "DKK" | "ISK") => default,
        "kr" => "SEK".into(),
        other => other.into(),
    }
}

fn is_letter_at(text: &str, start: bool) -> bool {
    let c = if start { text.chars().next() } else { text.chars().next_back() };
    c.is_some_and(char::is_alphabetic)
}

/// Strips a currency at the start; returns its code (unresolved) and the rest.
fn currency_prefix(text: &str) -> Option<(&'static str, &str)> {
    for (symbol, code) in SYMBOLS {
        if let Some(rest) = text.strip_prefix(symbol) {
            let wordy = symbol.chars().next_back().is_some_and(char::is_alphabetic);
            if !(wordy && is_letter_at(rest, true)) {
                return Some((code, rest.trim_start()));
            }
        }
    }
    let head = text.get(..3)?;
    let code = CODES.iter().find(|code| code.eq_ignore_ascii_case(head))?;
    let rest = &text[3..];
    (!is_letter_at(rest, true)).then(|| (*code, rest.trim_start()))
}

/// Strips a currency at the end; returns its code (unresolved) and the rest.
fn currency_suffix(text: &str) -> Option<(&'static str, &str)> {
    for (symbol, code) in SYMBOLS {
        if let Some(rest) = text.strip_suffix(symbol) {
            let wordy = symbol.chars().next().is_some_and(char::is_alphabetic);
            if !(wordy && is_letter_at(rest, false)) {
                return Some((code, rest.trim_end()));
            }
        }
    }
    let at = text.len().checked_sub(3)?;
    let tail = text.get(at..)?;
    let code = CODES.iter().find(|code| code.eq_ignore_ascii_case(tail))?;
    let rest = &text[..at];
    (!is_letter_at(rest, false)).then(|| (*code, rest.trim_end()))
}

/// Parses an amount with an optional currency: `$1,200.00`, `1.234,56 €`, `EUR 5`, `(1,200)`.
/// Returns the amount and the ISO 4217 code (`default_currency` when none is written).
///
/// The currency may come before or after the amount, inside or outside a sign or parentheses
/// (`-$5`, `$-5`, `(€1,200.00)`, `USD 1,200`, `1.234,56 €`, `CHF 1'234.50`, `R$ 10`). Symbols:
/// `€` EUR, `£` GBP, `₹`/`Rs` INR, `R$` BRL, `US$`, `C$`, `A$`, `NZ$`, `HK$`, `S$`, `₩`, `₽`, `₺`,
/// `₪`, `₱`, `฿`, `zł`, `Kč`, `Fr.`/`CHF`, plus 3-letter ISO codes in any case. Ambiguous
/// symbols follow the default currency when it is one of theirs and otherwise take the most
/// common reading: `$` is the default currency if that is a dollar or peso (CAD, AUD, MXN, …),
/// else USD; `¥` is CNY for a CNY default, else JPY; `kr` is the default krona/krone, else SEK.
/// Two different currencies in one value are refused.
pub fn parse_money(text: &str, style: NumberStyle, default_currency: &str) -> Option<(f64, String)> {
    let (negative, body) = match text.trim() {
        trimmed if trimmed.starts_with('(') && trimmed.ends_with(')') => (true, &trimmed[1..trimmed.len() - 1]),
        trimmed => match trimmed.chars().next() {
            Some(c) if (is_minus(c) || c == '+') && currency_prefix(trimmed[c.len_utf8()..].trim_start()).is_some() => {
                (is_minus(c), &trimmed[c.len_utf8()..])
            }
            _ => (false, trimmed),
        },
    };
    let body = body.trim();
    let (prefix, body) = match currency_prefix(body) {
        Some((code, rest)) => (Some(code), rest),
        None => (None, body),
    };
    let (suffix, body) = match currency_suffix(body) {
        Some((code, rest)) => (Some(code), rest),
        None => (None, body),
    };
    let code = match (prefix, suffix) {
        (Some(a), Some(b)) if resolve(a, default_currency) != resolve(b, default_currency) => return None,
        (Some(code), _) | (None, Some(code)) => resolve(code, default_currency),
        (None, None) => default_currency.to_string(),
    };
    let amount = parse_number(body, style)?;
    if negative && amount.is_sign_negative() && amount != 0.0 {
        return None;
    }
    Some((if negative { -amount } else { amount }, code))
}
