//! Object schemas: standard and custom objects, their fields, field types, picklists,
//! references, pipelines and stages, and the checks on schema changes.

mod standard;

use crate::ids::{ObjectId, PipelineId};
use crate::value::Value;
use serde::{Deserialize, Serialize};

pub use standard::{default_stages as standard_stages, label_of, standard_objects, INDUSTRIES, STANDARD_OBJECTS};

/// The type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A line of text.
    Text,
    /// Multi-line text.
    LongText,
    /// An email address (several, labelled, when the field is multi-valued).
    Email,
    /// A phone number (several, labelled, when the field is multi-valued).
    Phone,
    /// A URL with protocol.
    Url,
    /// A number.
    Number,
    /// An amount with a currency code.
    Currency,
    /// A percentage, stored as the number shown (42 means 42 %).
    Percent,
    /// A calendar date.
    Date,
    /// An instant.
    DateTime,
    /// Yes or no.
    Boolean,
    /// One value of a list of options.
    Picklist,
    /// Several values of a list of options.
    MultiPicklist,
    /// A reference to another record.
    Reference,
}

impl FieldType {
    /// Every field type, in documentation order.
    pub const ALL: [FieldType; 14] = [
        FieldType::Text,
        FieldType::LongText,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Url,
        FieldType::Number,
        FieldType::Currency,
        FieldType::Percent,
        FieldType::Date,
        FieldType::DateTime,
        FieldType::Boolean,
        FieldType::Picklist,
        FieldType::MultiPicklist,
        FieldType::Reference,
    ];

    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::LongText => "long_text",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Number => "number",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Boolean => "boolean",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multi_picklist",
            FieldType::Reference => "reference",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<FieldType> {
        let wanted = text.trim().to_ascii_lowercase().replace('-', "_");
        FieldType::ALL.into_iter().find(|t| t.as_str() == wanted)
    }

    /// Describes in words what a value of the type looks like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            FieldType::Text | FieldType::LongText => "text",
            FieldType::Email => "an email address like name@example.com",
            FieldType::Phone => "a phone number with 5 to 15 digits",
            FieldType::Url => "a URL starting with http:// or https://",
            FieldType::Number => "a number",
            FieldType::Currency => "an amount with an optional currency code, like 1200.50 EUR",
            FieldType::Percent => "a percentage number",
            FieldType::Date => "a date as YYYY-MM-DD",
            FieldType::DateTime => "a date-time in RFC 3339, like 2026-01-31T09:30:00Z",
            FieldType::Boolean => "true or false",
            FieldType::Picklist => "one of the picklist's values",
            FieldType::MultiPicklist => "picklist values separated by ;",
            FieldType::Reference => "a record id",
        }
    }

    /// Returns whether values of this type compare as numbers in filters and sorting.
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Number | FieldType::Currency | FieldType::Percent | FieldType::Reference)
    }
}

/// One option of a picklist: the API value stored, and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PicklistOption {
    /// Stored value.
    pub value: String,
    /// Display label.
    pub label: String,
}

/// What a reference field points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceTarget {
    /// Records of one object, by api name.
    Object(String),
    /// Records of any object; the object is kept in the sibling field `<name>_object`.
    Any,
    /// A user (record owners and the like).
    User,
}

/// A validation rule attached to a field (custom cross-field rules come with the import pipeline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum FieldRule {
    /// Numbers must lie in a closed range.
    Range {
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
    },
    /// Text may not exceed this many characters.
    MaxLength {
        /// Characters allowed.
        max: usize,
    },
    /// Text must match a regular expression (Rust `regex` syntax, checked by the import pipeline).
    Pattern {
        /// The pattern.
        pattern: String,
    },
}

/// The definition of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Stable api name; custom fields on standard objects are `custom.NAME`.
    pub api_name: String,
    /// Display label.
    pub label: String,
    /// Type.
    pub field_type: FieldType,
    /// Whether a record must have a value.
    #[serde(default)]
    pub required: bool,
    /// Whether an email or phone field holds several labelled values.
    #[serde(default)]
    pub multi: bool,
    /// Value used when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Options of a picklist or multi-picklist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<PicklistOption>,
    /// Target of a reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceTarget>,
    /// Validation rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<FieldRule>,
    /// Whether an admin added the field at run time.
    #[serde(default)]
    pub custom: bool,
}

impl FieldDef {
    /// Creates a plain standard field.
    pub fn new(api_name: &str, label: &str, field_type: FieldType) -> FieldDef {
        FieldDef {
            api_name: api_name.into(),
            label: label.into(),
            field_type,
            required: false,
            multi: false,
            default: None,
            options: Vec::new(),
            reference: None,
            rules: Vec::new(),
            custom: false,
        }
    }

    /// Returns the default value parsed for the field's type, if there is one.
    pub fn default_value(&self) -> Option<Value> {
        self.default.as_deref().and_then(|text| Value::parse(self.field_type, self.multi, text).ok())
    }

    /// Finds a picklist option by API value or label, ignoring case.
    pub fn find_option(&self, text: &str) -> Option<&PicklistOption> {
        let text = text.trim();
        self.options
            .iter()
            .find(|o| o.value == text)
            .or_else(|| self.options.iter().find(|o| o.value.eq_ignore_ascii_case(text) || o.label.eq_ignore_ascii_case(text)))
    }
}

/// Whether an object ships with the product or was defined by an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// Shipped with the product.
    Standard,
    /// Defined by an admin at run time.
    Custom,
}

/// The definition of an object with all its fields (standard and custom).
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectDef {
    /// The object's id in this organization.
    pub id: ObjectId,
    /// Stable plural api name: `contacts`, `accounts`, … or a custom name.
    pub api_name: String,
    /// Singular display label.
    pub label: String,
    /// Plural display label.
    pub plural_label: String,
    /// Standard or custom.
    pub kind: ObjectKind,
    /// The field whose value names a record in lists and references (`name`, `last_name`, …).
    pub name_field: String,
    /// Fields, standard first, then custom in creation order.
    pub fields: Vec<FieldDef>,
}

impl ObjectDef {
    /// Finds a field by api name.
    pub fn field(&self, api_name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.api_name == api_name)
    }
}

/// A pipeline of deal stages.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// Its id.
    pub id: PipelineId,
    /// Unique name within the organization.
    pub name: String,
    /// Stages in order.
    pub stages: Vec<Stage>,
    /// Whether new deals go here unless told otherwise.
    pub is_default: bool,
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// Stored api value.
    pub value: String,
    /// Display label.
    pub label: String,
    /// Win probability in percent.
    pub probability: f64,
    /// Whether the stage closes the deal (won or lost).
    pub closed: bool,
    /// Whether the stage means the deal was won.
    pub won: bool,
}

/// All objects and pipelines of one organization, loaded fresh for each request or command.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Objects, standard first.
    pub objects: Vec<ObjectDef>,
    /// Deal pipelines.
    pub pipelines: Vec<Pipeline>,
}

impl Schema {
    /// Finds an object by api name, accepting common aliases (`companies`, `opportunities`, singulars).
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        let wanted = canonical_object_name(name);
        self.objects.iter().find(|o| o.api_name == wanted)
    }

    /// Finds an object by id.
    pub fn object_by_id(&self, id: ObjectId) -> Option<&ObjectDef> {
        self.objects.iter().find(|o| o.id == id)
    }
}

/// Maps aliases of standard object names to their api names (`company` → `accounts`).
pub fn canonical_object_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    let canonical = match lower.as_str() {
        "contact" | "person" | "persons" | "people" => "contacts",
        "account" | "company" | "companies" | "organization" | "organizations" => "accounts",
        "lead" => "leads",
        "deal" | "opportunity" | "opportunities" => "deals",
        "activity" | "task" | "tasks" | "event" | "events" => "activities",
        "product" => "products",
        "note" => "notes",
        "document" | "attachment" | "attachments" => "documents",
        _ => return lower,
    };
    canonical.into()
}

/// Why a schema change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The name is not a valid api name.
    #[error("invalid api name {name:?}: use lower-case letters, digits and _ (starting with a letter, at most 63 characters)")]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// An object of that name exists.
    #[error("object {name:?} already exists")]
    DuplicateObject {
        /// The name given.
        name: String,
    },
    /// A field of that name exists on the object.
    #[error("field {field:?} already exists on {object}")]
    DuplicateField {
        /// The object.
        object: String,
        /// The field.
        field: String,
    },
    /// A picklist needs at least one option.
    #[error("picklist field {field:?} needs at least one option")]
    PicklistWithoutOptions {
        /// The field.
        field: String,
    },
    /// A required field added to an object that has records needs a default for them.
    #[error("required field {field:?} needs a default value because {object} already has records")]
    RequiredWithoutDefault {
        /// The object.
        object: String,
        /// The field.
        field: String,
    },
    /// The default does not fit the type.
    #[error("default of {field:?}: {reason}")]
    InvalidDefault {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A reference field needs a valid target.
    #[error("reference field {field:?} needs a target object that exists (found {target:?})")]
    InvalidReference {
        /// The field.
        field: String,
        /// The target given.
        target: String,
    },
    /// Options given for a field that is not a picklist.
    #[error("field {field:?} of type {field_type} cannot have options")]
    OptionsOnNonPicklist {
        /// The field.
        field: String,
        /// Its type.
        field_type: &'static str,
    },
}

/// Returns whether a name is a valid api name for a custom object or field.
pub fn is_valid_api_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks a new custom field against its object; `has_records` says whether the object holds any.
///
/// On standard objects, the api name gets the `custom.` prefix if it lacks it; the returned
/// definition is the one to store.
pub fn check_new_field(
    schema: &Schema,
    object: &ObjectDef,
    field: &FieldDef,
    has_records: bool,
) -> Result<FieldDef, SchemaError> {
    let bare = field.api_name.strip_prefix("custom.").unwrap_or(&field.api_name);
    if !is_valid_api_name(bare) {
        return Err(SchemaError::InvalidName { name: field.api_name.clone() });
    }
    let mut field = field.clone();
    field.custom = true;
    field.api_name = match object.kind {
        ObjectKind::Standard => format!("custom.{bare}"),
        ObjectKind::Custom => bare.to_string(),
    };
    if field.label.trim().is_empty() {
        field.label = bare.replace('_', " ");
    }
    if object.field(&field.api_name).is_some() || object.field(bare).is_some() {
        return Err(SchemaError::DuplicateField { object: object.api_name.clone(), field: field.api_name });
    }
    let is_picklist = matches!(field.field_type, FieldType::Picklist | FieldType::MultiPicklist);
    if is_picklist && field.options.is_empty() {
        return Err(SchemaError::PicklistWithoutOptions { field: field.api_name });
    }
    if !is_picklist && !field.options.is_empty() {
        return Err(SchemaError::OptionsOnNonPicklist { field: field.api_name, field_type: field.field_type.as_str() });
    }
    if field.field_type == FieldType::Reference {
        match &field.reference {
            Some(ReferenceTarget::Object(target)) if schema.object(target).is_some() => {
                field.reference =
                    Some(ReferenceTarget::Object(schema.object(target).map(|o| o.api_name.clone()).unwrap_or_default()));
            }
            Some(ReferenceTarget::Any) | Some(ReferenceTarget::User) => {}
            other => {
                let target = match other {
                    Some(ReferenceTarget::Object(target)) => target.clone(),
                    _ => String::new(),
                };
                return Err(SchemaError::InvalidReference { field: field.api_name, target });
            }
        }
    }
    if let Some(default) = &field.default {
        let parsed = Value::parse(field.field_type, field.multi, default)
            .map_err(|err| SchemaError::InvalidDefault { field: field.api_name.clone(), reason: err.to_string() })?;
        if is_picklist {
            let values: Vec<String> = match parsed {
                Value::List(items) => items,
                Value::Text(text) => vec![text],
                _ => Vec::new(),
            };
            for value in values {
                if field.find_option(&value).is_none() {
                    return Err(SchemaError::InvalidDefault {
                        field: field.api_name.clone(),
                        reason: format!("{value:?} is not one of the options"),
                    });
                }
            }
        }
    }
    if field.required && has_records && field.default.is_none() {
        return Err(SchemaError::RequiredWithoutDefault { object: object.api_name.clone(), field: field.api_name });
    }
    Ok(field)
}

/// Checks a new custom object's name against the schema.
pub fn check_new_object(schema: &Schema, api_name: &str) -> Result<(), SchemaError> {
    if !is_valid_api_name(api_name) {
        return Err(SchemaError::InvalidName { name: api_name.into() });
    }
    if schema.object(api_name).is_some() || STANDARD_OBJECTS.contains(&canonical_object_name(api_name).as_str()) {
        return Err(SchemaError::DuplicateObject { name: api_name.into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
