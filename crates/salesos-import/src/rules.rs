//! Custom validation rules: a small expression language an admin writes per object, checked on
//! every imported row. The full reference, with examples, is `crates/salesos-import/RULES.md`.
//!
//! A rule is one condition that must hold for the row:
//!
//! ```text
//! close_date > created_at                                  -- cross-field comparison
//! if status = "Qualified" then source is not empty         -- conditional requirement
//! custom.account_number matches "ACC-\d{6}"                -- whole-value regex (Rust regex syntax)
//! amount between 1_000 and 10_000_000                      -- inclusive range
//! ```
//!
//! In brief (lowest precedence first):
//!
//! ```text
//! rule      := cond
//! cond      := 'if' disj 'then' cond ['else' cond] | disj
//! disj      := conj ('or' conj)*
//! conj      := neg ('and' neg)*
//! neg       := 'not' neg | '(' cond ')' | predicate
//! predicate := term ('=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=') term
//!            | term 'is' ['not'] term          -- same as = / !=
//!            | term 'is' ['not'] 'empty'
//!            | term ['not'] 'between' term 'and' term
//!            | term ['not'] 'in' '(' term (',' term)* ')'
//!            | term ['not'] 'matches' "regex"
//!            | term ['not'] ('contains' | 'starts_with' | 'ends_with') "text"
//!            | term                           -- a true/false field alone
//! term      := path | "text" | 'text' | number | date | date-time | 'true' | 'false'
//!            | 'today' | 'now' | 'empty'     [('+' | '-') N 'days']
//! ```
//!
//! Field paths are those of [`salesos_model::path`] limited to the row itself: `amount`,
//! `email` (primary entry), `phones[mobile]`, `custom.score` and the system field `created_at`.
//! Keywords are case-insensitive; a field named like a keyword is written in back quotes.
//!
//! Semantics in brief: text compares ignoring case; picklists compare by option (API value or
//! label, ordered by their position in the option list); money by amount; a date against a
//! date-time by the date-time's UTC date. A comparison with an *empty* operand is **not
//! applicable** and does not fail the row (requiredness is written `is not empty`): evaluation
//! is three-valued and a rule fails only when its expression is definitely false.
//!
//! Compilation resolves paths, checks types, validates picklist values and compiles regexes, so
//! a rule that does not fit the object is refused with a [`RuleError`] naming the character
//! position; evaluation then only reads values and allocates nothing on the common paths.

mod compile;
mod eval;
mod parse;

use salesos_model::record::Fields;
use salesos_model::schema::{ObjectDef, Schema};
use serde::{Deserialize, Serialize};

pub use parse::{MAX_DEPTH, MAX_LENGTH};

/// How serious a broken rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row cannot be imported.
    #[default]
    Error,
    /// The row imports, flagged with a warning.
    Warning,
}

/// A rule as an admin defines it (stored spec).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDef {
    /// Unique name within the object.
    pub name: String,
    /// The expression that must hold, e.g. `amount between 1000 and 10000000`.
    pub expression: String,
    /// The message shown when it does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Error or warning.
    #[serde(default)]
    pub severity: Severity,
}

/// Why a rule's expression does not parse or does not fit the object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {rule:?}, at character {position}: {message}")]
pub struct RuleError {
    /// The rule's name.
    pub rule: String,
    /// 1-based character position in the expression.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

/// What a rule needs besides the row: the time (ms) standing in for `today`, `now` and a new
/// record's `created_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleContext {
    /// Now, ms since the Unix epoch.
    pub now_ms: i64,
    /// The record's creation time (now for new records).
    pub created_at_ms: i64,
}

/// A rule parsed and resolved against an object, ready to check rows.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// The definition it came from.
    pub def: RuleDef,
    /// Storage keys of the fields it reads, in order of first appearance (the error report
    /// names the first; see also [`CompiledRule::error_field`]).
    pub fields: Vec<String>,
    node: eval::Node,
}

impl CompiledRule {
    /// Parses a rule's expression and resolves its field paths against the object.
    ///
    /// Fails with the 1-based character position of the problem: a syntax error, an unknown or
    /// unreadable field (related records, external ids, system fields other than `created_at`),
    /// a type mismatch, a value that is not one of a picklist's options, an invalid regex or
    /// date, or an expression over [`MAX_LENGTH`] characters or [`MAX_DEPTH`] levels deep.
    pub fn compile(schema: &Schema, object: &ObjectDef, def: &RuleDef) -> Result<CompiledRule, RuleError> {
        let error = |err: parse::SyntaxError| RuleError { rule: def.name.clone(), position: err.at + 1, message: err.message };
        let expr = parse::parse(&def.expression).map_err(error)?;
        let mut compiler = compile::Compiler::new(schema, object);
        let node = compiler.expr(&expr).map_err(error)?;
        Ok(CompiledRule { def: def.clone(), fields: compiler.keys, node })
    }

    /// Returns whether a row's values satisfy the rule (a rule that is not applicable to the
    /// row, because a value it compares is empty, holds).
    pub fn holds(&self, fields: &Fields, context: &RuleContext) -> bool {
        self.node.eval(fields, context) != Some(false)
    }

    /// Evaluates the rule three-valued: `Some(true)` holds, `Some(false)` is broken, `None` is
    /// not applicable to the row (a compared value is empty).
    pub fn evaluate(&self, fields: &Fields, context: &RuleContext) -> Option<bool> {
        self.node.eval(fields, context)
    }

    /// Returns the storage key best naming why a row breaks the rule: the first field of the
    /// deciding predicate (for `if status = "qualified" then source is not empty`, `source`),
    /// falling back to the first field the rule reads. Meant for rows where [`holds`] is false.
    ///
    /// [`holds`]: CompiledRule::holds
    pub fn error_field(&self, fields: &Fields, context: &RuleContext) -> Option<&str> {
        let blamed = match self.node.eval(fields, context) {
            Some(false) => self.node.blame(false, fields, context),
            _ => None,
        };
        blamed.or(self.fields.first().map(String::as_str))
    }

    /// Returns the message for a row that breaks the rule.
    pub fn message(&self) -> String {
        self.def.message.clone().unwrap_or_else(|| format!("rule {:?} does not hold: {}", self.def.name, self.def.expression))
    }
}

#[cfg(test)]
mod tests;
