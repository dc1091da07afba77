//! Applies a resolved mapping to one source row: text steps (trim, case, replace, concat,
//! default, value map), splits, then conversion of each text into its target's typed value.
//! Problems become [`RowIssue`]s under the column's error policy; nothing here fails a run.

use crate::convert::{self, DateFormat};
use crate::issue::{IssueKind, RowIssue};
use crate::map::{ResolvedColumn, ResolvedMapping, Sink, Splitter, TextStep};
use crate::spec::{CaseStyle, EmptyCells, ErrorPolicy};
use salesos_model::field_map::FieldKey;
use salesos_model::ids::RecordId;
use salesos_model::keys::{self, MatchKeyKind};
use salesos_model::record::{ExternalId, Fields};
use salesos_model::schema::{FieldDef, FieldType};
use salesos_model::value::{Labeled, Value};
use std::borrow::Cow;

/// The organization's conventions a row is read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowContext {
    /// Country for phone numbers without a country code (ISO 3166).
    pub default_country: String,
    /// Currency for amounts without one (ISO 4217).
    pub default_currency: String,
    /// Offset of date-times written without a zone, minutes east of UTC.
    pub utc_offset_minutes: i32,
}

/// A reference to another record that the app resolves (in a batch) before planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReference {
    /// The mapping output that declares it ([`crate::map::Output::at`]): what every row's
    /// reference from that output shares (field, object, column, path) stays in the mapping.
    pub at: (usize, usize),
    /// The key kind the value is looked up by.
    pub kind: MatchKeyKind,
    /// The normalized key text.
    pub normalized: String,
    /// The text as given.
    pub text: String,
}

/// What a mapping declares for a reference, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredReference<'m> {
    /// Storage key of the reference field.
    pub via_key: &'m str,
    /// The referenced object's api name.
    pub object: &'m str,
    /// The source column's header.
    pub column: &'m str,
    /// The target path.
    pub path: &'m str,
}

impl PendingReference {
    /// The mapping's declaration of this reference (`None` only for a reference that another
    /// mapping made).
    pub fn target<'m>(&self, mapping: &'m ResolvedMapping) -> Option<DeclaredReference<'m>> {
        let column = mapping.columns.get(self.at.0)?;
        let output = column.outputs.get(self.at.1)?.as_ref()?;
        match &output.sink {
            Sink::Reference { via_key, object, .. } => {
                Some(DeclaredReference { via_key, object, column: &column.header, path: &output.path })
            }
            _ => None,
        }
    }
}

/// A row after mapping and conversion.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransformedRow {
    /// Converted values by storage key.
    pub fields: Fields,
    /// Keys whose cells were empty and, with `empty_cells: clear`, are to be cleared on update.
    pub cleared: Vec<String>,
    /// Ids in other systems.
    pub external_ids: Vec<ExternalId>,
    /// The owner as given (a user's email or id).
    pub owner: Option<String>,
    /// References to resolve.
    pub references: Vec<PendingReference>,
    /// Problems so far.
    pub issues: Vec<RowIssue>,
}

impl TransformedRow {
    /// Returns whether any issue fails the row.
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(RowIssue::is_error)
    }
}

/// The values of a row as its columns are converted, before they become its fields: each in the
/// slot of its key's rank in the mapping ([`crate::map::Output::rank`]), so the row's values come
/// out in the order of the mapping's keys ([`ResolvedMapping::keys`], sorted) with no sort and no
/// name compared. Of two single values for one key the later wins, as inserting in order would;
/// a labelled list wins over a single value of its key whatever the column order.
struct Gathered {
    /// Single values and finished labelled lists, by rank.
    slots: Vec<Option<Value>>,
    /// Labelled entries by the rank of their multi-valued field, until the row's columns are all read.
    labeled: Vec<(usize, LabeledParts)>,
}

impl Gathered {
    fn new(keys: usize) -> Gathered {
        Gathered { slots: std::iter::repeat_with(|| None).take(keys).collect(), labeled: Vec::new() }
    }

    /// Puts a value in its key's slot. Ranks are places in the mapping's keys, so every rank has
    /// a slot (a test in `map` checks both come from one list).
    fn set(&mut self, rank: usize, value: Value) {
        debug_assert!(rank < self.slots.len(), "rank {rank} of {} keys", self.slots.len());
        if let Some(slot) = self.slots.get_mut(rank) {
            *slot = Some(value);
        }
    }

    fn labeled(&mut self, rank: usize) -> &mut LabeledParts {
        let at = match self.labeled.iter().position(|(r, _)| *r == rank) {
            Some(at) => at,
            None => {
                self.labeled.push((rank, LabeledParts::default()));
                self.labeled.len() - 1
            }
        };
        &mut self.labeled[at].1
    }

    /// The row's fields: the labelled lists finished, then every slot with its key, in key order.
    fn into_fields(mut self, keys: &[FieldKey]) -> Fields {
        for (rank, parts) in std::mem::take(&mut self.labeled) {
            let mut items: Vec<Labeled> = Vec::with_capacity(usize::from(parts.primary.is_some()) + parts.others.len());
            items.extend(parts.primary);
            for item in parts.others {
                if !items.iter().any(|i| i.value == item.value) {
                    items.push(item);
                }
            }
            if !items.is_empty() {
                // After the single values: a labelled list wins over a single value of its key.
                self.set(rank, Value::Labeled(items));
            }
        }
        let mut fields: Vec<(FieldKey, Value)> = Vec::with_capacity(self.slots.len());
        fields.extend(keys.iter().zip(self.slots).filter_map(|(key, slot)| Some((key.clone(), slot?))));
        Fields::from_sorted(fields)
    }
}

/// Labelled entries collected for one multi-valued field.
#[derive(Default)]
struct LabeledParts {
    primary: Option<Labeled>,
    others: Vec<Labeled>,
}

/// A source row's cells by column index, as the transform reads them (the readers keep a row's
/// cells in one buffer; tests give vectors of strings).
pub trait RowCells {
    /// The text of cell `index`, `None` past the last.
    fn cell(&self, index: usize) -> Option<&str>;
}

impl RowCells for [String] {
    fn cell(&self, index: usize) -> Option<&str> {
        self.get(index).map(String::as_str)
    }
}

impl RowCells for Vec<String> {
    fn cell(&self, index: usize) -> Option<&str> {
        self.get(index).map(String::as_str)
    }
}

/// Applies the text steps of a column to its cell; the cell itself when there are none.
fn column_text<'a, C: RowCells + ?Sized>(column: &ResolvedColumn, cells: &'a C) -> Cow<'a, str> {
    let cell = cells.cell(column.index).unwrap_or("");
    if column.steps.is_empty() {
        return Cow::Borrowed(cell);
    }
    let mut text = cell.to_string();
    for step in &column.steps {
        match step {
            TextStep::Trim => text = text.trim().to_string(),
            TextStep::Case(CaseStyle::Upper) => text = text.to_uppercase(),
            TextStep::Case(CaseStyle::Lower) => text = text.to_lowercase(),
            TextStep::Case(CaseStyle::Title) => text = convert::title_case(&text),
            TextStep::Replace(regex, with) => text = regex.replace_all(&text, with.as_str()).into_owned(),
            TextStep::Concat(others, separator) => {
                let mut parts: Vec<&str> = vec![text.trim()];
                parts.extend(others.iter().map(|i| cells.cell(*i).map(str::trim).unwrap_or("")));
                text = parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(separator);
            }
            TextStep::Default(value) => {
                if text.trim().is_empty() {
                    text = value.clone();
                }
            }
            TextStep::ValueMap(exact, lower) => {
                if let Some(mapped) = exact.get(&text).or_else(|| lower.get(&text.trim().to_lowercase())) {
                    text = mapped.clone();
                }
            }
        }
    }
    Cow::Owned(text)
}

/// Cuts a column's text into one text per output.
fn split_text(splitter: &Splitter, text: &str, parts: usize) -> Vec<String> {
    let mut out: Vec<String> = match splitter {
        Splitter::Delimiter(delimiter) => text.splitn(parts.max(1), delimiter.as_str()).map(|p| p.trim().to_string()).collect(),
        Splitter::Pattern(regex) => match regex.captures(text) {
            Some(caps) => {
                (1..caps.len()).map(|i| caps.get(i).map(|m| m.as_str().trim().to_string()).unwrap_or_default()).collect()
            }
            None => Vec::new(),
        },
        Splitter::Name => {
            let (first, last) = convert::split_full_name(text);
            vec![first, last]
        }
        Splitter::Address => {
            let a = convert::split_address(text);
            vec![a.street, a.city, a.state, a.postal_code, a.country]
        }
    };
    out.resize(parts, String::new());
    out
}

/// Why a text did not convert: the issue kind and what was expected.
type ConvertFailure = (IssueKind, String);

/// Normalizes picklist text for loose comparison: case, spaces, `_` and `-` alike.
fn loose(text: &str) -> String {
    text.trim().to_lowercase().chars().map(|c| if c == '_' || c == '-' || c.is_whitespace() { ' ' } else { c }).collect()
}

/// Finds a picklist option by API value, label, or either loosely (`Closed Won` → `closed_won`).
pub fn find_option<'a>(def: &'a FieldDef, text: &str) -> Option<&'a str> {
    if let Some(option) = def.find_option(text) {
        return Some(option.value.as_str());
    }
    let wanted = loose(text);
    def.options.iter().find(|o| loose(&o.value) == wanted || loose(&o.label) == wanted).map(|o| o.value.as_str())
}

fn options_text(def: &FieldDef) -> String {
    let values: Vec<&str> = def.options.iter().take(12).map(|o| o.value.as_str()).collect();
    let more = if def.options.len() > 12 { ", …" } else { "" };
    format!("one of {}{more}", values.join(", "))
}

/// The numeric formats of the day/month order the user chose, tried for a value written in
/// another spelling than the column's (`04/05/1986` in a column of `December 5, 1995`).
fn ordered_formats(column: &ResolvedColumn) -> impl Iterator<Item = DateFormat> {
    let patterns: &[&str] = match column.date_order {
        Some(crate::convert::DateOrder::Dmy) => &["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y"],
        Some(crate::convert::DateOrder::Mdy) => &["%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"],
        _ => &[],
    };
    patterns.iter().map(|p| DateFormat::new(p))
}

/// Says what a date column expects, with an example in its format rather than a strftime pattern:
/// `a date like 31.12.2024 (as the rest of the column; a value that reads both day/month and
/// month/day is not guessed)`.
fn date_expectation(format: &DateFormat, with_time: bool) -> String {
    use std::fmt::Write;
    let sample = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).and_then(|d| d.and_hms_opt(17, 45, 0));
    let mut example = String::new();
    let written = sample.is_some_and(|s| write!(example, "{}", s.format(&format.pattern)).is_ok());
    let example = if written { example } else { format.pattern.clone() };
    let what = if with_time { "a date and time" } else { "a date" };
    format!("{what} like {example} (as the rest of the column; a value that reads both day/month and month/day is not guessed)")
}

/// The column's date format: the given or inferred one, else ISO dates (borrowed, not cloned,
/// since this runs for every date cell).
fn date_format_of(column: &ResolvedColumn) -> Cow<'_, DateFormat> {
    match &column.date_format {
        Some(format) => Cow::Borrowed(format),
        None => Cow::Owned(DateFormat::new("%Y-%m-%d")),
    }
}

/// Converts non-empty text to a value of a field (or of a type, for fields not on the object).
pub fn convert_text(
    def: Option<&FieldDef>,
    field_type: FieldType,
    column: &ResolvedColumn,
    context: &RowContext,
    text: &str,
) -> Result<Value, ConvertFailure> {
    let text = salesos_model::text::trim(text);
    let country = column.phone_country.as_deref().unwrap_or(&context.default_country);
    let currency = column.currency.as_deref().unwrap_or(&context.default_currency);
    let fail = |kind: IssueKind, expected: &str| Err((kind, expected.to_string()));
    match field_type {
        FieldType::Text | FieldType::LongText => Ok(Value::Text(text.to_string())),
        FieldType::Email => match convert::parse_email(text) {
            Some(email) => Ok(Value::Text(email)),
            None => fail(IssueKind::InvalidFormat, "an email address like name@example.com"),
        },
        FieldType::Phone => match convert::parse_phone(text, country) {
            Some(phone) => Ok(Value::Text(phone)),
            None => fail(IssueKind::InvalidFormat, &format!("a phone number valid for {country} or with a + country code")),
        },
        FieldType::Url => match convert::parse_url(text) {
            Some(url) => Ok(Value::Text(url)),
            None => fail(IssueKind::InvalidFormat, "a web address like https://example.com"),
        },
        FieldType::Number | FieldType::Percent => match convert::parse_number(text, column.number_style) {
            Some(number) => Ok(Value::Number(number)),
            None => fail(IssueKind::TypeMismatch, "a number"),
        },
        FieldType::Currency => match convert::parse_money(text, column.number_style, currency) {
            Some((amount, code)) => Ok(Value::Money { amount, currency: code }),
            None => fail(IssueKind::TypeMismatch, "an amount such as 1,200.50 or €1.200,50"),
        },
        FieldType::Boolean => match convert::parse_bool(text) {
            Some(flag) => Ok(Value::Bool(flag)),
            None => fail(IssueKind::TypeMismatch, "yes/no, true/false or 1/0"),
        },
        FieldType::Date => {
            let format = date_format_of(column);
            let date = format.parse_date(text).or_else(|| ordered_formats(column).find_map(|f| f.parse_date(text)));
            match date {
                Some(date) => Ok(Value::Date(date)),
                None => fail(IssueKind::InvalidFormat, &date_expectation(&format, false)),
            }
        }
        FieldType::DateTime => {
            let format = date_format_of(column);
            let offset = context.utc_offset_minutes;
            let instant = format
                .parse_datetime(text, offset)
                .or_else(|| ordered_formats(column).find_map(|f| f.parse_datetime(text, offset)));
            match instant {
                Some(instant) => Ok(Value::DateTime(instant)),
                None => fail(IssueKind::InvalidFormat, &date_expectation(&format, true)),
            }
        }
        FieldType::Picklist => match def {
            Some(def) if !def.options.is_empty() => match find_option(def, text) {
                Some(value) => Ok(Value::Text(value.to_string())),
                None => fail(IssueKind::NotInPicklist, &options_text(def)),
            },
            _ => Ok(Value::Text(text.to_string())),
        },
        FieldType::MultiPicklist => {
            let mut values = Vec::new();
            for part in text.split([';', ',']).map(str::trim).filter(|p| !p.is_empty()) {
                match def.and_then(|d| if d.options.is_empty() { Some(part) } else { find_option(d, part) }) {
                    Some(value) => values.push(value.to_string()),
                    None => return fail(IssueKind::NotInPicklist, &def.map(options_text).unwrap_or_default()),
                }
            }
            Ok(Value::List(values))
        }
        FieldType::Reference => match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Value::Ref(RecordId(id))),
            _ => fail(IssueKind::TypeMismatch, "a record id (a positive whole number)"),
        },
    }
}

/// Transforms one source row.
pub fn transform_row<C: RowCells + ?Sized>(mapping: &ResolvedMapping, context: &RowContext, cells: &C) -> TransformedRow {
    let mut row = TransformedRow::default();
    let mut gathered = Gathered::new(mapping.keys.len());
    for column in &mapping.columns {
        let text = column_text(column, cells);
        match &column.split {
            Some(splitter) => {
                let parts = split_text(splitter, &text, column.outputs.len());
                for (output, part) in column.outputs.iter().zip(&parts) {
                    if let Some(output) = output {
                        transform_output(mapping, context, column, output, part, &mut row, &mut gathered);
                    }
                }
            }
            None => {
                if let Some(Some(output)) = column.outputs.first() {
                    transform_output(mapping, context, column, output, &text, &mut row, &mut gathered);
                }
            }
        }
    }
    row.fields = gathered.into_fields(&mapping.keys);
    row
}

/// Converts one output's text of a column and places the value in the row, or records why not.
fn transform_output<'m>(
    mapping: &'m ResolvedMapping,
    context: &RowContext,
    column: &'m ResolvedColumn,
    output: &'m crate::map::Output,
    text: &str,
    row: &mut TransformedRow,
    gathered: &mut Gathered,
) {
    let text = salesos_model::text::trim(text);
    if text.is_empty() {
        if mapping.settings.empty_cells == EmptyCells::Clear {
            if let Sink::Field { key } = &output.sink {
                row.cleared.push(key.clone());
            }
        }
        return;
    }
    let def = output.field.and_then(|i| mapping.object.fields.get(i));
    let converted = match &output.sink {
        Sink::Owner | Sink::ExternalId { .. } => Ok(Value::Text(text.to_string())),
        Sink::Reference { kind, .. } => reference_key(*kind, text, column, context),
        _ => convert_text(def, output.field_type, column, context, text),
    };
    let value = match converted {
        Ok(value) => value,
        Err((kind, expected)) => {
            let issue = RowIssue::error(Some(&column.header), Some(&output.path), kind, &expected, text);
            match &column.on_error {
                ErrorPolicy::Reject => {
                    row.issues.push(issue);
                    return;
                }
                ErrorPolicy::SetEmpty => {
                    row.issues.push(issue.downgraded("left empty"));
                    return;
                }
                ErrorPolicy::Fallback(fallback) => match convert_text(def, output.field_type, column, context, fallback) {
                    Ok(value) if !matches!(output.sink, Sink::Reference { .. }) => {
                        row.issues.push(issue.downgraded(&format!("used the fallback {fallback:?}")));
                        value
                    }
                    _ => {
                        row.issues.push(issue);
                        return;
                    }
                },
            }
        }
    };
    place(row, gathered, output, value, text);
}

/// The storage key a sink writes, if it writes a field.
pub fn sink_key(sink: &Sink) -> Option<String> {
    match sink {
        Sink::Field { key } | Sink::Primary { key } | Sink::Labeled { key, .. } => Some(key.clone()),
        Sink::Reference { via_key, .. } => Some(via_key.clone()),
        Sink::ExternalId { .. } | Sink::Owner => None,
    }
}

/// Normalizes a reference's lookup text into its match key text.
fn reference_key(kind: MatchKeyKind, text: &str, column: &ResolvedColumn, context: &RowContext) -> Result<Value, ConvertFailure> {
    let country = column.phone_country.as_deref().unwrap_or(&context.default_country);
    let normalized = match kind {
        MatchKeyKind::Email => keys::normalize_email(text),
        MatchKeyKind::Phone => keys::normalize_phone(text, country),
        MatchKeyKind::Domain => keys::website_domain(text),
        MatchKeyKind::CompanyName => keys::normalize_company_name(text),
        MatchKeyKind::ExternalId => Some(text.trim().to_string()),
    };
    normalized.map(Value::Text).ok_or_else(|| (IssueKind::InvalidFormat, format!("a {} to look the record up by", kind.as_str())))
}

fn place(row: &mut TransformedRow, gathered: &mut Gathered, output: &crate::map::Output, value: Value, text: &str) {
    match &output.sink {
        Sink::Field { .. } => gathered.set(output.rank, value),
        Sink::Primary { .. } => {
            if let Value::Text(v) = value {
                gathered.labeled(output.rank).primary = Some(Labeled { label: "work".into(), value: v });
            }
        }
        Sink::Labeled { label, .. } => {
            if let Value::Text(v) = value {
                gathered.labeled(output.rank).others.push(Labeled { label: label.clone(), value: v });
            }
        }
        Sink::ExternalId { system } => row.external_ids.push(ExternalId::new(system, text)),
        Sink::Owner => row.owner = Some(text.to_string()),
        Sink::Reference { kind, system, .. } => {
            let mut normalized = match value {
                Value::Text(t) => t,
                _ => return,
            };
            if let Some(system) = system {
                normalized = keys::external_id_key(&ExternalId::new(system, &normalized));
            }
            row.references.push(PendingReference { at: output.at, kind: *kind, normalized, text: text.to_string() });
        }
    }
}

/// Suggests picklist values for distinct source texts that match no option: by label, API value
/// and similarity, best first, with a confidence from 0 to 1.
pub fn suggest_value_map(def: &FieldDef, texts: &[&str]) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    for text in texts {
        if find_option(def, text).is_some() {
            continue;
        }
        let wanted = loose(text);
        let best = def
            .options
            .iter()
            .map(|o| {
                let score = strsim::jaro_winkler(&wanted, &loose(&o.label)).max(strsim::jaro_winkler(&wanted, &loose(&o.value)));
                (o.value.clone(), score)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((value, score)) = best.filter(|(_, s)| *s >= 0.75) {
            out.push((text.to_string(), value, (score * 100.0).round() / 100.0));
        }
    }
    out
}

#[cfg(test)]
mod tests;
