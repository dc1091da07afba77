//! The one table of stable error codes, shared by the CLI's `--json` output and the HTTP API.
//!
//! Each code has a CLI exit code and an HTTP status. The JSON shape is
//! `{"error": {"code", "message", "field", "position"}}`.

use serde::Serialize;

/// A stable error code. Codes are part of the public contract: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The command line or request is malformed.
    InvalidRequest,
    /// A filter does not parse or does not fit the schema.
    InvalidFilter,
    /// A sort expression is invalid.
    InvalidSort,
    /// A page cursor is malformed or from another query.
    InvalidCursor,
    /// A field value has the wrong type or is not allowed.
    InvalidValue,
    /// A field does not exist.
    UnknownField,
    /// An object does not exist.
    UnknownObject,
    /// A record does not exist or is not visible.
    RecordNotFound,
    /// Another entity (organization, user, team, job, file) does not exist.
    NotFound,
    /// A schema change was refused.
    InvalidSchemaChange,
    /// Something with that name exists.
    AlreadyExists,
    /// The record changed since it was read.
    VersionConflict,
    /// Not authenticated.
    Unauthorized,
    /// Authenticated but not allowed.
    Forbidden,
    /// A configured limit was exceeded.
    LimitExceeded,
    /// Too many requests.
    RateLimited,
    /// The request body is too large.
    PayloadTooLarge,
    /// The database could not be opened (locked, read-only, corrupt, too new).
    DatabaseUnavailable,
    /// Anything else that failed on our side.
    Internal,
}

impl ErrorCode {
    /// Every code, for the documentation table and its test.
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidFilter,
        ErrorCode::InvalidSort,
        ErrorCode::InvalidCursor,
        ErrorCode::InvalidValue,
        ErrorCode::UnknownField,
        ErrorCode::UnknownObject,
        ErrorCode::RecordNotFound,
        ErrorCode::NotFound,
        ErrorCode::InvalidSchemaChange,
        ErrorCode::AlreadyExists,
        ErrorCode::VersionConflict,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::LimitExceeded,
        ErrorCode::RateLimited,
        ErrorCode::PayloadTooLarge,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::Internal,
    ];

    /// Returns the stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidFilter => "invalid_filter",
            ErrorCode::InvalidSort => "invalid_sort",
            ErrorCode::InvalidCursor => "invalid_cursor",
            ErrorCode::InvalidValue => "invalid_value",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::UnknownObject => "unknown_object",
            ErrorCode::RecordNotFound => "record_not_found",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidSchemaChange => "invalid_schema_change",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::VersionConflict => "version_conflict",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::LimitExceeded => "limit_exceeded",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// Returns the HTTP status the API answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidFilter
            | ErrorCode::InvalidSort
            | ErrorCode::InvalidCursor
            | ErrorCode::InvalidValue
            | ErrorCode::UnknownField
            | ErrorCode::InvalidSchemaChange => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::UnknownObject | ErrorCode::RecordNotFound | ErrorCode::NotFound => 404,
            ErrorCode::AlreadyExists | ErrorCode::VersionConflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::LimitExceeded => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::DatabaseUnavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// Returns the CLI exit code: 2 for the user's input, 3 for the machine.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCode::DatabaseUnavailable | ErrorCode::Internal => 3,
            _ => 2,
        }
    }
}

/// An error as the CLI and the API report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable message.
    pub message: String,
    /// The field concerned, if any.
    pub field: Option<String>,
    /// The character position in a filter, or the row, if any.
    pub position: Option<usize>,
}

impl ErrorBody {
    /// Creates an error without field or position.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody { code, message: message.into(), field: None, position: None }
    }

    /// Renders `{"error": {...}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_sensible() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            let serialized = serde_json::to_value(code).unwrap();
            assert_eq!(serialized, serde_json::json!(code.as_str()));
            assert!((400..600).contains(&code.http_status()));
            assert!(matches!(code.exit_code(), 2 | 3));
        }
        let body = ErrorBody { code: ErrorCode::InvalidFilter, message: "x".into(), field: Some("a".into()), position: Some(3) };
        assert_eq!(
            body.to_json(),
            serde_json::json!({"error": {"code": "invalid_filter", "message": "x", "field": "a", "position": 3}})
        );
    }
}
