//! The JSON reader: an array of objects, an object holding a records array (`{"records": [...]}`,
//! `{"data": [...]}`, Salesforce sObject trees), or NDJSON (one object per line).
//!
//! A byte scanner cuts the file into one top-level record at a time (checking the nesting depth
//! before any parser sees it), and serde_json flattens each record: nested objects become dotted
//! paths (`address.city`), arrays of scalars are joined with `; `, arrays holding objects or arrays
//! are kept as JSON text in one cell, `null` is an empty cell, booleans are `true`/`false`.
//! Columns are the union of the records' keys in first-seen order, collected by a first pass
//! over the file; the second pass streams the rows.

use super::{
    BoxInput, Column, Detected, Format, IssueKind, IssueSink, ReadError, ReadIssue, ReadOptions, RowPos, Severity, SourceRow,
};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Seek, SeekFrom};

/// Keys whose array value is taken as the records of a wrapping object.
const RECORD_KEYS: [&str; 10] =
    ["records", "data", "items", "results", "rows", "contacts", "entries", "objects", "values", "list"];

/// Where the records are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// `[ {...}, ... ]`, starting after the `[` at this offset.
    Array(u64),
    /// `{"key": [ {...}, ... ], ...}`, the array starting after the `[` at this offset.
    Wrapped(String, u64),
    /// Objects one after another (NDJSON), or a single object.
    Sequence,
}

/// The byte scanner: cuts one JSON value at a time, tracking line and column for messages.
struct Scanner {
    input: BufReader<BoxInput>,
    name: String,
    offset: u64,
    line: u64,
    line_start: u64,
    max_depth: usize,
}

impl Scanner {
    fn new(input: BoxInput, name: &str, max_depth: usize) -> Scanner {
        Scanner {
            input: BufReader::with_capacity(64 * 1024, input),
            name: name.to_string(),
            offset: 0,
            line: 1,
            line_start: 0,
            max_depth,
        }
    }

    fn seek(&mut self, offset: u64, line: u64, line_start: u64) -> Result<(), ReadError> {
        self.input.seek(SeekFrom::Start(offset)).map_err(|err| ReadError::io(&self.name, err))?;
        self.offset = offset;
        self.line = line;
        self.line_start = line_start;
        Ok(())
    }

    fn column(&self) -> u64 {
        self.offset - self.line_start + 1
    }

    fn syntax(&self, detail: impl Into<String>) -> ReadError {
        ReadError::Syntax { file: self.name.clone(), line: self.line, column: self.column(), detail: detail.into() }
    }

    /// Consumes `n` bytes holding `newlines` line breaks, the last at `last` (relative).
    fn advance(&mut self, n: usize, newlines: u64, last: Option<usize>) {
        if let Some(last) = last {
            self.line += newlines;
            self.line_start = self.offset + last as u64 + 1;
        }
        self.offset += n as u64;
        self.input.consume(n);
    }

    /// Consumes the last `n` bytes appended to `out` (already copied out of the buffer).
    fn consume_tail(&mut self, n: usize, out: &[u8]) {
        let tail = out.get(out.len() - n.min(out.len())..).unwrap_or_default();
        let (count, last) = memchr::memchr_iter(b'\n', tail).fold((0u64, None), |(c, _), i| (c + 1, Some(i)));
        self.advance(n, count, last);
    }

    /// Skips white space (and a BOM at the very start); returns the next byte without consuming it.
    fn peek(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            let buf = self.input.fill_buf().map_err(|err| ReadError::io(&self.name, err))?;
            if buf.is_empty() {
                return Ok(None);
            }
            if self.offset == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
                self.offset += 3;
                self.line_start = 3;
                self.input.consume(3);
                continue;
            }
            let skip = buf.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')).unwrap_or(buf.len());
            let first = buf.get(skip).copied();
            let newlines = memchr::memchr_iter(b'\n', buf.get(..skip).unwrap_or_default());
            let (count, last) = newlines.fold((0u64, None), |(n, _), i| (n + 1, Some(i)));
            self.advance(skip, count, last);
            if let Some(b) = first {
                return Ok(Some(b));
            }
        }
    }

    /// Consumes one byte already peeked.
    fn bump(&mut self) {
        self.offset += 1;
        self.input.consume(1);
    }

    /// Copies the next complete value into `out` (cleared first); checks nesting depth.
    fn value(&mut self, out: &mut Vec<u8>) -> Result<(), ReadError> {
        out.clear();
        let Some(first) = self.peek()? else { return Err(self.syntax("unexpected end of file, a value was expected")) };
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        loop {
            let buf = self.input.fill_buf().map_err(|err| ReadError::io(&self.name, err))?;
            if buf.is_empty() {
                if scalar && !out.is_empty() {
                    return Ok(());
                }
                return Err(self.syntax("unexpected end of file inside a value (is the file truncated?)"));
            }
            let mut end = None;
            let mut i = 0;
            while let Some(&b) = buf.get(i) {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    } else {
                        // Jump to the next quote or backslash.
                        match memchr::memchr2(b'"', b'\\', buf.get(i..).unwrap_or_default()) {
                            Some(j) => {
                                i += j;
                                continue;
                            }
                            None => i = buf.len(),
                        }
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > self.max_depth {
                            out.extend_from_slice(buf.get(..i).unwrap_or_default());
                            self.consume_tail(i, out);
                            return Err(ReadError::TooDeep {
                                file: self.name.clone(),
                                line: self.line,
                                column: self.column(),
                                max: self.max_depth,
                            });
                        }
                    }
                    b'}' | b']' => {
                        if depth == 0 {
                            // The end of an enclosing container after a scalar.
                            end = Some(i);
                            break;
                        }
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b',' | b' ' | b'\t' | b'\n' | b'\r' if scalar => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            let n = end.unwrap_or(buf.len());
            out.extend_from_slice(buf.get(..n).unwrap_or_default());
            self.consume_tail(n, out);
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// Reads a JSON string key (the scanner is on its opening quote).
    fn key(&mut self, scratch: &mut Vec<u8>) -> Result<String, ReadError> {
        self.value(scratch)?;
        serde_json::from_slice::<String>(scratch).map_err(|err| self.syntax(format!("object key: {err}")))
    }

    /// Expects a byte (after white space) and consumes it.
    fn expect(&mut self, wanted: u8) -> Result<(), ReadError> {
        match self.peek()? {
            Some(b) if b == wanted => {
                self.bump();
                Ok(())
            }
            Some(b) => Err(self.syntax(format!("expected '{}', found '{}'", wanted as char, b as char))),
            None => Err(self.syntax(format!("expected '{}', found the end of the file", wanted as char))),
        }
    }
}

/// Finds where the records are.
fn layout(scanner: &mut Scanner) -> Result<Layout, ReadError> {
    match scanner.peek()? {
        Some(b'[') => {
            scanner.bump();
            Ok(Layout::Array(scanner.offset))
        }
        Some(b'{') => {
            let start = (scanner.offset, scanner.line, scanner.line_start);
            scanner.bump();
            let mut scratch = Vec::new();
            while let Some(b'"') = scanner.peek()? {
                let key = scanner.key(&mut scratch)?;
                scanner.expect(b':')?;
                if scanner.peek()? == Some(b'[') && RECORD_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    scanner.bump();
                    return Ok(Layout::Wrapped(key, scanner.offset));
                }
                scanner.value(&mut scratch)?;
                if scanner.peek()? == Some(b',') {
                    scanner.bump();
                } else {
                    break;
                }
            }
            scanner.seek(start.0, start.1, start.2)?;
            Ok(Layout::Sequence)
        }
        Some(b) => Err(scanner.syntax(format!("expected an array or an object of records, found '{}'", b as char))),
        None => Err(ReadError::Empty { file: scanner.name.clone() }),
    }
}

/// Streams the records of a JSON file as rows.
pub(crate) struct JsonRows {
    scanner: Scanner,
    in_array: bool,
    first: bool,
    done: bool,
    index: u64,
    buf: Vec<u8>,
    /// The flattened record: column index (None for a key the first pass did not see) and text.
    pairs: Vec<(Option<usize>, String)>,
    /// The record's cells by column before they go into the row, reused from record to record.
    slots: Vec<String>,
    /// Keys first seen in the current record (first pass).
    new_keys: Vec<String>,
    columns: HashMap<String, usize>,
    /// The column names by index.
    names: Vec<String>,
    width: usize,
    sink: IssueSink,
    max_cell: usize,
}

impl fmt::Debug for JsonRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonRows").field("index", &self.index).field("width", &self.width).finish_non_exhaustive()
    }
}

/// One record cut from the file: its line, and whether it was an object.
enum Element {
    End,
    Record { line: u64, column: u64 },
}

impl JsonRows {
    /// Cuts the next record into `self.buf`.
    fn next_element(&mut self) -> Result<Element, ReadError> {
        if self.done {
            return Ok(Element::End);
        }
        let next = self.scanner.peek()?;
        if self.in_array {
            match next {
                Some(b']') => {
                    self.done = true;
                    return Ok(Element::End);
                }
                Some(b',') if !self.first => {
                    self.scanner.bump();
                }
                None => {
                    return Err(self
                        .scanner
                        .syntax("unexpected end of file: the array of records is not closed (is the file truncated?)"))
                }
                Some(_) if self.first => {}
                Some(b) => {
                    return Err(self.scanner.syntax(format!("expected ',' or ']' between records, found '{}'", b as char)))
                }
            }
        } else if next.is_none() {
            self.done = true;
            return Ok(Element::End);
        }
        self.first = false;
        if self.in_array && self.scanner.peek()? == Some(b']') {
            return Err(self.scanner.syntax("a ',' before ']' (trailing comma)"));
        }
        let (line, column) = (self.scanner.line, self.scanner.column());
        self.scanner.value(&mut self.buf)?;
        Ok(Element::Record { line, column })
    }

    /// Flattens `self.buf` into `self.pairs` (or, with `keys_only`, its unknown keys into
    /// `self.new_keys`); false when the record is not an object.
    fn flatten(
        &mut self,
        line: u64,
        column: u64,
        keys_only: bool,
        names: &[String],
        guess: &mut usize,
    ) -> Result<bool, ReadError> {
        self.pairs.clear();
        self.new_keys.clear();
        if self.buf.first() != Some(&b'{') {
            return Ok(false);
        }
        let mut de = serde_json::Deserializer::from_slice(&self.buf);
        let mut prefix = String::new();
        let columns = Columns { map: &self.columns, names, guess };
        let out =
            if keys_only { Out::Keys { columns, new: &mut self.new_keys } } else { Out::Cells { columns, out: &mut self.pairs } };
        let seed = Flatten { prefix: &mut prefix, out: &mut { out } };
        seed.deserialize(&mut de).map_err(|err| {
            let (l, c) = if err.line() <= 1 {
                (line, column + err.column() as u64 - 1)
            } else {
                (line + err.line() as u64 - 1, err.column() as u64)
            };
            ReadError::Syntax { file: self.scanner.name.clone(), line: l, column: c, detail: strip_position(&err.to_string()) }
        })?;
        de.end().map_err(|err| ReadError::Syntax {
            file: self.scanner.name.clone(),
            line,
            column,
            detail: strip_position(&err.to_string()),
        })?;
        Ok(true)
    }

    pub(crate) fn read_row(&mut self, row: &mut SourceRow, issues: &mut Vec<ReadIssue>) -> Result<bool, ReadError> {
        loop {
            let Element::Record { line, column } = self.next_element()? else { return Ok(false) };
            self.index += 1;
            row.pos = RowPos { sheet: None, row: self.index, line: Some(line) };
            let names = std::mem::take(&mut self.names);
            let mut guess = 0;
            let flat = self.flatten(line, column, false, &names, &mut guess);
            self.names = names;
            if !flat? {
                let found = String::from_utf8_lossy(self.buf.get(..self.buf.len().min(40)).unwrap_or_default()).into_owned();
                issues.push(self.sink.issue(
                    &row.pos,
                    None,
                    Severity::Error,
                    IssueKind::JsonValue,
                    "an object",
                    found.clone(),
                    format!("the record is not an object ({found}); it was skipped"),
                ));
                continue;
            }
            self.slots.clear();
            self.slots.resize(self.width, String::new());
            for (index, value) in self.pairs.drain(..) {
                if value.len() > self.max_cell {
                    return Err(ReadError::CellTooLarge {
                        file: self.sink.file.clone(),
                        pos: row.pos.clone(),
                        column: index.map_or(0, |i| i + 1),
                        size: value.len(),
                        max: self.max_cell,
                        hint: "",
                    });
                }
                if let Some(slot) = index.and_then(|i| self.slots.get_mut(i)) {
                    *slot = value;
                }
            }
            row.cells.set_all(&self.slots);
            return Ok(true);
        }
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

/// Opens a JSON file: finds the records, collects the columns in a first pass.
pub(crate) fn open(
    input: BoxInput,
    name: &str,
    options: &ReadOptions,
) -> Result<(Detected, JsonRows, Vec<ReadIssue>), ReadError> {
    let mut scanner = Scanner::new(input, name, options.limits.max_json_depth);
    let layout = layout(&mut scanner)?;
    let start = (scanner.offset, scanner.line, scanner.line_start);
    let in_array = !matches!(layout, Layout::Sequence);
    let mut rows = JsonRows {
        scanner,
        in_array,
        first: true,
        done: false,
        index: 0,
        buf: Vec::new(),
        pairs: Vec::new(),
        slots: Vec::new(),
        new_keys: Vec::new(),
        columns: HashMap::new(),
        names: Vec::new(),
        width: 0,
        sink: IssueSink::new(name, &[]),
        max_cell: options.limits.max_cell_bytes,
    };
    // First pass: the union of keys, in first-seen order.
    let mut names: Vec<String> = Vec::new();
    let mut guess;
    let mut records = 0u64;
    while let Element::Record { line, column } = rows.next_element()? {
        records += 1;
        if records > options.limits.max_rows {
            return Err(ReadError::TooManyRows { file: name.to_string(), max: options.limits.max_rows });
        }
        guess = 0;
        if rows.flatten(line, column, true, &names, &mut guess)? {
            for key in rows.new_keys.drain(..) {
                if !rows.columns.contains_key(&key) {
                    if names.len() >= options.limits.max_columns {
                        return Err(ReadError::TooManyColumns {
                            file: name.to_string(),
                            pos: RowPos { sheet: None, row: records, line: Some(line) },
                            found: names.len() + 1,
                            max: options.limits.max_columns,
                        });
                    }
                    rows.columns.insert(key.clone(), names.len());
                    names.push(key);
                }
            }
        }
    }
    rows.scanner.seek(start.0, start.1, start.2)?;
    rows.first = true;
    rows.done = false;
    let columns: Vec<Column> = names.iter().map(|n| Column { original: n.clone(), name: n.clone(), renamed: None }).collect();
    rows.names = names;
    rows.width = columns.len();
    rows.sink = IssueSink::new(name, &columns);
    let layout_text = match &layout {
        Layout::Array(_) => "array of records".to_string(),
        Layout::Wrapped(key, _) => format!("records array under {key:?}"),
        Layout::Sequence if records > 1 => "one record per line (NDJSON)".to_string(),
        Layout::Sequence => "a single record".to_string(),
    };
    let detected = Detected {
        file: name.to_string(),
        format: Format::Json,
        encoding: Some("UTF-8".into()),
        bom: false,
        dialect: None,
        header_row: 0,
        sheets: Vec::new(),
        selected_sheets: Vec::new(),
        columns,
        layout: Some(layout_text),
    };
    Ok((detected, rows, Vec::new()))
}

/// Flattens one JSON value into `(dotted path, text)` pairs, in document order.
struct Flatten<'a, 'b> {
    prefix: &'a mut String,
    out: &'a mut Out<'b>,
}

/// Where flattened values go.
enum Out<'b> {
    /// First pass: only keys not among the columns yet (each once).
    Keys { columns: Columns<'b>, new: &'b mut Vec<String> },
    /// Second pass: each value with its column.
    Cells { columns: Columns<'b>, out: &'b mut Vec<(Option<usize>, String)> },
}

/// The known columns; records mostly repeat their keys in the same order, so the column after
/// the last one found is tried before hashing.
struct Columns<'b> {
    map: &'b HashMap<String, usize>,
    names: &'b [String],
    guess: &'b mut usize,
}

impl Columns<'_> {
    fn get(&mut self, key: &str) -> Option<usize> {
        let index =
            if self.names.get(*self.guess).is_some_and(|n| n == key) { Some(*self.guess) } else { self.map.get(key).copied() };
        if let Some(index) = index {
            *self.guess = index + 1;
        }
        index
    }
}

impl<'de> DeserializeSeed<'de> for Flatten<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Flatten<'_, '_> {
    fn wants_text(&self) -> bool {
        matches!(self.out, Out::Cells { .. })
    }

    fn emit(self, text: impl FnOnce() -> String) {
        let key: &str = if self.prefix.is_empty() { "value" } else { self.prefix };
        match self.out {
            Out::Keys { columns, new } => {
                if columns.get(key).is_none() && !new.iter().any(|k| k == key) {
                    new.push(key.to_string());
                }
            }
            Out::Cells { columns, out } => out.push((columns.get(key), text())),
        }
    }
}

impl<'de> Visitor<'de> for Flatten<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.emit(|| v.to_string());
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.emit(|| v.to_string());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.emit(|| v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.emit(|| v.to_string());
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.emit(|| v.to_string());
        Ok(())
    }

    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.emit(|| v);
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.emit(String::new);
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.emit(String::new);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.prefix.len();
        let mut any = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            any = true;
            if base > 0 {
                self.prefix.push('.');
            }
            self.prefix.push_str(&key);
            map.next_value_seed(Flatten { prefix: self.prefix, out: self.out })?;
            self.prefix.truncate(base);
        }
        if !any && base > 0 {
            Flatten { prefix: self.prefix, out: self.out }.emit(String::new);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut items: Vec<serde_json::Value> = Vec::new();
        while let Some(item) = seq.next_element::<serde_json::Value>()? {
            items.push(item);
        }
        if !self.wants_text() {
            self.emit(String::new);
            return Ok(());
        }
        let scalar = items.iter().all(|v| !v.is_object() && !v.is_array());
        let text = if scalar {
            items
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            serde_json::Value::Array(items).to_string()
        };
        self.emit(|| text);
        Ok(())
    }
}
