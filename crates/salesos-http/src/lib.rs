//! The HTTP side of SalesOS Data: [`router`] builds the axum application (the `/v1` JSON API,
//! `/openapi.json` and the API browser, the sign-in and record pages), and [`serve`] runs it
//! with graceful shutdown. Handlers call the synchronous store through `spawn_blocking`.

mod api;
mod auth;
mod error;
mod imports_api;
mod log;
mod openapi;
mod templates;
mod ui;

use axum::Router;
use salesos_store::files::FileStore;
use salesos_store::Store;
use std::sync::Arc;

pub use error::ApiError;

/// Largest JSON request body accepted, in bytes.
pub const MAX_JSON_BODY: usize = 2 * 1024 * 1024;

/// What the server needs: the store, the file store, and its settings.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<Store>,
    /// Stored files.
    pub files: Arc<FileStore>,
    /// Whether session cookies get the `Secure` flag (off only for plain-HTTP loopback use).
    pub secure_cookies: bool,
    /// The clock, injected so tests can move time.
    pub clock: fn() -> i64,
    /// Largest upload accepted, in bytes, over the import's own per-format limits.
    pub max_upload_bytes: Option<u64>,
}

impl AppState {
    /// Returns the current time, ms.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(imports_api::router())
        .merge(templates::router())
        .merge(openapi::router())
        .merge(ui::router())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn(log::log_request))
        .with_state(state)
}

/// Serves the application on a listener until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
