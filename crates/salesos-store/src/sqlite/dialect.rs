//! SQLite's side of the query compiler: JSON through `json_extract` and `json_each`.

use crate::compile::{Dialect, Part};
use crate::sql::SqlValue;
use salesos_model::schema::FieldType;

/// The SQLite dialect.
pub(crate) struct SqliteDialect;

/// Quotes a field key for a JSON path: `$."custom.score"`.
fn json_path(key: &str, part: Part) -> String {
    let escaped = key.replace('"', "");
    let suffix = match part {
        Part::Whole => "",
        Part::First => "[0]",
        Part::PrimaryValue => "[0][1]",
    };
    format!("'$.\"{escaped}\"{suffix}'")
}

impl Dialect for SqliteDialect {
    fn param(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn scalar(&self, alias: &str, key: &str, part: Part, _field_type: FieldType) -> String {
        format!("json_extract({alias}.data, {})", json_path(key, part))
    }

    fn pairs_from(&self, alias: &str, column: &str, key: Option<&str>) -> String {
        match key {
            Some(key) => format!("json_each({alias}.{column}, {}) e", json_path(key, Part::Whole)),
            None => format!("json_each({alias}.{column}) e"),
        }
    }

    fn pair_label(&self) -> &'static str {
        "json_extract(e.value, '$[0]')"
    }

    fn pair_value(&self) -> &'static str {
        "json_extract(e.value, '$[1]')"
    }

    fn items_from(&self, alias: &str, key: &str) -> String {
        format!("json_each({alias}.data, {}) e", json_path(key, Part::Whole))
    }

    fn item_value(&self) -> &'static str {
        "e.value"
    }

    fn like(&self, expr: &str, pattern_param: &str) -> String {
        format!("{expr} LIKE {pattern_param} ESCAPE '\\'")
    }

    fn false_literal(&self) -> &'static str {
        "0"
    }

    fn bool_value(&self, flag: bool) -> SqlValue {
        SqlValue::from(i64::from(flag))
    }

    fn two_level_keys(&self) -> bool {
        true
    }

    fn records_from(&self, walk_by_id: bool) -> &'static str {
        if walk_by_id {
            "records r INDEXED BY records_object"
        } else {
            "records r"
        }
    }

    fn order_suffix(&self, _descending: bool) -> &'static str {
        // SQLite already sorts NULLs first ascending and last descending.
        ""
    }
}
