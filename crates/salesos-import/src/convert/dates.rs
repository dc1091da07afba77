//! Dates and date-times: the candidate format table, a hand-written lexer shared by inference
//! and parsing, per-column format inference, and zone handling.
//!
//! Every value is lexed once into three date components (numbers or an English month name) and
//! an optional time part. A fixed table of candidate formats then says which formats the value
//! fits, as a bitmask; a column keeps one counter per format, so inference is constant memory.
//!
//! Formats from the table are parsed by the same lexer (not by chrono), which is both fast and
//! lenient about the time part: seconds, fractions, `AM`/`PM`, `Z`, `UTC` and offsets are read
//! whatever the column's pattern says. ISO 8601 / RFC 3339 is always accepted in addition to
//! the column's format. Any other pattern a user gives is parsed by chrono.
//!
//! Excel serial day numbers (`45352`) are deliberately not accepted: a column of integers is
//! far more often something else, and guessing would shift nothing visibly until it is too late.

use chrono::format::{Fixed, Item, Numeric, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The order of day, month and year in numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// 31/12/2024
    Dmy,
    /// 12/31/2024
    Mdy,
    /// 2024-12-31
    Ymd,
}

impl DateOrder {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Ymd => "ymd",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<DateOrder> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dmy" => Some(DateOrder::Dmy),
            "mdy" => Some(DateOrder::Mdy),
            "ymd" => Some(DateOrder::Ymd),
            _ => None,
        }
    }

    /// Returns the usual order of a locale such as `en-US` or `de-DE` (BCP 47, `_` also accepted).
    ///
    /// Month-first: the United States and its territories, the Philippines (`en-PH`, `fil`), and
    /// a bare `en`. Year-first: Chinese, Japanese, Korean, Hungarian, Lithuanian, Swedish (ISO),
    /// Mongolian, Basque, Afrikaans, and English in Canada and South Africa. Everything else,
    /// including an empty or unknown locale, is day-first, as most of the world writes dates.
    pub fn for_locale(locale: &str) -> DateOrder {
        let mut parts = locale.trim().split(['-', '_']);
        let language = parts.next().unwrap_or("").to_ascii_lowercase();
        // The region is the first two-letter or three-digit subtag after the language.
        let region = parts
            .find(|p| {
                (p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
                    || (p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()))
            })
            .map(str::to_ascii_uppercase)
            .unwrap_or_default();
        if matches!(language.as_str(), "zh" | "ja" | "ko" | "hu" | "lt" | "sv" | "mn" | "eu" | "af") {
            return DateOrder::Ymd;
        }
        if language == "fil"
            || matches!(region.as_str(), "US" | "PH" | "AS" | "GU" | "MP" | "UM" | "VI" | "PR" | "FM" | "MH" | "PW")
        {
            return DateOrder::Mdy;
        }
        if language == "en" && region.is_empty() {
            return DateOrder::Mdy;
        }
        if ((language == "en" || language == "fr") && region == "CA") || (language == "en" && region == "ZA") {
            return DateOrder::Ymd;
        }
        DateOrder::Dmy
    }
}

/// A date (or date-time) format in chrono's strftime syntax, such as `%d.%m.%Y`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateFormat {
    /// The strftime pattern.
    pub pattern: String,
}

impl DateFormat {
    /// Wraps a pattern.
    pub fn new(pattern: &str) -> DateFormat {
        DateFormat { pattern: pattern.into() }
    }

    /// The ISO 8601 date format, `%Y-%m-%d`.
    pub fn iso() -> DateFormat {
        DateFormat::new(FORMATS[ISO].pattern)
    }

    /// Checks that a user-given pattern is a valid chrono format with a year, month and day.
    pub fn check(&self) -> Result<(), String> {
        let pattern = &self.pattern;
        if pattern.trim().is_empty() {
            return Err("the date format is empty; give one such as %d.%m.%Y or %m/%d/%Y".into());
        }
        let (mut year, mut month, mut day) = (false, false, false);
        for item in StrftimeItems::new(pattern) {
            match item {
                Item::Error => {
                    return Err(format!(
                        "the date format `{pattern}` has an unknown or incomplete `%` specifier; \
                         use strftime syntax such as %d.%m.%Y, %m/%d/%Y or %Y-%m-%d %H:%M"
                    ))
                }
                Item::Numeric(Numeric::Year | Numeric::YearMod100, _) => year = true,
                Item::Numeric(Numeric::Month, _) | Item::Fixed(Fixed::ShortMonthName | Fixed::LongMonthName) => month = true,
                Item::Numeric(Numeric::Day, _) => day = true,
                _ => {}
            }
        }
        let missing: Vec<&str> = [(year, "a year (%Y or %y)"), (month, "a month (%m, %b or %B)"), (day, "a day (%d or %e)")]
            .into_iter()
            .filter(|(present, _)| !present)
            .map(|(_, what)| what)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the date format `{pattern}` has no {}; a date format needs a year, a month and a day",
                missing.join(" and no ")
            ))
        }
    }

    /// Returns the day/month order of the format, if it has one.
    pub fn order(&self) -> Option<DateOrder> {
        let (mut year, mut month, mut day) = (None, None, None);
        for (index, item) in StrftimeItems::new(&self.pattern).enumerate() {
            let slot = match item {
                Item::Error => return None,
                Item::Numeric(Numeric::Year | Numeric::YearMod100, _) => &mut year,
                Item::Numeric(Numeric::Month, _) | Item::Fixed(Fixed::ShortMonthName | Fixed::LongMonthName) => &mut month,
                Item::Numeric(Numeric::Day, _) => &mut day,
                _ => continue,
            };
            slot.get_or_insert(index);
        }
        let (y, m, d) = (year?, month?, day?);
        if d < m && m < y {
            Some(DateOrder::Dmy)
        } else if m < d && d < y {
            Some(DateOrder::Mdy)
        } else if y < m && m < d {
            Some(DateOrder::Ymd)
        } else {
            None
        }
    }

    /// Parses a date; ISO 8601 is always accepted too.
    ///
    /// A date-time value gives its date as written: the time and any zone are checked but never
    /// shift the calendar date.
    pub fn parse_date(&self, text: &str) -> Option<NaiveDate> {
        let text = salesos_model::text::trim(text);
        if text.is_empty() {
            return None;
        }
        let entry = table_entry(&self.pattern);
        if let Some(lexed) = lex(text) {
            if let Some(date) = fit(ISO, &lexed) {
                return lex_time(lexed.rest).map(|_| date);
            }
            if let Some(index) = entry {
                if let Some(date) = fit(index, &lexed).and_then(|date| lex_time(lexed.rest).map(|_| date)) {
                    return Some(date);
                }
            }
        }
        if let Some(date) = custom_date(text, &self.pattern).filter(|_| entry.is_none()) {
            return Some(date);
        }
        unambiguous_date(text, entry)
    }

    /// Parses a date-time; values without a zone are at `utc_offset_minutes`, and a date-only
    /// value is midnight there. ISO 8601 / RFC 3339 is always accepted too.
    pub fn parse_datetime(&self, text: &str, utc_offset_minutes: i32) -> Option<DateTime<Utc>> {
        let text = salesos_model::text::trim(text);
        if text.is_empty() {
            return None;
        }
        let entry = table_entry(&self.pattern);
        if let Some(lexed) = lex(text) {
            let date =
                fit(ISO, &lexed).or_else(|| entry.and_then(|index| fit(index, &lexed))).or_else(|| unambiguous_date(text, entry));
            if let Some(date) = date {
                let time = lex_time(lexed.rest)?;
                let (clock, offset_seconds) = match time {
                    Some(time) => (time.time, time.offset_seconds),
                    None => (NaiveTime::MIN, None),
                };
                return to_utc(date.and_time(clock), offset_seconds.unwrap_or(utc_offset_minutes.saturating_mul(60)));
            }
            if entry.is_some() {
                return None;
            }
        } else if entry.is_some() {
            return None;
        }
        custom_datetime(text, &self.pattern, utc_offset_minutes)
    }
}

/// Shifts a local date-time at an offset (seconds east of UTC) to UTC.
fn to_utc(local: NaiveDateTime, offset_seconds: i32) -> Option<DateTime<Utc>> {
    let delta = TimeDelta::try_seconds(i64::from(offset_seconds))?;
    local.checked_sub_signed(delta).map(|utc| utc.and_utc())
}

/// Whether a chrono pattern has any time-of-day or zone item.
fn has_time_items(pattern: &str) -> bool {
    StrftimeItems::new(pattern).any(|item| {
        matches!(
            item,
            Item::Numeric(Numeric::Hour | Numeric::Hour12 | Numeric::Minute | Numeric::Second | Numeric::Nanosecond, _)
                | Item::Fixed(
                    Fixed::LowerAmPm
                        | Fixed::UpperAmPm
                        | Fixed::TimezoneOffset
                        | Fixed::TimezoneOffsetColon
                        | Fixed::TimezoneOffsetColonZ
                        | Fixed::TimezoneOffsetZ
                        | Fixed::RFC3339
                        | Fixed::RFC2822
                )
        )
    })
}

/// Parses a date with a pattern outside the table (chrono), taking the date as written.
fn custom_date(text: &str, pattern: &str) -> Option<NaiveDate> {
    if has_time_items(pattern) {
        if let Ok(instant) = DateTime::parse_from_str(text, pattern) {
            return Some(instant.naive_local().date());
        }
        if let Ok(local) = NaiveDateTime::parse_from_str(text, pattern) {
            return Some(local.date());
        }
    }
    let (date, rest) = NaiveDate::parse_and_remainder(text, pattern).ok()?;
    lex_time(rest).map(|_| date)
}

/// Parses a date-time with a pattern outside the table (chrono).
fn custom_datetime(text: &str, pattern: &str, utc_offset_minutes: i32) -> Option<DateTime<Utc>> {
    let offset = utc_offset_minutes.saturating_mul(60);
    if has_time_items(pattern) {
        if let Ok(instant) = DateTime::parse_from_str(text, pattern) {
            return Some(instant.with_timezone(&Utc));
        }
        if let Ok(local) = NaiveDateTime::parse_from_str(text, pattern) {
            return to_utc(local, offset);
        }
    }
    let (date, rest) = NaiveDate::parse_and_remainder(text, pattern).ok()?;
    let (clock, zone) = match lex_time(rest)? {
        Some(time) => (time.time, time.offset_seconds),
        None => (NaiveTime::MIN, None),
    };
    to_utc(date.and_time(clock), zone.unwrap_or(offset))
}

// ---------------------------------------------------------------------------------------------
// The candidate table.

/// How the three date components are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `N s N s N` with one separator `-`, `/` or `.`.
    Numeric(u8),
    /// `3 March 2024`
    DayName,
    /// `March 3, 2024`
    NameDay,
    /// `03-Mar-2024`
    DashName,
    /// `20240303`
    Compact,
}

/// One candidate format.
struct Format {
    pattern: &'static str,
    layout: Layout,
    order: DateOrder,
    /// Digits of the year: 4 or 2.
    year_len: u8,
    /// Only full month names fit (`%B`).
    full_month: bool,
}

const fn format(pattern: &'static str, layout: Layout, order: DateOrder, year_len: u8, full_month: bool) -> Format {
    Format { pattern, layout, order, year_len, full_month }
}

/// Index of ISO 8601 in [`FORMATS`].
const ISO: usize = 0;

/// The candidate formats, in order of preference when several fit a column equally.
const FORMATS: [Format; 18] = [
    format("%Y-%m-%d", Layout::Numeric(b'-'), DateOrder::Ymd, 4, false),
    format("%Y/%m/%d", Layout::Numeric(b'/'), DateOrder::Ymd, 4, false),
    format("%Y.%m.%d", Layout::Numeric(b'.'), DateOrder::Ymd, 4, false),
    format("%d/%m/%Y", Layout::Numeric(b'/'), DateOrder::Dmy, 4, false),
    format("%m/%d/%Y", Layout::Numeric(b'/'), DateOrder::Mdy, 4, false),
    format("%d.%m.%Y", Layout::Numeric(b'.'), DateOrder::Dmy, 4, false),
    format("%d-%m-%Y", Layout::Numeric(b'-'), DateOrder::Dmy, 4, false),
    format("%m-%d-%Y", Layout::Numeric(b'-'), DateOrder::Mdy, 4, false),
    format("%d/%m/%y", Layout::Numeric(b'/'), DateOrder::Dmy, 2, false),
    format("%m/%d/%y", Layout::Numeric(b'/'), DateOrder::Mdy, 2, false),
    format("%d.%m.%y", Layout::Numeric(b'.'), DateOrder::Dmy, 2, false),
    format("%d %B %Y", Layout::DayName, DateOrder::Dmy, 4, true),
    format("%d %b %Y", Layout::DayName, DateOrder::Dmy, 4, false),
    format("%B %d, %Y", Layout::NameDay, DateOrder::Mdy, 4, true),
    format("%b %d, %Y", Layout::NameDay, DateOrder::Mdy, 4, false),
    format("%d-%b-%Y", Layout::DashName, DateOrder::Dmy, 4, false),
    format("%d-%b-%y", Layout::DashName, DateOrder::Dmy, 2, false),
    format("%Y%m%d", Layout::Compact, DateOrder::Ymd, 4, false),
];

/// Whether one value can fit both formats: the same layout and year digits, and the year at the
/// same end (a day-first/month-first pair; full and abbreviated month names).
fn may_fit_alike(a: &Format, b: &Format) -> bool {
    a.layout == b.layout && a.year_len == b.year_len && (a.order == DateOrder::Ymd) == (b.order == DateOrder::Ymd)
}

/// Day-first and month-first formats that read the same text differently.
const PAIRS: [(usize, usize); 3] = [(3, 4), (6, 7), (8, 9)];

/// Returns the table entry of a pattern: a table date pattern, optionally followed by a time.
fn table_entry(pattern: &str) -> Option<usize> {
    FORMATS.iter().position(|format| pattern.strip_prefix(format.pattern).is_some_and(is_time_suffix))
}

/// Whether the rest of a pattern is empty or a time the lexer reads anyway (`%H:%M`, `T%H:%M:%S%.f%:z`, `%I:%M %p`).
fn is_time_suffix(rest: &str) -> bool {
    if rest.is_empty() {
        return true;
    }
    let Some(mut rest) = rest.strip_prefix([' ', 'T']) else { return false };
    let mut hour = false;
    while !rest.is_empty() {
        const TOKENS: [&str; 14] = ["%H", "%I", "%M", "%S", "%p", "%P", "%:z", "%z", "%.f", "%.3f", "%.6f", "%.9f", ":", " "];
        let Some(token) = TOKENS.iter().find(|token| rest.starts_with(**token)) else {
            return rest == "Z";
        };
        hour |= matches!(*token, "%H" | "%I");
        rest = &rest[token.len()..];
    }
    hour
}

// ---------------------------------------------------------------------------------------------
// The lexer.

/// One date component.
#[derive(Debug, Clone, Copy)]
enum Comp {
    /// A number and its digit count.
    Num(u32, u8),
    /// An English month name or abbreviation: month 1–12 and whether it was the full name.
    Month(u32, bool),
}

/// A value split into date components and the rest (the time, if any).
#[derive(Debug)]
struct Lexed<'a> {
    layout: Layout,
    comps: [Comp; 3],
    rest: &'a str,
}

const MONTHS: [&str; 12] =
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// Reads an English month name (full, three-letter, or `Sept`), returning the month and whether it was full.
fn month_name(word: &[u8]) -> Option<(u32, bool)> {
    if word.len() < 3 {
        return None;
    }
    for (index, name) in MONTHS.iter().enumerate() {
        let name = name.as_bytes();
        if word.eq_ignore_ascii_case(name) {
            return Some((index as u32 + 1, true));
        }
        if word.eq_ignore_ascii_case(&name[..3]) || (index == 8 && word.eq_ignore_ascii_case(b"sept")) {
            return Some((index as u32 + 1, false));
        }
    }
    None
}

fn is_weekday(word: &[u8]) -> bool {
    word.len() >= 3
        && WEEKDAYS.iter().any(|day| word.eq_ignore_ascii_case(day.as_bytes()) || word.eq_ignore_ascii_case(&day.as_bytes()[..3]))
}

/// A byte cursor.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        self.at += usize::from(hit);
        hit
    }

    /// Reads up to `max` digits; `None` when there are none or more than `max`.
    fn number(&mut self, max: usize) -> Option<(u32, u8)> {
        let start = self.at;
        let mut value: u32 = 0;
        while let Some(byte) = self.peek().filter(u8::is_ascii_digit) {
            if self.at - start == max {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
            self.at += 1;
        }
        (self.at > start).then_some((value, (self.at - start) as u8))
    }

    fn word(&mut self) -> &'a [u8] {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.at += 1;
        }
        &self.bytes[start..self.at]
    }

    /// Skips spaces, returning how many.
    fn spaces(&mut self) -> usize {
        let start = self.at;
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
        self.at - start
    }
}

/// Splits a trimmed value into its date components and the rest; `None` if it has no date shape.
fn lex(text: &str) -> Option<Lexed<'_>> {
    let mut cur = Cursor { bytes: text.as_bytes(), at: 0 };
    // A leading weekday, as in `Tue, 5 Mar 2024` or `Tuesday, March 5, 2024`, is skipped.
    if cur.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
        let save = cur.at;
        if is_weekday(cur.word()) {
            cur.eat(b',');
            if cur.spaces() == 0 {
                return None;
            }
        } else {
            cur.at = save;
        }
    }
    let (layout, comps) = match cur.peek()? {
        b'0'..=b'9' => {
            let (first, first_len) = cur.number(8)?;
            if first_len == 8 {
                if cur.at != cur.bytes.len() {
                    return None;
                }
                let comps = [Comp::Num(first / 10000, 4), Comp::Num(first / 100 % 100, 2), Comp::Num(first % 100, 2)];
                (Layout::Compact, comps)
            } else if first_len > 4 {
                return None;
            } else {
                let sep = cur.peek()?;
                cur.at += 1;
                match sep {
                    b'-' | b'/' | b'.' if cur.peek().is_some_and(|b| b.is_ascii_digit()) => {
                        let (second, second_len) = cur.number(4)?;
                        if !cur.eat(sep) {
                            return None;
                        }
                        let (third, third_len) = cur.number(4)?;
                        (
                            Layout::Numeric(sep),
                            [Comp::Num(first, first_len), Comp::Num(second, second_len), Comp::Num(third, third_len)],
                        )
                    }
                    b'-' => {
                        let (month, full) = month_name(cur.word())?;
                        if !cur.eat(b'-') {
                            return None;
                        }
                        let (year, year_len) = cur.number(4)?;
                        (Layout::DashName, [Comp::Num(first, first_len), Comp::Month(month, full), Comp::Num(year, year_len)])
                    }
                    b' ' => {
                        cur.spaces();
                        let (month, full) = month_name(cur.word())?;
                        cur.eat(b'.');
                        cur.eat(b',');
                        if cur.spaces() == 0 {
                            return None;
                        }
                        let (year, year_len) = cur.number(4)?;
                        (Layout::DayName, [Comp::Num(first, first_len), Comp::Month(month, full), Comp::Num(year, year_len)])
                    }
                    _ => return None,
                }
            }
        }
        b'a'..=b'z' | b'A'..=b'Z' => {
            let (month, full) = month_name(cur.word())?;
            cur.eat(b'.');
            if cur.spaces() == 0 {
                return None;
            }
            let (day, day_len) = cur.number(2)?;
            let comma = cur.eat(b',');
            if cur.spaces() == 0 && !comma {
                return None;
            }
            let (year, year_len) = cur.number(4)?;
            (Layout::NameDay, [Comp::Month(month, full), Comp::Num(day, day_len), Comp::Num(year, year_len)])
        }
        _ => return None,
    };
    // The date must end at a boundary: the end, a space, a comma or the `T` of ISO 8601.
    if cur.peek().is_some_and(|b| b.is_ascii_alphanumeric() && b != b'T' && b != b't') {
        return None;
    }
    Some(Lexed { layout, comps, rest: &text[cur.at..] })
}

/// The date a value gives under one table format, if it fits it.
fn fit(index: usize, lexed: &Lexed<'_>) -> Option<NaiveDate> {
    let format = &FORMATS[index];
    if format.layout != lexed.layout {
        return None;
    }
    let num = |comp: Comp, min: u8, max: u8| match comp {
        Comp::Num(value, len) if (min..=max).contains(&len) => Some(value),
        _ => None,
    };
    let month_of = |comp: Comp| match comp {
        Comp::Month(month, full) if full || !format.full_month => Some(month),
        _ => None,
    };
    let year_of = |comp: Comp| {
        let value = num(comp, format.year_len, format.year_len)?;
        Some(if format.year_len == 2 {
            if value < 70 {
                2000 + value
            } else {
                1900 + value
            }
        } else {
            value
        })
    };
    let [a, b, c] = lexed.comps;
    let (year, month, day) = match (format.layout, format.order) {
        (Layout::Numeric(_), DateOrder::Ymd) => (num(a, 4, 4)?, num(b, 1, 2)?, num(c, 1, 2)?),
        (Layout::Numeric(_), DateOrder::Dmy) => (year_of(c)?, num(b, 1, 2)?, num(a, 1, 2)?),
        (Layout::Numeric(_), DateOrder::Mdy) => (year_of(c)?, num(a, 1, 2)?, num(b, 1, 2)?),
        (Layout::DayName | Layout::DashName, _) => (year_of(c)?, month_of(b)?, num(a, 1, 2)?),
        (Layout::NameDay, _) => (year_of(c)?, month_of(a)?, num(b, 1, 2)?),
        (Layout::Compact, _) => {
            let year = num(a, 4, 4)?;
            if !(1900..=2199).contains(&year) {
                return None;
            }
            (year, num(b, 2, 2)?, num(c, 2, 2)?)
        }
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// A time of day read after a date.
#[derive(Debug, Clone, Copy)]
struct TimePart {
    time: NaiveTime,
    /// The written zone, in seconds east of UTC.
    offset_seconds: Option<i32>,
    seconds: bool,
    twelve_hour: bool,
    t_separator: bool,
}

/// Reads the rest after a date: `Some(None)` when empty, `Some(Some(time))` for a valid time
/// (`T10:30`, ` 10:30:15.250`, ` 2:05 PM`, `Z`, `+02:00`, ` UTC`), `None` for anything else.
fn lex_time(rest: &str) -> Option<Option<TimePart>> {
    if rest.is_empty() {
        return Some(None);
    }
    let mut cur = Cursor { bytes: rest.as_bytes(), at: 0 };
    let t_separator = cur.eat(b'T') || cur.eat(b't');
    if !t_separator {
        let comma = cur.eat(b',');
        if cur.spaces() == 0 && !comma {
            return None;
        }
        if cur.peek().is_none() {
            return Some(None);
        }
    }
    let (hour, _) = cur.number(2)?;
    if !cur.eat(b':') {
        return None;
    }
    let (minute, minute_len) = cur.number(2)?;
    let (mut second, mut nano, mut seconds) = (0, 0, false);
    if minute_len != 2 {
        return None;
    }
    if cur.eat(b':') {
        let (value, len) = cur.number(2)?;
        if len != 2 {
            return None;
        }
        second = value;
        seconds = true;
        if cur.peek() == Some(b'.') || cur.peek() == Some(b',') {
            cur.at += 1;
            let start = cur.at;
            let mut scale = 100_000_000;
            while let Some(byte) = cur.peek().filter(u8::is_ascii_digit) {
                nano += u32::from(byte - b'0') * scale;
                scale /= 10;
                cur.at += 1;
            }
            if cur.at == start {
                return None;
            }
        }
    }
    cur.spaces();
    let mut twelve_hour = false;
    let mut hour = hour;
    if let Some(first) = cur.peek().map(|b| b.to_ascii_lowercase()).filter(|b| *b == b'a' || *b == b'p') {
        let save = cur.at;
        cur.at += 1;
        cur.eat(b'.');
        if cur.peek().is_some_and(|b| b.eq_ignore_ascii_case(&b'm')) {
            cur.at += 1;
            cur.eat(b'.');
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = hour % 12 + if first == b'p' { 12 } else { 0 };
            twelve_hour = true;
        } else {
            cur.at = save;
        }
    }
    cur.spaces();
    let mut offset_seconds = None;
    match cur.peek() {
        Some(b'Z' | b'z') => {
            cur.at += 1;
            offset_seconds = Some(0);
        }
        Some(b'U' | b'G') if rest[cur.at..].starts_with("UTC") || rest[cur.at..].starts_with("GMT") => {
            cur.at += 3;
            offset_seconds = Some(0);
        }
        _ => {}
    }
    if let Some(sign) = cur.peek().filter(|b| *b == b'+' || *b == b'-') {
        cur.at += 1;
        let (first, first_len) = cur.number(4)?;
        let (hours, minutes) = match first_len {
            1 | 2 if cur.eat(b':') => {
                let (minutes, len) = cur.number(2)?;
                if len != 2 {
                    return None;
                }
                (first, minutes)
            }
            1 | 2 => (first, 0),
            4 => (first / 100, first % 100),
            _ => return None,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        let seconds = (hours * 3600 + minutes * 60) as i32;
        offset_seconds = Some(if sign == b'-' { -seconds } else { seconds });
    }
    cur.spaces();
    if cur.peek().is_some() {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?;
    Some(Some(TimePart { time, offset_seconds, seconds, twelve_hour, t_separator }))
}

/// Reads a value written in another spelling than the column's format (`December 5, 1995` in a
/// `%d.%m.%Y` column) when every table format of another layout that fits it reads the same
/// calendar date: a messy column may mix spellings, but a value that reads two ways
/// (`01/05/1986`) is never guessed, and a value in the column's own layout must follow its order.
fn unambiguous_date(text: &str, entry: Option<usize>) -> Option<NaiveDate> {
    let lexed = lex(text)?;
    lex_time(lexed.rest)?;
    let own_layout = entry.map(|index| FORMATS[index].layout);
    let mut found: Option<NaiveDate> = None;
    for (index, format) in FORMATS.iter().enumerate() {
        if own_layout == Some(format.layout) {
            continue;
        }
        if let Some(date) = fit(index, &lexed) {
            match found {
                Some(seen) if seen != date => return None,
                _ => found = Some(date),
            }
        }
    }
    found
}

/// Classifies a trimmed value: the bitmask of table formats it fits (with a valid time, if any),
/// the lexed date, and its time.
fn classify(text: &str) -> (u32, Option<Lexed<'_>>, Option<TimePart>) {
    let Some(lexed) = lex(text) else { return (0, None, None) };
    let Some(time) = lex_time(lexed.rest) else { return (0, None, None) };
    let mut mask = 0;
    for index in 0..FORMATS.len() {
        if fit(index, &lexed).is_some() {
            mask |= 1 << index;
        }
    }
    (mask, Some(lexed), time)
}

// ---------------------------------------------------------------------------------------------
// Column inference.

/// What the values of a column say about its date format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateInference {
    /// No non-empty values.
    Empty,
    /// One format fits the values.
    Known {
        /// The format.
        format: DateFormat,
    },
    /// Every value fits both day-first and month-first.
    Ambiguous {
        /// The day-first reading.
        day_first: DateFormat,
        /// The month-first reading.
        month_first: DateFormat,
        /// Values that show the ambiguity.
        examples: Vec<String>,
    },
    /// No known format fits.
    Unknown {
        /// Values no format fits.
        examples: Vec<String>,
    },
}

/// How many example values inference keeps of each kind.
const EXAMPLES: usize = 3;

/// Accumulates the values of one column to infer its date format.
///
/// Constant memory: a counter per candidate format, a few time-shape counters and at most
/// three examples of each kind, however many values are observed.
#[derive(Debug, Clone, Default)]
pub struct DateColumnStats {
    total: u64,
    unfit: u64,
    counts: [u64; FORMATS.len()],
    with_time: u64,
    with_seconds: u64,
    twelve_hour: u64,
    t_separator: u64,
    /// Values that fit a day-first and a month-first format and read differently under them.
    ambiguous_examples: Vec<String>,
    /// Values that fit both but read the same (`04/04/2024`), shown only when there is nothing better.
    same_examples: Vec<String>,
    /// Values that fit no format.
    unfit_examples: Vec<String>,
    /// The first values seen.
    first_examples: Vec<String>,
}

impl DateColumnStats {
    /// Creates empty statistics.
    pub fn new() -> DateColumnStats {
        DateColumnStats::default()
    }

    /// Returns how many non-empty values were observed.
    pub fn observed(&self) -> u64 {
        self.total
    }

    /// Takes one cell's text into account; empty cells are ignored.
    pub fn observe(&mut self, text: &str) {
        let text = salesos_model::text::trim(text);
        if text.is_empty() {
            return;
        }
        self.total += 1;
        keep(&mut self.first_examples, text);
        let (mask, lexed, time) = classify(text);
        if mask == 0 {
            self.unfit += 1;
            keep(&mut self.unfit_examples, text);
            return;
        }
        let mut bits = mask;
        while bits != 0 {
            self.counts[bits.trailing_zeros() as usize] += 1;
            bits &= bits - 1;
        }
        if let Some(time) = time {
            self.with_time += 1;
            self.with_seconds += u64::from(time.seconds);
            self.twelve_hour += u64::from(time.twelve_hour);
            self.t_separator += u64::from(time.t_separator);
        }
        if PAIRS.iter().any(|(a, b)| mask & (1 << a) != 0 && mask & (1 << b) != 0) {
            let same = matches!(lexed.map(|l| l.comps), Some([Comp::Num(x, _), Comp::Num(y, _), _]) if x == y);
            keep(if same { &mut self.same_examples } else { &mut self.ambiguous_examples }, text);
        }
    }

    /// Adds the statistics of the values that follow these (another part of the same column,
    /// read at once): the same statistics as observing all of them in order.
    pub fn merge(&mut self, later: &DateColumnStats) {
        self.total += later.total;
        self.unfit += later.unfit;
        for (count, more) in self.counts.iter_mut().zip(later.counts) {
            *count += more;
        }
        self.with_time += later.with_time;
        self.with_seconds += later.with_seconds;
        self.twelve_hour += later.twelve_hour;
        self.t_separator += later.t_separator;
        for (mine, theirs) in [
            (&mut self.ambiguous_examples, &later.ambiguous_examples),
            (&mut self.same_examples, &later.same_examples),
            (&mut self.unfit_examples, &later.unfit_examples),
            (&mut self.first_examples, &later.first_examples),
        ] {
            for text in theirs {
                keep(mine, text);
            }
        }
    }

    /// Concludes; a given order resolves an ambiguity between day-first and month-first.
    ///
    /// ISO 8601 values fit every format (they are always accepted), values that fit no format
    /// are left to become row errors, and the format that fits the most values wins, provided
    /// it fits more than half of them; otherwise the column is `Unknown`. When a day-first and
    /// a month-first format fit equally well, the column is `Ambiguous` unless `order` is
    /// `Dmy` or `Mdy`.
    pub fn conclude(&self, order: Option<DateOrder>) -> DateInference {
        if self.total == 0 {
            return DateInference::Empty;
        }
        let best = self.best_fit();
        if best == 0 || best * 2 <= self.total {
            let examples = if self.unfit_examples.is_empty() { &self.first_examples } else { &self.unfit_examples };
            return DateInference::Unknown { examples: examples.clone() };
        }
        let fits = |index: usize| self.counts[index] > 0 && self.fitting(index) == best;
        if fits(ISO) {
            return DateInference::Known { format: self.with_time_suffix(ISO) };
        }
        if let Some((day_first, month_first)) = PAIRS.iter().copied().find(|(a, b)| fits(*a) && fits(*b)) {
            return match order {
                Some(DateOrder::Dmy) => DateInference::Known { format: self.with_time_suffix(day_first) },
                Some(DateOrder::Mdy) => DateInference::Known { format: self.with_time_suffix(month_first) },
                _ => DateInference::Ambiguous {
                    day_first: self.with_time_suffix(day_first),
                    month_first: self.with_time_suffix(month_first),
                    examples: if self.ambiguous_examples.is_empty() {
                        self.same_examples.clone()
                    } else {
                        self.ambiguous_examples.clone()
                    },
                },
            };
        }
        match (0..FORMATS.len()).find(|i| fits(*i)) {
            Some(index) => DateInference::Known { format: self.with_time_suffix(index) },
            None => DateInference::Unknown { examples: self.unfit_examples.clone() },
        }
    }

    /// Whether one format fits at least 95 % of the values observed: a column written one way,
    /// whose conclusion a sample of it predicts (a column of mixed spellings can tip either
    /// way between its beginning and its end).
    pub fn fits_nearly_all(&self) -> bool {
        let best = self.best_fit();
        best > 0 && best * 20 >= self.total * 19
    }

    /// Whether these values, the first of a column, predict the whole column's conclusion: they
    /// are written one way (one format fits 95 % of them and no other format has values of its
    /// own), or the winning format (with the formats that can fit the same values and have
    /// fitted as many: `%B` and `%b` on full month names, a day-first/month-first pair that an
    /// order resolves) leads every other format, and holds its majority, by more than four
    /// standard deviations of what sampling alone would move (a count's variance is about the
    /// count itself). A tie with a format that never fits the same values (month-first slashes
    /// against `March 24, 1990`, four-digit years against two) is a race like any other. A
    /// column of mixed spellings with a clear favourite qualifies; a close race does not. A
    /// prediction is a bet that the caller checks against the whole column's conclusion.
    pub fn predicts_conclusion(&self) -> bool {
        let best = self.best_fit();
        if best == 0 || best * 2 <= self.total {
            return false;
        }
        let seen = |i: &usize| self.counts[*i] > 0;
        // The winner as `conclude` picks it: the first format (in table order) of the best fit.
        let Some(first) = (0..FORMATS.len()).filter(seen).find(|i| self.fitting(*i) == best) else { return false };
        let winner = self.counts[first];
        let alike = |i: usize| self.counts[i] == winner && may_fit_alike(&FORMATS[i], &FORMATS[first]);
        // ISO values count for every format, so the lead is between the formats' own counts.
        let runner_up = (0..FORMATS.len())
            .filter(seen)
            .filter(|i| *i != ISO && *i != first && !alike(*i))
            .map(|i| self.counts[i])
            .max()
            .unwrap_or(0);
        if runner_up == 0 && self.fits_nearly_all() {
            return true;
        }
        let clear = |lead: u64, variance: u64| u128::from(lead) * u128::from(lead) > 16 * u128::from(variance);
        clear(best * 2 - self.total, self.total) && (first == ISO || clear(winner.saturating_sub(runner_up), winner + runner_up))
    }

    /// The values a table format accepts: its own and the ISO 8601 ones, always accepted.
    fn fitting(&self, index: usize) -> u64 {
        let iso = self.counts[ISO];
        if index == ISO {
            iso
        } else {
            self.counts[index] + iso
        }
    }

    /// The most values any format that some value fits accepts (0 when none).
    fn best_fit(&self) -> u64 {
        (0..FORMATS.len()).filter(|i| self.counts[*i] > 0).map(|i| self.fitting(i)).max().unwrap_or(0)
    }

    /// The pattern of a table format plus the time shape most values carry, if any.
    fn with_time_suffix(&self, index: usize) -> DateFormat {
        let date = FORMATS[index].pattern;
        if self.with_time == 0 || FORMATS[index].layout == Layout::Compact {
            return DateFormat::new(date);
        }
        let separator = if index == ISO && self.t_separator * 2 > self.with_time { "T" } else { " " };
        let clock = match (self.twelve_hour > 0, self.with_seconds > 0) {
            (true, true) => "%I:%M:%S %p",
            (true, false) => "%I:%M %p",
            (false, true) => "%H:%M:%S",
            (false, false) => "%H:%M",
        };
        DateFormat { pattern: format!("{date}{separator}{clock}") }
    }
}

/// Keeps an example if there is room and it is new.
fn keep(examples: &mut Vec<String>, text: &str) {
    if examples.len() < EXAMPLES && !examples.iter().any(|e| e == text) {
        examples.push(text.to_string());
    }
}
