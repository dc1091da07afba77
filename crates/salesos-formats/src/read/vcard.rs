//! The vCard reader (2.1, 3.0, 4.0, many cards per file; jCard too): cards become contact rows.
//!
//! Lines are unfolded (a leading space or tab continues the previous line; a QUOTED-PRINTABLE
//! value ending in `=` continues on the next line; a 2.1 value ending in `\` followed by a line
//! without a property name continues there), QUOTED-PRINTABLE and BASE64 are decoded, CHARSET
//! parameters are honoured (Shift_JIS included; without one, UTF-8, else the file's guessed
//! encoding). Embedded PHOTO, LOGO, SOUND and KEY data is skipped line by line, never held whole.
//!
//! Columns: `First Name`, `Middle Name`, `Last Name`, `Prefix`, `Suffix`, `Full Name`,
//! `Nickname`, `Organization`, `Department`, `Title`, `Email (work)`, `Phone (mobile)`…, per
//! address `PO Box (home)`, `Street (home)`, `City (home)`, `Region (home)`, `Postal Code (home)`,
//! `Country (home)`, then `Website`, `Birthday`, `Note`, `Categories`. Labels come from TYPE
//! parameters (`cell` → `mobile`; fax with work or home → `work fax`), bare 2.1 parameters, or an
//! Apple `itemN.X-ABLabel`; a property without a label has a plain column (`Email`); a second
//! value with the same label gets `(work 2)`. Several NOTEs are joined by a line break.

use super::{
    BoxInput, Column, Detected, Format, IssueKind, IssueSink, ReadError, ReadIssue, ReadOptions, RowPos, Severity, SourceRow,
};
use encoding_rs::Encoding;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

/// Longest physical line kept; longer lines (embedded data on one line) are cut.
const MAX_LINE: usize = 1024 * 1024;

/// One property after unfolding and decoding.
#[derive(Debug, Clone, Default)]
struct Property {
    group: Option<String>,
    name: String,
    params: Vec<(String, String)>,
    /// The value, decoded but not unescaped or split.
    value: String,
}

/// A card's cells by column name, in first-seen order.
#[derive(Debug, Default)]
struct Card {
    line: u64,
    version: Option<String>,
    props: Vec<Property>,
}

/// Reads logical lines and cards from a vCard stream.
struct Parser {
    input: BufReader<BoxInput>,
    name: String,
    line_no: u64,
    /// The line read ahead (its number; its bytes are in `pending_buf`).
    pending: Option<u64>,
    pending_buf: Vec<u8>,
    /// Scratch for the next physical line and the current logical line.
    next: Vec<u8>,
    text: Vec<u8>,
    fallback: &'static Encoding,
    stack: Vec<Card>,
    /// Recycled properties and property lists, so a card's strings are allocated once.
    pool: Vec<Property>,
    spare_props: Vec<Property>,
    max_cell: usize,
    eof: bool,
}

impl Parser {
    fn new(input: BoxInput, name: &str, fallback: &'static Encoding, max_cell: usize) -> Parser {
        Parser {
            input: BufReader::with_capacity(64 * 1024, input),
            name: name.to_string(),
            line_no: 0,
            pending: None,
            pending_buf: Vec::new(),
            next: Vec::new(),
            text: Vec::new(),
            fallback,
            stack: Vec::new(),
            pool: Vec::new(),
            spare_props: Vec::new(),
            max_cell,
            eof: false,
        }
    }

    /// Reads one physical line without its line break into `out`; `None` at the end.
    fn physical_line(&mut self, out: &mut Vec<u8>) -> Result<Option<u64>, ReadError> {
        out.clear();
        if let Some(line) = self.pending.take() {
            std::mem::swap(out, &mut self.pending_buf);
            return Ok(Some(line));
        }
        if self.eof {
            return Ok(None);
        }
        // Read up to MAX_LINE bytes of the line, then skip the rest of an overlong line.
        let mut total = 0usize;
        let mut newline = false;
        while !newline {
            let buf = self.input.fill_buf().map_err(|err| ReadError::io(&self.name, err))?;
            if buf.is_empty() {
                break;
            }
            let (take, found) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = MAX_LINE.saturating_sub(out.len());
            if let Some(part) = buf.get(..take.min(room)) {
                out.extend_from_slice(part);
            }
            total += take;
            newline = found;
            self.input.consume(take);
        }
        if total == 0 {
            self.eof = true;
            return Ok(None);
        }
        self.line_no += 1;
        while matches!(out.last(), Some(b'\n' | b'\r')) {
            out.pop();
        }
        Ok(Some(self.line_no))
    }

    /// Reads one logical (unfolded) line into `text`.
    fn logical_line(&mut self, text: &mut Vec<u8>) -> Result<Option<u64>, ReadError> {
        let Some(line) = self.physical_line(text)? else { return Ok(None) };
        let head = text.get(..memchr::memchr(b':', text).unwrap_or(text.len())).unwrap_or_default();
        let binary = is_binary_head(head);
        let quoted_printable = contains_ignore_case(head, b"QUOTED-PRINTABLE");
        let mut next = std::mem::take(&mut self.next);
        let result = self.unfold(text, &mut next, binary, quoted_printable);
        self.next = next;
        result?;
        if binary {
            if let Some(colon) = memchr::memchr(b':', text) {
                text.truncate(colon + 1);
            }
        }
        Ok(Some(line))
    }

    fn unfold(&mut self, text: &mut Vec<u8>, next: &mut Vec<u8>, binary: bool, quoted_printable: bool) -> Result<(), ReadError> {
        while let Some(next_line) = self.physical_line(next)? {
            let starts_blank = matches!(next.first(), Some(b' ' | b'\t'));
            if binary {
                // Base64 data continues on indented lines, or (2.1) on lines without a property.
                if starts_blank || (!next.is_empty() && !looks_like_property(next)) {
                    continue;
                }
                self.pending = Some(next_line);
                std::mem::swap(&mut self.pending_buf, next);
                break;
            }
            if quoted_printable && text.last() == Some(&b'=') {
                text.pop();
                text.extend_from_slice(next);
                continue;
            }
            if starts_blank {
                if text.len() + next.len() > self.max_cell.saturating_mul(2) {
                    continue;
                }
                text.extend_from_slice(next.get(1..).unwrap_or_default());
                continue;
            }
            if text.last() == Some(&b'\\') && !next.is_empty() && !looks_like_property(next) {
                text.pop();
                text.extend_from_slice(b"\\n");
                text.extend_from_slice(next);
                continue;
            }
            self.pending = Some(next_line);
            std::mem::swap(&mut self.pending_buf, next);
            break;
        }
        Ok(())
    }

    /// Reads the next complete card; issues go to `issues`.
    fn next_card(&mut self, sink: &IssueSink, issues: &mut Vec<ReadIssue>, index: u64) -> Result<Option<Card>, ReadError> {
        let mut text = std::mem::take(&mut self.text);
        let result = self.next_card_with(&mut text, sink, issues, index);
        self.text = text;
        result
    }

    fn next_card_with(
        &mut self,
        text: &mut Vec<u8>,
        sink: &IssueSink,
        issues: &mut Vec<ReadIssue>,
        index: u64,
    ) -> Result<Option<Card>, ReadError> {
        loop {
            let Some(line) = self.logical_line(text)? else {
                if let Some(card) = self.stack.pop() {
                    issues.push(sink.issue(
                        &RowPos { sheet: None, row: index + 1, line: Some(card.line) },
                        None,
                        Severity::Warning,
                        IssueKind::VcardLine,
                        "END:VCARD",
                        "the end of the file",
                        "the card has no END:VCARD; it was read up to the end of the file",
                    ));
                    return Ok(Some(card));
                }
                return Ok(None);
            };
            if text.iter().all(u8::is_ascii_whitespace) || text.first() == Some(&b'#') {
                continue;
            }
            let Some(prop) = self.parse_property(text) else {
                if !self.stack.is_empty() {
                    issues.push(sink.issue(
                        &RowPos { sheet: None, row: index + 1, line: Some(line) },
                        None,
                        Severity::Warning,
                        IssueKind::VcardLine,
                        "NAME:value",
                        String::from_utf8_lossy(text.get(..text.len().min(40)).unwrap_or_default()).into_owned(),
                        format!("line {line} is not a vCard property and was ignored"),
                    ));
                }
                continue;
            };
            match prop.name.as_str() {
                "BEGIN" if fast_trim(&prop.value).eq_ignore_ascii_case("VCARD") => {
                    self.pool.push(prop);
                    let props = std::mem::take(&mut self.spare_props);
                    self.stack.push(Card { line, version: None, props });
                }
                "END" if fast_trim(&prop.value).eq_ignore_ascii_case("VCARD") => {
                    self.pool.push(prop);
                    if let Some(card) = self.stack.pop() {
                        return Ok(Some(card));
                    }
                }
                "VERSION" => {
                    if let Some(card) = self.stack.last_mut() {
                        card.version = Some(prop.value.trim().to_string());
                    }
                    self.pool.push(prop);
                }
                _ => match self.stack.last_mut() {
                    Some(card) => card.props.push(prop),
                    None => self.pool.push(prop),
                },
            }
        }
    }

    /// Splits `group.NAME;params:value` and decodes the value (into a recycled property).
    fn parse_property(&mut self, text: &[u8]) -> Option<Property> {
        let mut prop = self.pool.pop().unwrap_or_default();
        if self.fill_property(text, &mut prop).is_some() {
            Some(prop)
        } else {
            self.pool.push(prop);
            None
        }
    }

    /// Gives a finished card's properties back for reuse.
    fn recycle(&mut self, card: Card) {
        let mut props = card.props;
        if self.pool.len() < MAX_POOL {
            self.pool.extend(props.drain(..).take(MAX_POOL));
        }
        props.clear();
        if props.capacity() > self.spare_props.capacity() {
            self.spare_props = props;
        }
    }

    fn fill_property(&self, text: &[u8], prop: &mut Property) -> Option<()> {
        let mut in_quotes = false;
        let colon = text.iter().position(|b| {
            if *b == b'"' {
                in_quotes = !in_quotes;
            }
            *b == b':' && !in_quotes
        })?;
        // Most lines are valid UTF-8: validate them once.
        let whole = std::str::from_utf8(text).ok();
        let head: Cow<'_, str> = match whole {
            Some(line) => Cow::Borrowed(line.get(..colon)?),
            None => String::from_utf8_lossy(text.get(..colon)?),
        };
        let raw = text.get(colon + 1..)?;
        let mut parts = SplitUnquoted::new(&head, b';');
        let full_name = fast_trim(parts.next()?);
        if full_name.is_empty() || !full_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
            return None;
        }
        let (group, name) = match full_name.rsplit_once('.') {
            Some((group, name)) => (Some(group.to_ascii_lowercase()), name),
            None => (None, full_name),
        };
        prop.group = group;
        prop.name.clear();
        prop.name.push_str(name);
        prop.name.make_ascii_uppercase();
        let mut n = 0;
        for part in parts {
            match part.split_once('=') {
                Some((key, value)) => {
                    for v in SplitUnquoted::new(value, b',') {
                        set_param(&mut prop.params, &mut n, fast_trim(key), strip_quotes(fast_trim(v)));
                    }
                }
                None => set_param(&mut prop.params, &mut n, "TYPE", fast_trim(part)),
            }
        }
        prop.params.truncate(n);
        let params = &prop.params;
        let qp = params.iter().find(|(k, _)| k == "ENCODING").is_some_and(|(_, v)| v.eq_ignore_ascii_case("QUOTED-PRINTABLE"))
            || params.iter().any(|(k, v)| k == "TYPE" && v.eq_ignore_ascii_case("QUOTED-PRINTABLE"));
        let charset = params.iter().find(|(k, _)| k == "CHARSET").and_then(|(_, v)| Encoding::for_label(v.as_bytes()));
        prop.value.clear();
        if let (false, None, Some(line)) = (qp, charset, whole) {
            prop.value.push_str(line.get(colon + 1..)?);
            return Some(());
        }
        let bytes: std::borrow::Cow<'_, [u8]> = if qp { decode_quoted_printable(raw).into() } else { raw.into() };
        match charset {
            Some(encoding) => prop.value.push_str(&encoding.decode_without_bom_handling(&bytes).0),
            None => match std::str::from_utf8(&bytes) {
                Ok(text) => prop.value.push_str(text),
                Err(_) => prop.value.push_str(&self.fallback.decode_without_bom_handling(&bytes).0),
            },
        }
        Some(())
    }
}

/// `value` without leading and trailing double quotes.
fn strip_quotes(value: &str) -> &str {
    let bytes = value.as_bytes();
    let start = bytes.iter().position(|b| *b != b'"').unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| *b != b'"').map_or(start, |e| e + 1);
    value.get(start..end).unwrap_or_default()
}

/// `str::trim`, without its Unicode checks when both ends are plain ASCII.
fn fast_trim(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => value,
        (None, _) => value,
        _ => value.trim(),
    }
}

/// Most recycled properties kept.
const MAX_POOL: usize = 256;

/// Sets parameter `n` (upper-cased key, value), reusing the strings already there.
fn set_param(params: &mut Vec<(String, String)>, n: &mut usize, key: &str, value: &str) {
    match params.get_mut(*n) {
        Some((k, v)) => {
            k.clear();
            k.push_str(key);
            v.clear();
            v.push_str(value);
        }
        None => params.push((key.to_string(), value.to_string())),
    }
    if let Some((k, _)) = params.get_mut(*n) {
        k.make_ascii_uppercase();
    }
    *n += 1;
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else { return true };
    memchr::memchr2_iter(first.to_ascii_uppercase(), first.to_ascii_lowercase(), haystack)
        .any(|i| haystack.get(i..i + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(needle)))
}

/// Whether a property head (up to the colon, any case) holds embedded binary data to skip.
fn is_binary_head(head: &[u8]) -> bool {
    let name_end = memchr::memchr(b';', head).unwrap_or(head.len());
    let name = head.get(..name_end).unwrap_or_default();
    let name = name.rsplit(|b| *b == b'.').next().unwrap_or(name);
    ["PHOTO", "LOGO", "SOUND", "KEY"].iter().any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
        && (contains_ignore_case(head, b"BASE64") || contains_ignore_case(head, b"ENCODING=B"))
}

/// Whether a line starts with a property name followed by `;` or `:`.
fn looks_like_property(line: &[u8]) -> bool {
    let end = line.iter().position(|b| matches!(b, b':' | b';')).unwrap_or(0);
    end > 0
        && line.get(..end).is_some_and(|name| name.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')))
}

/// Splits on `sep` outside double quotes.
struct SplitUnquoted<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> SplitUnquoted<'a> {
    fn new(text: &'a str, sep: u8) -> SplitUnquoted<'a> {
        SplitUnquoted { rest: Some(text), sep }
    }
}

impl<'a> Iterator for SplitUnquoted<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.rest?;
        let mut quoted = false;
        for (i, b) in text.bytes().enumerate() {
            if b == b'"' {
                quoted = !quoted;
            }
            if b == self.sep && !quoted {
                self.rest = text.get(i + 1..);
                return text.get(..i);
            }
        }
        self.rest = None;
        Some(text)
    }
}

fn decode_quoted_printable(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == b'=' {
            let hex =
                raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Splits a structured value on unescaped `;` and unescapes each part (`\n`, `\,`, `\;`, `\\`).
fn components(value: &str, version21: bool) -> Vec<Cow<'_, str>> {
    if !value.contains('\\') {
        return value.split(';').map(Cow::Borrowed).collect();
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') if !version21 => current.push('\n'),
                Some(';') => current.push(';'),
                Some(other) if !version21 => current.push(other),
                Some(other) => {
                    current.push('\\');
                    current.push(other);
                }
                None => current.push('\\'),
            },
            ';' => out.push(Cow::Owned(std::mem::take(&mut current))),
            _ => current.push(c),
        }
    }
    out.push(Cow::Owned(current));
    out
}

/// Unescapes a whole value (`\\n`, `\\,`, `\\;`, `\\\\`); the same as joining its `components` by `;`.
fn unescape(value: &str, version21: bool) -> String {
    if version21 || !value.contains('\\') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            _ => out.push(c),
        }
    }
    out
}

/// Column groups, in output order.
const RANK_NAME: u8 = 0;
const RANK_ORG: u8 = 1;
const RANK_EMAIL: u8 = 2;
const RANK_PHONE: u8 = 3;
const RANK_ADDRESS: u8 = 4;
const RANK_OTHER: u8 = 5;

/// Turns a card into `(rank, column, value)` cells, passed to `emit` in order (non-empty values only).
fn card_cells(card: &Card, emit: &mut dyn FnMut(u8, &str, &str)) {
    let v21 = card.version.as_deref().is_none_or(|v| v.starts_with('2'));
    let mut labels: HashMap<&str, String> = HashMap::new();
    for prop in &card.props {
        if prop.name == "X-ABLABEL" {
            if let Some(group) = &prop.group {
                let label = prop.value.trim().trim_start_matches("_$!<").trim_end_matches(">!$_").to_lowercase();
                labels.insert(group.as_str(), label);
            }
        }
    }
    let mut put = |rank: u8, column: &str, value: &str| {
        if !value.is_empty() {
            emit(rank, column, value);
        }
    };
    let mut used: Vec<(&'static str, String, usize)> = Vec::new();
    let mut column = String::new();
    let mut notes: Vec<Cow<'_, str>> = Vec::new();
    for prop in &card.props {
        let label = || -> Cow<'_, str> {
            match prop.group.as_deref().and_then(|g| labels.get(g)) {
                Some(label) => Cow::Borrowed(label.as_str()),
                None => Cow::Owned(type_label(&prop.params, &prop.name)),
            }
        };
        let text = || trim_cow(unescape_cow(&prop.value, v21));
        match prop.name.as_str() {
            "N" => {
                let parts = components(&prop.value, v21);
                for (index, name) in [(1, "First Name"), (2, "Middle Name"), (0, "Last Name"), (3, "Prefix"), (4, "Suffix")] {
                    if let Some(value) = parts.get(index).map(|p| fast_trim(p)).filter(|p| !p.is_empty()) {
                        if value.contains(',') {
                            put(RANK_NAME, name, &value.replace(',', " "));
                        } else {
                            put(RANK_NAME, name, value);
                        }
                    }
                }
            }
            "FN" => put(RANK_NAME, "Full Name", &text()),
            "NICKNAME" => put(RANK_NAME, "Nickname", &text()),
            "ORG" => {
                let parts = components(&prop.value, v21);
                if let Some(org) = parts.first().map(|p| fast_trim(p)).filter(|p| !p.is_empty()) {
                    put(RANK_ORG, "Organization", org);
                }
                let department: Vec<&str> = parts.iter().skip(1).map(|p| fast_trim(p)).filter(|p| !p.is_empty()).collect();
                if !department.is_empty() {
                    put(RANK_ORG, "Department", &department.join("; "));
                }
            }
            "TITLE" => put(RANK_ORG, "Title", &text()),
            "EMAIL" => {
                unique(&mut used, &mut column, "Email", &label());
                put(RANK_EMAIL, &column, &text());
            }
            "TEL" => {
                let value = text();
                let value = value.strip_prefix("tel:").unwrap_or(&value);
                unique(&mut used, &mut column, "Phone", &label());
                put(RANK_PHONE, &column, value);
            }
            "ADR" => {
                let parts = components(&prop.value, v21);
                let mut suffix = String::new();
                unique(&mut used, &mut suffix, "", &label());
                let suffix = suffix.trim();
                let part = |i: usize| parts.get(i).map_or("", |p| fast_trim(p));
                let street: Cow<'_, str> = match (part(2), part(1)) {
                    (a, "") => a.into(),
                    ("", b) => b.into(),
                    (a, b) => format!("{a}, {b}").into(),
                };
                for (name, value) in [
                    ("PO Box", part(0)),
                    ("Street", &street),
                    ("City", part(3)),
                    ("Region", part(4)),
                    ("Postal Code", part(5)),
                    ("Country", part(6)),
                ] {
                    if !value.is_empty() {
                        if suffix.is_empty() {
                            put(RANK_ADDRESS, name, value);
                        } else {
                            column.clear();
                            column.push_str(name);
                            column.push(' ');
                            column.push_str(suffix);
                            put(RANK_ADDRESS, &column, value);
                        }
                    }
                }
            }
            "URL" => {
                unique(&mut used, &mut column, "Website", "");
                put(RANK_OTHER, &column, &text());
            }
            "BDAY" => put(RANK_OTHER, "Birthday", &birthday(&text())),
            "NOTE" => notes.push(text()),
            "CATEGORIES" => put(RANK_OTHER, "Categories", &text()),
            _ => {}
        }
    }
    notes.retain(|n| !n.is_empty());
    match notes.as_slice() {
        [] => {}
        [one] => put(RANK_OTHER, "Note", one),
        many => put(RANK_OTHER, "Note", &many.join("\n")),
    }
}

/// Writes into `out` the column for `base` with `label`, numbered from the second use: `Email
/// (work)`, `Email (work 2)`, `Email`, `Email (2)`.
fn unique(used: &mut Vec<(&'static str, String, usize)>, out: &mut String, base: &'static str, label: &str) {
    let n = match used.iter_mut().find(|(b, l, _)| *b == base && l == label) {
        Some((_, _, n)) => {
            *n += 1;
            *n
        }
        None => {
            used.push((base, label.to_string(), 1));
            1
        }
    };
    out.clear();
    out.push_str(base);
    use std::fmt::Write as _;
    let _ = match (label.is_empty(), n) {
        (true, 1) => Ok(()),
        (true, n) => write!(out, " ({n})"),
        (false, 1) => write!(out, " ({label})"),
        (false, n) => write!(out, " ({label} {n})"),
    };
}

/// `value` without leading and trailing white space.
fn trim_cow(value: Cow<'_, str>) -> Cow<'_, str> {
    match value {
        Cow::Borrowed(v) => Cow::Borrowed(fast_trim(v)),
        Cow::Owned(v) if fast_trim(&v).len() == v.len() => Cow::Owned(v),
        Cow::Owned(v) => Cow::Owned(fast_trim(&v).to_string()),
    }
}

/// `unescape`, borrowing the value when there is nothing to unescape.
fn unescape_cow(value: &str, version21: bool) -> Cow<'_, str> {
    if version21 || !value.contains('\\') {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(unescape(value, version21))
    }
}

/// The label of an EMAIL or TEL from its TYPE parameters: the first kind, or for a fax the
/// first of work/home with `fax`.
fn type_label(params: &[(String, String)], property: &str) -> String {
    let mut first: Option<Cow<'_, str>> = None;
    let mut fax = false;
    let mut place: Option<&'static str> = None;
    for (key, value) in params {
        if key != "TYPE" {
            continue;
        }
        let value: Cow<'_, str> =
            if value.bytes().any(|b| !b.is_ascii_lowercase() && !matches!(b, b'0'..=b'9' | b'-' | b'.' | b'_')) {
                Cow::Owned(value.to_lowercase())
            } else {
                Cow::Borrowed(value.as_str())
            };
        let value: Cow<'_, str> = match &*value {
            "cell" => Cow::Borrowed("mobile"),
            "pref" | "internet" | "voice" | "x400" | "quoted-printable" | "base64" | "b" | "8bit" | "text" | "uri" => continue,
            v if v.starts_with("x-") || v.starts_with("charset") || v.starts_with("encoding") => continue,
            _ => value,
        };
        match &*value {
            "fax" => fax = true,
            "work" => place = place.or(Some("work")),
            "home" => place = place.or(Some("home")),
            _ => {}
        }
        if first.is_none() {
            first = Some(value);
        }
    }
    if property == "TEL" && fax {
        return match place {
            Some(place) => format!("{place} fax"),
            None => "fax".into(),
        };
    }
    first.map(Cow::into_owned).unwrap_or_default()
}

/// `19800115` → `1980-01-15`; other forms are kept.
fn birthday(value: &str) -> String {
    let v = value.trim();
    if v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", v.get(..4).unwrap_or_default(), v.get(4..6).unwrap_or_default(), v.get(6..).unwrap_or_default())
    } else {
        v.to_string()
    }
}

/// Streams the cards of a vCard (or jCard) file as rows.
pub(crate) struct VcardRows {
    source: CardSource,
    columns: HashMap<String, usize>,
    /// Column names by index, and the column each cell of the previous card went to: cards
    /// mostly share a shape, so the lookup is tried there before hashing.
    names: Vec<String>,
    previous: Vec<usize>,
    width: usize,
    sink: IssueSink,
    index: u64,
    /// The card's cells by column before they go into the row, reused from card to card.
    slots: Vec<String>,
}

enum CardSource {
    Text(Box<Parser>),
    Cards(std::vec::IntoIter<Card>),
}

impl std::fmt::Debug for VcardRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VcardRows").field("index", &self.index).field("width", &self.width).finish_non_exhaustive()
    }
}

impl VcardRows {
    fn next_card(&mut self, issues: &mut Vec<ReadIssue>) -> Result<Option<Card>, ReadError> {
        match &mut self.source {
            CardSource::Text(parser) => parser.next_card(&self.sink, issues, self.index),
            CardSource::Cards(cards) => Ok(cards.next()),
        }
    }

    pub(crate) fn read_row(&mut self, row: &mut SourceRow, issues: &mut Vec<ReadIssue>) -> Result<bool, ReadError> {
        let Some(card) = self.next_card(issues)? else { return Ok(false) };
        self.index += 1;
        row.pos = RowPos { sheet: None, row: self.index, line: (card.line > 0).then_some(card.line) };
        // Reuse the slots' strings.
        self.slots.truncate(self.width);
        self.slots.iter_mut().for_each(String::clear);
        self.slots.resize(self.width, String::new());
        let (columns, names, previous, cells) = (&self.columns, &self.names, &mut self.previous, &mut self.slots);
        let mut k = 0;
        card_cells(&card, &mut |_, column, value| {
            let index = match previous.get(k) {
                Some(&i) if names.get(i).is_some_and(|n| n == column) => Some(i),
                _ => columns.get(column).copied(),
            };
            if let Some(i) = index {
                match previous.get_mut(k) {
                    Some(p) => *p = i,
                    None => previous.push(i),
                }
            }
            k += 1;
            if let Some(slot) = index.and_then(|i| cells.get_mut(i)) {
                if slot.is_empty() {
                    slot.push_str(value);
                }
            }
        });
        if let CardSource::Text(parser) = &mut self.source {
            parser.recycle(card);
        }
        row.cells.set_all(&self.slots);
        Ok(true)
    }
}

/// Opens a vCard file: a first pass collects the columns and versions.
pub(crate) fn open(
    mut input: BoxInput,
    name: &str,
    options: &ReadOptions,
) -> Result<(Detected, VcardRows, Vec<ReadIssue>), ReadError> {
    let mut head = vec![0u8; super::sniff::HEAD_BYTES];
    let n = super::read_full(&mut input, &mut head).map_err(|err| ReadError::io(name, err))?;
    head.truncate(n);
    input.seek(SeekFrom::Start(0)).map_err(|err| ReadError::io(name, err))?;
    let trimmed = head
        .iter()
        .position(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF))
        .and_then(|i| head.get(i..))
        .unwrap_or_default();
    if trimmed.first() == Some(&b'[') {
        return open_jcard(input, name, options);
    }
    let fallback = match super::sniff::encoding(&head, n < super::sniff::HEAD_BYTES).0 {
        super::sniff::TextEncoding::Other(encoding) if encoding != encoding_rs::UTF_16LE && encoding != encoding_rs::UTF_16BE => {
            encoding
        }
        _ => encoding_rs::WINDOWS_1252,
    };
    let sink = IssueSink::new(name, &[]);
    let mut parser = Parser::new(input, name, fallback, options.limits.max_cell_bytes);
    let mut summary = Summary::default();
    let mut scratch = Vec::new();
    let mut count = 0u64;
    while let Some(card) = parser.next_card(&sink, &mut scratch, count)? {
        count += 1;
        if count > options.limits.max_rows {
            return Err(ReadError::TooManyRows { file: name.to_string(), max: options.limits.max_rows });
        }
        summary.add(&card);
        parser.recycle(card);
        scratch.clear();
    }
    if count == 0 {
        return Err(ReadError::Empty { file: name.to_string() });
    }
    let mut input = parser.input.into_inner();
    input.seek(SeekFrom::Start(0)).map_err(|err| ReadError::io(name, err))?;
    let parser = Parser::new(input, name, fallback, options.limits.max_cell_bytes);
    finish(name, summary, CardSource::Text(Box::new(parser)))
}

/// What the first pass keeps of the cards: the count, the distinct columns and versions.
#[derive(Default)]
struct Summary {
    count: usize,
    versions: Vec<String>,
    seen: Vec<(u8, String)>,
    /// Column → index in `seen`.
    known: HashMap<String, usize>,
    /// Where in `seen` each cell of the previous card was (see `VcardRows::previous`).
    previous: Vec<usize>,
}

impl Summary {
    fn add(&mut self, card: &Card) {
        self.count += 1;
        let version = card.version.as_deref().unwrap_or("2.1 (no VERSION)");
        if !self.versions.iter().any(|v| v == version) {
            self.versions.push(version.to_string());
        }
        let (known, seen, previous) = (&mut self.known, &mut self.seen, &mut self.previous);
        let mut k = 0;
        card_cells(card, &mut |rank, column, _| {
            let hit = previous.get(k).and_then(|&i| seen.get(i)).is_some_and(|(_, n)| n == column);
            if !hit {
                let i = match known.get(column) {
                    Some(&i) => i,
                    None => {
                        known.insert(column.to_string(), seen.len());
                        seen.push((rank, column.to_string()));
                        seen.len() - 1
                    }
                };
                match previous.get_mut(k) {
                    Some(p) => *p = i,
                    None => previous.push(i),
                }
            }
            k += 1;
        });
    }
}

fn finish(name: &str, summary: Summary, source: CardSource) -> Result<(Detected, VcardRows, Vec<ReadIssue>), ReadError> {
    let Summary { count, mut versions, mut seen, .. } = summary;
    seen.sort_by_key(|(rank, _)| *rank);
    let columns: Vec<Column> = seen.into_iter().map(|(_, n)| Column { original: n.clone(), name: n, renamed: None }).collect();
    let index: HashMap<String, usize> = columns.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
    versions.sort();
    let detected = Detected {
        file: name.to_string(),
        format: Format::Vcard,
        encoding: Some(if matches!(source, CardSource::Cards(_)) { "UTF-8 (jCard)".into() } else { "UTF-8".into() }),
        bom: false,
        dialect: None,
        header_row: 0,
        sheets: Vec::new(),
        selected_sheets: Vec::new(),
        layout: Some(format!("{count} card(s), vCard {}", versions.join(", "))),
        columns: columns.clone(),
    };
    let names = columns.iter().map(|c| c.name.clone()).collect();
    let rows = VcardRows {
        source,
        width: columns.len(),
        columns: index,
        names,
        previous: Vec::new(),
        sink: IssueSink::new(name, &columns),
        index: 0,
        slots: Vec::new(),
    };
    Ok((detected, rows, Vec::new()))
}

/// jCard (RFC 7095): `["vcard", [[name, params, type, value…], …]]` or an array of those.
fn open_jcard(
    mut input: BoxInput,
    name: &str,
    options: &ReadOptions,
) -> Result<(Detected, VcardRows, Vec<ReadIssue>), ReadError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|err| ReadError::io(name, err))?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value: serde_json::Value = serde::Deserialize::deserialize(&mut de).map_err(|err| ReadError::Syntax {
        file: name.to_string(),
        line: err.line() as u64,
        column: err.column() as u64,
        detail: err.to_string(),
    })?;
    let list: Vec<&serde_json::Value> = match value.as_array() {
        Some(items) if items.first().and_then(|v| v.as_str()) == Some("vcard") => vec![&value],
        Some(items) => items.iter().collect(),
        None => Vec::new(),
    };
    let mut cards = Vec::new();
    for item in list {
        let Some(props) = item.get(1).and_then(|p| p.as_array()) else { continue };
        let mut card = Card::default();
        for prop in props {
            let Some(parts) = prop.as_array() else { continue };
            let prop_name = parts.first().and_then(|v| v.as_str()).unwrap_or_default().to_ascii_uppercase();
            let mut params = Vec::new();
            if let Some(map) = parts.get(1).and_then(|p| p.as_object()) {
                for (key, value) in map {
                    let values: Vec<String> = match value {
                        serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                        serde_json::Value::String(s) => s.split(',').map(str::to_string).collect(),
                        other => vec![other.to_string()],
                    };
                    for v in values {
                        params.push((key.to_ascii_uppercase(), v));
                    }
                }
            }
            let values: Vec<String> = parts
                .iter()
                .skip(3)
                .map(|v| match v {
                    serde_json::Value::String(s) => s.replace('\\', "\\\\").replace(';', "\\;"),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map(|s| s.replace('\\', "\\\\").replace(';', "\\;")).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(";"),
                    other => other.to_string(),
                })
                .collect();
            if prop_name == "VERSION" {
                card.version = values.first().cloned();
                continue;
            }
            card.props.push(Property { group: None, name: prop_name, params, value: values.join(",") });
        }
        cards.push(card);
        if cards.len() as u64 > options.limits.max_rows {
            return Err(ReadError::TooManyRows { file: name.to_string(), max: options.limits.max_rows });
        }
    }
    if cards.is_empty() {
        return Err(ReadError::Empty { file: name.to_string() });
    }
    let mut summary = Summary::default();
    for card in &cards {
        summary.add(card);
    }
    finish(name, summary, CardSource::Cards(cards.into_iter()))
}
