//! Typed field values, their canonical storage encoding (JSON), and strict parsing from text.
//!
//! Strict parsing serves the CLI and the API, where a value must already be canonical. The
//! lenient conversions of messy import data (locales, date orders, currency symbols) belong to
//! the import transforms, which produce these same values.

use crate::ids::RecordId;
use crate::schema::FieldType;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Value as Json;
use std::fmt;

/// One entry of a multi-valued email or phone field: a label and a value. The first entry is primary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Labeled {
    /// Label such as `work`, `home`, `mobile`, `other`.
    pub label: String,
    /// The email address or phone number.
    pub value: String,
}

/// A typed field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value.
    Null,
    /// Text, long text, email, phone, URL and picklist values.
    Text(String),
    /// Numbers and percents.
    Number(f64),
    /// An amount in a currency (ISO 4217 code).
    Money {
        /// The amount.
        amount: f64,
        /// ISO 4217 code such as `EUR`.
        currency: String,
    },
    /// A boolean.
    Bool(bool),
    /// A calendar date without time zone; never shifted.
    Date(NaiveDate),
    /// An instant, kept in UTC.
    DateTime(DateTime<Utc>),
    /// A multi-picklist's API values.
    List(Vec<String>),
    /// Several labelled emails or phones; the first is primary.
    Labeled(Vec<Labeled>),
    /// A reference to another record.
    Ref(RecordId),
}

/// Why a text could not become a value of a field type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {found:?}")]
pub struct ValueError {
    /// What the type expects, in words.
    pub expected: String,
    /// The offending text.
    pub found: String,
}

impl Value {
    /// Returns whether the value is null or empty text or an empty list.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Text(text) => text.is_empty(),
            Value::List(items) => items.is_empty(),
            Value::Labeled(items) => items.is_empty(),
            _ => false,
        }
    }

    /// Returns the primary text of a value (the first labelled entry for multi-valued fields).
    pub fn primary_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            Value::Labeled(items) => items.first().map(|item| item.value.as_str()),
            _ => None,
        }
    }

    /// Encodes the value as canonical storage JSON.
    ///
    /// Dates are `YYYY-MM-DD`, date-times RFC 3339 UTC with milliseconds (both sort as text),
    /// money is `[amount, "CUR"]`, labelled values are `[["label", "value"], ...]`.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Text(text) => Json::String(text.clone()),
            Value::Number(number) => number_json(*number),
            Value::Money { amount, currency } => Json::Array(vec![number_json(*amount), Json::String(currency.clone())]),
            Value::Bool(flag) => Json::Bool(*flag),
            Value::Date(date) => Json::String(date.format("%Y-%m-%d").to_string()),
            Value::DateTime(instant) => Json::String(format_datetime(instant)),
            Value::List(items) => Json::Array(items.iter().cloned().map(Json::String).collect()),
            Value::Labeled(items) => Json::Array(
                items
                    .iter()
                    .map(|item| Json::Array(vec![Json::String(item.label.clone()), Json::String(item.value.clone())]))
                    .collect(),
            ),
            Value::Ref(id) => Json::from(id.0),
        }
    }

    /// Decodes canonical storage JSON for a field type; anything else becomes an error.
    pub fn from_json(field_type: FieldType, json: &Json) -> Result<Value, ValueError> {
        let fail = || ValueError { expected: field_type.expected().into(), found: json.to_string() };
        if json.is_null() {
            return Ok(Value::Null);
        }
        Ok(match field_type {
            FieldType::Text
            | FieldType::LongText
            | FieldType::Url
            | FieldType::Picklist
            | FieldType::Email
            | FieldType::Phone => match json {
                Json::String(text) => Value::Text(text.clone()),
                Json::Array(_) => Value::Labeled(decode_labeled(json).ok_or_else(fail)?),
                _ => return Err(fail()),
            },
            FieldType::Number | FieldType::Percent => Value::Number(json.as_f64().ok_or_else(fail)?),
            FieldType::Currency => {
                let parts = json.as_array().ok_or_else(fail)?;
                match parts.as_slice() {
                    [Json::Number(amount), Json::String(code)] => {
                        Value::Money { amount: amount.as_f64().ok_or_else(fail)?, currency: code.clone() }
                    }
                    _ => return Err(fail()),
                }
            }
            FieldType::Boolean => Value::Bool(json.as_bool().ok_or_else(fail)?),
            FieldType::Date => {
                Value::Date(NaiveDate::parse_from_str(json.as_str().ok_or_else(fail)?, "%Y-%m-%d").map_err(|_| fail())?)
            }
            FieldType::DateTime => Value::DateTime(
                DateTime::parse_from_rfc3339(json.as_str().ok_or_else(fail)?).map_err(|_| fail())?.with_timezone(&Utc),
            ),
            FieldType::MultiPicklist => Value::List(
                json.as_array()
                    .ok_or_else(fail)?
                    .iter()
                    .map(|item| item.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(fail)?,
            ),
            // Record ids are positive; negative ones are an import's placeholders, never input.
            FieldType::Reference => Value::Ref(RecordId(json.as_i64().filter(|id| *id > 0).ok_or_else(fail)?)),
        })
    }

    /// Parses canonical text for a field type (CLI arguments, API query values).
    ///
    /// Empty text is `Null`. Emails and phones accept `label:value` entries separated by `;`.
    pub fn parse(field_type: FieldType, multi: bool, text: &str) -> Result<Value, ValueError> {
        let text = text.trim();
        let fail = || ValueError { expected: field_type.expected().into(), found: text.into() };
        if text.is_empty() {
            return Ok(Value::Null);
        }
        Ok(match field_type {
            FieldType::Text | FieldType::LongText | FieldType::Picklist => Value::Text(text.into()),
            FieldType::Email | FieldType::Phone if multi => {
                let mut items = Vec::new();
                for (index, part) in text.split(';').map(str::trim).filter(|p| !p.is_empty()).enumerate() {
                    let (label, value) = match part.split_once(':') {
                        Some((label, value)) if !label.contains('@') && !label.trim().is_empty() => {
                            (label.trim().to_ascii_lowercase(), value.trim())
                        }
                        _ => (if index == 0 { "work".into() } else { "other".into() }, part),
                    };
                    check_contact_value(field_type, value).map_err(|_| fail())?;
                    items.push(Labeled { label, value: value.into() });
                }
                Value::Labeled(items)
            }
            FieldType::Email | FieldType::Phone => {
                check_contact_value(field_type, text).map_err(|_| fail())?;
                Value::Text(text.into())
            }
            FieldType::Url => {
                if !(text.starts_with("http://") || text.starts_with("https://")) || text.len() < 10 {
                    return Err(fail());
                }
                Value::Text(text.into())
            }
            FieldType::Number | FieldType::Percent => Value::Number(parse_number(text).ok_or_else(fail)?),
            FieldType::Currency => {
                let (amount, currency) = match text.rsplit_once(' ') {
                    Some((amount, code)) if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) => {
                        (amount, code.to_ascii_uppercase())
                    }
                    _ => (text, String::new()),
                };
                Value::Money { amount: parse_number(amount).ok_or_else(fail)?, currency }
            }
            FieldType::Boolean => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => return Err(fail()),
            },
            FieldType::Date => Value::Date(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| fail())?),
            FieldType::DateTime => Value::DateTime(
                DateTime::parse_from_rfc3339(text)
                    .map(|instant| instant.with_timezone(&Utc))
                    .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(Default::default()).and_utc()))
                    .map_err(|_| fail())?,
            ),
            FieldType::MultiPicklist => {
                Value::List(text.split(';').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect())
            }
            FieldType::Reference => Value::Ref(RecordId(text.parse().ok().filter(|id| *id > 0).ok_or_else(fail)?)),
        })
    }
}

impl fmt::Display for Value {
    /// Renders the value as canonical text, the inverse of [`Value::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Text(text) => f.write_str(text),
            Value::Number(number) => write!(f, "{number}"),
            Value::Money { amount, currency } if currency.is_empty() => write!(f, "{amount}"),
            Value::Money { amount, currency } => write!(f, "{amount} {currency}"),
            Value::Bool(flag) => write!(f, "{flag}"),
            Value::Date(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            Value::DateTime(instant) => f.write_str(&format_datetime(instant)),
            Value::List(items) => f.write_str(&items.join(";")),
            Value::Labeled(items) => {
                let parts: Vec<String> = items.iter().map(|item| format!("{}:{}", item.label, item.value)).collect();
                f.write_str(&parts.join(";"))
            }
            Value::Ref(id) => write!(f, "{id}"),
        }
    }
}

/// Formats an instant as RFC 3339 UTC with milliseconds, the storage form.
pub fn format_datetime(instant: &DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Formats ms since the Unix epoch as RFC 3339 UTC (`2026-11-25T10:00:00.000Z`).
pub fn format_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), |t| format_datetime(&t))
}

fn number_json(number: f64) -> Json {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        Json::from(number as i64)
    } else {
        serde_json::Number::from_f64(number).map(Json::Number).unwrap_or(Json::Null)
    }
}

fn decode_labeled(json: &Json) -> Option<Vec<Labeled>> {
    json.as_array()?
        .iter()
        .map(|pair| match pair.as_array()?.as_slice() {
            [Json::String(label), Json::String(value)] => Some(Labeled { label: label.clone(), value: value.clone() }),
            _ => None,
        })
        .collect()
}

fn parse_number(text: &str) -> Option<f64> {
    let number: f64 = text.trim().parse().ok()?;
    number.is_finite().then_some(number)
}

/// Checks the syntax of an email address or phone number as the store expects them.
///
/// Emails need one `@`, a non-empty local part and a dotted domain without spaces; phones need
/// 5 to 15 digits and only the usual punctuation. Lenient fixing of messy values is the import
/// transforms' job.
pub fn check_contact_value(field_type: FieldType, text: &str) -> Result<(), ValueError> {
    let fail = || ValueError { expected: field_type.expected().into(), found: text.into() };
    match field_type {
        FieldType::Email => {
            let (local, domain) = text.split_once('@').ok_or_else(fail)?;
            let ok = !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !text.chars().any(char::is_whitespace);
            if ok {
                Ok(())
            } else {
                Err(fail())
            }
        }
        FieldType::Phone => {
            let digits = text.chars().filter(char::is_ascii_digit).count();
            let allowed = text.chars().all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
            if allowed && (5..=15).contains(&digits) {
                Ok(())
            } else {
                Err(fail())
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
