//! The use cases' error: a stable code, a message, and the field or position concerned.

use salesos_model::error::{ErrorBody, ErrorCode};
use salesos_model::filter::FilterError;
use salesos_model::path::PathError;
use salesos_model::record::FieldsError;
use salesos_model::schema::SchemaError;
use salesos_store::StoreError;

/// A failed use case, carrying the shared error object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", body.message)]
pub struct AppError {
    /// What the client is told.
    pub body: ErrorBody,
}

impl AppError {
    /// Creates an error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError { body: ErrorBody::new(code, message) }
    }

    /// Names the field concerned.
    pub fn with_field(mut self, field: impl Into<String>) -> AppError {
        self.body.field = Some(field.into());
        self
    }

    /// An invalid-request error.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::InvalidRequest, message)
    }

    /// A forbidden-action error.
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::Forbidden, message)
    }

    /// Returns the stable code.
    pub fn code(&self) -> ErrorCode {
        self.body.code
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> AppError {
        let code = err.code();
        let message = match code {
            ErrorCode::Internal => format!("internal failure: {err}"),
            _ => err.to_string(),
        };
        AppError::new(code, message)
    }
}

impl From<FilterError> for AppError {
    fn from(err: FilterError) -> AppError {
        let mut body = ErrorBody::new(ErrorCode::InvalidFilter, err.to_string());
        body.position = Some(err.position);
        body.field = err.field;
        AppError { body }
    }
}

impl From<PathError> for AppError {
    fn from(err: PathError) -> AppError {
        AppError::new(ErrorCode::UnknownField, err.to_string()).with_field(err.path())
    }
}

impl From<SchemaError> for AppError {
    fn from(err: SchemaError) -> AppError {
        let code = match err {
            SchemaError::DuplicateObject { .. } | SchemaError::DuplicateField { .. } => ErrorCode::AlreadyExists,
            _ => ErrorCode::InvalidSchemaChange,
        };
        AppError::new(code, err.to_string())
    }
}

impl From<FieldsError> for AppError {
    fn from(err: FieldsError) -> AppError {
        let (code, field) = match &err {
            FieldsError::UnknownField { field, .. } => (ErrorCode::UnknownField, field.clone()),
            FieldsError::MissingRequired { field } | FieldsError::InvalidValue { field, .. } => {
                (ErrorCode::InvalidValue, field.clone())
            }
        };
        AppError::new(code, err.to_string()).with_field(field)
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> AppError {
        use std::io::ErrorKind as K;
        match err.kind() {
            // A path the user gave that cannot be used is their input's fault.
            K::NotFound | K::PermissionDenied | K::InvalidInput | K::AlreadyExists | K::IsADirectory => {
                AppError::new(ErrorCode::InvalidRequest, err.to_string())
            }
            _ => AppError::new(ErrorCode::Internal, format!("i/o failure: {err}")),
        }
    }
}

/// Result of a use case.
pub type AppResult<T> = Result<T, AppError>;
