//! Custom validation rules: a small expression language an admin writes per object, checked on
//! every imported row.
//!
//! (Interface stub: a helper replaces the bodies with the parser and evaluator.)

use salesos_model::record::Fields;
use salesos_model::schema::{ObjectDef, Schema};
use serde::{Deserialize, Serialize};

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
    /// Storage keys of the fields it reads (the error report names the first).
    pub fields: Vec<String>,
}

impl CompiledRule {
    /// Parses a rule's expression and resolves its field paths against the object.
    pub fn compile(schema: &Schema, object: &ObjectDef, def: &RuleDef) -> Result<CompiledRule, RuleError> {
        let _ = (schema, object);
        Ok(CompiledRule { def: def.clone(), fields: Vec::new() })
    }

    /// Returns whether a row's values satisfy the rule.
    pub fn holds(&self, fields: &Fields, context: &RuleContext) -> bool {
        let _ = (fields, context);
        true
    }

    /// Returns the message for a row that breaks the rule.
    pub fn message(&self) -> String {
        self.def.message.clone().unwrap_or_else(|| format!("rule {:?} does not hold: {}", self.def.name, self.def.expression))
    }
}
