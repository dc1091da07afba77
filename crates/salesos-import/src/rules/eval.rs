//! The compiled form of a rule and its evaluation on one row.
//!
//! Evaluation is three-valued: `Some(true)`, `Some(false)` and `None` for *not applicable* (a
//! comparison with an empty operand). A rule fails only on `Some(false)`. Nothing here allocates
//! on the common paths: field values are borrowed, literals were converted at compile time and
//! regexes compiled once.

use super::parse::{CmpOp, TextOp};
use chrono::{DateTime, NaiveDate};
use regex::Regex;
use salesos_model::record::Fields;
use salesos_model::schema::PicklistOption;
use salesos_model::value::Value;
use std::cmp::Ordering;
use std::sync::Arc;

use super::RuleContext;

const DAY_MS: i64 = 86_400_000;

/// How the operands of a comparison are read and compared.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Numbers, percents and money amounts (currency ignored).
    Num,
    /// Text, compared ignoring case.
    Text,
    /// Calendar dates; date-times contribute their UTC date.
    Date,
    /// Instants (ms since the epoch).
    Instant,
    /// Booleans.
    Bool,
    /// Options of one picklist, compared by their position in the option list.
    Choice(Arc<Vec<PicklistOption>>),
}

/// Which part of a stored value a field path reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The whole value.
    Whole,
    /// The primary entry of a labelled list.
    Primary,
    /// The first entry with this label (lower-case).
    Label(String),
}

/// A field of the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// Storage key.
    pub key: String,
    /// Part read.
    pub part: Part,
}

/// A literal converted to its comparison kind at compile time.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// A number.
    Num(f64),
    /// A text.
    Text(String),
    /// A date.
    Date(NaiveDate),
    /// An instant in ms.
    Instant(i64),
    /// A boolean.
    Bool(bool),
    /// An option's index.
    Choice(usize),
}

/// Where an operand's value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A field of the row.
    Field(Access),
    /// The record's creation time.
    CreatedAt,
    /// The current instant.
    Now,
    /// The current UTC date.
    Today,
    /// A literal.
    Const(Const),
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub struct Operand {
    /// The value.
    pub source: Source,
    /// Days added (dates and instants only).
    pub days: i64,
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub enum Node {
    /// A constant result.
    Const(bool),
    /// All must hold.
    And(Vec<Node>),
    /// One must hold.
    Or(Vec<Node>),
    /// Negation.
    Not(Box<Node>),
    /// Conditional.
    If(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// A comparison.
    Cmp {
        /// How to compare.
        kind: Kind,
        /// Operator.
        op: CmpOp,
        /// Left.
        left: Operand,
        /// Right.
        right: Operand,
    },
    /// An inclusive range.
    Between {
        /// How to compare.
        kind: Kind,
        /// Tested.
        x: Operand,
        /// Lower bound.
        lo: Operand,
        /// Upper bound.
        hi: Operand,
        /// Negated.
        negated: bool,
    },
    /// Membership.
    In {
        /// How to compare.
        kind: Kind,
        /// Tested.
        x: Operand,
        /// Candidates.
        items: Vec<Operand>,
        /// Negated.
        negated: bool,
    },
    /// A whole-value regex match.
    Matches {
        /// Tested text.
        x: Access,
        /// The anchored regex.
        regex: Regex,
        /// Negated.
        negated: bool,
    },
    /// Substring tests, ignoring case.
    Text {
        /// Operator.
        op: TextOp,
        /// Tested text.
        x: Access,
        /// Looked-for text, lower-case.
        needle: String,
        /// Negated.
        negated: bool,
    },
    /// A multi-picklist holds an option.
    HasOption {
        /// The multi-picklist.
        x: Access,
        /// The option's API value.
        option: String,
        /// Negated.
        negated: bool,
    },
    /// Emptiness.
    IsEmpty {
        /// Tested.
        x: Access,
        /// Negated.
        negated: bool,
    },
    /// A boolean field standing alone.
    Truthy(Access),
}

/// A value read for a comparison, borrowed from the row where possible.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scalar<'a> {
    Num(f64),
    Text(&'a str),
    Date(NaiveDate),
    Instant(i64),
    Bool(bool),
    Choice(usize),
}

/// Reads the raw stored value of a field, or `None` if it is empty.
fn stored<'a>(fields: &'a Fields, access: &Access) -> Option<&'a Value> {
    fields.get(&access.key).filter(|value| !value.is_empty())
}

/// Reads the text a field path names, `None` if empty.
pub fn text_of<'a>(fields: &'a Fields, access: &Access) -> Option<&'a str> {
    let text = match (stored(fields, access)?, &access.part) {
        (Value::Text(text), Part::Whole | Part::Primary) => text.as_str(),
        (Value::Labeled(items), Part::Primary) => items.first()?.value.as_str(),
        (Value::Labeled(items), Part::Label(label)) => {
            items.iter().find(|item| item.label.eq_ignore_ascii_case(label))?.value.as_str()
        }
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// Returns whether the path names no value.
pub fn is_empty(fields: &Fields, access: &Access) -> bool {
    match access.part {
        Part::Whole => stored(fields, access).is_none(),
        Part::Primary | Part::Label(_) => text_of(fields, access).is_none(),
    }
}

fn date_of_ms(ms: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(ms).map(|instant| instant.date_naive())
}

fn find_choice(options: &[PicklistOption], text: &str) -> Option<usize> {
    options
        .iter()
        .position(|o| o.value == text)
        .or_else(|| options.iter().position(|o| o.value.eq_ignore_ascii_case(text) || o.label.eq_ignore_ascii_case(text)))
}

fn shift(scalar: Scalar<'_>, days: i64) -> Option<Scalar<'_>> {
    if days == 0 {
        return Some(scalar);
    }
    match scalar {
        Scalar::Date(date) => {
            let delta = chrono::Days::new(days.unsigned_abs());
            if days > 0 { date.checked_add_days(delta) } else { date.checked_sub_days(delta) }.map(Scalar::Date)
        }
        Scalar::Instant(ms) => Some(Scalar::Instant(ms.saturating_add(days.saturating_mul(DAY_MS)))),
        other => Some(other),
    }
}

/// Reads an operand under a comparison kind; `None` when it is empty or of an unexpected shape.
fn read<'a>(operand: &'a Operand, kind: &Kind, fields: &'a Fields, context: &RuleContext) -> Option<Scalar<'a>> {
    let scalar = match &operand.source {
        Source::Const(value) => match value {
            Const::Num(n) => Scalar::Num(*n),
            Const::Text(text) => Scalar::Text(text),
            Const::Date(date) => Scalar::Date(*date),
            Const::Instant(ms) => Scalar::Instant(*ms),
            Const::Bool(flag) => Scalar::Bool(*flag),
            Const::Choice(index) => Scalar::Choice(*index),
        },
        Source::Now | Source::CreatedAt => {
            let ms = if matches!(operand.source, Source::Now) { context.now_ms } else { context.created_at_ms };
            match kind {
                Kind::Date => Scalar::Date(date_of_ms(ms)?),
                _ => Scalar::Instant(ms),
            }
        }
        Source::Today => Scalar::Date(date_of_ms(context.now_ms)?),
        Source::Field(access) => match kind {
            Kind::Text => Scalar::Text(text_of(fields, access)?),
            Kind::Choice(options) => Scalar::Choice(find_choice(options, text_of(fields, access)?)?),
            Kind::Num => match stored(fields, access)? {
                Value::Number(n) | Value::Money { amount: n, .. } => Scalar::Num(*n),
                _ => return None,
            },
            Kind::Date => match stored(fields, access)? {
                Value::Date(date) => Scalar::Date(*date),
                Value::DateTime(instant) => Scalar::Date(instant.date_naive()),
                _ => return None,
            },
            Kind::Instant => match stored(fields, access)? {
                Value::DateTime(instant) => Scalar::Instant(instant.timestamp_millis()),
                Value::Date(date) => Scalar::Instant(date.and_time(Default::default()).and_utc().timestamp_millis()),
                _ => return None,
            },
            Kind::Bool => match stored(fields, access)? {
                Value::Bool(flag) => Scalar::Bool(*flag),
                _ => return None,
            },
        },
    };
    shift(scalar, operand.days)
}

/// Compares two texts ignoring case.
fn cmp_text(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.chars().flat_map(char::to_lowercase).cmp(b.chars().flat_map(char::to_lowercase))
    }
}

fn compare(a: Scalar<'_>, b: Scalar<'_>) -> Option<Ordering> {
    match (a, b) {
        (Scalar::Num(a), Scalar::Num(b)) => a.partial_cmp(&b),
        (Scalar::Text(a), Scalar::Text(b)) => Some(cmp_text(a, b)),
        (Scalar::Date(a), Scalar::Date(b)) => Some(a.cmp(&b)),
        (Scalar::Instant(a), Scalar::Instant(b)) => Some(a.cmp(&b)),
        (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(&b)),
        (Scalar::Choice(a), Scalar::Choice(b)) => Some(a.cmp(&b)),
        _ => None,
    }
}

fn test(op: CmpOp, ordering: Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
    }
}

/// Tests a text operator ignoring case; `needle` is already lower-case.
fn text_test(op: TextOp, haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (hay, pin) = (haystack.as_bytes(), needle.as_bytes());
        if pin.len() > hay.len() {
            return false;
        }
        return match op {
            TextOp::StartsWith => hay[..pin.len()].eq_ignore_ascii_case(pin),
            TextOp::EndsWith => hay[hay.len() - pin.len()..].eq_ignore_ascii_case(pin),
            TextOp::Contains => pin.is_empty() || hay.windows(pin.len()).any(|window| window.eq_ignore_ascii_case(pin)),
        };
    }
    let lower = haystack.to_lowercase();
    match op {
        TextOp::StartsWith => lower.starts_with(needle),
        TextOp::EndsWith => lower.ends_with(needle),
        TextOp::Contains => lower.contains(needle),
    }
}

impl Node {
    /// Evaluates the node on a row: `Some(true)`, `Some(false)` or `None` (not applicable).
    pub fn eval(&self, fields: &Fields, context: &RuleContext) -> Option<bool> {
        match self {
            Node::Const(flag) => Some(*flag),
            Node::And(items) => {
                let mut result = Some(true);
                for item in items {
                    match item.eval(fields, context) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            Node::Or(items) => {
                let mut result = Some(false);
                for item in items {
                    match item.eval(fields, context) {
                        Some(true) => return Some(true),
                        None => result = None,
                        Some(false) => {}
                    }
                }
                result
            }
            Node::Not(inner) => inner.eval(fields, context).map(|flag| !flag),
            Node::If(cond, then, otherwise) => match cond.eval(fields, context) {
                Some(true) => then.eval(fields, context),
                Some(false) => otherwise.as_ref().map_or(Some(true), |node| node.eval(fields, context)),
                None => None,
            },
            Node::Cmp { kind, op, left, right } => {
                let a = read(left, kind, fields, context)?;
                let b = read(right, kind, fields, context)?;
                compare(a, b).map(|ordering| test(*op, ordering))
            }
            Node::Between { kind, x, lo, hi, negated } => {
                let value = read(x, kind, fields, context)?;
                let low = compare(value, read(lo, kind, fields, context)?)?;
                let high = compare(value, read(hi, kind, fields, context)?)?;
                Some((low != Ordering::Less && high != Ordering::Greater) != *negated)
            }
            Node::In { kind, x, items, negated } => {
                let value = read(x, kind, fields, context)?;
                let found = items
                    .iter()
                    .filter_map(|item| read(item, kind, fields, context))
                    .any(|item| compare(value, item) == Some(Ordering::Equal));
                Some(found != *negated)
            }
            Node::Matches { x, regex, negated } => Some(regex.is_match(text_of(fields, x)?) != *negated),
            Node::Text { op, x, needle, negated } => Some(text_test(*op, text_of(fields, x)?, needle) != *negated),
            Node::HasOption { x, option, negated } => match stored(fields, x)? {
                Value::List(items) => Some(items.iter().any(|item| item.eq_ignore_ascii_case(option)) != *negated),
                Value::Text(text) => Some(text.eq_ignore_ascii_case(option) != *negated),
                _ => None,
            },
            Node::IsEmpty { x, negated } => Some(is_empty(fields, x) != *negated),
            Node::Truthy(access) => match stored(fields, access)? {
                Value::Bool(flag) => Some(*flag),
                _ => None,
            },
        }
    }

    /// Finds the storage key to blame when the node evaluated to `value` and that made the rule
    /// fail: the first field of the deciding predicate.
    pub fn blame<'a>(&'a self, value: bool, fields: &Fields, context: &RuleContext) -> Option<&'a str> {
        match self {
            Node::Const(_) => None,
            Node::And(items) | Node::Or(items) => {
                // A false `and` and a true `or` are decided by one item; otherwise all agree.
                let deciding = items.iter().find(|item| item.eval(fields, context) == Some(value));
                deciding.and_then(|item| item.blame(value, fields, context))
            }
            Node::Not(inner) => inner.blame(!value, fields, context),
            Node::If(cond, then, otherwise) => match cond.eval(fields, context) {
                Some(true) => then.blame(value, fields, context),
                Some(false) => otherwise.as_ref().and_then(|node| node.blame(value, fields, context)),
                None => None,
            },
            Node::Cmp { left, right, .. } => first_key([left, right]),
            Node::Between { x, lo, hi, .. } => first_key([x, lo, hi]),
            Node::In { x, .. } => first_key([x]),
            Node::Matches { x, .. }
            | Node::Text { x, .. }
            | Node::HasOption { x, .. }
            | Node::IsEmpty { x, .. }
            | Node::Truthy(x) => Some(&x.key),
        }
    }
}

fn first_key<const N: usize>(operands: [&Operand; N]) -> Option<&str> {
    operands.into_iter().find_map(|operand| match &operand.source {
        Source::Field(access) => Some(access.key.as_str()),
        _ => None,
    })
}
