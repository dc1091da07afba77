//! Tokenizer and recursive-descent parser of the rule language: text in, a syntax tree with
//! character positions out. Nothing here knows the schema; [`super::compile`] resolves names and
//! checks types.

use chrono::{DateTime, NaiveDate, Utc};

/// Longest expression accepted, in characters.
pub const MAX_LENGTH: usize = 2_000;
/// Deepest nesting of parentheses, `not` and `if` accepted.
pub const MAX_DEPTH: usize = 32;

/// A syntax error: 0-based character index and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 0-based character index.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

fn fail<T>(at: usize, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError { at, message: message.into() })
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`, `==`, `is`
    Eq,
    /// `!=`, `<>`, `is not`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// Returns whether the operator needs an order (not just equality).
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    /// Returns the operator as written in the documentation.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// The text operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    /// `contains`
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
}

impl TextOp {
    /// Returns the keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            TextOp::Contains => "contains",
            TextOp::StartsWith => "starts_with",
            TextOp::EndsWith => "ends_with",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: a field path or a keyword.
    Word(String),
    /// A back-quoted field path (never a keyword).
    Quoted(String),
    Str(String),
    Num(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Cmp(CmpOp),
    End,
}

#[derive(Debug, Clone)]
struct Token {
    at: usize,
    tok: Tok,
}

const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "if",
    "then",
    "else",
    "between",
    "matches",
    "in",
    "is",
    "empty",
    "true",
    "false",
    "today",
    "now",
    "contains",
    "starts_with",
    "ends_with",
];

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Word(word) if KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) => format!("the keyword `{word}`"),
        Tok::Word(word) | Tok::Quoted(word) => format!("the field `{word}`"),
        Tok::Str(text) => format!("the text {text:?}"),
        Tok::Num(number) => format!("the number {number}"),
        Tok::Date(date) => format!("the date {date}"),
        Tok::DateTime(instant) => format!("the date-time {}", instant.to_rfc3339()),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Plus => "`+`".into(),
        Tok::Minus => "`-`".into(),
        Tok::Cmp(op) => format!("`{}`", op.as_str()),
        Tok::End => "the end of the rule".into(),
    }
}

fn tokenize(chars: &[char]) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    let peek = |i: usize| chars.get(i).copied();
    while let Some(c) = peek(i) {
        let at = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '+' => {
                i += 1;
                Tok::Plus
            }
            '-' => {
                i += 1;
                Tok::Minus
            }
            '=' => {
                i += if peek(i + 1) == Some('=') { 2 } else { 1 };
                Tok::Cmp(CmpOp::Eq)
            }
            '!' if peek(i + 1) == Some('=') => {
                i += 2;
                Tok::Cmp(CmpOp::Ne)
            }
            '<' => match peek(i + 1) {
                Some('=') => {
                    i += 2;
                    Tok::Cmp(CmpOp::Le)
                }
                Some('>') => {
                    i += 2;
                    Tok::Cmp(CmpOp::Ne)
                }
                _ => {
                    i += 1;
                    Tok::Cmp(CmpOp::Lt)
                }
            },
            '>' => {
                if peek(i + 1) == Some('=') {
                    i += 2;
                    Tok::Cmp(CmpOp::Ge)
                } else {
                    i += 1;
                    Tok::Cmp(CmpOp::Gt)
                }
            }
            '"' | '\'' => {
                let quote = c;
                i += 1;
                let mut text = String::new();
                loop {
                    match peek(i) {
                        None => return fail(at, format!("text starting here has no closing {quote}")),
                        Some(ch) if ch == quote => {
                            i += 1;
                            break;
                        }
                        Some('\\') => match peek(i + 1) {
                            // `\"`, `\'` and `\\` are escapes; any other backslash stays as written,
                            // so regular expressions like "ACC-\d{6}" need no doubling.
                            Some(next) if next == quote || next == '\\' => {
                                text.push(next);
                                i += 2;
                            }
                            _ => {
                                text.push('\\');
                                i += 1;
                            }
                        },
                        Some(ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                Tok::Str(text)
            }
            '`' => {
                i += 1;
                let start = i;
                while peek(i).is_some_and(|ch| ch != '`') {
                    i += 1;
                }
                if peek(i).is_none() {
                    return fail(at, "field name starting here has no closing `");
                }
                let name: String = chars[start..i].iter().collect();
                i += 1;
                if name.trim().is_empty() {
                    return fail(at, "empty field name between back quotes");
                }
                Tok::Quoted(name.trim().to_string())
            }
            c if c.is_ascii_digit() => lex_number(chars, &mut i)?,
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while peek(i).is_some_and(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.') {
                    i += 1;
                }
                if peek(i) == Some('[') {
                    let open = i;
                    while peek(i).is_some_and(|ch| ch != ']') {
                        i += 1;
                    }
                    if peek(i).is_none() {
                        return fail(open, "label starting here has no closing ]");
                    }
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
            '&' | '|' => {
                let word = if c == '&' { "and" } else { "or" };
                return fail(at, format!("unexpected {c:?}: write `{word}`"));
            }
            _ => return fail(at, format!("unexpected character {c:?}")),
        };
        tokens.push(Token { at, tok });
    }
    tokens.push(Token { at: chars.len(), tok: Tok::End });
    Ok(tokens)
}

/// Lexes a number (`1000`, `1_000`, `12.5`) or a date (`2024-01-31`) or date-time
/// (`2024-01-31T09:30:00Z`) starting at a digit.
fn lex_number(chars: &[char], i: &mut usize) -> Result<Tok, SyntaxError> {
    let at = *i;
    let peek = |i: usize| chars.get(i).copied();
    let mut digits = 0;
    while peek(*i).is_some_and(|c| c.is_ascii_digit()) {
        *i += 1;
        digits += 1;
    }
    if digits == 4 && peek(*i) == Some('-') && peek(*i + 1).is_some_and(|c| c.is_ascii_digit()) {
        while peek(*i).is_some_and(|c| c.is_ascii_digit() || c == '-') {
            *i += 1;
        }
        let date_text: String = chars[at..*i].iter().collect();
        let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d")
            .ok()
            .filter(|_| date_text.len() == 10)
            .ok_or_else(|| SyntaxError { at, message: format!("{date_text:?} is not a valid date: expected YYYY-MM-DD") })?;
        if matches!(peek(*i), Some('T' | 't')) {
            while peek(*i).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '+' | '-')) {
                *i += 1;
            }
            let text: String = chars[at..*i].iter().collect();
            return DateTime::parse_from_rfc3339(&text).map(|instant| Tok::DateTime(instant.with_timezone(&Utc))).map_err(|_| {
                SyntaxError {
                    at,
                    message: format!("{text:?} is not a valid date-time: expected RFC 3339 like 2024-01-31T09:30:00Z"),
                }
            });
        }
        if peek(*i).is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return fail(at, format!("{date_text:?} is followed by unexpected characters"));
        }
        return Ok(Tok::Date(date));
    }
    while peek(*i).is_some_and(|c| c.is_ascii_digit() || c == '_' || c == '.') {
        *i += 1;
    }
    let raw: String = chars[at..*i].iter().collect();
    if peek(*i).is_some_and(|c| c.is_alphanumeric()) {
        return fail(at, format!("{raw:?} is followed by a letter: expected a number like 1000 or 12.5"));
    }
    let valid = !raw.ends_with(['_', '.']) && !raw.contains("__") && !raw.contains("_.") && !raw.contains("._");
    let number: Option<f64> = valid.then(|| raw.replace('_', "").parse().ok()).flatten();
    match number {
        Some(number) if number.is_finite() => Ok(Tok::Num(number)),
        _ => fail(at, format!("{raw:?} is not a valid number: expected digits like 1000, 1_000 or 12.5")),
    }
}

/// A value as written: a field path, a literal or a time keyword, with an optional day offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// 0-based character index.
    pub at: usize,
    /// What it is.
    pub kind: TermKind,
    /// `+ N days` / `- N days`, with the position of the sign.
    pub offset: Option<(i64, usize)>,
}

/// The kinds of terms.
#[derive(Debug, Clone, PartialEq)]
pub enum TermKind {
    /// A field path (resolved later).
    Path(String),
    /// A text literal.
    Str(String),
    /// A number literal.
    Num(f64),
    /// A date literal.
    Date(NaiveDate),
    /// A date-time literal.
    DateTime(DateTime<Utc>),
    /// `true` or `false`.
    Bool(bool),
    /// `empty`.
    Empty,
    /// `today`.
    Today,
    /// `now`.
    Now,
}

/// A predicate on terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// `a OP b`.
    Compare {
        /// Left side.
        left: Term,
        /// Operator.
        op: CmpOp,
        /// Operator position.
        op_at: usize,
        /// Right side.
        right: Term,
    },
    /// `x [not] between lo and hi`.
    Between {
        /// Tested value.
        x: Term,
        /// Lower bound.
        lo: Term,
        /// Upper bound.
        hi: Term,
        /// With `not`.
        negated: bool,
    },
    /// `x [not] matches "regex"`.
    Matches {
        /// Tested value.
        x: Term,
        /// The pattern.
        pattern: Term,
        /// With `not`.
        negated: bool,
    },
    /// `x [not] in (a, b, ...)`.
    In {
        /// Tested value.
        x: Term,
        /// The candidates.
        items: Vec<Term>,
        /// With `not`.
        negated: bool,
    },
    /// `x is [not] empty`.
    IsEmpty {
        /// Tested value.
        x: Term,
        /// With `not`.
        negated: bool,
    },
    /// `x [not] contains|starts_with|ends_with "s"`.
    Text {
        /// Tested value.
        x: Term,
        /// Operator.
        op: TextOp,
        /// Operator position.
        op_at: usize,
        /// The text looked for.
        needle: Term,
        /// With `not`.
        negated: bool,
    },
    /// A term standing alone (a boolean field or literal).
    Bare(Term),
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All must hold.
    And(Vec<Expr>),
    /// One must hold.
    Or(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// `if cond then a [else b]`.
    If(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    /// A predicate.
    Pred(Pred),
}

/// Parses an expression.
pub fn parse(input: &str) -> Result<Expr, SyntaxError> {
    let chars: Vec<char> = input.chars().collect();
    if chars.len() > MAX_LENGTH {
        return fail(MAX_LENGTH, format!("the rule is {} characters long; at most {MAX_LENGTH} are allowed", chars.len()));
    }
    let tokens = tokenize(&chars)?;
    if matches!(tokens.first(), Some(Token { tok: Tok::End, .. })) {
        return fail(0, "the rule is empty: write a condition that must hold, like `amount > 0`");
    }
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
    let expr = parser.cond()?;
    let token = parser.peek();
    if token.tok != Tok::End {
        let hint = match &token.tok {
            Tok::RParen => " (there is no ( to close)".to_string(),
            _ => String::new(),
        };
        return fail(token.at, format!("expected `and`, `or` or the end of the rule, found {}{hint}", describe(&token.tok)));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with `End`, and the parser never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].tok
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::End {
            self.pos += 1;
        }
        token
    }

    fn is_kw(&self, keyword: &str) -> bool {
        is_keyword(&self.peek().tok, keyword)
    }

    fn eat_kw(&mut self, keyword: &str) -> bool {
        let found = self.is_kw(keyword);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect_kw(&mut self, keyword: &str, context: &str) -> Result<(), SyntaxError> {
        if self.eat_kw(keyword) {
            return Ok(());
        }
        let token = self.peek();
        fail(token.at, format!("expected `{keyword}` {context}, found {}", describe(&token.tok)))
    }

    fn enter(&mut self, at: usize) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return fail(at, format!("the rule nests deeper than {MAX_DEPTH} levels of parentheses, `not` and `if`"));
        }
        Ok(())
    }

    /// cond := 'if' disj 'then' cond ['else' cond] | disj
    fn cond(&mut self) -> Result<Expr, SyntaxError> {
        if !self.is_kw("if") {
            return self.disj();
        }
        let at = self.next().at;
        self.enter(at)?;
        let cond = self.disj()?;
        self.expect_kw("then", "after the condition of `if`")?;
        let then = self.cond()?;
        let otherwise = if self.eat_kw("else") { Some(Box::new(self.cond()?)) } else { None };
        self.depth -= 1;
        Ok(Expr::If(Box::new(cond), Box::new(then), otherwise))
    }

    /// disj := conj ('or' conj)*
    fn disj(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.conj()?;
        if !self.is_kw("or") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_kw("or") {
            items.push(self.conj()?);
        }
        Ok(Expr::Or(items))
    }

    /// conj := neg ('and' neg)*
    fn conj(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.neg()?;
        if !self.is_kw("and") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_kw("and") {
            items.push(self.neg()?);
        }
        Ok(Expr::And(items))
    }

    /// neg := 'not' neg | atom
    fn neg(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_kw("not") {
            let at = self.next().at;
            self.enter(at)?;
            let inner = self.neg()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.atom()
    }

    /// atom := '(' cond ')' | 'if' ... | predicate
    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_kw("if") {
            return self.cond();
        }
        if self.peek().tok == Tok::LParen {
            let open = self.next().at;
            self.enter(open)?;
            let inner = self.cond()?;
            let token = self.next();
            if token.tok != Tok::RParen {
                return fail(
                    token.at,
                    format!("expected `)` to close the `(` at character {}, found {}", open + 1, describe(&token.tok)),
                );
            }
            self.depth -= 1;
            return Ok(inner);
        }
        self.predicate().map(Expr::Pred)
    }

    fn predicate(&mut self) -> Result<Pred, SyntaxError> {
        let x = self.term()?;
        let token = self.peek().clone();
        if let Tok::Cmp(op) = token.tok {
            self.pos += 1;
            let right = self.term()?;
            return Ok(Pred::Compare { left: x, op, op_at: token.at, right });
        }
        if self.eat_kw("is") {
            let negated = self.eat_kw("not");
            if self.eat_kw("empty") {
                return Ok(Pred::IsEmpty { x, negated });
            }
            let right = self.term()?;
            let op = if negated { CmpOp::Ne } else { CmpOp::Eq };
            return Ok(Pred::Compare { left: x, op, op_at: token.at, right });
        }
        let negated = is_keyword(&token.tok, "not")
            && ["between", "matches", "in", "contains", "starts_with", "ends_with"]
                .iter()
                .any(|keyword| is_keyword(self.peek_at(1), keyword));
        if negated {
            self.pos += 1;
        }
        let op_token = self.peek().clone();
        if self.eat_kw("between") {
            let lo = self.term()?;
            self.expect_kw("and", "between the bounds of `between`")?;
            let hi = self.term()?;
            return Ok(Pred::Between { x, lo, hi, negated });
        }
        if self.eat_kw("matches") {
            let pattern = self.term()?;
            return Ok(Pred::Matches { x, pattern, negated });
        }
        if self.eat_kw("in") {
            let open = self.next();
            if open.tok != Tok::LParen {
                return fail(open.at, format!("expected `(` to start the list of `in`, found {}", describe(&open.tok)));
            }
            let mut items = vec![self.term()?];
            loop {
                let token = self.next();
                match token.tok {
                    Tok::Comma => items.push(self.term()?),
                    Tok::RParen => break,
                    other => {
                        return fail(token.at, format!("expected `,` or `)` in the list of `in`, found {}", describe(&other)))
                    }
                }
            }
            return Ok(Pred::In { x, items, negated });
        }
        for op in [TextOp::Contains, TextOp::StartsWith, TextOp::EndsWith] {
            if self.eat_kw(op.as_str()) {
                let needle = self.term()?;
                return Ok(Pred::Text { x, op, op_at: op_token.at, needle, negated });
            }
        }
        Ok(Pred::Bare(x))
    }

    /// term := ['-'] value [('+' | '-') number ('day' | 'days')]
    fn term(&mut self) -> Result<Term, SyntaxError> {
        let token = self.next();
        let at = token.at;
        let kind = match token.tok {
            Tok::Minus => {
                let number = self.next();
                match number.tok {
                    Tok::Num(value) => TermKind::Num(-value),
                    other => return fail(number.at, format!("expected a number after `-`, found {}", describe(&other))),
                }
            }
            Tok::Num(value) => TermKind::Num(value),
            Tok::Str(text) => TermKind::Str(text),
            Tok::Date(date) => TermKind::Date(date),
            Tok::DateTime(instant) => TermKind::DateTime(instant),
            Tok::Quoted(path) => TermKind::Path(path),
            Tok::Word(word) => match word.to_ascii_lowercase().as_str() {
                "true" => TermKind::Bool(true),
                "false" => TermKind::Bool(false),
                "empty" => TermKind::Empty,
                "today" => TermKind::Today,
                "now" => TermKind::Now,
                lower if KEYWORDS.contains(&lower) => {
                    return fail(at, format!("expected a field or a value, found the keyword `{word}`"));
                }
                _ => TermKind::Path(word),
            },
            Tok::End => return fail(at, "the rule ends too early: expected a field or a value"),
            other => return fail(at, format!("expected a field or a value, found {}", describe(&other))),
        };
        let mut term = Term { at, kind, offset: None };
        let sign = match self.peek().tok {
            Tok::Plus => 1,
            Tok::Minus => -1,
            _ => return Ok(term),
        };
        let sign_at = self.next().at;
        let amount = self.next();
        let days = match amount.tok {
            Tok::Num(value) if value.fract() == 0.0 && value.abs() <= 1_000_000.0 => value as i64,
            other => {
                return fail(amount.at, format!("expected a whole number of days after `+` or `-`, found {}", describe(&other)))
            }
        };
        let unit = self.peek().clone();
        if !(is_keyword(&unit.tok, "day") || is_keyword(&unit.tok, "days")) {
            return fail(unit.at, format!("expected `days` after the number, found {}", describe(&unit.tok)));
        }
        self.pos += 1;
        term.offset = Some((sign * days, sign_at));
        Ok(term)
    }
}

fn is_keyword(tok: &Tok, keyword: &str) -> bool {
    matches!(tok, Tok::Word(word) if word.eq_ignore_ascii_case(keyword))
}
