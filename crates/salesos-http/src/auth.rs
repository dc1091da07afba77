//! Authentication: API keys (`Authorization: Bearer sk_…`, stored as SHA-256) for programs, and
//! session cookies for the browser, with a CSRF token required on every state-changing request
//! a cookie authenticates.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use salesos_app::keys::hash_secret;
use salesos_app::Actor;
use salesos_model::error::ErrorCode;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "salesos_session";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts, ms.
pub const SESSION_MS: i64 = 12 * 3_600_000;

/// How a request was authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// An API key.
    ApiKey,
    /// A browser session, with its CSRF token and the hash of its cookie token.
    Session {
        /// The token forms and scripts must echo.
        csrf: String,
        /// The SHA-256 of the cookie's token.
        token_hash: String,
    },
}

/// An authenticated request: who acts, and how they proved it.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The acting user.
    pub actor: Actor,
    /// How.
    pub via: Via,
}

/// Returns a cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(
        |pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_string())
        },
    )
}

/// Resolves the session of a request's cookie, if it has a valid one.
pub async fn session_of(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<Authed>> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let token_hash = hash_secret(&token);
    let store = state.store.clone();
    let now = state.now();
    let found = crate::api::blocking(move || -> ApiResult<Option<Authed>> {
        let Some(session) = store.find_session(&token_hash, now)? else { return Ok(None) };
        let org = store.find_org(&session.user.org_id.to_string())?;
        let actor = Actor::new(&store, org, session.user)?;
        Ok(Some(Authed { actor, via: Via::Session { csrf: session.csrf_token, token_hash } }))
    })
    .await?;
    Ok(found)
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Authed> {
        if let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the Authorization header must be `Bearer <api key>`"))?;
            let key_hash = hash_secret(token);
            let store = state.store.clone();
            let now = state.now();
            return crate::api::blocking(move || -> ApiResult<Authed> {
                let (_, user) = store
                    .authenticate_api_key(&key_hash, now)?
                    .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "unknown or revoked API key"))?;
                let org = store.find_org(&user.org_id.to_string())?;
                Ok(Authed { actor: Actor::new(&store, org, user)?, via: Via::ApiKey })
            })
            .await;
        }
        let authed = session_of(state, &parts.headers)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "sign in, or send `Authorization: Bearer <api key>`"))?;
        if let Via::Session { csrf, .. } = &authed.via {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let echoed = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !safe && echoed != Some(csrf.as_str()) {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "missing or wrong X-CSRF-Token header for a cookie-authenticated request",
                ));
            }
        }
        Ok(authed)
    }
}
