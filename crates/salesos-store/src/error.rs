//! The store's error type: what failed, kept apart from who is at fault.

use salesos_model::error::ErrorCode;
use salesos_model::schema::SchemaError;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL or path is not usable.
    #[error("invalid database location {location:?}: {reason}")]
    InvalidLocation {
        /// The location given.
        location: String,
        /// Why.
        reason: String,
    },
    /// The database was written by a newer SalesOS Data.
    #[error("the database is at schema version {found}, newer than this program's {supported}; upgrade SalesOS Data or use another database")]
    TooNew {
        /// Version found.
        found: i64,
        /// Newest version this program knows.
        supported: i64,
    },
    /// The database cannot be opened or used (locked, read-only, corrupt, unreachable).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The caller's input is not acceptable (an empty name, a value out of range).
    #[error("{0}")]
    Invalid(String),
    /// Something does not exist (or is not visible).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `organization "acme"`.
        what: String,
    },
    /// Something with that name exists.
    #[error("{what} already exists")]
    AlreadyExists {
        /// What, e.g. `user "a@b.c"`.
        what: String,
    },
    /// A schema change was refused.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A record changed since it was read.
    #[error("record {record} is at version {actual}, not {expected}")]
    VersionConflict {
        /// The record.
        record: i64,
        /// Version expected.
        expected: i64,
        /// Version found.
        actual: i64,
    },
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// An SQLite error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL error.
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// A file-store I/O error.
    #[error("file store: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Returns the stable error code this error is reported with.
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::InvalidLocation { .. } | StoreError::Invalid(_) => ErrorCode::InvalidRequest,
            StoreError::TooNew { .. } | StoreError::Unavailable(_) => ErrorCode::DatabaseUnavailable,
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            StoreError::Schema(SchemaError::DuplicateObject { .. } | SchemaError::DuplicateField { .. }) => {
                ErrorCode::AlreadyExists
            }
            StoreError::Schema(_) => ErrorCode::InvalidSchemaChange,
            StoreError::VersionConflict { .. } => ErrorCode::VersionConflict,
            StoreError::Sqlite(err) if is_sqlite_unavailable(err) => ErrorCode::DatabaseUnavailable,
            StoreError::Corrupt(_) | StoreError::Sqlite(_) | StoreError::Postgres(_) | StoreError::Io(_) => ErrorCode::Internal,
        }
    }

    /// Builds a not-found error.
    pub fn not_found(what: impl Into<String>) -> StoreError {
        StoreError::NotFound { what: what.into() }
    }
}

/// Returns whether an SQLite error means the file cannot be used (locked, read-only, corrupt, not a database).
pub(crate) fn is_sqlite_unavailable(err: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    matches!(
        err.sqlite_error_code(),
        Some(
            C::DatabaseBusy
                | C::DatabaseLocked
                | C::ReadOnly
                | C::DatabaseCorrupt
                | C::NotADatabase
                | C::CannotOpen
                | C::DiskFull
                | C::PermissionDenied
        )
    )
}

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
