//! A small portable SQL layer for the simple statements both backends share (organizations,
//! users, schema, jobs, audit, files). Hot paths (bulk writes, key lookups, record queries) are
//! written per backend in `sqlite/` and `postgres/`.
//!
//! Portable statements use `$1`, `$2`, … placeholders; for SQLite they become `?1`, `?2`.
//! Integers are BIGINT and booleans BOOLEAN on PostgreSQL, INTEGER on SQLite.

use crate::error::{Result, StoreError};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// A typed SQL parameter or result value. Nulls are typed so PostgreSQL accepts them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlValue {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        SqlValue::Int(Some(value))
    }
}
impl From<Option<i64>> for SqlValue {
    fn from(value: Option<i64>) -> Self {
        SqlValue::Int(value)
    }
}
impl From<f64> for SqlValue {
    fn from(value: f64) -> Self {
        SqlValue::Real(Some(value))
    }
}
impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        SqlValue::Text(Some(value.to_string()))
    }
}
impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        SqlValue::Text(Some(value))
    }
}
impl From<&String> for SqlValue {
    fn from(value: &String) -> Self {
        SqlValue::Text(Some(value.clone()))
    }
}
impl From<Option<String>> for SqlValue {
    fn from(value: Option<String>) -> Self {
        SqlValue::Text(value)
    }
}
impl From<Option<&str>> for SqlValue {
    fn from(value: Option<&str>) -> Self {
        SqlValue::Text(value.map(str::to_string))
    }
}
impl From<bool> for SqlValue {
    fn from(value: bool) -> Self {
        SqlValue::Bool(Some(value))
    }
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            SqlValue::Int(Some(v)) => ToSqlOutput::Owned(Value::Integer(*v)),
            SqlValue::Real(Some(v)) => ToSqlOutput::Owned(Value::Real(*v)),
            SqlValue::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            SqlValue::Bool(Some(v)) => ToSqlOutput::Owned(Value::Integer(i64::from(*v))),
            _ => ToSqlOutput::Owned(Value::Null),
        })
    }
}

impl ToSql for SqlValue {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            SqlValue::Int(v) => v.to_sql(ty, out),
            SqlValue::Real(v) => v.to_sql(ty, out),
            SqlValue::Text(v) => v.to_sql(ty, out),
            SqlValue::Bool(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as ToSql>::accepts(ty)
            || <f64 as ToSql>::accepts(ty)
            || <String as ToSql>::accepts(ty)
            || <bool as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// One result row.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub Vec<SqlValue>);

impl Row {
    fn get(&self, index: usize) -> Result<&SqlValue> {
        self.0.get(index).ok_or_else(|| StoreError::Corrupt(format!("missing column {index}")))
    }

    /// Reads a non-null integer.
    pub fn int(&self, index: usize) -> Result<i64> {
        self.opt_int(index)?.ok_or_else(|| StoreError::Corrupt(format!("column {index} is null")))
    }

    /// Reads a nullable integer.
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>> {
        match self.get(index)? {
            SqlValue::Int(v) => Ok(*v),
            SqlValue::Bool(v) => Ok(v.map(i64::from)),
            SqlValue::Real(v) => Ok(v.map(|f| f as i64)),
            SqlValue::Text(None) => Ok(None),
            other => Err(StoreError::Corrupt(format!("column {index}: expected integer, found {other:?}"))),
        }
    }

    /// Reads a non-null float.
    pub fn real(&self, index: usize) -> Result<f64> {
        match self.get(index)? {
            SqlValue::Real(Some(v)) => Ok(*v),
            SqlValue::Int(Some(v)) => Ok(*v as f64),
            other => Err(StoreError::Corrupt(format!("column {index}: expected number, found {other:?}"))),
        }
    }

    /// Reads a non-null text.
    pub fn text(&self, index: usize) -> Result<String> {
        self.opt_text(index)?.ok_or_else(|| StoreError::Corrupt(format!("column {index} is null")))
    }

    /// Reads a nullable text.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>> {
        match self.get(index)? {
            SqlValue::Text(v) => Ok(v.clone()),
            SqlValue::Int(None) | SqlValue::Real(None) | SqlValue::Bool(None) => Ok(None),
            other => Err(StoreError::Corrupt(format!("column {index}: expected text, found {other:?}"))),
        }
    }

    /// Reads a boolean (SQLite stores 0 or 1).
    pub fn bool(&self, index: usize) -> Result<bool> {
        match self.get(index)? {
            SqlValue::Bool(Some(v)) => Ok(*v),
            SqlValue::Int(Some(v)) => Ok(*v != 0),
            other => Err(StoreError::Corrupt(format!("column {index}: expected boolean, found {other:?}"))),
        }
    }
}

/// A transaction on either backend, for portable statements.
pub(crate) enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres(postgres::Transaction<'a>),
}

/// Rewrites `$1` placeholders as SQLite's `?1`.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

fn sqlite_row(row: &rusqlite::Row<'_>, columns: usize) -> rusqlite::Result<Row> {
    use rusqlite::types::ValueRef;
    let mut values = Vec::with_capacity(columns);
    for index in 0..columns {
        values.push(match row.get_ref(index)? {
            ValueRef::Null => SqlValue::Text(None),
            ValueRef::Integer(v) => SqlValue::Int(Some(v)),
            ValueRef::Real(v) => SqlValue::Real(Some(v)),
            ValueRef::Text(v) => SqlValue::Text(Some(String::from_utf8_lossy(v).into_owned())),
            ValueRef::Blob(v) => SqlValue::Text(Some(String::from_utf8_lossy(v).into_owned())),
        });
    }
    Ok(Row(values))
}

pub(crate) fn postgres_row(row: &postgres::Row) -> Result<Row> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            SqlValue::Int(row.try_get(index)?)
        } else if *ty == Type::INT4 {
            SqlValue::Int(row.try_get::<_, Option<i32>>(index)?.map(i64::from))
        } else if *ty == Type::INT2 {
            SqlValue::Int(row.try_get::<_, Option<i16>>(index)?.map(i64::from))
        } else if *ty == Type::FLOAT8 {
            SqlValue::Real(row.try_get(index)?)
        } else if *ty == Type::FLOAT4 {
            SqlValue::Real(row.try_get::<_, Option<f32>>(index)?.map(f64::from))
        } else if *ty == Type::BOOL {
            SqlValue::Bool(row.try_get(index)?)
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME || *ty == Type::BPCHAR {
            SqlValue::Text(row.try_get(index)?)
        } else {
            return Err(StoreError::Corrupt(format!("unsupported column type {ty} (cast it to text)")));
        };
        values.push(value);
    }
    Ok(Row(values))
}

impl Tx<'_> {
    /// Executes a statement, returning the rows changed.
    pub fn exec(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64> {
        match self {
            Tx::Sqlite(tx) => {
                let mut statement = tx.prepare_cached(&sqlite_placeholders(sql))?;
                Ok(statement.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Tx::Postgres(tx) => {
                let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                Ok(tx.execute(sql, &refs)?)
            }
        }
    }

    /// Executes several statements without parameters.
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
            Tx::Postgres(tx) => Ok(tx.batch_execute(sql)?),
        }
    }

    /// Runs a query, returning every row.
    pub fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        match self {
            Tx::Sqlite(tx) => {
                let mut statement = tx.prepare_cached(&sqlite_placeholders(sql))?;
                let columns = statement.column_count();
                let rows = statement.query_map(rusqlite::params_from_iter(params.iter()), |row| sqlite_row(row, columns))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            }
            Tx::Postgres(tx) => {
                let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                tx.query(sql, &refs)?.iter().map(postgres_row).collect()
            }
        }
    }

    /// Runs a query expected to return at most one row.
    pub fn query_opt(&mut self, sql: &str, params: &[SqlValue]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a query that returns exactly one row.
    pub fn query_one(&mut self, sql: &str, params: &[SqlValue]) -> Result<Row> {
        self.query_opt(sql, params)?.ok_or_else(|| StoreError::Corrupt(format!("no row from {sql}")))
    }

    /// Inserts with `RETURNING id` and returns the id.
    pub fn insert_id(&mut self, sql: &str, params: &[SqlValue]) -> Result<i64> {
        self.query_one(sql, params)?.int(0)
    }

    /// Commits.
    pub fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.commit()?),
            Tx::Postgres(tx) => Ok(tx.commit()?),
        }
    }

    /// Returns whether this is an SQLite transaction (for the few dialect checks in shared code).
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Tx::Sqlite(_))
    }
}

/// Returns whether an error is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &StoreError) -> bool {
    match err {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
            failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        }
        StoreError::Postgres(err) => err.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_for_sqlite() {
        assert_eq!(sqlite_placeholders("a = $1 AND b = $12 AND c = '$x'"), "a = ?1 AND b = ?12 AND c = '$x'");
    }
}
