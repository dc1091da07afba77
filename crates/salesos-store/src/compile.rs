//! Compiles a resolved [`RecordQuery`] into SQL for one backend. The SQL shapes are shared;
//! every dialect difference (JSON access, placeholders, case-insensitive LIKE, NULL order) is a
//! method of [`Dialect`], implemented in `sqlite/dialect.rs` and `postgres/dialect.rs`.

use crate::sql::SqlValue;
use salesos_model::access::VisibilityScope;
use salesos_model::filter::CompareOp;
use salesos_model::ids::ObjectId;
use salesos_model::keys::{external_id_key, normalize_email, normalize_phone, MatchKey, MatchKeyKind};
use salesos_model::path::{PathTarget, ResolvedPath, SystemField};
use salesos_model::query::{Cond, Cursor, RecordQuery};
use salesos_model::schema::{FieldType, Schema};
use salesos_model::value::{format_datetime, Value};

/// Which part of a stored JSON value an expression reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The whole value.
    Whole,
    /// Element 0 (the amount of a money value).
    First,
    /// The value of the first labelled entry (primary email or phone).
    PrimaryValue,
}

/// The differences between SQL dialects that the query compiler needs.
pub(crate) trait Dialect {
    /// The placeholder for parameter `n` (1-based).
    fn param(&self, n: usize) -> String;
    /// A scalar read from `alias.data[key]`, cast for comparisons of the given type.
    fn scalar(&self, alias: &str, key: &str, part: Part, field_type: FieldType) -> String;
    /// A `FROM` clause over the `[label, value]` pairs of a JSON array, naming the row `e`.
    /// `column` is `data` (with `key`) or `external_ids` (without).
    fn pairs_from(&self, alias: &str, column: &str, key: Option<&str>) -> String;
    /// The label of pair `e`.
    fn pair_label(&self) -> &'static str;
    /// The value of pair `e`.
    fn pair_value(&self) -> &'static str;
    /// A `FROM` clause over the text items of a JSON array, naming the row `e`.
    fn items_from(&self, alias: &str, key: &str) -> String;
    /// The text of item `e`.
    fn item_value(&self) -> &'static str;
    /// A case-insensitive LIKE with `\` as escape.
    fn like(&self, expr: &str, pattern_param: &str) -> String;
    /// The SQL literal for false.
    fn false_literal(&self) -> &'static str;
    /// A boolean parameter as the dialect compares JSON booleans.
    fn bool_value(&self, flag: bool) -> SqlValue;
    /// The ORDER BY suffix that puts NULLs first ascending and last descending.
    fn order_suffix(&self, descending: bool) -> &'static str;
    /// The FROM clause over records aliased `r`; `walk_by_id` asks to walk the object's records in
    /// id order (SQLite's planner otherwise may pick any index that starts with `object_id` and
    /// sort a million rows for a 100-row page).
    fn records_from(&self, walk_by_id: bool) -> &'static str;
    /// Whether new match keys go to `match_keys_recent` first (see `key_merge.rs`), so that
    /// lookups read both tables.
    fn two_level_keys(&self) -> bool;
}

/// Returns the `records` column that holds a system field.
fn system_column(system: SystemField) -> &'static str {
    match system {
        SystemField::Id => "id",
        SystemField::Owner => "owner_id",
        SystemField::CreatedAt => "created_at",
        SystemField::UpdatedAt => "updated_at",
        SystemField::Version => "version",
    }
}

/// Returns the index-name suffix of a field key, as `Store::create_field_index` names indexes.
pub(crate) fn index_suffix(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// Returns whether a query can use an index other than the object's id order: an equality or
/// range on an indexed field, an equality narrowed through match keys, or a sort by an indexed field.
fn uses_other_index(builder: &Builder<'_>, query: &RecordQuery, indexed: &[String]) -> bool {
    let indexed_key = |path: &ResolvedPath| match &path.target {
        PathTarget::Field { key } | PathTarget::Primary { key } => indexed.contains(&index_suffix(key)),
        _ => false,
    };
    let conjuncts: Vec<&Cond> = match &query.cond {
        Some(Cond::And(parts)) => parts.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let by_condition = conjuncts.iter().any(|cond| match cond {
        Cond::Compare { path, op, value } => {
            (matches!(op, CompareOp::Eq | CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge) && indexed_key(path))
                || (*op == CompareOp::Eq && builder.match_key_for(path, value).is_some())
        }
        Cond::In { path, negated: false, .. } => indexed_key(path),
        _ => false,
    });
    let by_sort = query.sort.as_ref().is_some_and(|sort| indexed_key(&sort.path));
    by_condition || by_sort
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

struct Builder<'a> {
    dialect: &'a dyn Dialect,
    schema: &'a Schema,
    visibility: &'a VisibilityScope,
    params: Vec<SqlValue>,
}

impl Builder<'_> {
    fn param(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        self.dialect.param(self.params.len())
    }

    fn is_multi(&self, object: ObjectId, key: &str) -> bool {
        self.schema.object_by_id(object).and_then(|o| o.field(key)).is_some_and(|f| f.multi)
    }

    /// Converts a filter value into a parameter of the type the expression yields.
    fn value_param(&mut self, value: &Value, system: bool) -> String {
        let sql_value = match value {
            Value::Null => SqlValue::Text(None),
            Value::Text(text) => SqlValue::from(text.as_str()),
            Value::Number(number) if system => SqlValue::from(*number as i64),
            Value::Number(number) => SqlValue::from(*number),
            Value::Money { amount, .. } => SqlValue::from(*amount),
            Value::Bool(flag) => self.dialect.bool_value(*flag),
            Value::Date(date) if system => SqlValue::from(date.and_time(Default::default()).and_utc().timestamp_millis()),
            Value::Date(date) => SqlValue::from(date.format("%Y-%m-%d").to_string()),
            Value::DateTime(instant) if system => SqlValue::from(instant.timestamp_millis()),
            Value::DateTime(instant) => SqlValue::from(format_datetime(instant)),
            Value::Ref(id) => SqlValue::from(id.0),
            Value::List(items) => SqlValue::from(items.join(";")),
            Value::Labeled(items) => SqlValue::from(items.first().map(|i| i.value.clone()).unwrap_or_default()),
        };
        self.param(sql_value)
    }

    fn visibility_sql(&mut self, alias: &str) -> String {
        match self.visibility {
            VisibilityScope::All => String::new(),
            VisibilityScope::Owners(owners) if owners.is_empty() => {
                format!(" AND {}", self.dialect.false_literal())
            }
            VisibilityScope::Owners(owners) => {
                let owners = owners.clone();
                let list: Vec<String> = owners.iter().map(|o| self.param(SqlValue::from(o.0))).collect();
                format!(" AND {alias}.owner_id IN ({})", list.join(", "))
            }
        }
    }

    /// Builds `predicate(expr)` for one comparison.
    fn predicate(&mut self, expr: &str, op: CompareOp, value: &Value, system: bool) -> String {
        match op {
            CompareOp::Contains | CompareOp::StartsWith => {
                let text = value.to_string();
                let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                let pattern = if op == CompareOp::Contains { format!("%{escaped}%") } else { format!("{escaped}%") };
                let param = self.param(SqlValue::from(pattern));
                self.dialect.like(expr, &param)
            }
            CompareOp::Ne => {
                let param = self.value_param(value, system);
                format!("({expr} IS NULL OR {expr} <> {param})")
            }
            _ => {
                let param = self.value_param(value, system);
                format!("{expr} {} {param}", op.as_str())
            }
        }
    }

    /// Builds the condition for one path with a predicate on the value expression.
    fn on_path(
        &mut self,
        alias: &str,
        object: ObjectId,
        path: &ResolvedPath,
        pred: &mut dyn FnMut(&mut Self, &str, bool) -> String,
    ) -> String {
        let field_type = path.field_type;
        match &path.target {
            PathTarget::System(system) => {
                let column = system_column(*system);
                pred(self, &format!("{alias}.{column}"), true)
            }
            PathTarget::Field { key } if self.is_multi(object, key) => {
                let from = self.dialect.pairs_from(alias, "data", Some(key));
                let inner = pred(self, self.dialect.pair_value(), false);
                format!("EXISTS (SELECT 1 FROM {from} WHERE {inner})")
            }
            PathTarget::Field { key } if field_type == FieldType::MultiPicklist => {
                let from = self.dialect.items_from(alias, key);
                let inner = pred(self, self.dialect.item_value(), false);
                format!("EXISTS (SELECT 1 FROM {from} WHERE {inner})")
            }
            PathTarget::Field { key } => {
                let part = if field_type == FieldType::Currency { Part::First } else { Part::Whole };
                let expr = self.dialect.scalar(alias, key, part, field_type);
                pred(self, &expr, false)
            }
            PathTarget::Primary { key } => {
                let expr = self.dialect.scalar(alias, key, Part::PrimaryValue, field_type);
                pred(self, &expr, false)
            }
            PathTarget::Labeled { key, label } => {
                let from = self.dialect.pairs_from(alias, "data", Some(key));
                let label_param = self.param(SqlValue::from(label.as_str()));
                let inner = pred(self, self.dialect.pair_value(), false);
                format!("EXISTS (SELECT 1 FROM {from} WHERE {} = {label_param} AND {inner})", self.dialect.pair_label())
            }
            PathTarget::ExternalId { system } => {
                let from = self.dialect.pairs_from(alias, "external_ids", None);
                let system_param = self.param(SqlValue::from(system.as_str()));
                let inner = pred(self, self.dialect.pair_value(), false);
                format!("EXISTS (SELECT 1 FROM {from} WHERE {} = {system_param} AND {inner})", self.dialect.pair_label())
            }
            PathTarget::Related { via_key, object: target, inner } => {
                let ref_expr = self.dialect.scalar(alias, via_key, Part::Whole, FieldType::Reference);
                let inner_alias = format!("{alias}x");
                let target_param = self.param(SqlValue::from(target.0));
                let visibility = self.visibility_sql(&inner_alias);
                let inner_path = ResolvedPath { text: path.text.clone(), target: (**inner).clone(), field_type };
                let inner_sql = self.on_path(&inner_alias, *target, &inner_path, pred);
                format!(
                    "{ref_expr} IN (SELECT {inner_alias}.id FROM records {inner_alias} WHERE {inner_alias}.object_id = {target_param}{visibility} AND {inner_sql})"
                )
            }
        }
    }

    fn cond(&mut self, alias: &str, object: ObjectId, cond: &Cond) -> String {
        match cond {
            Cond::And(parts) | Cond::Or(parts) => {
                let joiner = if matches!(cond, Cond::And(_)) { " AND " } else { " OR " };
                let compiled: Vec<String> = parts.iter().map(|p| self.cond(alias, object, p)).collect();
                format!("({})", compiled.join(joiner))
            }
            // NULL-safe: a record with an empty field satisfies `not (field = x)`.
            Cond::Not(inner) => format!("NOT COALESCE({}, {})", self.cond(alias, object, inner), self.dialect.false_literal()),
            Cond::Compare { path, op, value } => {
                let (op, value) = (*op, value.clone());
                let exact = self.on_path(alias, object, path, &mut |b, expr, system| b.predicate(expr, op, &value, system));
                match (op, self.match_key_for(path, &value)) {
                    // Equality on an email, phone or external id first narrows by the indexed
                    // match keys; the exact predicate then confirms each candidate.
                    (CompareOp::Eq, Some(key)) => {
                        let object_param = self.param(SqlValue::from(object.0));
                        let kind_param = self.param(SqlValue::from(key.kind.code()));
                        let hash_param = self.param(SqlValue::from(key.hash()));
                        let recent = if self.dialect.two_level_keys() {
                            format!(" UNION ALL SELECT mr.record_id FROM match_keys_recent mr WHERE mr.object_id = {object_param} AND mr.kind = {kind_param} AND mr.key_hash = {hash_param}")
                        } else {
                            String::new()
                        };
                        format!(
                            "({alias}.id IN (SELECT mk.record_id FROM match_keys mk WHERE mk.object_id = {object_param} AND mk.kind = {kind_param} AND mk.key_hash = {hash_param}{recent}) AND {exact})"
                        )
                    }
                    _ => exact,
                }
            }
            Cond::In { path, negated, values } => {
                let (negated, values) = (*negated, values.clone());
                self.on_path(alias, object, path, &mut |b, expr, system| {
                    let list: Vec<String> = values.iter().map(|v| b.value_param(v, system)).collect();
                    if negated {
                        format!("({expr} IS NULL OR {expr} NOT IN ({}))", list.join(", "))
                    } else {
                        format!("{expr} IN ({})", list.join(", "))
                    }
                })
            }
            Cond::Empty { path, negated } => {
                let negated = *negated;
                let check_whole = |b: &mut Self, alias: &str, key: &str| {
                    let expr = b.dialect.scalar(alias, key, Part::Whole, FieldType::Text);
                    if negated {
                        format!("{expr} IS NOT NULL")
                    } else {
                        format!("{expr} IS NULL")
                    }
                };
                match &path.target {
                    PathTarget::Field { key } => check_whole(self, alias, key),
                    PathTarget::Labeled { .. } | PathTarget::ExternalId { .. } | PathTarget::Related { .. } => {
                        // "empty" means: no entry (or related record) with a value.
                        let exists = self.on_path(alias, object, path, &mut |_, expr, _| format!("{expr} IS NOT NULL"));
                        if negated {
                            exists
                        } else {
                            format!("NOT COALESCE({exists}, {})", self.dialect.false_literal())
                        }
                    }
                    _ => self.on_path(alias, object, path, &mut |_, expr, _| {
                        if negated {
                            format!("{expr} IS NOT NULL")
                        } else {
                            format!("{expr} IS NULL")
                        }
                    }),
                }
            }
        }
    }

    /// Compiles what a query selects: its object, the visible owners and its condition.
    fn selection(&mut self, query: &RecordQuery) -> String {
        let object_param = self.param(SqlValue::from(query.object_id.0));
        let mut sql = format!("r.object_id = {object_param}");
        sql.push_str(&self.visibility_sql("r"));
        if let Some(cond) = &query.cond {
            sql.push_str(" AND ");
            sql.push_str(&self.cond("r", query.object_id, cond));
        }
        sql
    }

    /// Returns the match key an equality on this path can be narrowed by, if any.
    fn match_key_for(&self, path: &ResolvedPath, value: &Value) -> Option<MatchKey> {
        let text = value.primary_text()?;
        match (&path.target, path.field_type) {
            (PathTarget::Primary { .. } | PathTarget::Labeled { .. } | PathTarget::Field { .. }, FieldType::Email) => {
                Some(MatchKey { kind: MatchKeyKind::Email, normalized: normalize_email(text)? })
            }
            // Only an international number normalizes the same whatever the default country.
            (PathTarget::Primary { .. } | PathTarget::Labeled { .. } | PathTarget::Field { .. }, FieldType::Phone)
                if text.trim_start().starts_with('+') =>
            {
                Some(MatchKey { kind: MatchKeyKind::Phone, normalized: normalize_phone(text, "US")? })
            }
            (PathTarget::ExternalId { system }, _) => Some(MatchKey {
                kind: MatchKeyKind::ExternalId,
                normalized: external_id_key(&salesos_model::record::ExternalId {
                    system: system.clone(),
                    id: text.trim().to_string(),
                }),
            }),
            _ => None,
        }
    }

    /// The expression sorted by, and whether it is a system column.
    fn sort_expr(&self, alias: &str, path: &ResolvedPath) -> (String, bool) {
        match &path.target {
            PathTarget::System(system) => {
                let column = system_column(*system);
                (format!("{alias}.{column}"), true)
            }
            PathTarget::Primary { key } => (self.dialect.scalar(alias, key, Part::PrimaryValue, path.field_type), false),
            PathTarget::Field { key } => {
                let part = if path.field_type == FieldType::Currency { Part::First } else { Part::Whole };
                (self.dialect.scalar(alias, key, part, path.field_type), false)
            }
            _ => (format!("{alias}.id"), true),
        }
    }

    fn json_param(&mut self, value: &serde_json::Value, field_type: FieldType, system: bool) -> String {
        let sql_value = match value {
            serde_json::Value::Bool(flag) => self.dialect.bool_value(*flag),
            serde_json::Value::Number(number)
                if number.is_i64()
                    && (system || !matches!(field_type, FieldType::Number | FieldType::Percent | FieldType::Currency)) =>
            {
                SqlValue::from(number.as_i64().unwrap_or_default())
            }
            serde_json::Value::Number(number) => SqlValue::from(number.as_f64().unwrap_or_default()),
            serde_json::Value::String(text) => SqlValue::from(text.as_str()),
            _ => SqlValue::Text(None),
        };
        self.param(sql_value)
    }
}

/// Compiles the selection of a page: `SELECT <columns> FROM records r WHERE … ORDER BY … LIMIT n`.
pub(crate) fn select_page(
    dialect: &dyn Dialect,
    schema: &Schema,
    query: &RecordQuery,
    columns: &str,
    indexed: &[String],
) -> Compiled {
    let mut builder = Builder { dialect, schema, visibility: &query.visibility, params: Vec::new() };
    let sorted_by_id = match &query.sort {
        None => true,
        Some(sort) => matches!(sort.path.target, PathTarget::System(SystemField::Id)),
    };
    let walk_by_id = sorted_by_id && !uses_other_index(&builder, query, indexed);
    let mut sql = format!("SELECT {columns} FROM {} WHERE ", dialect.records_from(walk_by_id));
    sql.push_str(&builder.selection(query));
    let (sort_expr, descending, sort_type, sort_system) = match &query.sort {
        Some(sort) => {
            let (expr, system) = builder.sort_expr("r", &sort.path);
            (Some(expr), sort.descending, sort.path.field_type, system)
        }
        None => (None, false, FieldType::Number, true),
    };
    if let Some(Cursor { sort_value, id }) = &query.after {
        let id_param = builder.param(SqlValue::from(id.0));
        let (id_cmp, value_cmp) = if descending { ("<", "<") } else { (">", ">") };
        match &sort_expr {
            None => sql.push_str(&format!(" AND r.id {id_cmp} {id_param}")),
            Some(expr) if sort_value.is_null() => {
                if descending {
                    sql.push_str(&format!(" AND ({expr} IS NULL AND r.id {id_cmp} {id_param})"));
                } else {
                    sql.push_str(&format!(" AND (({expr} IS NULL AND r.id {id_cmp} {id_param}) OR {expr} IS NOT NULL)"));
                }
            }
            Some(expr) => {
                let value_param = builder.json_param(sort_value, sort_type, sort_system);
                let nulls_after = if descending { format!(" OR {expr} IS NULL") } else { String::new() };
                sql.push_str(&format!(
                    " AND ({expr} {value_cmp} {value_param} OR ({expr} = {value_param} AND r.id {id_cmp} {id_param}){nulls_after})"
                ));
            }
        }
    }
    let direction = if descending { "DESC" } else { "ASC" };
    match &sort_expr {
        Some(expr) => {
            sql.push_str(&format!(" ORDER BY {expr} {direction}{}, r.id {direction}", dialect.order_suffix(descending)))
        }
        None => sql.push_str(&format!(" ORDER BY r.id {direction}")),
    }
    let limit_param = builder.param(SqlValue::from(query.limit as i64));
    sql.push_str(&format!(" LIMIT {limit_param}"));
    Compiled { sql, params: builder.params }
}

/// Compiles a count of the records a query matches (ignoring sort, cursor and limit).
pub(crate) fn count(dialect: &dyn Dialect, schema: &Schema, query: &RecordQuery) -> Compiled {
    let mut builder = Builder { dialect, schema, visibility: &query.visibility, params: Vec::new() };
    let sql = format!("SELECT COUNT(*) FROM records r WHERE {}", builder.selection(query));
    Compiled { sql, params: builder.params }
}
