//! Resolves a parsed rule against an object and checks its types: field paths become storage
//! accesses, literals are converted to the kind they are compared as, picklist values are checked
//! against the options and regexes are compiled, so evaluation has nothing left to decide.

use super::eval::{Access, Const, Kind, Node, Operand, Part, Source};
use super::parse::{CmpOp, Expr, Pred, SyntaxError, Term, TermKind, TextOp};
use chrono::{DateTime, NaiveDate, Utc};
use regex::RegexBuilder;
use salesos_model::path::{self, PathTarget, SystemField};
use salesos_model::schema::{FieldType, ObjectDef, PicklistOption, Schema};
use std::sync::Arc;

/// Largest compiled regex accepted, in bytes of the regex crate's size limit.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn fail<T>(at: usize, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError { at, message: message.into() })
}

/// The static type of a term.
#[derive(Debug, Clone)]
enum Ty {
    Text,
    Number,
    Date,
    DateTime,
    Bool,
    Choice {
        key: String,
        options: Arc<Vec<PicklistOption>>,
    },
    Multi {
        options: Arc<Vec<PicklistOption>>,
    },
    /// A whole multi-valued email or phone field.
    List,
    Reference,
    /// A text literal: fits text, picklists (if an option) and dates (if it parses).
    Str(String),
}

/// A term with its type, where it is and how to name it in messages.
#[derive(Debug, Clone)]
struct Typed {
    at: usize,
    ty: Ty,
    source: Source,
    days: i64,
    /// `` `amount` (a currency field)`` or `the text "abc"`.
    name: String,
    /// Whether it is a literal (as opposed to a field or time keyword).
    literal: bool,
}

impl Typed {
    fn access(&self) -> Option<&Access> {
        match &self.source {
            Source::Field(access) => Some(access),
            _ => None,
        }
    }
}

/// What a type compares with, for "expected ..." messages.
fn expected(ty: &Ty) -> String {
    match ty {
        Ty::Text => "text in quotes or a text field".into(),
        Ty::Number => "a number like 1000 or a number field".into(),
        Ty::Date => "a date like 2024-01-31, `today` or a date field".into(),
        Ty::DateTime => "a date like 2024-01-31, a date-time, `now`, `created_at` or a date field".into(),
        Ty::Bool => "true or false".into(),
        Ty::Choice { options, .. } => format!("one of its options in quotes ({})", option_list(options)),
        Ty::Multi { .. } => "`contains \"option\"`, `is empty` or `is not empty`".into(),
        Ty::List => {
            "`is empty` or `is not empty` (compare the primary entry, like `email`, or a labelled one, like `emails[work]`)"
                .into()
        }
        Ty::Reference => "`is empty` or `is not empty` (related records are not known before the row is committed)".into(),
        Ty::Str(_) => "text".into(),
    }
}

fn option_list(options: &[PicklistOption]) -> String {
    let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
    let mut list = values.iter().take(12).map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ");
    if values.len() > 12 {
        list.push_str(", …");
    }
    list
}

fn type_word(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Text => "text",
        FieldType::LongText => "long text",
        FieldType::Email => "email",
        FieldType::Phone => "phone",
        FieldType::Url => "URL",
        FieldType::Number => "number",
        FieldType::Currency => "currency",
        FieldType::Percent => "percent",
        FieldType::Date => "date",
        FieldType::DateTime => "date-time",
        FieldType::Boolean => "true/false",
        FieldType::Picklist => "picklist",
        FieldType::MultiPicklist => "multi-picklist",
        FieldType::Reference => "reference",
    }
}

fn parse_date_text(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().filter(|_| text.len() == 10)
}

fn parse_instant_text(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|instant| instant.with_timezone(&Utc))
}

/// Compiles parsed expressions, collecting the storage keys read.
pub struct Compiler<'a> {
    schema: &'a Schema,
    object: &'a ObjectDef,
    /// Storage keys in order of first appearance.
    pub keys: Vec<String>,
}

impl<'a> Compiler<'a> {
    /// Creates a compiler for an object.
    pub fn new(schema: &'a Schema, object: &'a ObjectDef) -> Compiler<'a> {
        Compiler { schema, object, keys: Vec::new() }
    }

    /// Compiles an expression.
    pub fn expr(&mut self, expr: &Expr) -> Result<Node, SyntaxError> {
        Ok(match expr {
            Expr::And(items) => Node::And(items.iter().map(|item| self.expr(item)).collect::<Result<_, _>>()?),
            Expr::Or(items) => Node::Or(items.iter().map(|item| self.expr(item)).collect::<Result<_, _>>()?),
            Expr::Not(inner) => Node::Not(Box::new(self.expr(inner)?)),
            Expr::If(cond, then, otherwise) => {
                let cond = self.expr(cond)?;
                let then = self.expr(then)?;
                let otherwise = match otherwise {
                    Some(node) => Some(Box::new(self.expr(node)?)),
                    None => None,
                };
                Node::If(Box::new(cond), Box::new(then), otherwise)
            }
            Expr::Pred(pred) => self.pred(pred)?,
        })
    }

    fn pred(&mut self, pred: &Pred) -> Result<Node, SyntaxError> {
        match pred {
            Pred::Compare { left, op, op_at, right } => {
                let empty_side = match (&left.kind, &right.kind) {
                    (TermKind::Empty, _) => Some(right),
                    (_, TermKind::Empty) => Some(left),
                    _ => None,
                };
                if let Some(x) = empty_side {
                    if op.is_ordering() {
                        return fail(*op_at, format!("`empty` only compares with `=` and `!=`, not `{}`", op.as_str()));
                    }
                    let x = self.term(x)?;
                    let access = self.field_only(&x, "`= empty`")?;
                    return Ok(Node::IsEmpty { x: access, negated: *op == CmpOp::Ne });
                }
                let left = self.term(left)?;
                let right = self.term(right)?;
                if let (Ty::Choice { key: a, .. }, Ty::Choice { key: b, .. }) = (&left.ty, &right.ty) {
                    if a != b && op.is_ordering() {
                        return fail(
                            *op_at,
                            format!(
                                "{} and {} have different options, so they only compare with `=` and `!=`",
                                left.name, right.name
                            ),
                        );
                    }
                }
                let kind = unify(&left, &right)?;
                if op.is_ordering() && matches!(kind, Kind::Bool) {
                    return fail(*op_at, format!("true/false values only compare with `=` and `!=`, not `{}`", op.as_str()));
                }
                let (left, right) = (convert(&left, &kind)?, convert(&right, &kind)?);
                Ok(Node::Cmp { kind, op: *op, left, right })
            }
            Pred::Between { x, lo, hi, negated } => {
                let x = self.term(x)?;
                let lo = self.term(lo)?;
                let hi = self.term(hi)?;
                let kind = merge(unify(&x, &lo)?, unify(&x, &hi)?);
                if matches!(kind, Kind::Bool) {
                    return fail(x.at, "`between` needs values with an order, not true/false");
                }
                let node = Node::Between {
                    x: convert(&x, &kind)?,
                    lo: convert(&lo, &kind)?,
                    hi: convert(&hi, &kind)?,
                    kind,
                    negated: *negated,
                };
                Ok(node)
            }
            Pred::In { x, items, negated } => {
                let x = self.term(x)?;
                let items = items.iter().map(|item| self.term(item)).collect::<Result<Vec<_>, _>>()?;
                let mut kind: Option<Kind> = None;
                for item in &items {
                    let next = unify(&x, item)?;
                    kind = Some(match kind {
                        Some(kind) => merge(kind, next),
                        None => next,
                    });
                }
                let Some(kind) = kind else { return fail(x.at, "`in` needs at least one value") };
                let x_operand = convert(&x, &kind)?;
                let items = items.iter().map(|item| convert(item, &kind)).collect::<Result<_, _>>()?;
                Ok(Node::In { kind, x: x_operand, items, negated: *negated })
            }
            Pred::Matches { x, pattern, negated } => {
                let x = self.term(x)?;
                let access = self.field_only(&x, "`matches`")?;
                if !matches!(x.ty, Ty::Text | Ty::Choice { .. }) {
                    return fail(x.at, format!("`matches` tests text, but {} is not text: expected {}", x.name, expected(&x.ty)));
                }
                let TermKind::Str(text) = &pattern.kind else {
                    return fail(pattern.at, "expected the regular expression as text in quotes, like \"ACC-\\d{6}\"");
                };
                if pattern.offset.is_some() {
                    return fail(pattern.at, "a regular expression takes no `+ N days`");
                }
                let regex = compile_regex(text).map_err(|message| SyntaxError { at: pattern.at, message })?;
                Ok(Node::Matches { x: access, regex, negated: *negated })
            }
            Pred::Text { x, op, op_at, needle, negated } => {
                let x = self.term(x)?;
                let access = self.field_only(&x, &format!("`{}`", op.as_str()))?;
                let TermKind::Str(text) = &needle.kind else {
                    return fail(needle.at, format!("expected text in quotes after `{}`", op.as_str()));
                };
                if needle.offset.is_some() {
                    return fail(needle.at, "text takes no `+ N days`");
                }
                match &x.ty {
                    Ty::Text | Ty::Choice { .. } => {
                        Ok(Node::Text { op: *op, x: access, needle: text.to_lowercase(), negated: *negated })
                    }
                    Ty::Multi { options } if *op == TextOp::Contains => {
                        let option = find_option(options, text).ok_or_else(|| SyntaxError {
                            at: needle.at,
                            message: format!("{text:?} is not an option of {}: expected one of {}", x.name, option_list(options)),
                        })?;
                        Ok(Node::HasOption { x: access, option: option.value.clone(), negated: *negated })
                    }
                    Ty::Multi { .. } => fail(*op_at, format!("{} holds several options: use `contains \"option\"`", x.name)),
                    other => fail(
                        *op_at,
                        format!("`{}` tests text, but {} is not text: expected {}", op.as_str(), x.name, expected(other)),
                    ),
                }
            }
            Pred::IsEmpty { x, negated } => {
                let x = self.term(x)?;
                let access = self.field_only(&x, "`is empty`")?;
                Ok(Node::IsEmpty { x: access, negated: *negated })
            }
            Pred::Bare(term) => {
                let x = self.term(term)?;
                match (&x.ty, &x.source) {
                    (Ty::Bool, Source::Const(Const::Bool(flag))) => Ok(Node::Const(*flag)),
                    (Ty::Bool, Source::Field(access)) => Ok(Node::Truthy(access.clone())),
                    (_, Source::Field(_)) => fail(
                        x.at,
                        format!(
                            "expected a condition, found {} alone: compare it (like `{} = ...`) or test `{} is not empty`",
                            x.name,
                            term_text(term),
                            term_text(term)
                        ),
                    ),
                    _ => fail(x.at, format!("expected a condition, found {} alone", x.name)),
                }
            }
        }
    }

    /// Requires a field operand (not a literal nor a time keyword) and returns its access.
    fn field_only(&self, x: &Typed, what: &str) -> Result<Access, SyntaxError> {
        match (x.access(), x.days) {
            (Some(access), 0) => Ok(access.clone()),
            (Some(_), _) => fail(x.at, format!("{what} tests a field as it is, without `+ N days`")),
            (None, _) => fail(x.at, format!("expected a field before {what}, found {}", x.name)),
        }
    }

    fn term(&mut self, term: &Term) -> Result<Typed, SyntaxError> {
        let at = term.at;
        let lit =
            |ty: Ty, source: Const, name: String| Typed { at, ty, source: Source::Const(source), days: 0, name, literal: true };
        let mut typed = match &term.kind {
            TermKind::Num(n) => lit(Ty::Number, Const::Num(*n), format!("the number {n}")),
            TermKind::Str(text) => lit(Ty::Str(text.clone()), Const::Text(text.clone()), format!("the text {text:?}")),
            TermKind::Date(date) => lit(Ty::Date, Const::Date(*date), format!("the date {date}")),
            TermKind::DateTime(instant) => {
                lit(Ty::DateTime, Const::Instant(instant.timestamp_millis()), format!("the date-time {}", instant.to_rfc3339()))
            }
            TermKind::Bool(flag) => lit(Ty::Bool, Const::Bool(*flag), format!("`{flag}`")),
            TermKind::Empty => return fail(at, "`empty` is only allowed in `is empty`, `= empty` and `!= empty`"),
            TermKind::Today => Typed { at, ty: Ty::Date, source: Source::Today, days: 0, name: "`today`".into(), literal: false },
            TermKind::Now => Typed { at, ty: Ty::DateTime, source: Source::Now, days: 0, name: "`now`".into(), literal: false },
            TermKind::Path(text) => self.path(at, text)?,
        };
        if let Some((days, sign_at)) = term.offset {
            if !matches!(typed.ty, Ty::Date | Ty::DateTime) {
                return fail(sign_at, format!("only dates and date-times take `+ N days`, and {} is not one", typed.name));
            }
            typed.days = days;
        }
        Ok(typed)
    }

    fn path(&mut self, at: usize, text: &str) -> Result<Typed, SyntaxError> {
        let resolved = path::resolve(self.schema, self.object, text).map_err(|err| SyntaxError {
            at,
            message: match err {
                path::PathError::UnknownField { .. } => {
                    format!("unknown field `{text}` on {}{}", self.object.api_name, self.suggestion(text))
                }
                other => other.to_string(),
            },
        })?;
        let (access, def) = match &resolved.target {
            PathTarget::System(SystemField::CreatedAt) => {
                return Ok(Typed {
                    at,
                    ty: Ty::DateTime,
                    source: Source::CreatedAt,
                    days: 0,
                    name: "`created_at`".into(),
                    literal: false,
                })
            }
            PathTarget::System(system) => {
                return fail(
                    at,
                    format!(
                        "the system field `{}` is not known before the row is committed; rules can read `created_at`, `today`, `now` and the row's fields",
                        system.as_str()
                    ),
                )
            }
            PathTarget::ExternalId { .. } => {
                return fail(at, format!("`{text}`: external ids are not fields of the row and cannot be used in rules"))
            }
            PathTarget::Related { .. } => {
                return fail(
                    at,
                    format!(
                        "`{text}` reads a related record, which is not known before the row is committed; rules can only read the row's own fields"
                    ),
                )
            }
            PathTarget::Field { key } => (Access { key: key.clone(), part: Part::Whole }, self.object.field(key)),
            PathTarget::Primary { key } => (Access { key: key.clone(), part: Part::Primary }, self.object.field(key)),
            PathTarget::Labeled { key, label } => {
                (Access { key: key.clone(), part: Part::Label(label.clone()) }, self.object.field(key))
            }
        };
        let Some(def) = def else { return fail(at, format!("unknown field `{text}` on {}", self.object.api_name)) };
        let whole = access.part == Part::Whole;
        let ty = match def.field_type {
            FieldType::Email | FieldType::Phone if def.multi && whole => Ty::List,
            FieldType::Text | FieldType::LongText | FieldType::Url | FieldType::Email | FieldType::Phone => Ty::Text,
            FieldType::Number | FieldType::Currency | FieldType::Percent => Ty::Number,
            FieldType::Date => Ty::Date,
            FieldType::DateTime => Ty::DateTime,
            FieldType::Boolean => Ty::Bool,
            FieldType::Picklist => Ty::Choice { key: def.api_name.clone(), options: Arc::new(def.options.clone()) },
            FieldType::MultiPicklist => Ty::Multi { options: Arc::new(def.options.clone()) },
            FieldType::Reference => Ty::Reference,
        };
        let word = match (&access.part, def.multi) {
            (Part::Whole, true) => format!("a multi-valued {} field", type_word(def.field_type)),
            (Part::Whole, false) => format!("a {} field", type_word(def.field_type)),
            _ => format!("an {} entry", type_word(def.field_type)),
        };
        if !self.keys.contains(&access.key) {
            self.keys.push(access.key.clone());
        }
        Ok(Typed { at, ty, source: Source::Field(access), days: 0, name: format!("`{text}` ({word})"), literal: false })
    }

    /// Suggests the closest field name for an unknown one.
    fn suggestion(&self, text: &str) -> String {
        let best = self
            .object
            .fields
            .iter()
            .map(|f| (strsim::jaro_winkler(&f.api_name, text), &f.api_name))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .filter(|(score, _)| *score >= 0.85);
        match best {
            Some((_, name)) => format!(" (did you mean `{name}`?)"),
            None => String::new(),
        }
    }
}

fn term_text(term: &Term) -> String {
    match &term.kind {
        TermKind::Path(text) => text.clone(),
        _ => "...".into(),
    }
}

fn find_option<'o>(options: &'o [PicklistOption], text: &str) -> Option<&'o PicklistOption> {
    let text = text.trim();
    options
        .iter()
        .find(|o| o.value == text)
        .or_else(|| options.iter().find(|o| o.value.eq_ignore_ascii_case(text) || o.label.eq_ignore_ascii_case(text)))
}

/// Compiles a regex anchored to the whole value, after checking it compiles on its own (so the
/// anchoring group cannot be escaped by unbalanced parentheses).
fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    let describe = |err: regex::Error| {
        let text = err.to_string();
        let reason = text.lines().rev().find_map(|line| line.strip_prefix("error: ")).unwrap_or(&text).to_string();
        format!("invalid regular expression {pattern:?}: {reason}")
    };
    RegexBuilder::new(pattern).size_limit(REGEX_SIZE_LIMIT).build().map_err(describe)?;
    RegexBuilder::new(&format!("^(?:{pattern})$")).size_limit(REGEX_SIZE_LIMIT).build().map_err(describe)
}

/// Combines the kinds of two comparisons of one value (for `between` and `in`).
fn merge(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        (Kind::Date, _) | (_, Kind::Date) => Kind::Date,
        (Kind::Text, _) | (_, Kind::Text) => Kind::Text,
        (a, _) => a,
    }
}

/// Decides how two typed terms compare, or explains why they cannot.
fn unify(a: &Typed, b: &Typed) -> Result<Kind, SyntaxError> {
    // Name the mismatch from the side of the field when one side is a literal.
    let (field, other) = if a.literal && !b.literal { (b, a) } else { (a, b) };
    let mismatch = || {
        fail(
            other.at,
            format!(
                "cannot compare {} with {}: expected {}",
                field.name,
                other.name,
                match &field.ty {
                    Ty::Str(_) => expected(&other.ty),
                    ty => expected(ty),
                }
            ),
        )
    };
    let date_of_str = |text: &str, at: usize, name: &str| -> Result<Kind, SyntaxError> {
        if parse_date_text(text).is_some() {
            Ok(Kind::Date)
        } else if parse_instant_text(text).is_some() {
            Ok(Kind::Instant)
        } else {
            fail(at, format!("cannot compare {name} with the text {text:?}: expected a date like 2024-01-31"))
        }
    };
    match (&field.ty, &other.ty) {
        (Ty::Number, Ty::Number) => Ok(Kind::Num),
        (Ty::Bool, Ty::Bool) => Ok(Kind::Bool),
        (Ty::Text | Ty::Str(_), Ty::Text | Ty::Str(_)) => Ok(Kind::Text),
        (Ty::Choice { options, .. }, Ty::Str(text)) | (Ty::Str(text), Ty::Choice { options, .. }) => {
            let (choice, literal) = if matches!(field.ty, Ty::Choice { .. }) { (field, other) } else { (other, field) };
            if find_option(options, text).is_none() {
                return fail(
                    literal.at,
                    format!("{text:?} is not an option of {}: expected one of {}", choice.name, option_list(options)),
                );
            }
            Ok(Kind::Choice(options.clone()))
        }
        (Ty::Choice { key: a_key, options }, Ty::Choice { key: b_key, .. }) if a_key == b_key => {
            Ok(Kind::Choice(options.clone()))
        }
        (Ty::Choice { .. }, Ty::Choice { .. } | Ty::Text) | (Ty::Text, Ty::Choice { .. }) => Ok(Kind::Text),
        (Ty::Date, Ty::Date | Ty::DateTime) | (Ty::DateTime, Ty::Date) => Ok(Kind::Date),
        (Ty::DateTime, Ty::DateTime) => Ok(Kind::Instant),
        (Ty::Date, Ty::Str(text)) => date_of_str(text, other.at, &field.name).map(|_| Kind::Date),
        (Ty::Str(text), Ty::Date) => date_of_str(text, field.at, &other.name).map(|_| Kind::Date),
        (Ty::DateTime, Ty::Str(text)) => date_of_str(text, other.at, &field.name),
        (Ty::Str(text), Ty::DateTime) => date_of_str(text, field.at, &other.name),
        (Ty::Multi { .. } | Ty::List | Ty::Reference, _) => {
            fail(field.at, format!("{} cannot be compared: use {}", field.name, expected(&field.ty)))
        }
        (_, Ty::Multi { .. } | Ty::List | Ty::Reference) => {
            fail(other.at, format!("{} cannot be compared: use {}", other.name, expected(&other.ty)))
        }
        _ => mismatch(),
    }
}

/// Turns a typed term into an operand read under a comparison kind.
fn convert(typed: &Typed, kind: &Kind) -> Result<Operand, SyntaxError> {
    let source = match (&typed.source, kind) {
        (Source::Const(Const::Text(text)), Kind::Choice(options)) => {
            let index = options.iter().position(|o| Some(o) == find_option(options, text)).ok_or_else(|| SyntaxError {
                at: typed.at,
                message: format!("{text:?} is not an option: expected one of {}", option_list(options)),
            })?;
            Source::Const(Const::Choice(index))
        }
        (Source::Const(Const::Text(text)), Kind::Date) => {
            match parse_date_text(text).or_else(|| parse_instant_text(text).map(|i| i.date_naive())) {
                Some(date) => Source::Const(Const::Date(date)),
                None => return fail(typed.at, format!("expected a date like 2024-01-31, found the text {text:?}")),
            }
        }
        (Source::Const(Const::Text(text)), Kind::Instant) => match parse_instant_text(text) {
            Some(instant) => Source::Const(Const::Instant(instant.timestamp_millis())),
            None => return fail(typed.at, format!("expected a date-time like 2024-01-31T09:30:00Z, found the text {text:?}")),
        },
        (Source::Const(Const::Instant(ms)), Kind::Date) => match DateTime::from_timestamp_millis(*ms) {
            Some(instant) => Source::Const(Const::Date(instant.date_naive())),
            None => return fail(typed.at, "the date-time is out of range"),
        },
        (source, _) => source.clone(),
    };
    Ok(Operand { source, days: typed.days })
}
