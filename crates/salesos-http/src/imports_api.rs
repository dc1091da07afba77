//! `/v1/imports`: upload a file (streamed to the file store, the size limit enforced while
//! streaming) to run as a background job; the import log with progress and queue position;
//! the result file; cancel; undo with its conflict report; and the caller's notifications.
//! The wizard's intermediate steps (saved mapping and duplicate steps with re-preview) are
//! not built yet: an upload runs with auto-mapping (or a saved mapping) and the settings given.

use crate::api::blocking;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use bytes::{Buf, Bytes};
use salesos_app::imports::job;
use salesos_app::imports::session;
use salesos_app::imports::undo::{self, LaterEdits};
use salesos_app::imports::{history, ImportRequest, MappingChoice, SettingsOverrides};
use salesos_import::convert::DateOrder;
use salesos_import::spec::MappingSpec;
use salesos_import::spec::{DuplicateStrategy, EmptyCells, MatchOn};
use salesos_model::error::ErrorCode;
use salesos_model::ids::OperationId;
use salesos_store::files::FileStore;
use salesos_store::Store;
use serde::Deserialize;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/imports", get(list_imports).post(upload_import))
        .route("/v1/imports/{id}", get(get_import))
        .route("/v1/imports/{id}/result", get(import_result))
        .route("/v1/imports/{id}/cancel", post(cancel_import))
        .route("/v1/imports/{id}/undo", post(undo_import))
        .route("/v1/notifications", get(list_notifications))
        .route("/v1/import-sessions", post(create_session))
        .route("/v1/import-sessions/{id}", get(get_session))
        .route("/v1/import-sessions/{id}/mapping", put(set_session_mapping))
        .route("/v1/import-sessions/{id}/duplicates", put(set_session_duplicates))
        .route("/v1/import-sessions/{id}/preview", post(preview_session))
        .route("/v1/import-sessions/{id}/confirm", post(confirm_session))
}

/// Settings of an upload, as query parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The object to import into.
    pub object: Option<String>,
    /// The file's name (its extension helps format detection).
    pub file_name: Option<String>,
    /// A saved mapping's name; default the remembered mapping for the headers, else auto-mapping.
    pub mapping: Option<String>,
    /// skip, update or create.
    pub on_duplicate: Option<String>,
    /// email, phone, external-id:SYSTEM, name+domain or FIELD[,FIELD…].
    #[serde(rename = "match")]
    pub match_on: Option<String>,
    /// dmy or mdy.
    pub date_order: Option<String>,
    /// keep or clear.
    pub empty_cells: Option<String>,
    /// Create referenced accounts that do not exist.
    pub create_missing: Option<bool>,
    /// Encoding label; default detected.
    pub encoding: Option<String>,
    /// Workbook sheet; default the first.
    pub sheet: Option<String>,
    /// CSV delimiter: one character, or tab, comma, semicolon, pipe; default detected.
    pub delimiter: Option<String>,
    /// CSV quote character; default detected.
    pub quote: Option<String>,
    /// The header row, 1-based; 0 when the file has no header; default detected.
    pub header_row: Option<u64>,
}

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message).with_field(field)
}

/// The request of an upload: its settings, and the server's upload limit (when set lower)
/// applied to every format's size limit.
fn upload_request(state: &AppState, params: &UploadParams) -> ApiResult<ImportRequest> {
    let mut request = request_from(params)?;
    if let Some(max) = state.max_upload_bytes {
        let limits = &mut request.read_options.limits;
        for limit in [&mut limits.csv_bytes, &mut limits.xlsx_bytes, &mut limits.json_bytes, &mut limits.vcard_bytes] {
            *limit = (*limit).min(max);
        }
    }
    Ok(request)
}

fn request_from(params: &UploadParams) -> ApiResult<ImportRequest> {
    let object =
        params.object.clone().ok_or_else(|| invalid("object", "name the object to import into: ?object=contacts".into()))?;
    let name = params.file_name.clone().unwrap_or_else(|| "upload".into());
    let mut request = ImportRequest::new(std::path::PathBuf::new(), &name, &object);
    request.mapping = params.mapping.clone().map_or(MappingChoice::Automatic, MappingChoice::Named);
    request.overrides = overrides_from(params)?;
    request.read_options.encoding = params.encoding.clone();
    request.read_options.sheets = params.sheet.clone().into_iter().collect();
    let separator = |field: &str, value: &Option<String>| -> ApiResult<Option<u8>> {
        value
            .as_deref()
            .map(|text| {
                salesos_formats::read::separator_byte(text).ok_or_else(|| {
                    invalid(field, format!("{field} {text:?}: expected one character, or tab, comma, semicolon, pipe"))
                })
            })
            .transpose()
    };
    request.read_options.delimiter = separator("delimiter", &params.delimiter)?;
    request.read_options.quote = separator("quote", &params.quote)?;
    request.read_options.header_row = params.header_row;
    if let Some(label) = &params.encoding {
        if salesos_formats::read::sniff::TextEncoding::from_label(label).is_none() {
            return Err(invalid(
                "encoding",
                format!("encoding {label:?} is not one we know (try utf-8, windows-1252, shift_jis)"),
            ));
        }
    }
    Ok(request)
}

/// The duplicate step's settings, from query parameters or a JSON body.
fn overrides_from(params: &UploadParams) -> ApiResult<SettingsOverrides> {
    Ok(SettingsOverrides {
        on_duplicate: params
            .on_duplicate
            .as_deref()
            .map(|t| {
                DuplicateStrategy::parse(t)
                    .ok_or_else(|| invalid("on_duplicate", format!("on_duplicate {t:?}: expected skip, update or create")))
            })
            .transpose()?,
        match_on: params
            .match_on
            .as_deref()
            .map(|t| MatchOn::parse(t).map_err(|e| invalid("match", format!("match: {e}"))))
            .transpose()?,
        date_order: params
            .date_order
            .as_deref()
            .map(|t| {
                DateOrder::parse(t)
                    .filter(|o| *o != DateOrder::Ymd)
                    .ok_or_else(|| invalid("date_order", format!("date_order {t:?}: expected dmy or mdy")))
            })
            .transpose()?,
        empty_cells: params
            .empty_cells
            .as_deref()
            .map(|t| match t {
                "keep" => Ok(EmptyCells::Keep),
                "clear" => Ok(EmptyCells::Clear),
                _ => Err(invalid("empty_cells", format!("empty_cells {t:?}: expected keep or clear"))),
            })
            .transpose()?,
        create_missing_references: params.create_missing,
    })
}

/// Reads an upload's chunks on a blocking thread as they arrive.
struct ChunkReader {
    chunks: tokio::sync::mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(err)) => return Err(std::io::Error::other(err)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}

static UPLOADS: AtomicU64 = AtomicU64::new(0);

/// Uploads a file and queues its import; a server worker runs it.
#[utoipa::path(post, path = "/v1/imports", tag = "imports", security(("api_key" = [])), params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file (CSV, Excel, JSON or vCard), streamed"),
    responses(
        (status = 202, description = "Queued; poll GET /v1/imports/{id}", body = serde_json::Value),
        (status = 400, description = "Invalid settings", body = crate::api::ErrorResponse),
        (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
        (status = 403, description = "Not allowed to import into the object", body = crate::api::ErrorResponse),
        (status = 404, description = "Unknown object", body = crate::api::ErrorResponse),
        (status = 413, description = "File over the import size limit (nothing kept)", body = crate::api::ErrorResponse),
    ))]
pub async fn upload_import(
    State(state): State<AppState>,
    authed: Authed,
    Query(params): Query<UploadParams>,
    body: Body,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let request = upload_request(&state, &params)?;
    let log = stream_upload(&state, body, move |store, files, reader, nonce, now| {
        let log = job::submit_stream(store, files, &authed.actor, &request, reader, nonce, now)?;
        Ok(history::log_json(store, &log)?)
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(log)))
}

/// The work done with an upload's bytes on a blocking thread: store, file store, the bytes, a nonce, the time.
type UploadWork = dyn FnOnce(&Store, &FileStore, &mut dyn Read, u64, i64) -> ApiResult<serde_json::Value> + Send;

/// Streams a request body to blocking work as it arrives (chunk by chunk through a bounded
/// channel), so an upload is never held in memory and a refused one stops being read.
async fn stream_upload(
    state: &AppState,
    body: Body,
    work: impl FnOnce(&Store, &FileStore, &mut dyn Read, u64, i64) -> ApiResult<serde_json::Value> + Send + 'static,
) -> ApiResult<serde_json::Value> {
    let work: Box<UploadWork> = Box::new(work);
    let (sender, chunks) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(16);
    let now = state.now();
    let nonce = (now as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ UPLOADS.fetch_add(1, Ordering::Relaxed);
    let store = state.store.clone();
    let files = state.files.clone();
    let task = tokio::task::spawn_blocking(move || -> ApiResult<serde_json::Value> {
        let mut reader = ChunkReader { chunks, current: Bytes::new() };
        work(&store, &files, &mut reader, nonce, now)
    });
    let mut body = body;
    loop {
        let frame = std::future::poll_fn(|cx| http_body::Body::poll_frame(std::pin::Pin::new(&mut body), cx)).await;
        let chunk = match frame {
            None => break,
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => Ok(data),
                Err(_) => continue,
            },
            Some(Err(err)) => Err(err.to_string()),
        };
        let failed = chunk.is_err();
        // A closed channel means the upload was refused (too large): stop reading it.
        if sender.send(chunk).await.is_err() || failed {
            break;
        }
    }
    drop(sender);
    task.await.map_err(|err| ApiError::new(ErrorCode::Internal, format!("upload worker failed: {err}")))?
}

/// Lists imports (the caller's own; an admin's lists everyone's), newest first.
#[utoipa::path(get, path = "/v1/imports", tag = "imports", security(("api_key" = [])), responses(
    (status = 200, description = "The import log", body = serde_json::Value),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 400, description = "Invalid id or request", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn list_imports(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<serde_json::Value>> {
    blocking(move || {
        let logs = history::list(&state.store, &authed.actor, 100)?;
        let items: Vec<serde_json::Value> = logs.iter().map(|l| history::log_json(&state.store, l)).collect::<Result<_, _>>()?;
        Ok(Json(serde_json::json!({ "imports": items })))
    })
    .await
}

fn import_id(text: &str) -> ApiResult<OperationId> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(OperationId)
        .ok_or_else(|| invalid("id", format!("import id must be a positive integer, found {text:?}")))
}

/// One import: status, counts, progress (rows done, rows/s, ETA), queue position, mapping.
#[utoipa::path(get, path = "/v1/imports/{id}", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), responses(
    (status = 200, description = "The import", body = serde_json::Value),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 400, description = "Invalid id or request", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn get_import(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = import_id(&id)?;
    blocking(move || {
        let log = history::find(&state.store, &authed.actor, id)?;
        Ok(Json(history::log_json(&state.store, &log)?))
    })
    .await
}

/// The result file: every input row in input order with Outcome, Record Id and Messages (CSV).
#[utoipa::path(get, path = "/v1/imports/{id}/result", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), responses(
    (status = 200, description = "CSV", content_type = "text/csv"),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 400, description = "Invalid id or request", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn import_result(State(state): State<AppState>, authed: Authed, Path(id): Path<String>) -> ApiResult<Response> {
    let id = import_id(&id)?;
    blocking(move || {
        let dir = tempfile::tempdir().map_err(|err| ApiError::new(ErrorCode::Internal, err.to_string()))?;
        let path = dir.path().join("result.csv");
        history::write_result_file(&state.store, &state.files, &authed.actor, id, &path)?;
        let bytes = std::fs::read(&path).map_err(|err| ApiError::new(ErrorCode::Internal, err.to_string()))?;
        let disposition = format!("attachment; filename=\"import-{}-result.csv\"", id.0);
        Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
            .into_response())
    })
    .await
}

/// Cancels an import: a queued one at once, a running one at its next batch boundary.
#[utoipa::path(post, path = "/v1/imports/{id}/cancel", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), responses(
    (status = 200, description = "The status after the request", body = serde_json::Value),
    (status = 400, description = "The import already ended", body = crate::api::ErrorResponse),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn cancel_import(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = import_id(&id)?;
    blocking(move || {
        let status = history::cancel(&state.store, &authed.actor, id, state.now())?;
        Ok(Json(serde_json::json!({"import_id": id.0, "status": status})))
    })
    .await
}

/// How to treat records edited since the import.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UndoIn {
    /// `keep` (leave edited records as they are) or `revert` (revert them too); absent: report
    /// conflicts and change nothing.
    pub later_edits: Option<String>,
}

/// Undoes an import; with records edited or referenced since and no choice, answers 409 with
/// the report and changes nothing.
#[utoipa::path(post, path = "/v1/imports/{id}/undo", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), request_body = UndoIn, responses(
    (status = 200, description = "Undone", body = serde_json::Value),
    (status = 409, description = "Conflicts: decide with later_edits", body = serde_json::Value),
    (status = 400, description = "Already undone, still running, or older than 30 days", body = crate::api::ErrorResponse),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn undo_import(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let id = import_id(&id)?;
    let input: UndoIn = if body.iter().all(u8::is_ascii_whitespace) {
        UndoIn::default()
    } else {
        serde_json::from_slice(&body).map_err(|err| invalid("body", format!("body: {err}")))?
    };
    let later = match input.later_edits.as_deref() {
        None => LaterEdits::Ask,
        Some("keep") => LaterEdits::Keep,
        Some("revert") => LaterEdits::Revert,
        Some(other) => return Err(invalid("later_edits", format!("later_edits {other:?}: expected keep or revert"))),
    };
    blocking(move || {
        let report = undo::undo(&state.store, &authed.actor, id, later, state.now())?;
        let status = if report.status == "conflicts" { StatusCode::CONFLICT } else { StatusCode::OK };
        Ok((status, Json(serde_json::to_value(&report).unwrap_or_default())).into_response())
    })
    .await
}

/// The caller's notifications (imports started, completed, failed), newest first.
#[utoipa::path(get, path = "/v1/notifications", tag = "imports", security(("api_key" = [])), responses(
    (status = 200, description = "Notifications", body = serde_json::Value),
    (status = 400, description = "Invalid id or request", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn list_notifications(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<serde_json::Value>> {
    blocking(move || {
        let actor = &authed.actor;
        let items: Vec<serde_json::Value> = state
            .store
            .notifications(actor.org.id, actor.user.id, 100)?
            .into_iter()
            .map(|n| {
                serde_json::json!({
                    "id": n.id, "kind": n.kind, "message": n.message,
                    "detail": serde_json::from_str::<serde_json::Value>(&n.detail).unwrap_or_default(),
                    "created_at": salesos_model::value::format_ms(n.created_at),
                    "read_at": n.read_at.map(salesos_model::value::format_ms),
                })
            })
            .collect();
        Ok(Json(serde_json::json!({ "notifications": items })))
    })
    .await
}

/// The duplicate step of a session.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicatesIn {
    /// skip, update or create.
    pub on_duplicate: Option<String>,
    /// email, phone, external-id:SYSTEM, name+domain or FIELD[,FIELD…].
    #[serde(rename = "match")]
    pub match_on: Option<String>,
    /// dmy or mdy.
    pub date_order: Option<String>,
    /// keep or clear.
    pub empty_cells: Option<String>,
    /// Create referenced accounts that do not exist.
    pub create_missing: Option<bool>,
}

fn json_in<T: serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|err| invalid("body", format!("body: {err}")))
}

/// Starts an import session: uploads the file (streamed, size-limited) and answers with the
/// detected settings, the first rows and the proposed mapping with its suggestions.
#[utoipa::path(post, path = "/v1/import-sessions", tag = "imports", security(("api_key" = [])), params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file, streamed"),
    responses(
        (status = 201, description = "The session, at step uploaded", body = serde_json::Value),
        (status = 400, description = "Invalid settings or unreadable file", body = crate::api::ErrorResponse),
        (status = 404, description = "Unknown object", body = crate::api::ErrorResponse),
        (status = 413, description = "File over the import size limit (nothing kept)", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn create_session(
    State(state): State<AppState>,
    authed: Authed,
    Query(params): Query<UploadParams>,
    body: Body,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let request = upload_request(&state, &params)?;
    let view = stream_upload(&state, body, move |store, files, reader, nonce, now| {
        let log = session::create(store, files, &authed.actor, &request, reader, nonce, now)?;
        Ok(session::view(store, files, &authed.actor, log.id)?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// An import session: its step, detected settings, proposed and chosen mapping, settings, preview.
#[utoipa::path(get, path = "/v1/import-sessions/{id}", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), responses(
    (status = 200, description = "The session", body = serde_json::Value),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 400, description = "Invalid id or request", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn get_session(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = import_id(&id)?;
    blocking(move || Ok(Json(session::view(&state.store, &state.files, &authed.actor, id)?))).await
}

/// Saves the mapping step (a mapping spec; the proposed one can be sent back as it is).
#[utoipa::path(put, path = "/v1/import-sessions/{id}/mapping", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), request_body = serde_json::Value, responses(
    (status = 200, description = "The session, at step mapped", body = serde_json::Value),
    (status = 400, description = "A target, transform or limit the mapping step refuses", body = crate::api::ErrorResponse),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn set_session_mapping(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let id = import_id(&id)?;
    let text = std::str::from_utf8(&body).map_err(|_| invalid("body", "the mapping must be UTF-8 JSON".into()))?;
    let spec = MappingSpec::from_json(text).map_err(|err| invalid("mapping", format!("mapping: {err}")))?;
    blocking(move || {
        session::set_mapping(&state.store, &state.files, &authed.actor, id, spec)?;
        Ok(Json(session::view(&state.store, &state.files, &authed.actor, id)?))
    })
    .await
}

/// Saves the duplicate step: `{"on_duplicate", "match", "date_order", "empty_cells", "create_missing"}`.
#[utoipa::path(put, path = "/v1/import-sessions/{id}/duplicates", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), request_body = DuplicatesIn, responses(
    (status = 200, description = "The session, at step duplicates", body = serde_json::Value),
    (status = 400, description = "Invalid setting, or the mapping is not set yet", body = crate::api::ErrorResponse),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn set_session_duplicates(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let id = import_id(&id)?;
    let input: DuplicatesIn = json_in(&body)?;
    let params = UploadParams {
        on_duplicate: input.on_duplicate,
        match_on: input.match_on,
        date_order: input.date_order,
        empty_cells: input.empty_cells,
        create_missing: input.create_missing,
        ..UploadParams::default()
    };
    let overrides = overrides_from(&params)?;
    blocking(move || {
        session::set_duplicates(&state.store, &state.files, &authed.actor, id, overrides)?;
        Ok(Json(session::view(&state.store, &state.files, &authed.actor, id)?))
    })
    .await
}

/// Runs the validation preview: the counts the run would produce, problems per column, the
/// estimated time. Saved with the session.
#[utoipa::path(post, path = "/v1/import-sessions/{id}/preview", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), responses(
    (status = 200, description = "The preview (a dry run's report)", body = serde_json::Value),
    (status = 400, description = "Out of order, or the preview could not run (saved as preview_failed)", body = crate::api::ErrorResponse),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn preview_session(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = import_id(&id)?;
    blocking(move || Ok(Json(session::preview(&state.store, &state.files, &authed.actor, id, state.now())?))).await
}

/// Confirms a previewed session: the import is queued and runs in the background.
#[utoipa::path(post, path = "/v1/import-sessions/{id}/confirm", tag = "imports", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Import id")), responses(
    (status = 202, description = "Queued; follow it at GET /v1/imports/{id}", body = serde_json::Value),
    (status = 400, description = "Not previewed, or the preview failed", body = crate::api::ErrorResponse),
    (status = 404, description = "Unknown import", body = crate::api::ErrorResponse),
    (status = 401, description = "Not authenticated", body = crate::api::ErrorResponse),
    (status = 403, description = "Not allowed", body = crate::api::ErrorResponse),
))]
pub async fn confirm_session(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let id = import_id(&id)?;
    blocking(move || {
        let log = session::confirm(&state.store, &authed.actor, id, state.now())?;
        Ok((StatusCode::ACCEPTED, Json(history::log_json(&state.store, &log)?)))
    })
    .await
}
