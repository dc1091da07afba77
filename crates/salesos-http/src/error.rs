//! `ApiError`: the shared error object as an HTTP response, with the status from the one code
//! table. Internal errors are answered with a generic message; their text goes to the log only.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use salesos_app::AppError;
use salesos_model::error::{ErrorBody, ErrorCode};

/// An error answered as `{"error": {"code", "message", "field", "position"}}`.
#[derive(Debug)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    /// Creates an error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError(ErrorBody::new(code, message))
    }

    /// Names the field concerned.
    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.0.field = Some(field.into());
        self
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> ApiError {
        ApiError(err.body)
    }
}

impl From<salesos_store::StoreError> for ApiError {
    fn from(err: salesos_store::StoreError) -> ApiError {
        ApiError::from(AppError::from(err))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.0;
        let status = StatusCode::from_u16(body.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if body.code == ErrorCode::Internal {
            eprintln!("internal error: {}", body.message);
            body = ErrorBody::new(ErrorCode::Internal, "internal error; it has been logged");
        }
        (status, Json(body.to_json())).into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Turns the framework's own error responses (unknown route, wrong method, body too large,
/// unreadable body) into the JSON error object, so every error has one shape.
pub async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("application/json") || content_type.starts_with("text/html") {
        return response;
    }
    let code = match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        413 => ErrorCode::PayloadTooLarge,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::Internal,
        _ => ErrorCode::InvalidRequest,
    };
    let message = match status.as_u16() {
        404 => "no such route".to_string(),
        405 => "method not allowed on this route".to_string(),
        413 => format!("request body is larger than {} bytes", crate::MAX_JSON_BODY),
        _ => status.canonical_reason().unwrap_or("request failed").to_lowercase(),
    };
    let mut body = ErrorBody::new(code, message).to_json();
    if status.as_u16() == 405 {
        body["error"]["code"] = serde_json::json!(ErrorCode::InvalidRequest.as_str());
    }
    let mut replaced = (status, Json(body)).into_response();
    if let Some(allow) = response.headers().get(axum::http::header::ALLOW) {
        replaced.headers_mut().insert(axum::http::header::ALLOW, allow.clone());
    }
    replaced
}
