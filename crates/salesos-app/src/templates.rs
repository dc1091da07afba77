//! Import templates as use cases: which columns a template has, what its header says, what its
//! example row holds; downloading it as CSV or Excel; and custom templates (chosen field paths
//! in a chosen order) saved under a name, shared in the organization or private.
//!
//! The standard template of an object has one column per importable field the user may import,
//! in the object's field order (custom fields included), then `owner`:
//!
//! | Field | Column path | Example |
//! | --- | --- | --- |
//! | plain field | its api name (`custom.score`) | by field, else by type |
//! | labelled emails / phones | `email` / `phone` (the primary) | `jane.doe@example.com`, `+14155550123` |
//! | reference to accounts | `account.name` (company-name lookup) | `Acme Corporation` |
//! | reference to an object with an email field | `contact.email` (email lookup) | `jane.doe@example.com` |
//! | reference to anything else, or to any object | left out: imports find those only by external id | |
//!
//! Every header is chosen so that auto-mapping maps it to exactly its path at or above
//! [`AUTO_MAP_THRESHOLD`]: the field's label first, then other spellings (`Contact email`,
//! `Work email`, the api name), each checked with [`suggest::suggest`] over the whole header
//! row and the example row. Every path is checked with [`map::resolve`] too, so a template
//! never offers a column the import would refuse; a file made from a template maps 100 %
//! automatically.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_formats::write::template::{self as writer, TemplateColumn};
use salesos_import::map::{self, MappingLimits};
use salesos_import::spec::ImportSettings;
use salesos_import::suggest::{self, AUTO_MAP_THRESHOLD};
use salesos_model::access::{Action, Principal};
use salesos_model::error::ErrorCode;
use salesos_model::ids::UserId;
use salesos_model::path::{self, PathTarget, ResolvedPath, SystemField};
use salesos_model::schema::{canonical_object_name, FieldDef, FieldType, ObjectDef, ReferenceTarget, Schema};
use salesos_store::{SavedTemplate, Store};
use serde_json::json;

pub use salesos_formats::write::template::TemplateFormat;

/// Most columns a custom template may have.
pub const MAX_TEMPLATE_COLUMNS: usize = 500;

/// Longest template name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// One column of a template: where its values go, its header and its example.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The field path the column imports into (`last_name`, `emails[work]`, `account.name`).
    pub path: String,
    /// The header text; auto-mapping maps it to `path`.
    pub header: String,
    /// The type of the values.
    pub field_type: FieldType,
    /// Whether every row needs a value.
    pub required: bool,
    /// Labels of the picklist's options (empty for other types).
    pub picklist: Vec<String>,
    /// Whether several options may be given, separated by `;`.
    pub multiple: bool,
    /// The example row's value.
    pub example: String,
}

/// What the examples may depend on besides the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleContext {
    /// Currency written after amounts (the organization's default).
    pub currency: String,
    /// Email of the user the template is for (the `owner` example).
    pub user_email: String,
    /// Id of that user (the example of a reference to a user).
    pub user_id: UserId,
}

impl ExampleContext {
    /// The context of an actor.
    pub fn of(actor: &Actor) -> ExampleContext {
        ExampleContext {
            currency: actor.org.settings.default_currency.clone(),
            user_email: actor.user.email.clone(),
            user_id: actor.user.id,
        }
    }
}

/// A template file ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateFile {
    /// A file name such as `contacts-import-template.csv`.
    pub file_name: String,
    /// The media type.
    pub media_type: &'static str,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The columns, in order.
    pub columns: Vec<Column>,
}

/// A saved template as users see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    /// Its name.
    pub name: String,
    /// The object's api name.
    pub object: String,
    /// Field paths, in column order.
    pub columns: Vec<String>,
    /// Whether everyone in the organization may use it.
    pub shared: bool,
    /// Who saved it first.
    pub created_by: UserId,
    /// First saved, ms.
    pub created_at: i64,
    /// Last saved, ms.
    pub updated_at: i64,
}

fn object<'a>(schema: &'a Schema, name: &str) -> AppResult<&'a ObjectDef> {
    schema
        .object(&canonical_object_name(name))
        .ok_or_else(|| AppError::new(ErrorCode::UnknownObject, format!("unknown object {name:?}")))
}

fn info(schema: &Schema, saved: SavedTemplate) -> TemplateInfo {
    TemplateInfo {
        object: schema.object_by_id(saved.object_id).map(|o| o.api_name.clone()).unwrap_or_default(),
        name: saved.name,
        columns: saved.columns,
        shared: saved.shared,
        created_by: saved.created_by,
        created_at: saved.created_at,
        updated_at: saved.updated_at,
    }
}

// ---------- choosing columns (pure) ----------

/// The lookup path of a reference to `target`, if imports can find its records by a value.
fn lookup_path(schema: &Schema, object: &ObjectDef, via: &FieldDef, target: &ObjectDef) -> Option<String> {
    let inner = if target.api_name == "accounts" {
        "name".to_string()
    } else {
        let email = target.fields.iter().find(|f| f.field_type == FieldType::Email)?;
        if email.multi {
            email.api_name.trim_end_matches('s').to_string()
        } else {
            email.api_name.clone()
        }
    };
    let path = format!("{}.{inner}", via.api_name);
    path::resolve(schema, object, &path).is_ok().then_some(path)
}

/// The field paths of an object's standard template: one per importable field the principal
/// may import, in field order, then `owner`.
pub fn default_paths(schema: &Schema, object: &ObjectDef, principal: &Principal) -> Vec<String> {
    let any_links: Vec<String> = object
        .fields
        .iter()
        .filter(|f| f.reference == Some(ReferenceTarget::Any))
        .map(|f| format!("{}_object", f.api_name))
        .collect();
    let mut paths = Vec::new();
    for field in &object.fields {
        if !principal.can_field(&object.api_name, &field.api_name, Action::Import) || any_links.contains(&field.api_name) {
            continue;
        }
        let path = match (&field.reference, field.multi) {
            (Some(ReferenceTarget::Any), _) => continue,
            (Some(ReferenceTarget::Object(target)), _) => {
                match schema.object(target).and_then(|target| lookup_path(schema, object, field, target)) {
                    Some(path) => path,
                    None => continue,
                }
            }
            // `email` names the primary entry of `emails`, unless a field of that name exists.
            (_, true) => {
                let primary = field.api_name.trim_end_matches('s').to_string();
                match path::resolve(schema, object, &primary) {
                    Ok(r) if r.target == PathTarget::Primary { key: field.api_name.clone() } => primary,
                    _ => field.api_name.clone(),
                }
            }
            _ => field.api_name.clone(),
        };
        if path::resolve(schema, object, &path).is_ok() {
            paths.push(path);
        }
    }
    if object.field("owner").is_none() {
        paths.push("owner".into());
    }
    paths
}

/// The field a resolved path reads, and the object it is on.
fn field_of<'a>(schema: &'a Schema, object: &'a ObjectDef, target: &PathTarget) -> Option<(&'a ObjectDef, &'a FieldDef)> {
    match target {
        PathTarget::Field { key } | PathTarget::Primary { key } | PathTarget::Labeled { key, .. } => {
            object.field(key).map(|f| (object, f))
        }
        PathTarget::Related { object: id, inner, .. } => {
            let related = schema.object_by_id(*id)?;
            match inner.as_ref() {
                PathTarget::Field { key } | PathTarget::Primary { key } | PathTarget::Labeled { key, .. } => {
                    related.field(key).map(|f| (related, f))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Capitalizes the first letter.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Header spellings for a path, best first; the first one auto-mapping agrees with is used.
fn header_candidates(schema: &Schema, object: &ObjectDef, resolved: &ResolvedPath) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match &resolved.target {
        PathTarget::Field { key } | PathTarget::Primary { key } => {
            if let Some(def) = object.field(key) {
                out.push(def.label.clone());
                let bare = key.strip_prefix("custom.").unwrap_or(key);
                out.push(capitalized(&bare.replace('_', " ")));
                out.push(bare.to_string());
            }
        }
        PathTarget::Labeled { key, label } => {
            if let Some(def) = object.field(key) {
                out.push(format!("{} {}", capitalized(label), def.label.to_lowercase()));
                out.push(format!("{} ({label})", def.label));
                out.push(format!("{} {label}", def.label));
            }
        }
        PathTarget::Related { via_key, object: target, inner } => {
            if let (Some(via), Some(target)) = (object.field(via_key), schema.object_by_id(*target)) {
                let inner_label = match inner.as_ref() {
                    PathTarget::ExternalId { system } => format!("{} ID", capitalized(system)),
                    other => field_of(schema, target, other).map(|(_, f)| f.label.clone()).unwrap_or_default(),
                };
                out.push(via.label.clone());
                out.push(format!("{} {}", via.label, inner_label.to_lowercase()));
                out.push(format!("{} {}", target.label, inner_label.to_lowercase()));
                out.push(format!("{}: {inner_label}", target.label));
                if resolved.field_type == FieldType::Email {
                    out.push(format!("{}: {inner_label} address", target.label));
                }
            }
        }
        PathTarget::ExternalId { system } => {
            out.push(format!("{} ID", capitalized(system)));
            out.push(format!("{} id", system));
        }
        PathTarget::System(SystemField::Owner) => {
            out.push("Owner".into());
            out.push("Owner email".into());
        }
        PathTarget::System(_) => {}
    }
    out.push(resolved.text.clone());
    out.retain(|h| !h.trim().is_empty());
    let mut seen = std::collections::HashSet::new();
    out.retain(|h| seen.insert(h.clone()));
    out
}

/// The example of a text field, by its name and object.
fn text_example(schema: &Schema, object: &ObjectDef, def: &FieldDef) -> String {
    let name = def.api_name.strip_prefix("custom.").unwrap_or(&def.api_name);
    let value = match (object.api_name.as_str(), name) {
        (_, "first_name") => "Jane",
        (_, "last_name") => "Doe",
        ("accounts", "name") | ("leads", "company") => "Acme Corporation",
        ("deals", "name") => "Acme Corporation - annual plan",
        ("products", "name") => "Widget Pro",
        ("documents", "name") => "proposal.pdf",
        ("notes", "title") => "Call summary",
        (_, "title") => "VP of Sales",
        (_, "department") => "Sales",
        (_, "domain") => "acme.com",
        (_, "subject") => "Intro call",
        (_, "sku") => "WID-PRO-01",
        (_, "category") => "Hardware",
        (_, "unit") => "each",
        (_, "next_step") => "Send the proposal",
        (_, "content_type") => "application/pdf",
        (_, "sha256") => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ("deals", "pipeline") => {
            let pipeline = schema.pipelines.iter().find(|p| p.is_default).or(schema.pipelines.first());
            return pipeline.map_or_else(|| "Sales".to_string(), |p| p.name.clone());
        }
        (_, n) if n == "street" || n.ends_with("_street") => "100 Main Street",
        (_, n) if n == "city" || n.ends_with("_city") => "San Francisco",
        (_, n) if n == "state" || n.ends_with("_state") => "CA",
        (_, n) if n == "postal_code" || n.ends_with("_postal_code") => "94105",
        (_, n) if n == "country" || n.ends_with("_country") => "United States",
        _ => return format!("Example {}", def.label.to_lowercase()),
    };
    value.to_string()
}

/// A plausible example value of a field.
fn field_example(schema: &Schema, object: &ObjectDef, def: &FieldDef, label: Option<&str>, ctx: &ExampleContext) -> String {
    let name = def.api_name.strip_prefix("custom.").unwrap_or(&def.api_name);
    let cur = &ctx.currency;
    match def.field_type {
        FieldType::Text => text_example(schema, object, def),
        FieldType::LongText => "Met at the spring trade show; interested in the annual plan.".into(),
        FieldType::Email => match label {
            Some(label) => format!("jane.doe.{label}@example.com"),
            None => "jane.doe@example.com".into(),
        },
        FieldType::Phone => match label {
            Some("home") => "+14155550188".into(),
            Some(_) => "+14155550177".into(),
            None => "+14155550123".into(),
        },
        FieldType::Url if name.contains("linkedin") => "https://www.linkedin.com/in/janedoe".into(),
        FieldType::Url if name == "website" => "https://www.acme.com".into(),
        FieldType::Url => "https://www.example.com".into(),
        FieldType::Number => match name {
            "employees" => "250",
            "duration_minutes" => "30",
            "size_bytes" => "48213",
            "file_id" => "1",
            _ => "42",
        }
        .into(),
        FieldType::Currency => match name {
            "price" => format!("49.99 {cur}"),
            "annual_revenue" => format!("5000000.00 {cur}"),
            _ => format!("25000.00 {cur}"),
        },
        FieldType::Percent => if name == "probability" { "10" } else { "25" }.into(),
        FieldType::Date => match name {
            "birthdate" => "1985-06-15",
            "close_date" => "2026-06-30",
            _ => "2026-03-15",
        }
        .into(),
        FieldType::DateTime => "2026-03-15T14:30:00Z".into(),
        FieldType::Boolean => if name.starts_with("do_not") { "false" } else { "true" }.into(),
        FieldType::Picklist => def.options.first().map(|o| o.label.clone()).unwrap_or_default(),
        FieldType::MultiPicklist => def.options.iter().take(2).map(|o| o.label.as_str()).collect::<Vec<_>>().join("; "),
        FieldType::Reference => ctx.user_id.0.to_string(),
    }
}

/// The example of a column.
fn example(schema: &Schema, object: &ObjectDef, resolved: &ResolvedPath, ctx: &ExampleContext) -> String {
    match &resolved.target {
        PathTarget::System(SystemField::Owner) => ctx.user_email.clone(),
        PathTarget::System(_) => String::new(),
        PathTarget::ExternalId { .. } => "EXT-1001".into(),
        PathTarget::Related { inner, .. } if matches!(inner.as_ref(), PathTarget::ExternalId { .. }) => "EXT-1001".into(),
        // A parent is another company than the record itself.
        PathTarget::Related { via_key, .. } if via_key == "parent_account" => "Acme Holdings".into(),
        target => match field_of(schema, object, target) {
            Some((owner, def)) => {
                let label = match target {
                    PathTarget::Labeled { label, .. } => Some(label.as_str()),
                    _ => None,
                };
                field_example(schema, owner, def, label, ctx)
            }
            None => String::new(),
        },
    }
}

/// Whether two resolved targets put the value in the same place (a whole labelled field takes
/// the cell as its primary entry).
fn same_place(object: &ObjectDef, a: &PathTarget, b: &PathTarget) -> bool {
    let norm = |t: &PathTarget| match t {
        PathTarget::Field { key } if object.field(key).is_some_and(|f| f.multi) => PathTarget::Primary { key: key.clone() },
        other => other.clone(),
    };
    norm(a) == norm(b)
}

/// Chooses each column's header: the first candidate that auto-mapping maps to the column's
/// path at or above the threshold, given the other headers and the example row. A column no
/// candidate works for gets `None` (and is left out of the header row while the others are
/// chosen).
fn choose_headers(
    schema: &Schema,
    object: &ObjectDef,
    resolved: &[ResolvedPath],
    candidates: &[Vec<String>],
    examples: &[String],
) -> Vec<Option<String>> {
    let mut choice: Vec<Option<usize>> = candidates.iter().map(|list| (!list.is_empty()).then_some(0)).collect();
    loop {
        let active: Vec<usize> = (0..resolved.len()).filter(|&i| choice[i].is_some()).collect();
        let headers: Vec<String> = active.iter().map(|&i| candidates[i][choice[i].unwrap_or_default()].clone()).collect();
        let samples = vec![active.iter().map(|&i| examples[i].clone()).collect::<Vec<_>>()];
        let suggestions = suggest::suggest(schema, object, &headers, &samples);
        // Where auto-mapping puts each active column (when confident enough).
        let placed: Vec<Option<PathTarget>> = (0..active.len())
            .map(|k| {
                suggestions
                    .iter()
                    .find(|s| s.column == k && s.confidence >= AUTO_MAP_THRESHOLD)
                    .and_then(|s| s.target.as_deref())
                    .and_then(|t| path::resolve(schema, object, t).ok())
                    .map(|r| r.target)
            })
            .collect();
        let agreed = |k: usize| placed[k].as_ref().is_some_and(|p| same_place(object, p, &resolved[active[k]].target));
        let mut advance: Vec<usize> = Vec::new();
        for k in (0..active.len()).filter(|&k| !agreed(k)) {
            // A column that took this column's place is the one whose header must change.
            let culprit = (0..active.len())
                .find(|&j| j != k && placed[j].as_ref().is_some_and(|p| same_place(object, p, &resolved[active[k]].target)));
            let index = active[culprit.unwrap_or(k)];
            if !advance.contains(&index) {
                advance.push(index);
            }
        }
        if advance.is_empty() {
            return (0..resolved.len()).map(|i| choice[i].map(|c| candidates[i][c].clone())).collect();
        }
        for index in advance {
            choice[index] = choice[index].map(|c| c + 1).filter(|&c| c < candidates[index].len());
        }
    }
}

/// Plans a template's columns from field paths: each path must name an importable value and
/// appear once (unknown paths are refused naming them), and gets a header that auto-maps to
/// it. A path no header can be found for is refused when `strict` (saving a template), else
/// left out (downloading: a later custom field may take a header's place).
pub fn plan(schema: &Schema, object: &ObjectDef, paths: &[String], ctx: &ExampleContext, strict: bool) -> AppResult<Vec<Column>> {
    if paths.is_empty() {
        return Err(AppError::invalid("a template needs at least one field").with_field("fields"));
    }
    if paths.len() > MAX_TEMPLATE_COLUMNS {
        return Err(AppError::new(
            ErrorCode::LimitExceeded,
            format!("a template has at most {MAX_TEMPLATE_COLUMNS} fields, found {}", paths.len()),
        )
        .with_field("fields"));
    }
    let mut resolved: Vec<ResolvedPath> = Vec::with_capacity(paths.len());
    for text in paths {
        let path = path::resolve(schema, object, text).map_err(|err| {
            AppError::new(ErrorCode::UnknownField, format!("{err}; see `salesos objects list {}`", object.api_name))
                .with_field(text.trim())
        })?;
        if let Some(before) = resolved.iter().find(|r| same_place(object, &r.target, &path.target)) {
            let same = if before.text == path.text { String::new() } else { format!(" (as {:?})", before.text) };
            return Err(AppError::invalid(format!("field {:?} appears twice in the template{same}", path.text))
                .with_field(path.text.clone()));
        }
        resolved.push(path);
    }
    // The import must accept every path as a column target.
    let texts: Vec<String> = resolved.iter().map(|r| r.text.clone()).collect();
    let targets: Vec<Option<String>> = texts.iter().cloned().map(Some).collect();
    let spec = map::spec_from_targets(&object.api_name, &texts, &targets, ImportSettings::default());
    map::resolve(schema, object, &texts, &[], &spec, &MappingLimits::default()).map_err(|err| {
        let field = match &err {
            map::MapError::NotImportable { path, .. } => Some(path.clone()),
            map::MapError::UnknownTarget { column, .. } => Some(column.clone()),
            _ => None,
        };
        let error = AppError::invalid(format!("cannot import into this template's columns: {err}"));
        match field {
            Some(field) => error.with_field(field),
            None => error,
        }
    })?;

    let examples: Vec<String> = resolved.iter().map(|r| example(schema, object, r, ctx)).collect();
    let candidates: Vec<Vec<String>> = resolved.iter().map(|r| header_candidates(schema, object, r)).collect();
    let headers = choose_headers(schema, object, &resolved, &candidates, &examples);
    if strict {
        if let Some(i) = headers.iter().position(Option::is_none) {
            let path = &resolved[i].text;
            return Err(AppError::invalid(format!(
                "no column header maps to {path:?} automatically in this template (tried {}); leave it out",
                candidates[i].iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ")
            ))
            .with_field(path.clone()));
        }
    }
    Ok(resolved
        .into_iter()
        .zip(headers)
        .zip(examples)
        .filter_map(|((r, header), example)| Some((r, header?, example)))
        .map(|(r, header, example)| {
            let def = field_of(schema, object, &r.target).map(|(_, f)| f);
            let direct = matches!(r.target, PathTarget::Field { .. } | PathTarget::Primary { .. } | PathTarget::Labeled { .. });
            let picklist_of = |def: &FieldDef| def.options.iter().map(|o| o.label.clone()).collect::<Vec<_>>();
            let (picklist, multiple) = match def {
                Some(def) if direct && def.field_type == FieldType::Picklist => (picklist_of(def), false),
                Some(def) if direct && def.field_type == FieldType::MultiPicklist => (picklist_of(def), true),
                _ => (Vec::new(), false),
            };
            let required = match &r.target {
                PathTarget::Related { via_key, .. } => object.field(via_key).is_some_and(|f| f.required),
                PathTarget::Field { .. } | PathTarget::Primary { .. } => def.is_some_and(|f| f.required),
                _ => false,
            };
            Column { path: r.text, header, field_type: r.field_type, required, picklist, multiple, example }
        })
        .collect())
}

/// The columns in the writer's plain terms.
pub fn writer_columns(columns: &[Column]) -> Vec<TemplateColumn> {
    columns
        .iter()
        .map(|c| TemplateColumn {
            header: c.header.clone(),
            required: c.required,
            picklist: c.picklist.clone(),
            multiple: c.multiple,
            example: c.example.clone(),
        })
        .collect()
}

/// A file-name-safe form of a name.
fn slug(name: &str) -> String {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let slug = slug.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    if slug.is_empty() {
        "template".into()
    } else {
        slug
    }
}

// ---------- use cases ----------

/// Makes an object's template, standard or (by name) a saved one; the user needs import
/// permission on the object, and fields they may not import are left out.
pub fn download(
    store: &Store,
    actor: &Actor,
    object_name: &str,
    template: Option<&str>,
    format: TemplateFormat,
) -> AppResult<TemplateFile> {
    let schema = store.schema(actor.org.id)?;
    let object = object(&schema, object_name)?;
    actor.require(&object.api_name, Action::Import)?;
    let (paths, base) = match template {
        None => (default_paths(&schema, object, &actor.principal), format!("{}-import-template", object.api_name)),
        Some(name) => {
            let saved = visible(store, actor, name)?;
            if saved.object_id != object.id {
                let other = schema.object_by_id(saved.object_id).map(|o| o.api_name.as_str()).unwrap_or("another object");
                return Err(AppError::invalid(format!(
                    "template {:?} is for {other}, not {}; download it with that object",
                    saved.name, object.api_name
                ))
                .with_field("template"));
            }
            let paths: Vec<String> = saved
                .columns
                .iter()
                .filter(|p| match path::resolve(&schema, object, p) {
                    Ok(resolved) => {
                        let key = match &resolved.target {
                            PathTarget::Field { key } | PathTarget::Primary { key } | PathTarget::Labeled { key, .. } => {
                                Some(key.as_str())
                            }
                            PathTarget::Related { via_key, .. } => Some(via_key.as_str()),
                            _ => None,
                        };
                        key.is_none_or(|k| actor.principal.can_field(&object.api_name, k, Action::Import))
                    }
                    // A field deleted since the template was saved is reported by `plan`.
                    Err(_) => true,
                })
                .cloned()
                .collect();
            (paths, format!("{}-{}", object.api_name, slug(&saved.name)))
        }
    };
    let columns = plan(&schema, object, &paths, &ExampleContext::of(actor), false)?;
    if columns.is_empty() {
        return Err(AppError::forbidden(format!("{} may import none of the template's fields", actor.user.email)));
    }
    let bytes = writer::render(format, &object.plural_label, &writer_columns(&columns))
        .map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
    Ok(TemplateFile { file_name: format!("{base}.{}", format.as_str()), media_type: format.media_type(), bytes, columns })
}

/// Finds a saved template the actor may use.
fn visible(store: &Store, actor: &Actor, name: &str) -> AppResult<SavedTemplate> {
    store
        .find_template(actor.org.id, name)?
        .filter(|t| t.visible_to(actor.user.id))
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("no import template {:?}", name.trim())).with_field("template"))
}

/// Checks a template name.
fn check_name(name: &str) -> AppResult<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("a template needs a name").with_field("name"));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid(format!(
            "template names have at most {MAX_NAME_CHARS} characters and no control characters"
        ))
        .with_field("name"));
    }
    Ok(name)
}

/// Saves a custom template (replacing the one of that name if the actor created it or is an
/// admin). Every path is checked against the schema and must be importable by the actor.
pub fn save(
    store: &Store,
    actor: &Actor,
    name: &str,
    object_name: &str,
    paths: &[String],
    shared: bool,
    now: i64,
) -> AppResult<TemplateInfo> {
    let name = check_name(name)?;
    let schema = store.schema(actor.org.id)?;
    let object = object(&schema, object_name)?;
    actor.require(&object.api_name, Action::Import)?;
    let paths: Vec<String> = paths.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    let columns = plan(&schema, object, &paths, &ExampleContext::of(actor), true)?;
    for column in &columns {
        let key = path::resolve(&schema, object, &column.path).ok().and_then(|r| match r.target {
            PathTarget::Field { key } | PathTarget::Primary { key } | PathTarget::Labeled { key, .. } => Some(key),
            PathTarget::Related { via_key, .. } => Some(via_key),
            _ => None,
        });
        if let Some(key) = key {
            if !actor.principal.can_field(&object.api_name, &key, Action::Import) {
                return Err(AppError::forbidden(format!("{} may not import {}.{key}", actor.user.email, object.api_name))
                    .with_field(column.path.clone()));
            }
        }
    }
    if let Some(existing) = store.find_template(actor.org.id, name)? {
        if existing.created_by != actor.user.id && !actor.principal.is_admin() {
            return Err(if existing.visible_to(actor.user.id) {
                AppError::forbidden(format!("template {name:?} was saved by someone else; only they or an admin may replace it"))
            } else {
                AppError::new(ErrorCode::AlreadyExists, format!("a template named {name:?} already exists"))
            }
            .with_field("name"));
        }
    }
    let paths: Vec<String> = columns.iter().map(|c| c.path.clone()).collect();
    let saved = store.save_template(actor.org.id, object.id, name, &paths, actor.user.id, shared, now)?;
    actor.audit(store, now, "templates.save", Some(&object.api_name), 1, json!({"name": name, "shared": shared}))?;
    Ok(info(&schema, saved))
}

/// Lists the saved templates the actor may use.
pub fn list(store: &Store, actor: &Actor) -> AppResult<Vec<TemplateInfo>> {
    let schema = store.schema(actor.org.id)?;
    Ok(store.list_templates(actor.org.id, actor.user.id)?.into_iter().map(|t| info(&schema, t)).collect())
}

/// Deletes a saved template; its creator or an admin may.
pub fn delete(store: &Store, actor: &Actor, name: &str, now: i64) -> AppResult<TemplateInfo> {
    let saved = match store.find_template(actor.org.id, name)? {
        Some(t) if t.visible_to(actor.user.id) || actor.principal.is_admin() => t,
        _ => return Err(AppError::new(ErrorCode::NotFound, format!("no import template {:?}", name.trim())).with_field("name")),
    };
    if saved.created_by != actor.user.id && !actor.principal.is_admin() {
        return Err(AppError::forbidden(format!(
            "template {:?} was saved by someone else; only they or an admin may delete it",
            saved.name
        )));
    }
    store.delete_template(actor.org.id, &saved.name)?;
    let schema = store.schema(actor.org.id)?;
    let info = info(&schema, saved);
    actor.audit(store, now, "templates.delete", Some(&info.object), 1, json!({"name": info.name}))?;
    Ok(info)
}

#[cfg(test)]
mod tests;
