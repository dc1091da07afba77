//! Import templates in the `/v1` API: download an object's template as CSV or Excel (the
//! standard one or a saved one), and list, save and delete saved templates, through
//! `salesos_app::templates` so the API and the CLI apply the same rules.

use crate::api::{blocking, json_body, query_map, ErrorResponse};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get};
use axum::{Json, Router};
use salesos_app::templates::{self, TemplateFormat, TemplateInfo};
use salesos_model::error::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The routes of templates.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/templates", get(list_templates).post(save_template))
        .route("/v1/templates/{object}", get(download_template))
        .route("/v1/templates/saved/{name}", delete(delete_template))
}

/// A saved import template.
#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    /// Its name, unique in the organization.
    pub name: String,
    /// The object's api name.
    pub object: String,
    /// Field paths in column order.
    pub columns: Vec<String>,
    /// Whether everyone in the organization may use it (else only its creator).
    pub shared: bool,
    /// The id of the user who saved it.
    pub created_by: i64,
    /// Whether the caller saved it.
    pub mine: bool,
    /// First saved, ms since the Unix epoch.
    pub created_at: i64,
    /// Last saved, ms since the Unix epoch.
    pub updated_at: i64,
}

/// A custom template to save (replacing the caller's own, or as an admin any, of that name).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// Name, unique in the organization.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Object api name.
    pub object: String,
    /// Field paths in column order: `last_name`, `email`, `emails[work]`, `account.name`, `custom.score`…
    #[schema(min_items = 1, max_items = 500)]
    pub fields: Vec<String>,
    /// Share with the organization (default) or keep private.
    #[serde(default = "shared_by_default")]
    pub shared: bool,
}

fn shared_by_default() -> bool {
    true
}

fn template_out(info: TemplateInfo, caller: i64) -> TemplateOut {
    TemplateOut {
        mine: info.created_by.0 == caller,
        name: info.name,
        object: info.object,
        columns: info.columns,
        shared: info.shared,
        created_by: info.created_by.0,
        created_at: info.created_at,
        updated_at: info.updated_at,
    }
}

/// Downloads an object's import template: a header row that auto-maps to the object's fields and
/// one example row; in Excel, picklists get a dropdown and required columns are marked.
#[utoipa::path(get, path = "/v1/templates/{object}", tag = "templates", security(("api_key" = [])),
    params(
        ("object" = String, Path, description = "Object api name"),
        ("format" = Option<String>, Query, description = "`csv` (default) or `xlsx`", pattern = "^(csv|xlsx)$"),
        ("template" = Option<String>, Query, description = "A saved template's name; default the object's standard template"),
    ),
    responses(
        (status = 200, description = "The template file, as an attachment", content(
            ("text/csv"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "Invalid format, or a template of another object", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "No import permission on the object", body = ErrorResponse),
        (status = 404, description = "Unknown object or template", body = ErrorResponse),
    ))]
pub async fn download_template(
    State(state): State<AppState>,
    authed: Authed,
    Path(object): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let query = query_map(raw)?;
    let format = match query.get("format").map(String::as_str) {
        None | Some("") => TemplateFormat::Csv,
        Some(text) => TemplateFormat::parse(text).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidRequest, format!("format must be csv or xlsx, found {text:?}")).with_field("format")
        })?,
    };
    let template = query.get("template").filter(|t| !t.trim().is_empty()).cloned();
    let file =
        blocking(move || Ok(templates::download(&state.store, &authed.actor, &object, template.as_deref(), format)?)).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name))
        .map_err(|err| ApiError::new(ErrorCode::Internal, format!("file name header: {err}")))?;
    let mut response = Response::new(Body::from(file.bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.media_type));
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// Lists the saved templates the caller may use (their own and the shared ones), by name.
#[utoipa::path(get, path = "/v1/templates", tag = "templates", security(("api_key" = [])), responses(
    (status = 200, description = "Saved templates", body = Vec<TemplateOut>),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
))]
pub async fn list_templates(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Vec<TemplateOut>>> {
    blocking(move || {
        let caller = authed.actor.user.id.0;
        let list = templates::list(&state.store, &authed.actor)?;
        Ok(Json(list.into_iter().map(|t| template_out(t, caller)).collect()))
    })
    .await
}

/// Saves a custom template: chosen fields in column order, under a name. Every path is checked
/// against the schema (an unknown one is refused naming it) and must import automatically.
#[utoipa::path(post, path = "/v1/templates", tag = "templates", security(("api_key" = [])), request_body = TemplateIn,
    responses(
        (status = 201, description = "Saved", body = TemplateOut),
        (status = 400, description = "Invalid name or field path", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "No import permission, or another user's template", body = ErrorResponse),
        (status = 404, description = "Unknown object", body = ErrorResponse),
        (status = 409, description = "Another user's private template has that name", body = ErrorResponse),
    ))]
pub async fn save_template(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<TemplateOut>)> {
    let input: TemplateIn = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        let info = templates::save(&state.store, actor, &input.name, &input.object, &input.fields, input.shared, state.now())?;
        Ok((StatusCode::CREATED, Json(template_out(info, actor.user.id.0))))
    })
    .await
}

/// Deletes a saved template (its creator or an admin).
#[utoipa::path(delete, path = "/v1/templates/saved/{name}", tag = "templates", security(("api_key" = [])),
    params(("name" = String, Path, description = "The template's name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "Another user's template", body = ErrorResponse),
        (status = 404, description = "No such template", body = ErrorResponse),
    ))]
pub async fn delete_template(State(state): State<AppState>, authed: Authed, Path(name): Path<String>) -> ApiResult<StatusCode> {
    blocking(move || {
        templates::delete(&state.store, &authed.actor, &name, state.now())?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}
