//! Resolves a [`MappingSpec`] once against the schema and the file's columns into a
//! [`ResolvedMapping`]: columns found, targets resolved to where their values go, patterns
//! compiled, custom fields to create checked. Every problem here stops the import before a row is
//! read (exit code 2), naming the column and what is wrong.

use crate::convert::{self, DateFormat, DateOrder, NumberStyle};
use crate::spec::{
    CaseStyle, ColumnSpec, DuplicateStrategy, ErrorPolicy, ImportSettings, MappingSpec, MatchOn, SplitBy, Transform,
    ERRORS_COLUMN,
};
use regex::Regex;
use salesos_model::field_map::FieldKey;
use salesos_model::keys::MatchKeyKind;
use salesos_model::path::{self, PathError, PathTarget, SystemField};
use salesos_model::schema::{check_new_field, FieldDef, FieldType, ObjectDef, ReferenceTarget, Schema};
use std::collections::HashMap;

/// Limits applied at the mapping step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingLimits {
    /// Most columns that may target custom fields in one import (the spec: 200).
    pub max_custom_field_mappings: usize,
}

impl Default for MappingLimits {
    fn default() -> MappingLimits {
        MappingLimits { max_custom_field_mappings: 200 }
    }
}

/// Why a mapping cannot be used. Each names the column and the setting at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The spec names a column the file does not have.
    #[error("the mapping names column {column:?}, which the file does not have (its columns: {available})")]
    UnknownColumn {
        /// The column as named.
        column: String,
        /// The file's headers.
        available: String,
    },
    /// A column entry names neither a header nor an index.
    #[error("mapping entry {entry} names no column (give \"column\" or \"index\")")]
    NoColumn {
        /// 1-based entry number.
        entry: usize,
    },
    /// The target path does not resolve.
    #[error("column {column:?}: {source}")]
    UnknownTarget {
        /// The column.
        column: String,
        /// Why.
        source: PathError,
    },
    /// The target cannot be imported into.
    #[error("column {column:?}: {path} cannot be imported into ({reason})")]
    NotImportable {
        /// The column.
        column: String,
        /// The target.
        path: String,
        /// Why.
        reason: String,
    },
    /// Two columns write the same target.
    #[error("columns {first:?} and {second:?} both map to {path}; combine them with a concat transform instead")]
    DuplicateTarget {
        /// The target.
        path: String,
        /// The first column.
        first: String,
        /// The second column.
        second: String,
    },
    /// A transform is not valid.
    #[error("column {column:?}: {message}")]
    BadTransform {
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// Too many columns target custom fields.
    #[error("the mapping targets {count} custom fields; at most {max} are allowed per import")]
    TooManyCustomFields {
        /// Columns targeting custom fields.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A setting is not valid.
    #[error("{setting}: {message}")]
    BadSetting {
        /// The setting.
        setting: String,
        /// What is wrong.
        message: String,
    },
}

/// Where a converted value goes in the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// A whole field, by storage key.
    Field {
        /// Storage key.
        key: String,
    },
    /// The primary entry of a multi-valued email or phone field.
    Primary {
        /// Storage key of the multi-valued field.
        key: String,
    },
    /// A labelled entry of a multi-valued email or phone field.
    Labeled {
        /// Storage key.
        key: String,
        /// The label.
        label: String,
    },
    /// The record's id in another system.
    ExternalId {
        /// The system.
        system: String,
    },
    /// The record's owner, by a user's email or id.
    Owner,
    /// A reference field resolved by a value of the referenced record.
    Reference {
        /// Storage key of the reference field.
        via_key: String,
        /// The referenced object's api name.
        object: String,
        /// The match key kind the value is looked up by.
        kind: MatchKeyKind,
        /// For external ids, the system.
        system: Option<String>,
    },
}

/// One target of a column.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The field path as written.
    pub path: String,
    /// Where the value goes.
    pub sink: Sink,
    /// The type the text converts to.
    pub field_type: FieldType,
    /// Whether the target is a custom field.
    pub custom: bool,
    /// The storage key it writes, if it writes a field.
    pub key: Option<String>,
    /// The index of that field in the mapping's object, so rows need no lookup by name.
    pub field: Option<usize>,
    /// The place of `key` among all the keys the mapping writes (references' `via_key`s
    /// included), in key order, so a row's values are sorted into its fields without comparing
    /// names; 0, and unused, when `key` is `None`.
    pub rank: usize,
    /// Where it is in the mapping: its column's index in [`ResolvedMapping::columns`] and its
    /// own in that column's outputs (rows name their pending references by it).
    pub at: (usize, usize),
}

/// A compiled text step of a column.
#[derive(Debug, Clone)]
pub enum TextStep {
    /// Trim.
    Trim,
    /// Change case.
    Case(CaseStyle),
    /// Regex replace.
    Replace(Regex, String),
    /// Append other columns (0-based indexes) with a separator.
    Concat(Vec<usize>, String),
    /// Fill an empty cell.
    Default(String),
    /// Map values: exact keys, then lower-cased keys.
    ValueMap(HashMap<String, String>, HashMap<String, String>),
}

/// How a column is cut into several outputs.
#[derive(Debug, Clone)]
pub enum Splitter {
    /// At a delimiter.
    Delimiter(String),
    /// By the capture groups of a pattern.
    Pattern(Regex),
    /// A full name into first and last.
    Name,
    /// An address into street, city, state, postal code, country.
    Address,
}

/// One imported column, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedColumn {
    /// 0-based column index in the file.
    pub index: usize,
    /// The header.
    pub header: String,
    /// Text steps, in order.
    pub steps: Vec<TextStep>,
    /// The split, when the column fills several targets.
    pub split: Option<Splitter>,
    /// Targets: one, or one per split part (`None` drops a part).
    pub outputs: Vec<Option<Output>>,
    /// The error policy.
    pub on_error: ErrorPolicy,
    /// The explicit or inferred date format.
    pub date_format: Option<DateFormat>,
    /// The day/month order set for this column.
    pub date_order: Option<DateOrder>,
    /// How numbers are written.
    pub number_style: NumberStyle,
    /// Default country for phones, when not the organization's.
    pub phone_country: Option<String>,
    /// Currency for amounts without one, when not the organization's.
    pub currency: Option<String>,
}

impl ResolvedColumn {
    /// Returns whether the column feeds a date or date-time field whose format must be inferred.
    pub fn needs_date_inference(&self) -> bool {
        self.date_format.is_none()
            && self.outputs.iter().flatten().any(|o| matches!(o.field_type, FieldType::Date | FieldType::DateTime))
    }
}

/// A mapping ready to run.
#[derive(Debug, Clone)]
pub struct ResolvedMapping {
    /// The target object (with any fields the mapping creates).
    pub object: ObjectDef,
    /// The imported columns.
    pub columns: Vec<ResolvedColumn>,
    /// The run settings.
    pub settings: ImportSettings,
    /// What decides a duplicate; `None` when nothing does (every row is new).
    pub match_on: Option<MatchOn>,
    /// Custom fields the mapping creates, to be added to the schema before the run.
    pub new_fields: Vec<FieldDef>,
    /// Columns not imported (by index), including our failed-rows `Errors` column.
    pub ignored: Vec<usize>,
    /// The file's headers.
    pub headers: Vec<String>,
    /// The column each storage key comes from (the first one), for messages.
    pub columns_by_key: std::sync::Arc<std::collections::BTreeMap<String, String>>,
    /// The storage keys the mapping writes, in key order, each once: an output's
    /// [`Output::rank`] is its key's place here (a row's fields are built from these keys).
    pub(crate) keys: Vec<FieldKey>,
}

impl ResolvedMapping {
    /// Every output of every column, in column order.
    pub fn outputs(&self) -> impl Iterator<Item = &Output> {
        self.columns.iter().flat_map(|c| c.outputs.iter().flatten())
    }
}

/// Finds a column by header (exact, then trimmed and ignoring case), then by index.
fn find_column(headers: &[String], name: Option<&str>, index: Option<usize>) -> Option<usize> {
    if let Some(name) = name {
        if let Some(found) = headers.iter().position(|h| h == name) {
            return Some(found);
        }
        let wanted = name.trim().to_lowercase();
        if let Some(found) = headers.iter().position(|h| h.trim().to_lowercase() == wanted) {
            return Some(found);
        }
    }
    index.filter(|i| *i < headers.len())
}

/// Infers the type of a new custom field from sample values.
pub fn infer_field_type(values: &[&str]) -> FieldType {
    let values: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return FieldType::Text;
    }
    let all = |test: &dyn Fn(&str) -> bool| values.iter().all(|v| test(v));
    let dates = {
        let mut stats = convert::DateColumnStats::new();
        values.iter().for_each(|v| stats.observe(v));
        !matches!(stats.conclude(Some(DateOrder::Dmy)), convert::DateInference::Unknown { .. } | convert::DateInference::Empty)
            && all(&|v| v.chars().any(|c| c.is_ascii_digit()))
    };
    // Leading zeros and `+` mark codes and phone numbers, which are not quantities.
    let number = |v: &str| {
        convert::parse_number(v, NumberStyle::Auto).is_some() && !v.starts_with('+') && !(v.len() > 1 && v.starts_with('0'))
    };
    if all(&|v| convert::parse_email(v).is_some()) {
        FieldType::Email
    } else if all(&|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no")) {
        FieldType::Boolean
    } else if all(&|v| number(v) || v.starts_with("0.") || v.starts_with("0,")) {
        if all(&|v| v.ends_with('%')) {
            FieldType::Percent
        } else {
            FieldType::Number
        }
    } else if all(&|v| v.starts_with("http://") || v.starts_with("https://")) {
        FieldType::Url
    } else if dates {
        if all(&|v| v.contains(':')) {
            FieldType::DateTime
        } else {
            FieldType::Date
        }
    } else if all(&|v| v.starts_with('+') && convert::parse_phone(v, "US").is_some()) {
        FieldType::Phone
    } else if values.iter().any(|v| v.chars().count() > 255 || v.contains('\n')) {
        FieldType::LongText
    } else {
        FieldType::Text
    }
}

/// Resolves a spec against the schema and the file's headers.
///
/// `samples` are the first rows, used to infer the type of fields created on the fly.
pub fn resolve(
    schema: &Schema,
    object: &ObjectDef,
    headers: &[String],
    samples: &[Vec<String>],
    spec: &MappingSpec,
    limits: &MappingLimits,
) -> Result<ResolvedMapping, MapError> {
    if let Some(name) = &spec.object {
        if !name.eq_ignore_ascii_case(&object.api_name) {
            return Err(MapError::BadSetting {
                setting: "object".into(),
                message: format!("the mapping is for {name}, but the import is into {}", object.api_name),
            });
        }
    }
    match spec.settings.on_duplicate {
        DuplicateStrategy::UpdateIfNewer | DuplicateStrategy::Flag => {
            return Err(MapError::BadSetting {
                setting: "on_duplicate".into(),
                message: format!(
                    "{} is reserved for fuzzy duplicate handling, which is not built yet; use skip, update or create",
                    spec.settings.on_duplicate.as_str()
                ),
            })
        }
        _ => {}
    }
    // Fields created on the fly join a working copy of the object first, so targets resolve.
    let mut object = object.clone();
    let mut new_fields = Vec::new();
    for (entry, column) in spec.columns.iter().enumerate() {
        let Some(create) = &column.create_field else { continue };
        let header = column.column.clone().unwrap_or_else(|| format!("column {}", entry + 1));
        let target = column.target.as_deref().ok_or_else(|| MapError::BadTransform {
            column: header.clone(),
            message: "create_field needs a target such as custom.score".into(),
        })?;
        let bare = target.strip_prefix("custom.").unwrap_or(target);
        if object.field(target).is_some() || object.field(&format!("custom.{bare}")).is_some() {
            continue; // Already exists (created by an earlier run): use it.
        }
        let index = find_column(headers, column.column.as_deref(), column.index);
        let field_type = create.field_type.unwrap_or_else(|| {
            let values: Vec<&str> =
                index.map(|i| samples.iter().filter_map(|row| row.get(i).map(String::as_str)).collect()).unwrap_or_default();
            infer_field_type(&values)
        });
        let label = create.label.clone().unwrap_or_else(|| header.trim().to_string());
        let def = FieldDef { custom: true, ..FieldDef::new(bare, &label, field_type) };
        let def = check_new_field(schema, &object, &def, false)
            .map_err(|err| MapError::BadTransform { column: header.clone(), message: format!("cannot create field: {err}") })?;
        object.fields.push(def.clone());
        new_fields.push(def);
    }
    let mut working = schema.clone();
    if let Some(slot) = working.objects.iter_mut().find(|o| o.id == object.id && o.api_name == object.api_name) {
        *slot = object.clone();
    }

    let mut columns = Vec::new();
    let mut targets: HashMap<String, String> = HashMap::new();
    let mut custom_count = 0;
    for (entry, column) in spec.columns.iter().enumerate() {
        if column.column.is_none() && column.index.is_none() {
            return Err(MapError::NoColumn { entry: entry + 1 });
        }
        let index = find_column(headers, column.column.as_deref(), column.index).ok_or_else(|| MapError::UnknownColumn {
            column: column.column.clone().unwrap_or_else(|| format!("#{}", column.index.unwrap_or(0))),
            available: headers.join(", "),
        })?;
        if column.skip {
            continue;
        }
        let header = headers[index].clone();
        let mut resolved = resolve_column(&working, &object, headers, index, &header, column)?;
        if resolved.date_order.is_none() {
            resolved.date_order = spec.settings.date_order;
        }
        for output in resolved.outputs.iter().flatten() {
            if let Some(first) = targets.insert(output.path.clone(), header.clone()) {
                return Err(MapError::DuplicateTarget { path: output.path.clone(), first, second: header.clone() });
            }
            custom_count += usize::from(output.custom);
        }
        if resolved.outputs.iter().all(Option::is_none) {
            continue;
        }
        columns.push(resolved);
    }
    if custom_count > limits.max_custom_field_mappings {
        return Err(MapError::TooManyCustomFields { count: custom_count, max: limits.max_custom_field_mappings });
    }
    let ignored = (0..headers.len()).filter(|i| !columns.iter().any(|c: &ResolvedColumn| c.index == *i)).collect();
    let settings = spec.settings.clone();
    let match_on = resolve_match(&working, &object, &settings, &columns)?;
    let mut by_key: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for column in &columns {
        for key in column.outputs.iter().flatten().filter_map(|o| o.key.clone()) {
            by_key.entry(key).or_insert_with(|| column.header.clone());
        }
    }
    for (column_index, column) in columns.iter_mut().enumerate() {
        for (output_index, output) in column.outputs.iter_mut().enumerate() {
            let Some(output) = output else { continue };
            output.at = (column_index, output_index);
            if let Some(key) = &output.key {
                output.rank = by_key.range::<String, _>(..key).count();
            }
        }
    }
    let keys = by_key.keys().map(FieldKey::new).collect();
    let columns_by_key = std::sync::Arc::new(by_key);
    Ok(ResolvedMapping {
        object,
        columns,
        settings,
        match_on,
        new_fields,
        ignored,
        headers: headers.to_vec(),
        columns_by_key,
        keys,
    })
}

fn bad(column: &str, message: impl Into<String>) -> MapError {
    MapError::BadTransform { column: column.into(), message: message.into() }
}

fn compile_regex(column: &str, pattern: &str) -> Result<Regex, MapError> {
    Regex::new(pattern).map_err(|err| bad(column, format!("the pattern {pattern:?} is not a valid regular expression: {err}")))
}

fn resolve_column(
    schema: &Schema,
    object: &ObjectDef,
    headers: &[String],
    index: usize,
    header: &str,
    spec: &ColumnSpec,
) -> Result<ResolvedColumn, MapError> {
    let mut column = ResolvedColumn {
        index,
        header: header.to_string(),
        steps: Vec::new(),
        split: None,
        outputs: Vec::new(),
        on_error: spec.on_error.clone(),
        date_format: None,
        date_order: None,
        number_style: NumberStyle::Auto,
        phone_country: None,
        currency: None,
    };
    let mut split_targets: Option<&Vec<String>> = None;
    for transform in &spec.transforms {
        match transform {
            Transform::Trim => column.steps.push(TextStep::Trim),
            Transform::Case { case } => column.steps.push(TextStep::Case(*case)),
            Transform::Replace { pattern, with } => {
                column.steps.push(TextStep::Replace(compile_regex(header, pattern)?, with.clone()))
            }
            Transform::Concat { columns, separator } => {
                let mut indexes = Vec::new();
                for name in columns {
                    let found = find_column(headers, Some(name), None)
                        .ok_or_else(|| MapError::UnknownColumn { column: name.clone(), available: headers.join(", ") })?;
                    indexes.push(found);
                }
                column.steps.push(TextStep::Concat(indexes, separator.clone()));
            }
            Transform::Default { value } => column.steps.push(TextStep::Default(value.clone())),
            Transform::ValueMap { map } => {
                let lower = map.iter().map(|(k, v)| (k.trim().to_lowercase(), v.clone())).collect();
                column.steps.push(TextStep::ValueMap(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(), lower));
            }
            Transform::DateFormat { format, order } => {
                if let Some(format) = format {
                    format.check().map_err(|message| bad(header, format!("date format {:?}: {message}", format.pattern)))?;
                    column.date_format = Some(format.clone());
                }
                column.date_order = *order;
            }
            Transform::NumberFormat { style } => column.number_style = *style,
            Transform::PhoneFormat { country } => {
                if salesos_model::org::calling_code(country).is_none() {
                    return Err(bad(header, format!("phone country {country:?} is not an ISO 3166 code we know")));
                }
                column.phone_country = Some(country.to_ascii_uppercase());
            }
            Transform::Currency { code } => {
                if code.len() != 3 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(bad(header, format!("currency {code:?} is not an ISO 4217 code")));
                }
                column.currency = Some(code.to_ascii_uppercase());
            }
            Transform::Split { into, by } => {
                if spec.target.is_some() {
                    return Err(bad(header, "a split column names its targets in \"into\", not in \"target\""));
                }
                if into.is_empty() {
                    return Err(bad(header, "split needs at least one target in \"into\""));
                }
                column.split = Some(match by {
                    SplitBy::Delimiter { delimiter } if delimiter.is_empty() => {
                        return Err(bad(header, "split delimiter is empty"))
                    }
                    SplitBy::Delimiter { delimiter } => Splitter::Delimiter(delimiter.clone()),
                    SplitBy::Pattern { pattern } => {
                        let regex = compile_regex(header, pattern)?;
                        if regex.captures_len() < 2 {
                            return Err(bad(header, format!("split pattern {pattern:?} has no capture groups")));
                        }
                        Splitter::Pattern(regex)
                    }
                    SplitBy::Name => Splitter::Name,
                    SplitBy::Address => Splitter::Address,
                });
                split_targets = Some(into);
            }
        }
    }
    match (split_targets, &spec.target) {
        (Some(into), _) => {
            for path in into {
                column.outputs.push(if path.trim().is_empty() {
                    None
                } else {
                    Some(resolve_output(schema, object, header, path)?)
                });
            }
        }
        (None, Some(path)) => column.outputs.push(Some(resolve_output(schema, object, header, path)?)),
        (None, None) => {}
    }
    Ok(column)
}

/// Resolves one target path into where its value goes.
fn resolve_output(schema: &Schema, object: &ObjectDef, header: &str, path: &str) -> Result<Output, MapError> {
    let resolved =
        path::resolve(schema, object, path).map_err(|source| MapError::UnknownTarget { column: header.into(), source })?;
    let not_importable =
        |reason: &str| MapError::NotImportable { column: header.into(), path: path.into(), reason: reason.into() };
    let custom_of = |key: &str| object.field(key).is_some_and(|f| f.custom);
    let (sink, field_type, custom) = match &resolved.target {
        PathTarget::System(SystemField::Owner) => (Sink::Owner, FieldType::Text, false),
        PathTarget::System(_) => return Err(not_importable("system fields are set by SalesOS")),
        PathTarget::Field { key } => {
            let def = object.field(key).ok_or_else(|| not_importable("unknown field"))?;
            if def.field_type == FieldType::Reference && def.reference == Some(ReferenceTarget::Any) {
                return Err(not_importable("a link to any record needs parent and parent_object; map the record id"));
            }
            // A whole multi-valued field (`emails`) takes the cell as its primary entry.
            let sink = if def.multi { Sink::Primary { key: key.clone() } } else { Sink::Field { key: key.clone() } };
            (sink, resolved.field_type, custom_of(key))
        }
        PathTarget::Primary { key } => (Sink::Primary { key: key.clone() }, resolved.field_type, custom_of(key)),
        PathTarget::Labeled { key, label } => {
            (Sink::Labeled { key: key.clone(), label: label.clone() }, resolved.field_type, custom_of(key))
        }
        PathTarget::ExternalId { system } => (Sink::ExternalId { system: system.clone() }, FieldType::Text, false),
        PathTarget::Related { via_key, object: target_id, inner } => {
            let target = schema.object_by_id(*target_id).ok_or_else(|| not_importable("unknown related object"))?;
            let (kind, system) = match inner.as_ref() {
                PathTarget::ExternalId { system } => (MatchKeyKind::ExternalId, Some(system.clone())),
                PathTarget::Primary { key } | PathTarget::Field { key } => {
                    let def = target.field(key).ok_or_else(|| not_importable("unknown related field"))?;
                    let kind = match def.field_type {
                        FieldType::Email => MatchKeyKind::Email,
                        FieldType::Phone => MatchKeyKind::Phone,
                        _ if key == "website" || key == "domain" => MatchKeyKind::Domain,
                        _ if (target.api_name == "accounts" && key == "name")
                            || (target.api_name == "leads" && key == "company") =>
                        {
                            MatchKeyKind::CompanyName
                        }
                        _ => {
                            return Err(not_importable(&format!(
                                "a related {} is found by {}",
                                target.label.to_lowercase(),
                                lookup_fields(target)
                            )))
                        }
                    };
                    (kind, None)
                }
                _ => return Err(not_importable(&format!("a related record is found by {}", lookup_fields(target)))),
            };
            (Sink::Reference { via_key: via_key.clone(), object: target.api_name.clone(), kind, system }, FieldType::Text, false)
        }
    };
    let key = crate::transform::sink_key(&sink);
    let field = key.as_deref().and_then(|k| object.fields.iter().position(|f| f.api_name == k));
    Ok(Output { path: resolved.text, sink, field_type, custom, key, field, rank: 0, at: (0, 0) })
}

/// Names the fields a related record of an object can be found by.
fn lookup_fields(object: &ObjectDef) -> String {
    let mut ways = Vec::new();
    if object.api_name == "accounts" {
        ways.extend(["name", "domain", "website"]);
    }
    if object.field("emails").is_some() {
        ways.push("email");
    }
    if object.field("phones").is_some() {
        ways.push("phone");
    }
    ways.push("external_ids[SYSTEM]");
    ways.join(", ")
}

/// Resolves the duplicate match: the setting, or the default for the object and mapping.
fn resolve_match(
    schema: &Schema,
    object: &ObjectDef,
    settings: &ImportSettings,
    columns: &[ResolvedColumn],
) -> Result<Option<MatchOn>, MapError> {
    let outputs = || columns.iter().flat_map(|c| c.outputs.iter().flatten());
    let bad_match = |message: String| MapError::BadSetting { setting: "match".into(), message };
    match &settings.match_on {
        Some(MatchOn::Email) if object.field("emails").is_none() => Err(bad_match(format!("{} have no email", object.api_name))),
        Some(MatchOn::Phone) if object.field("phones").is_none() && object.field("phone").is_none() => {
            Err(bad_match(format!("{} have no phone", object.api_name)))
        }
        Some(MatchOn::NameAndDomain) if object.api_name != "accounts" => {
            Err(bad_match("name+domain matches accounts; use FIELD[,FIELD…] for other objects".into()))
        }
        Some(MatchOn::Fields(fields)) => {
            if fields.is_empty() || fields.len() > 5 {
                return Err(bad_match("give one to five fields".into()));
            }
            for field in fields {
                let resolved = path::resolve(schema, object, field).map_err(|err| bad_match(err.to_string()))?;
                if !matches!(resolved.target, PathTarget::Field { .. }) {
                    return Err(bad_match(format!("{field}: match on plain fields of the object")));
                }
            }
            Ok(settings.match_on.clone())
        }
        Some(other) => Ok(Some(other.clone())),
        None => {
            if let Some(system) = outputs().find_map(|o| match &o.sink {
                Sink::ExternalId { system } => Some(system.clone()),
                _ => None,
            }) {
                return Ok(Some(MatchOn::ExternalId(system)));
            }
            Ok(match object.api_name.as_str() {
                "contacts" | "leads" => Some(MatchOn::Email),
                "accounts" => Some(MatchOn::NameAndDomain),
                _ => None,
            })
        }
    }
}

/// Builds a mapping spec from the headers alone, for a file whose headers are field paths or
/// from auto-mapping suggestions: `targets[i]` is column i's target or `None`.
pub fn spec_from_targets(object: &str, headers: &[String], targets: &[Option<String>], settings: ImportSettings) -> MappingSpec {
    MappingSpec {
        version: crate::spec::MAPPING_VERSION,
        object: Some(object.to_string()),
        columns: headers
            .iter()
            .zip(targets)
            .filter(|(header, target)| target.is_some() && header.as_str() != ERRORS_COLUMN)
            .map(|(header, target)| ColumnSpec { column: Some(header.clone()), target: target.clone(), ..ColumnSpec::default() })
            .collect(),
        settings,
    }
}

#[cfg(test)]
mod tests;
