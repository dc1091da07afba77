//! Countries and the many ways spreadsheets spell their phone numbers, dates and amounts.

use crate::data::{City, DE_CITIES, FR_CITIES, GB_CITIES, US_CITIES};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use std::fmt::Write;

/// The countries the generator places people and companies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    /// United States.
    Us,
    /// United Kingdom.
    Gb,
    /// Germany.
    De,
    /// France.
    Fr,
}

impl Country {
    /// Every supported country.
    pub const ALL: [Country; 4] = [Country::Us, Country::Gb, Country::De, Country::Fr];

    /// Parses an ISO 3166 code (`UK` is accepted for `GB`), ignoring case.
    pub fn parse(text: &str) -> Option<Country> {
        match text.trim().to_ascii_uppercase().as_str() {
            "US" | "USA" => Some(Country::Us),
            "GB" | "UK" => Some(Country::Gb),
            "DE" => Some(Country::De),
            "FR" => Some(Country::Fr),
            _ => None,
        }
    }

    /// ISO 3166 alpha-2 code, as stored in the clean fields.
    pub fn code(self) -> &'static str {
        match self {
            Country::Us => "US",
            Country::Gb => "GB",
            Country::De => "DE",
            Country::Fr => "FR",
        }
    }

    /// International calling code.
    pub fn calling_code(self) -> &'static str {
        match self {
            Country::Us => "1",
            Country::Gb => "44",
            Country::De => "49",
            Country::Fr => "33",
        }
    }

    /// ISO 4217 currency.
    pub fn currency(self) -> &'static str {
        match self {
            Country::Us => "USD",
            Country::Gb => "GBP",
            Country::De | Country::Fr => "EUR",
        }
    }

    /// Cities.
    pub fn cities(self) -> &'static [City] {
        match self {
            Country::Us => US_CITIES,
            Country::Gb => GB_CITIES,
            Country::De => DE_CITIES,
            Country::Fr => FR_CITIES,
        }
    }

    /// Ways spreadsheets name the country.
    pub fn spellings(self) -> &'static [&'static str] {
        match self {
            Country::Us => &["United States", "USA", "US", "U.S.", "United States of America"],
            Country::Gb => &["United Kingdom", "UK", "GB", "England", "Great Britain"],
            Country::De => &["Germany", "Deutschland", "DE", "GERMANY"],
            Country::Fr => &["France", "FR", "FRANCE"],
        }
    }

    /// Top-level domain of company websites.
    pub fn tld(self) -> &'static str {
        match self {
            Country::Us => "com",
            Country::Gb => "co.uk",
            Country::De => "de",
            Country::Fr => "fr",
        }
    }

    /// Legal suffixes of company names (empty: none).
    pub fn legal_suffixes(self) -> &'static [&'static str] {
        match self {
            Country::Us => &["Inc.", "LLC", "Corp.", "Inc", ""],
            Country::Gb => &["Ltd", "Ltd.", "PLC", "Limited", ""],
            Country::De => &["GmbH", "AG", "GmbH", ""],
            Country::Fr => &["S.A.", "SAS", "SARL", ""],
        }
    }

    /// Date styles (see [`format_date`]) used by spreadsheets of the country; none is ambiguous
    /// with another's day and month order.
    pub fn date_styles(self) -> &'static [u8] {
        match self {
            Country::Us => &[DATE_ISO, DATE_US, DATE_LONG_US],
            Country::Gb => &[DATE_ISO, DATE_LONG_GB],
            Country::De => &[DATE_ISO, DATE_DOTS, DATE_DOTS_PADDED],
            Country::Fr => &[DATE_ISO, DATE_DOTS_PADDED],
        }
    }

    /// Amount styles (see [`format_amount`]).
    pub fn amount_styles(self) -> &'static [u8] {
        match self {
            Country::Us => &[0, 1, 2, 3],
            Country::Gb => &[0, 1, 3],
            Country::De => &[0, 1, 2, 3],
            Country::Fr => &[0, 1, 3],
        }
    }

    /// Thousands separator of whole numbers such as head counts.
    pub fn thousands(self) -> &'static str {
        match self {
            Country::Us | Country::Gb => ",",
            Country::De => ".",
            Country::Fr => " ",
        }
    }
}

/// `2024-03-05`.
pub const DATE_ISO: u8 = 0;
/// `03/05/2024` (month first).
pub const DATE_US: u8 = 1;
/// `5.3.2024`.
pub const DATE_DOTS: u8 = 2;
/// `March 5, 2024`.
pub const DATE_LONG_US: u8 = 3;
/// `05.03.2024`.
pub const DATE_DOTS_PADDED: u8 = 4;
/// `5 March 2024`.
pub const DATE_LONG_GB: u8 = 5;

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// Formats a date in one of the `DATE_*` styles.
pub fn format_date(date: NaiveDate, style: u8) -> String {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let month = MONTHS[date.month0() as usize];
    match style {
        DATE_US => format!("{m:02}/{d:02}/{y}"),
        DATE_DOTS => format!("{d}.{m}.{y}"),
        DATE_LONG_US => format!("{month} {d}, {y}"),
        DATE_DOTS_PADDED => format!("{d:02}.{m:02}.{y}"),
        DATE_LONG_GB => format!("{d} {month} {y}"),
        _ => format!("{y:04}-{m:02}-{d:02}"),
    }
}

/// Formats a date and time: the date in a `DATE_*` style, the time in 12 hours for US styles.
/// `iso` writes RFC 3339 in UTC instead (`2024-03-05T14:30:00Z`).
pub fn format_datetime(instant: NaiveDateTime, style: u8, iso: bool) -> String {
    let (h, min) = (instant.hour(), instant.minute());
    if iso {
        return format!("{}T{h:02}:{min:02}:00Z", format_date(instant.date(), DATE_ISO));
    }
    let mut text = format_date(instant.date(), style);
    if matches!(style, DATE_US | DATE_LONG_US) {
        let (hour12, half) = match h {
            0 => (12, "AM"),
            1..=11 => (h, "AM"),
            12 => (12, "PM"),
            _ => (h - 12, "PM"),
        };
        let _ = write!(text, " {hour12}:{min:02} {half}");
    } else {
        let _ = write!(text, " {h:02}:{min:02}");
    }
    text
}

/// Groups the digits of a whole number with a separator: `1,200,000`.
pub fn group_thousands(value: u64, separator: &str) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// Writes cents as a plain decimal without trailing zeros: `1200.5`, `980`.
pub fn plain_amount(cents: i64) -> String {
    let (whole, fraction) = (cents / 100, cents % 100);
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// Formats an amount the way the country's spreadsheets show it; whole amounts lose their
/// decimals in the symbol styles.
///
/// Styles: 0 symbol (`$1,200.50`, `£980`, `1.200,50 €`, `1 200,50 €`), 1 plain with code
/// (`1200.5 USD`), 2 symbol without grouping (`$1200.50`, `€1,200.50`), 3 code first
/// (`USD 1,200.50`, `EUR 1.200,50`) or, in France, `1 200,50 EUR`.
pub fn format_amount(cents: i64, country: Country, style: u8) -> String {
    let cents = cents.max(0);
    let whole = (cents / 100) as u64;
    let fraction = cents % 100;
    let currency = country.currency();
    // English-style and continental-style numbers.
    let english = |grouped: bool| {
        let int = if grouped { group_thousands(whole, ",") } else { whole.to_string() };
        if fraction == 0 {
            int
        } else {
            format!("{int}.{fraction:02}")
        }
    };
    let continental = |separator: &str| {
        let int = group_thousands(whole, separator);
        if fraction == 0 {
            int
        } else {
            format!("{int},{fraction:02}")
        }
    };
    match (country, style) {
        (_, 1) => format!("{} {currency}", plain_amount(cents)),
        (Country::Us, 0) => format!("${}", english(true)),
        (Country::Us, 2) => format!("${}", english(false)),
        (Country::Gb, 0 | 2) => format!("£{}", english(true)),
        (Country::Us | Country::Gb, _) => format!("{currency} {}", english(true)),
        (Country::De, 0) => format!("{} €", continental(".")),
        (Country::De, 2) => format!("€{}", english(true)),
        (Country::De, _) => format!("EUR {}", continental(".")),
        (Country::Fr, 0 | 2) => format!("{} €", continental(" ")),
        (Country::Fr, _) => format!("{} EUR", continental(" ")),
    }
}

/// A phone number: the country, the national prefix (area code or mobile range) and a
/// seven-digit subscriber number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phone {
    /// Country.
    pub country: Country,
    /// Area code or mobile prefix without the trunk `0`.
    pub prefix: &'static str,
    /// Subscriber number, 2,000,000 to 9,999,999.
    pub subscriber: u32,
}

/// Number of phone styles per country: national ones first, then international.
const US_STYLES: (u8, u8) = (4, 4);
const GB_STYLES: (u8, u8) = (2, 3);
const DE_STYLES: (u8, u8) = (4, 3);
const FR_STYLES: (u8, u8) = (3, 3);

impl Phone {
    /// E.164 form, as stored.
    pub fn e164(&self) -> String {
        format!("+{}{}{}", self.country.calling_code(), self.prefix, self.subscriber)
    }

    fn style_counts(&self) -> (u8, u8) {
        match self.country {
            Country::Us => US_STYLES,
            Country::Gb => GB_STYLES,
            Country::De => DE_STYLES,
            Country::Fr => FR_STYLES,
        }
    }

    /// Number of styles; national styles come first and are `0..national_styles()`.
    pub fn styles(&self) -> u8 {
        let (national, international) = self.style_counts();
        national + international
    }

    /// Number of national styles (which only make sense in the default country).
    pub fn national_styles(&self) -> u8 {
        self.style_counts().0
    }

    /// Formats the number in a style (taken modulo [`Phone::styles`]).
    pub fn format(&self, style: u8) -> String {
        let style = style % self.styles();
        let nsn = format!("{}{}", self.prefix, self.subscriber);
        let cc = self.country.calling_code();
        match self.country {
            Country::Us => {
                let (area, exchange, line) = (&nsn[..3], &nsn[3..6], &nsn[6..]);
                match style {
                    0 => format!("({area}) {exchange}-{line}"),
                    1 => format!("{area}-{exchange}-{line}"),
                    2 => format!("{area}.{exchange}.{line}"),
                    3 => format!("1-{area}-{exchange}-{line}"),
                    4 => format!("+1 {area}-{exchange}-{line}"),
                    5 => format!("+1 ({area}) {exchange}-{line}"),
                    6 => format!("+1{nsn}"),
                    _ => format!("001 {area} {exchange} {line}"),
                }
            }
            Country::Gb => {
                let grouped = if nsn.starts_with("20") {
                    format!("{} {} {}", &nsn[..2], &nsn[2..6], &nsn[6..])
                } else if nsn.starts_with('7') {
                    format!("{} {}", &nsn[..4], &nsn[4..])
                } else {
                    format!("{} {} {}", &nsn[..3], &nsn[3..6], &nsn[6..])
                };
                match style {
                    0 => format!("0{grouped}"),
                    1 => format!("0{nsn}"),
                    2 => format!("+{cc} {grouped}"),
                    3 => format!("00{cc} {grouped}"),
                    _ => format!("+{cc}{nsn}"),
                }
            }
            Country::De => {
                let (prefix, subscriber) = (self.prefix, self.subscriber);
                match style {
                    0 => format!("0{prefix} {subscriber}"),
                    1 => format!("0{prefix}/{subscriber}"),
                    2 => format!("(0{prefix}) {subscriber}"),
                    3 => format!("0{prefix}-{subscriber}"),
                    4 => format!("+{cc} {prefix} {subscriber}"),
                    5 => format!("00{cc} {prefix} {subscriber}"),
                    _ => format!("+{cc}{nsn}"),
                }
            }
            Country::Fr => {
                let pairs = |separator: &str| {
                    let mut out = String::with_capacity(16);
                    out.push_str(&nsn[..1]);
                    for pair in 0..4 {
                        out.push_str(separator);
                        out.push_str(&nsn[1 + pair * 2..3 + pair * 2]);
                    }
                    out
                };
                match style {
                    0 => format!("0{}", pairs(" ")),
                    1 => format!("0{}", pairs(".")),
                    2 => format!("0{nsn}"),
                    3 => format!("+{cc} {}", pairs(" ")),
                    4 => format!("00{cc} {}", pairs(" ")),
                    _ => format!("+{cc}{nsn}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salesos_model::keys::normalize_phone;

    #[test]
    fn dates_in_every_style() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 5).expect("date");
        let styles: Vec<String> = (0..6).map(|style| format_date(date, style)).collect();
        assert_eq!(styles, ["2024-03-05", "03/05/2024", "5.3.2024", "March 5, 2024", "05.03.2024", "5 March 2024"]);
        let instant = date.and_hms_opt(14, 30, 0).expect("time");
        assert_eq!(format_datetime(instant, DATE_US, false), "03/05/2024 2:30 PM");
        assert_eq!(format_datetime(instant, DATE_DOTS, false), "5.3.2024 14:30");
        assert_eq!(format_datetime(instant, DATE_ISO, true), "2024-03-05T14:30:00Z");
    }

    #[test]
    fn amounts_in_every_style() {
        let us: Vec<String> = (0..4).map(|s| format_amount(120_050, Country::Us, s)).collect();
        assert_eq!(us, ["$1,200.50", "1200.5 USD", "$1200.50", "USD 1,200.50"]);
        assert_eq!(format_amount(98_000, Country::Gb, 0), "£980");
        assert_eq!(format_amount(120_050, Country::De, 0), "1.200,50 €");
        assert_eq!(format_amount(120_050, Country::De, 3), "EUR 1.200,50");
        assert_eq!(format_amount(120_050, Country::Fr, 0), "1 200,50 €");
        assert_eq!(format_amount(1_234_567_800, Country::Us, 0), "$12,345,678");
        assert_eq!(plain_amount(5), "0.05");
        assert_eq!(group_thousands(999, ","), "999");
        assert_eq!(group_thousands(1000, "."), "1.000");
    }

    #[test]
    fn every_phone_style_normalizes_to_its_e164() {
        let phones = [
            Phone { country: Country::Us, prefix: "415", subscriber: 5_550_134 },
            Phone { country: Country::Gb, prefix: "207", subscriber: 9_460_958 },
            Phone { country: Country::Gb, prefix: "161", subscriber: 4_960_123 },
            Phone { country: Country::Gb, prefix: "790", subscriber: 2_345_678 },
            Phone { country: Country::De, prefix: "30", subscriber: 1_234_567 },
            Phone { country: Country::De, prefix: "171", subscriber: 2_345_678 },
            Phone { country: Country::Fr, prefix: "14", subscriber: 2_685_300 },
            Phone { country: Country::Fr, prefix: "61", subscriber: 2_345_678 },
        ];
        for phone in phones {
            let e164 = phone.e164();
            for style in 0..phone.styles() {
                let text = phone.format(style);
                if style < phone.national_styles() {
                    assert_eq!(normalize_phone(&text, phone.country.code()).as_deref(), Some(e164.as_str()), "{text}");
                } else {
                    for default in Country::ALL {
                        assert_eq!(normalize_phone(&text, default.code()).as_deref(), Some(e164.as_str()), "{text}");
                    }
                }
            }
        }
        let london = Phone { country: Country::Gb, prefix: "207", subscriber: 9_460_958 };
        assert_eq!(london.format(0), "020 7946 0958");
        let berlin = Phone { country: Country::De, prefix: "30", subscriber: 1_234_567 };
        assert_eq!(berlin.format(4), "+49 30 1234567");
        assert_eq!(berlin.format(5), "0049 30 1234567");
        let sf = Phone { country: Country::Us, prefix: "415", subscriber: 5_550_134 };
        assert_eq!(sf.format(0), "(415) 555-0134");
        assert_eq!(sf.format(4), "+1 415-555-0134");
    }
}
