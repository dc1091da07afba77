//! The CLI's error: the shared error object, built from every library error in one place.

use salesos_model::error::{ErrorBody, ErrorCode};
use salesos_model::filter::FilterError;
use salesos_model::path::PathError;
use salesos_model::record::FieldsError;
use salesos_model::schema::SchemaError;
use salesos_store::StoreError;

/// A failed command: what the user is told, with a stable code.
#[derive(Debug)]
pub struct CliError {
    /// The error object printed with `--json`.
    pub body: ErrorBody,
}

impl CliError {
    /// Creates an error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CliError {
        CliError { body: ErrorBody::new(code, message) }
    }

    /// Names the field concerned.
    pub fn with_field(mut self, field: impl Into<String>) -> CliError {
        self.body.field = Some(field.into());
        self
    }

    /// An invalid-request error.
    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError::new(ErrorCode::InvalidRequest, message)
    }
}

impl From<salesos_app::AppError> for CliError {
    fn from(err: salesos_app::AppError) -> CliError {
        CliError { body: err.body }
    }
}

impl From<StoreError> for CliError {
    fn from(err: StoreError) -> CliError {
        let code = err.code();
        let message = match code {
            ErrorCode::Internal => format!("internal failure: {err}"),
            _ => err.to_string(),
        };
        CliError::new(code, message)
    }
}

impl From<FilterError> for CliError {
    fn from(err: FilterError) -> CliError {
        let mut body = ErrorBody::new(ErrorCode::InvalidFilter, err.to_string());
        body.position = Some(err.position);
        body.field = err.field;
        CliError { body }
    }
}

impl From<PathError> for CliError {
    fn from(err: PathError) -> CliError {
        CliError::new(ErrorCode::UnknownField, err.to_string()).with_field(err.path())
    }
}

impl From<SchemaError> for CliError {
    fn from(err: SchemaError) -> CliError {
        let code = match err {
            SchemaError::DuplicateObject { .. } | SchemaError::DuplicateField { .. } => ErrorCode::AlreadyExists,
            _ => ErrorCode::InvalidSchemaChange,
        };
        CliError::new(code, err.to_string())
    }
}

impl From<FieldsError> for CliError {
    fn from(err: FieldsError) -> CliError {
        let (code, field) = match &err {
            FieldsError::UnknownField { field, .. } => (ErrorCode::UnknownField, field.clone()),
            FieldsError::MissingRequired { field } | FieldsError::InvalidValue { field, .. } => {
                (ErrorCode::InvalidValue, field.clone())
            }
        };
        CliError::new(code, err.to_string()).with_field(field)
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> CliError {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::NotFound | K::PermissionDenied | K::InvalidInput | K::AlreadyExists | K::IsADirectory => {
                CliError::new(ErrorCode::InvalidRequest, err.to_string())
            }
            _ => CliError::new(ErrorCode::Internal, format!("i/o failure: {err}")),
        }
    }
}

/// Result of a command.
pub type CliResult<T> = Result<T, CliError>;
