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
    physical: Vec<u8>,
    pending: Option<(u64, Vec<u8>)>,
    fallback: &'static Encoding,
    stack: Vec<Card>,
    max_cell: usize,
    eof: bool,
}

impl Parser {
    fn new(input: BoxInput, name: &str, fallback: &'static Encoding, max_cell: usize) -> Parser {
        Parser {
            input: BufReader::with_capacity(64 * 1024, input),
            name: name.to_string(),
            line_no: 0,
            physical: Vec::new(),
            pending: None,
            fallback,
            stack: Vec::new(),
            max_cell,
            eof: false,
        }
    }

    /// Reads one physical line without its line break; `None` at the end.
    fn physical_line(&mut self) -> Result<Option<(u64, Vec<u8>)>, ReadError> {
        if let Some(pending) = self.pending.take() {
            return Ok(Some(pending));
        }
        if self.eof {
            return Ok(None);
        }
        self.physical.clear();
        let n = (&mut self.input)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut self.physical)
            .map_err(|err| ReadError::io(&self.name, err))?;
        if n == 0 {
            self.eof = true;
            return Ok(None);
        }
        if self.physical.last() != Some(&b'\n') && n == MAX_LINE {
            // Skip the rest of an overlong line.
            let mut sink = Vec::new();
            loop {
                sink.clear();
                let m = (&mut self.input)
                    .take(MAX_LINE as u64)
                    .read_until(b'\n', &mut sink)
                    .map_err(|err| ReadError::io(&self.name, err))?;
                if m == 0 || sink.last() == Some(&b'\n') {
                    break;
                }
            }
        }
        self.line_no += 1;
        while matches!(self.physical.last(), Some(b'\n' | b'\r')) {
            self.physical.pop();
        }
        Ok(Some((self.line_no, std::mem::take(&mut self.physical))))
    }

    /// Reads one logical (unfolded) line.
    fn logical_line(&mut self) -> Result<Option<(u64, Vec<u8>)>, ReadError> {
        let Some((line, mut text)) = self.physical_line()? else { return Ok(None) };
        let upper_head: Vec<u8> = text.iter().take_while(|b| **b != b':').map(u8::to_ascii_uppercase).collect();
        let binary = is_binary_head(&upper_head);
        let quoted_printable = contains(&upper_head, b"QUOTED-PRINTABLE");
        while let Some((next_line, next)) = self.physical_line()? {
            let starts_blank = matches!(next.first(), Some(b' ' | b'\t'));
            if binary {
                // Base64 data continues on indented lines, or (2.1) on lines without a property.
                if starts_blank || (!next.is_empty() && !looks_like_property(&next)) {
                    continue;
                }
                self.pending = Some((next_line, next));
                break;
            }
            if quoted_printable && text.last() == Some(&b'=') {
                text.pop();
                text.extend_from_slice(&next);
                continue;
            }
            if starts_blank {
                if text.len() + next.len() > self.max_cell.saturating_mul(2) {
                    continue;
                }
                text.extend_from_slice(next.get(1..).unwrap_or_default());
                continue;
            }
            if text.last() == Some(&b'\\') && !next.is_empty() && !looks_like_property(&next) {
                text.pop();
                text.extend_from_slice(b"\\n");
                text.extend_from_slice(&next);
                continue;
            }
            self.pending = Some((next_line, next));
            break;
        }
        if binary {
            if let Some(colon) = text.iter().position(|b| *b == b':') {
                text.truncate(colon + 1);
            }
        }
        Ok(Some((line, text)))
    }

    /// Reads the next complete card; issues go to `issues`.
    fn next_card(&mut self, sink: &IssueSink, issues: &mut Vec<ReadIssue>, index: u64) -> Result<Option<Card>, ReadError> {
        loop {
            let Some((line, text)) = self.logical_line()? else {
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
            let Some(prop) = self.parse_property(&text) else {
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
                "BEGIN" if prop.value.trim().eq_ignore_ascii_case("VCARD") => {
                    self.stack.push(Card { line, ..Card::default() });
                }
                "END" if prop.value.trim().eq_ignore_ascii_case("VCARD") => {
                    if let Some(card) = self.stack.pop() {
                        return Ok(Some(card));
                    }
                }
                "VERSION" => {
                    if let Some(card) = self.stack.last_mut() {
                        card.version = Some(prop.value.trim().to_string());
                    }
                }
                _ => {
                    if let Some(card) = self.stack.last_mut() {
                        card.props.push(prop);
                    }
                }
            }
        }
    }

    /// Splits `group.NAME;params:value` and decodes the value.
    fn parse_property(&self, text: &[u8]) -> Option<Property> {
        let mut in_quotes = false;
        let colon = text.iter().position(|b| {
            if *b == b'"' {
                in_quotes = !in_quotes;
            }
            *b == b':' && !in_quotes
        })?;
        let head = String::from_utf8_lossy(text.get(..colon)?).into_owned();
        let raw = text.get(colon + 1..)?;
        let mut parts = split_unquoted(&head, ';').into_iter();
        let full_name = parts.next()?.trim().to_string();
        if full_name.is_empty() || !full_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
            return None;
        }
        let (group, name) = match full_name.rsplit_once('.') {
            Some((group, name)) => (Some(group.to_ascii_lowercase()), name.to_ascii_uppercase()),
            None => (None, full_name.to_ascii_uppercase()),
        };
        let mut params = Vec::new();
        for part in parts {
            match part.split_once('=') {
                Some((key, value)) => {
                    for v in split_unquoted(value, ',') {
                        params.push((key.trim().to_ascii_uppercase(), v.trim().trim_matches('"').to_string()));
                    }
                }
                None => params.push(("TYPE".to_string(), part.trim().to_string())),
            }
        }
        let encoding = params.iter().find(|(k, _)| k == "ENCODING").map(|(_, v)| v.to_ascii_uppercase());
        let qp = encoding.as_deref() == Some("QUOTED-PRINTABLE")
            || params.iter().any(|(k, v)| k == "TYPE" && v.eq_ignore_ascii_case("QUOTED-PRINTABLE"));
        let bytes = if qp { decode_quoted_printable(raw) } else { raw.to_vec() };
        let charset = params.iter().find(|(k, _)| k == "CHARSET").and_then(|(_, v)| Encoding::for_label(v.as_bytes()));
        let value = match charset {
            Some(encoding) => encoding.decode_without_bom_handling(&bytes).0.into_owned(),
            None => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(err) => self.fallback.decode_without_bom_handling(err.as_bytes()).0.into_owned(),
            },
        };
        Some(Property { group, name, params, value })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Whether a property head (upper-cased, up to the colon) holds embedded binary data to skip.
fn is_binary_head(head: &[u8]) -> bool {
    let name_end = head.iter().position(|b| *b == b';').unwrap_or(head.len());
    let name = head.get(..name_end).unwrap_or_default();
    let name = name.rsplit(|b| *b == b'.').next().unwrap_or(name);
    matches!(name, b"PHOTO" | b"LOGO" | b"SOUND" | b"KEY") && (contains(head, b"BASE64") || contains(head, b"ENCODING=B"))
}

/// Whether a line starts with a property name followed by `;` or `:`.
fn looks_like_property(line: &[u8]) -> bool {
    let end = line.iter().position(|b| matches!(b, b':' | b';')).unwrap_or(0);
    end > 0
        && line.get(..end).is_some_and(|name| name.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')))
}

fn split_unquoted(text: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    out.push(current);
    out
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
fn components(value: &str, version21: bool) -> Vec<String> {
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
            ';' => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out
}

fn unescape(value: &str, version21: bool) -> String {
    if version21 {
        return value.to_string();
    }
    components(value, false).join(";")
}

/// Column groups, in output order.
const RANK_NAME: u8 = 0;
const RANK_ORG: u8 = 1;
const RANK_EMAIL: u8 = 2;
const RANK_PHONE: u8 = 3;
const RANK_ADDRESS: u8 = 4;
const RANK_OTHER: u8 = 5;

/// Turns a card into `(rank, column, value)` cells.
fn card_cells(card: &Card) -> Vec<(u8, String, String)> {
    let v21 = card.version.as_deref().is_none_or(|v| v.starts_with('2'));
    let mut labels: HashMap<String, String> = HashMap::new();
    for prop in &card.props {
        if prop.name == "X-ABLABEL" {
            if let Some(group) = &prop.group {
                let label = prop.value.trim().trim_start_matches("_$!<").trim_end_matches(">!$_").to_lowercase();
                labels.insert(group.clone(), label);
            }
        }
    }
    let mut cells: Vec<(u8, String, String)> = Vec::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut unique = |base: &str, label: &str| -> String {
        let key = format!("{base}|{label}");
        let n = used.entry(key).or_insert(0);
        *n += 1;
        match (label.is_empty(), *n) {
            (true, 1) => base.to_string(),
            (true, n) => format!("{base} ({n})"),
            (false, 1) => format!("{base} ({label})"),
            (false, n) => format!("{base} ({label} {n})"),
        }
    };
    let mut notes: Vec<String> = Vec::new();
    for prop in &card.props {
        let label =
            prop.group.as_ref().and_then(|g| labels.get(g)).cloned().unwrap_or_else(|| type_label(&prop.params, &prop.name));
        let text = || unescape(&prop.value, v21).trim().to_string();
        match prop.name.as_str() {
            "N" => {
                let parts = components(&prop.value, v21);
                for (index, column) in [(1, "First Name"), (2, "Middle Name"), (0, "Last Name"), (3, "Prefix"), (4, "Suffix")] {
                    if let Some(value) = parts.get(index).map(|p| p.trim()).filter(|p| !p.is_empty()) {
                        cells.push((RANK_NAME, column.to_string(), value.replace(',', " ")));
                    }
                }
            }
            "FN" => cells.push((RANK_NAME, "Full Name".into(), text())),
            "NICKNAME" => cells.push((RANK_NAME, "Nickname".into(), text())),
            "ORG" => {
                let parts = components(&prop.value, v21);
                if let Some(org) = parts.first().map(|p| p.trim()).filter(|p| !p.is_empty()) {
                    cells.push((RANK_ORG, "Organization".into(), org.to_string()));
                }
                let department: Vec<&str> = parts.iter().skip(1).map(|p| p.trim()).filter(|p| !p.is_empty()).collect();
                if !department.is_empty() {
                    cells.push((RANK_ORG, "Department".into(), department.join("; ")));
                }
            }
            "TITLE" => cells.push((RANK_ORG, "Title".into(), text())),
            "EMAIL" => cells.push((RANK_EMAIL, unique("Email", &label), text())),
            "TEL" => {
                let value = text();
                let value = value.strip_prefix("tel:").unwrap_or(&value).to_string();
                cells.push((RANK_PHONE, unique("Phone", &label), value));
            }
            "ADR" => {
                let parts = components(&prop.value, v21);
                let suffix = unique("", &label);
                let suffix = suffix.trim();
                let part = |i: usize| parts.get(i).map(|p| p.trim().to_string()).unwrap_or_default();
                let street = [part(2), part(1)].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(", ");
                for (column, value) in [
                    ("PO Box", part(0)),
                    ("Street", street),
                    ("City", part(3)),
                    ("Region", part(4)),
                    ("Postal Code", part(5)),
                    ("Country", part(6)),
                ] {
                    if !value.is_empty() {
                        let name = if suffix.is_empty() { column.to_string() } else { format!("{column} {suffix}") };
                        cells.push((RANK_ADDRESS, name, value));
                    }
                }
            }
            "URL" => cells.push((RANK_OTHER, unique("Website", ""), text())),
            "BDAY" => cells.push((RANK_OTHER, "Birthday".into(), birthday(&text()))),
            "NOTE" => notes.push(text()),
            "CATEGORIES" => cells.push((RANK_OTHER, "Categories".into(), text())),
            _ => {}
        }
    }
    let notes: Vec<String> = notes.into_iter().filter(|n| !n.is_empty()).collect();
    if !notes.is_empty() {
        cells.push((RANK_OTHER, "Note".into(), notes.join("\n")));
    }
    cells.retain(|(_, _, value)| !value.is_empty());
    cells
}

/// The label of an EMAIL or TEL from its TYPE parameters.
fn type_label(params: &[(String, String)], property: &str) -> String {
    let mut kinds: Vec<String> = Vec::new();
    for (key, value) in params {
        if key != "TYPE" {
            continue;
        }
        let value = value.to_lowercase();
        let value = match value.as_str() {
            "cell" => "mobile".to_string(),
            "pref" | "internet" | "voice" | "x400" | "quoted-printable" | "base64" | "b" | "8bit" | "text" | "uri" => continue,
            v if v.starts_with("x-") || v.starts_with("charset") || v.starts_with("encoding") => continue,
            v => v.to_string(),
        };
        if !kinds.contains(&value) {
            kinds.push(value);
        }
    }
    if property == "TEL" && kinds.iter().any(|k| k == "fax") {
        let place = kinds.iter().find(|k| *k == "work" || *k == "home");
        return match place {
            Some(place) => format!("{place} fax"),
            None => "fax".into(),
        };
    }
    kinds.into_iter().next().unwrap_or_default()
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
    width: usize,
    sink: IssueSink,
    index: u64,
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
        row.cells.clear();
        row.cells.resize(self.width, String::new());
        for (_, column, value) in card_cells(&card) {
            if let Some(slot) = self.columns.get(&column).and_then(|i| row.cells.get_mut(*i)) {
                if slot.is_empty() {
                    *slot = value;
                }
            }
        }
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
    let mut cards = Vec::new();
    let mut scratch = Vec::new();
    let mut count = 0u64;
    while let Some(card) = parser.next_card(&sink, &mut scratch, count)? {
        count += 1;
        if count > options.limits.max_rows {
            return Err(ReadError::TooManyRows { file: name.to_string(), max: options.limits.max_rows });
        }
        cards.push(Summary::of(&card));
    }
    if count == 0 {
        return Err(ReadError::Empty { file: name.to_string() });
    }
    let mut input = parser.input.into_inner();
    input.seek(SeekFrom::Start(0)).map_err(|err| ReadError::io(name, err))?;
    let parser = Parser::new(input, name, fallback, options.limits.max_cell_bytes);
    finish(name, &cards, CardSource::Text(Box::new(parser)))
}

/// What the first pass keeps of a card: its columns and version.
struct Summary {
    version: Option<String>,
    columns: Vec<(u8, String)>,
}

impl Summary {
    fn of(card: &Card) -> Summary {
        Summary {
            version: card.version.clone(),
            columns: card_cells(card).into_iter().map(|(rank, column, _)| (rank, column)).collect(),
        }
    }
}

fn finish(name: &str, cards: &[Summary], source: CardSource) -> Result<(Detected, VcardRows, Vec<ReadIssue>), ReadError> {
    let mut seen: Vec<(u8, String)> = Vec::new();
    let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut versions: Vec<String> = Vec::new();
    for card in cards {
        let version = card.version.clone().unwrap_or_else(|| "2.1 (no VERSION)".into());
        if !versions.contains(&version) {
            versions.push(version);
        }
        for (rank, column) in &card.columns {
            if known.insert(column.clone()) {
                seen.push((*rank, column.clone()));
            }
        }
    }
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
        layout: Some(format!("{} card(s), vCard {}", cards.len(), versions.join(", "))),
        columns: columns.clone(),
    };
    let rows = VcardRows { source, width: columns.len(), columns: index, sink: IssueSink::new(name, &columns), index: 0 };
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
    let summaries: Vec<Summary> = cards.iter().map(Summary::of).collect();
    finish(name, &summaries, CardSource::Cards(cards.into_iter()))
}
