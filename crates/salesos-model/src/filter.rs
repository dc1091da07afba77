//! The filter language for records, parsed into a syntax tree with positions.
//!
//! ```text
//! filter     := or
//! or         := and ("or" and)*
//! and        := unary ("and" unary)*
//! unary      := "not" unary | "(" filter ")" | comparison
//! comparison := PATH op VALUE
//!             | PATH ["not"] "in" "(" VALUE ("," VALUE)* ")"
//!             | PATH "is" ["not"] "empty"
//! op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "starts_with"
//! VALUE      := "double quoted" | 'single quoted' | number | true | false
//! ```
//!
//! Keywords are case-insensitive. Inside quotes a backslash escapes the next character.
//! Examples: `email = "jane@acme.io"`, `amount >= 1000 and stage in ("proposal", "negotiation")`,
//! `account.name starts_with "Acme" or not (phone is empty)`, `custom.score > 80`,
//! `created_at >= "2026-01-01"`. [`crate::query::resolve_filter`] checks paths and value types.

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `contains` (case-insensitive substring)
    Contains,
    /// `starts_with` (case-insensitive prefix)
    StartsWith,
}

impl CompareOp {
    /// Returns the operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Contains => "contains",
            CompareOp::StartsWith => "starts_with",
        }
    }
}

/// A literal as written in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A quoted string.
    Text(String),
    /// A number.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
}

/// A parsed filter expression; `pos` is the 0-based character offset where a part starts.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterExpr {
    /// Both hold.
    And(Box<FilterExpr>, Box<FilterExpr>),
    /// Either holds.
    Or(Box<FilterExpr>, Box<FilterExpr>),
    /// Does not hold.
    Not(Box<FilterExpr>),
    /// `path op value`.
    Compare {
        /// The path.
        path: String,
        /// Where the path starts.
        pos: usize,
        /// The operator.
        op: CompareOp,
        /// The value.
        value: Literal,
        /// Where the value starts.
        value_pos: usize,
    },
    /// `path [not] in (values)`.
    In {
        /// The path.
        path: String,
        /// Where the path starts.
        pos: usize,
        /// Whether `not in`.
        negated: bool,
        /// The values with their positions.
        values: Vec<(Literal, usize)>,
    },
    /// `path is [not] empty`.
    Empty {
        /// The path.
        path: String,
        /// Where the path starts.
        pos: usize,
        /// Whether `is not empty`.
        negated: bool,
    },
}

/// Why a filter does not parse or does not fit the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter error at position {position}: {message}")]
pub struct FilterError {
    /// 0-based character offset.
    pub position: usize,
    /// What is wrong, naming the field where there is one.
    pub message: String,
    /// The field path concerned, if any.
    pub field: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Op(CompareOp),
    LParen,
    RParen,
    Comma,
    End,
}

/// Longest filter accepted, in characters; a guard against abuse.
pub const MAX_FILTER_LEN: usize = 8_192;
/// Deepest nesting of parentheses and `not` accepted.
pub const MAX_DEPTH: usize = 64;

fn lex(input: &str) -> Result<Vec<(Token, usize)>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let err = |position: usize, message: String| FilterError { position, message, field: None };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let token = match c {
            '(' => {
                i += 1;
                Token::LParen
            }
            ')' => {
                i += 1;
                Token::RParen
            }
            ',' => {
                i += 1;
                Token::Comma
            }
            '=' => {
                i += if chars.get(i + 1) == Some(&'=') { 2 } else { 1 };
                Token::Op(CompareOp::Eq)
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 2;
                Token::Op(CompareOp::Ne)
            }
            '<' | '>' => {
                let with_eq = chars.get(i + 1) == Some(&'=');
                let not_eq = c == '<' && chars.get(i + 1) == Some(&'>');
                i += if with_eq || not_eq { 2 } else { 1 };
                Token::Op(match (c, with_eq, not_eq) {
                    (_, _, true) => CompareOp::Ne,
                    ('<', true, _) => CompareOp::Le,
                    ('<', false, _) => CompareOp::Lt,
                    (_, true, _) => CompareOp::Ge,
                    _ => CompareOp::Gt,
                })
            }
            '"' | '\'' => {
                let quote = c;
                i += 1;
                let mut text = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(err(start, format!("unterminated string starting with {quote}"))),
                        Some('\\') => {
                            let escaped = chars.get(i + 1).ok_or_else(|| err(i, "backslash at end of filter".into()))?;
                            text.push(*escaped);
                            i += 2;
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                Token::Text(text)
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit() || *d == '.'))
                || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || matches!(chars[i], '.' | 'e' | 'E' | '_')
                        || (matches!(chars[i], '-' | '+') && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
                let number: f64 = text.parse().map_err(|_| err(start, format!("{text:?} is not a number")))?;
                if !number.is_finite() {
                    return Err(err(start, format!("{text:?} is not a finite number")));
                }
                Token::Number(number)
            }
            c if c.is_alphanumeric() || c == '_' => {
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '[' | ']' | '-')) {
                    if chars[i] == '[' {
                        // A label may hold any character up to the closing bracket.
                        while i < chars.len() && chars[i] != ']' {
                            i += 1;
                        }
                        if i == chars.len() {
                            return Err(err(start, "missing ] in field path".into()));
                        }
                    }
                    i += 1;
                }
                Token::Word(chars[start..i].iter().collect())
            }
            other => return Err(err(start, format!("unexpected character {other:?}"))),
        };
        tokens.push((token, start));
    }
    tokens.push((Token::End, chars.len()));
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
    depth: usize,
}

fn keyword(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> &(Token, usize) {
        &self.tokens[self.next]
    }

    fn bump(&mut self) -> (Token, usize) {
        let token = self.tokens[self.next].clone();
        if self.next + 1 < self.tokens.len() {
            self.next += 1;
        }
        token
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError { position: self.peek().1, message: message.into(), field: None })
    }

    fn or(&mut self) -> Result<FilterExpr, FilterError> {
        let mut left = self.and()?;
        while keyword(&self.peek().0, "or") {
            self.bump();
            left = FilterExpr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<FilterExpr, FilterError> {
        let mut left = self.unary()?;
        while keyword(&self.peek().0, "and") {
            self.bump();
            left = FilterExpr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<FilterExpr, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let result = if keyword(&self.peek().0, "not") {
            self.bump();
            self.unary().map(|inner| FilterExpr::Not(Box::new(inner)))
        } else if self.peek().0 == Token::LParen {
            self.bump();
            let inner = self.or()?;
            if self.peek().0 != Token::RParen {
                return self.error("expected )");
            }
            self.bump();
            Ok(inner)
        } else {
            self.comparison()
        };
        self.depth -= 1;
        result
    }

    fn literal(&mut self) -> Result<(Literal, usize), FilterError> {
        let (token, pos) = self.bump();
        let literal = match token {
            Token::Text(text) => Literal::Text(text),
            Token::Number(number) => Literal::Number(number),
            Token::Word(word) if word.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Token::Word(word) if word.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Token::Word(word) => {
                return Err(FilterError {
                    position: pos,
                    message: format!("expected a value, found {word:?} (quote text values)"),
                    field: None,
                })
            }
            Token::End => {
                return Err(FilterError { position: pos, message: "expected a value, found the end".into(), field: None })
            }
            _ => return Err(FilterError { position: pos, message: "expected a value".into(), field: None }),
        };
        Ok((literal, pos))
    }

    fn comparison(&mut self) -> Result<FilterExpr, FilterError> {
        let (token, pos) = self.bump();
        let path = match token {
            Token::Word(word) if !["and", "or", "not", "in", "is"].iter().any(|k| word.eq_ignore_ascii_case(k)) => word,
            Token::End => {
                return Err(FilterError { position: pos, message: "expected a field, found the end".into(), field: None })
            }
            _ => return Err(FilterError { position: pos, message: "expected a field name".into(), field: None }),
        };
        let (op_token, op_pos) = self.bump();
        match op_token {
            Token::Op(op) => {
                let (value, value_pos) = self.literal()?;
                Ok(FilterExpr::Compare { path, pos, op, value, value_pos })
            }
            Token::Word(word) if word.eq_ignore_ascii_case("contains") || word.eq_ignore_ascii_case("starts_with") => {
                let op = if word.eq_ignore_ascii_case("contains") { CompareOp::Contains } else { CompareOp::StartsWith };
                let (value, value_pos) = self.literal()?;
                Ok(FilterExpr::Compare { path, pos, op, value, value_pos })
            }
            Token::Word(word) if word.eq_ignore_ascii_case("is") => {
                let negated = keyword(&self.peek().0, "not");
                if negated {
                    self.bump();
                }
                if !keyword(&self.peek().0, "empty") {
                    return self.error("expected empty after is");
                }
                self.bump();
                Ok(FilterExpr::Empty { path, pos, negated })
            }
            Token::Word(word) if word.eq_ignore_ascii_case("in") || word.eq_ignore_ascii_case("not") => {
                let negated = word.eq_ignore_ascii_case("not");
                if negated {
                    if !keyword(&self.peek().0, "in") {
                        return self.error("expected in after not");
                    }
                    self.bump();
                }
                if self.peek().0 != Token::LParen {
                    return self.error("expected ( after in");
                }
                self.bump();
                let mut values = vec![self.literal()?];
                while self.peek().0 == Token::Comma {
                    self.bump();
                    values.push(self.literal()?);
                }
                if self.peek().0 != Token::RParen {
                    return self.error("expected , or ) in the list");
                }
                self.bump();
                Ok(FilterExpr::In { path, pos, negated, values })
            }
            _ => Err(FilterError {
                position: op_pos,
                message: format!("expected an operator after {path} (=, !=, <, <=, >, >=, contains, starts_with, in, is empty)"),
                field: Some(path),
            }),
        }
    }
}

/// Parses a filter; an empty or blank filter is `Ok(None)`.
pub fn parse_filter(input: &str) -> Result<Option<FilterExpr>, FilterError> {
    if input.chars().count() > MAX_FILTER_LEN {
        return Err(FilterError {
            position: MAX_FILTER_LEN,
            message: format!("longer than {MAX_FILTER_LEN} characters"),
            field: None,
        });
    }
    if input.trim().is_empty() {
        return Ok(None);
    }
    let mut parser = Parser { tokens: lex(input)?, next: 0, depth: 0 };
    let expr = parser.or()?;
    match parser.peek().0 {
        Token::End => Ok(Some(expr)),
        Token::RParen => parser.error("unbalanced )"),
        _ => parser.error("expected and, or, or the end"),
    }
}

#[cfg(test)]
mod tests;
