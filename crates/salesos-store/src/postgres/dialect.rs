//! PostgreSQL's side of the query compiler: JSONB operators, typed casts and ILIKE.

use crate::compile::{Dialect, Part};
use crate::sql::SqlValue;
use salesos_model::schema::FieldType;

/// The PostgreSQL dialect.
pub(crate) struct PostgresDialect;

fn quote(key: &str) -> String {
    format!("'{}'", key.replace('\'', "''"))
}

impl Dialect for PostgresDialect {
    fn param(&self, n: usize) -> String {
        format!("${n}")
    }

    fn scalar(&self, alias: &str, key: &str, part: Part, field_type: FieldType) -> String {
        let key = quote(key);
        let text = match part {
            Part::Whole => format!("{alias}.data->>{key}"),
            Part::First => format!("{alias}.data->{key}->>0"),
            Part::PrimaryValue => format!("{alias}.data->{key}->0->>1"),
        };
        match field_type {
            FieldType::Number | FieldType::Percent | FieldType::Currency if part != Part::PrimaryValue => {
                format!("({text})::float8")
            }
            FieldType::Reference => format!("({text})::int8"),
            FieldType::Boolean => format!("({text})::boolean"),
            _ => format!("({text})"),
        }
    }

    fn pairs_from(&self, alias: &str, column: &str, key: Option<&str>) -> String {
        match key {
            Some(key) => format!("jsonb_array_elements(CASE WHEN jsonb_typeof({alias}.{column}->{k}) = 'array' THEN {alias}.{column}->{k} ELSE '[]'::jsonb END) e", k = quote(key)),
            None => format!("jsonb_array_elements({alias}.{column}) e"),
        }
    }

    fn pair_label(&self) -> &'static str {
        "(e->>0)"
    }

    fn pair_value(&self) -> &'static str {
        "(e->>1)"
    }

    fn items_from(&self, alias: &str, key: &str) -> String {
        format!("jsonb_array_elements_text(CASE WHEN jsonb_typeof({alias}.data->{k}) = 'array' THEN {alias}.data->{k} ELSE '[]'::jsonb END) e(v)", k = quote(key))
    }

    fn item_value(&self) -> &'static str {
        "e.v"
    }

    fn like(&self, expr: &str, pattern_param: &str) -> String {
        format!("{expr} ILIKE {pattern_param}")
    }

    fn false_literal(&self) -> &'static str {
        "FALSE"
    }

    fn bool_value(&self, flag: bool) -> SqlValue {
        SqlValue::from(flag)
    }

    fn two_level_keys(&self) -> bool {
        false
    }

    fn records_from(&self, _walk_by_id: bool) -> &'static str {
        // PostgreSQL's cost-based planner chooses well with statistics; no hints.
        "records r"
    }

    fn order_suffix(&self, descending: bool) -> &'static str {
        if descending {
            " NULLS LAST"
        } else {
            " NULLS FIRST"
        }
    }
}
