//! The `/v1` JSON API: records of any object (list with filter, sort and cursor; get; bulk get;
//! create; update; delete), the schema (objects, fields, pipelines; custom objects and fields),
//! users, teams and API keys, and `/health`. Every handler authenticates, then calls the shared
//! use cases of `salesos-app` on a blocking thread.

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use salesos_app::records::{self, Edit, ListParams};
use salesos_app::{values, Actor};
use salesos_model::access::{Action, PermissionRule, PermissionSubject, Permissions, Role, Visibility};
use salesos_model::error::ErrorCode;
use salesos_model::ids::{RecordId, TeamId, UserId};
use salesos_model::record::ExternalId;
use salesos_model::schema::{FieldDef, FieldType, ObjectDef, ObjectKind, PicklistOption, ReferenceTarget};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as JsonValue};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Runs blocking store work off the async threads.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ApiError::new(ErrorCode::Internal, format!("worker thread failed: {err}")))?
}

/// The routes of the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/v1/objects", get(list_objects).post(create_object))
        .route("/v1/objects/{object}", get(get_object))
        .route("/v1/objects/{object}/fields", post(add_field))
        .route("/v1/records/{object}", get(list_records).post(create_record))
        .route("/v1/records/{object}/batch-get", post(batch_get_records))
        .route("/v1/records/{object}/{id}", get(get_record).patch(update_record).delete(delete_record))
        .route("/v1/users", get(list_users).post(create_user))
        .route("/v1/users/{id}/api-keys", post(create_api_key))
        .route("/v1/teams", get(list_teams).post(create_team))
        .route("/v1/teams/{id}/members", post(add_team_member))
        .route("/v1/permissions", get(list_permissions).put(set_permission))
        .route("/v1/api-keys", get(list_api_keys))
        .route("/v1/me", get(me))
}

// ---------- request parsing that always answers with the JSON error object ----------

/// Parses a JSON body, answering malformed JSON, wrong types and unknown fields with a 400
/// that names the field or the position.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> ApiResult<T> {
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(ErrorCode::InvalidRequest, "send the body as application/json"));
    }
    // serde accepts a JSON array for a struct; the API's bodies are objects only.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(ErrorCode::InvalidRequest, "the body must be a JSON object"));
    }
    serde_json::from_slice(body).map_err(|err| {
        let message = err.to_string();
        let mut api = ApiError::new(ErrorCode::InvalidRequest, format!("invalid JSON body: {message}"));
        api.0.position = Some(err.column());
        if let Some(field) = message.split('`').nth(1).filter(|_| message.contains("field")) {
            api = api.with_field(field);
        }
        api
    })
}

/// Reads a JSON number as an integer, accepting a float without fraction (`3.0`), since JSON
/// Schema's `integer` allows both.
fn integer<E: serde::de::Error>(number: serde_json::Number) -> Result<i64, E> {
    number
        .as_i64()
        // Near 2^52 a float keeps (almost) no fractional digits, so `N.0` read back may be off by a half.
        .or_else(|| {
            number.as_f64().filter(|f| (f.fract() == 0.0 || f.abs() >= 1.0e15) && f.abs() < 9.0e15).map(|f| f.round() as i64)
        })
        .ok_or_else(|| E::custom(format!("expected an integer, found {number}")))
}

fn lenient_i64<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    integer(serde_json::Number::deserialize(deserializer)?)
}

fn lenient_opt_i64<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Option::<serde_json::Number>::deserialize(deserializer)?.map(integer).transpose()
}

fn lenient_ids<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    Vec::<serde_json::Number>::deserialize(deserializer)?.into_iter().map(integer).collect()
}

/// Parses the query string into name → value (last one wins).
pub(crate) fn query_map(raw: Option<String>) -> ApiResult<BTreeMap<String, String>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|err| ApiError::new(ErrorCode::InvalidRequest, format!("invalid query string: {err}")))?;
    Ok(pairs.into_iter().collect())
}

fn parse_id(text: &str, what: &str) -> ApiResult<i64> {
    // JSON Schema's integer allows `1.0`, so a path segment written that way is accepted too.
    let float_id = || text.parse::<f64>().ok().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64);
    text.parse::<i64>().ok().or_else(float_id).filter(|id| *id > 0).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidRequest, format!("{what} must be a positive integer, found {text:?}")).with_field(what)
    })
}

// ---------- schemas of the API ----------

/// The error object every failure answers with.
#[derive(Serialize, ToSchema)]
pub struct ErrorResponse {
    /// The error.
    pub error: ErrorObject,
}

/// One error.
#[derive(Serialize, ToSchema)]
pub struct ErrorObject {
    /// Stable code, e.g. `invalid_filter`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// The field concerned.
    pub field: Option<String>,
    /// The character position in a filter or JSON body.
    pub position: Option<u64>,
}

/// Server health.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// A record. Field values use the storage form: text as strings, numbers, money as
/// `[amount, "CUR"]`, dates `YYYY-MM-DD`, labelled emails and phones as `[["work", "a@b.c"]]`.
#[derive(Serialize, ToSchema)]
pub struct RecordOut {
    /// Record id.
    pub id: i64,
    /// Object api name.
    pub object: String,
    /// Owner's user id.
    pub owner: i64,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    pub updated_at: i64,
    /// Grows by one on every change.
    pub version: i64,
    /// Readable field values by api name.
    #[schema(value_type = Object)]
    pub fields: Map<String, JsonValue>,
    /// Ids in other systems by system name.
    pub external_ids: BTreeMap<String, String>,
}

/// A page of records.
#[derive(Serialize, ToSchema)]
pub struct RecordPage {
    /// Object api name.
    pub object: String,
    /// The records.
    pub records: Vec<RecordOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A list of records.
#[derive(Serialize, ToSchema)]
pub struct RecordList {
    /// The records, in the order asked; missing ones left out.
    pub records: Vec<RecordOut>,
}

/// A record to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordIn {
    /// Field values by path (`last_name`, `email`, `emails[home]`, `custom.score`); strings in
    /// canonical text form are accepted for every type.
    #[schema(value_type = Object)]
    pub fields: Map<String, JsonValue>,
    /// Ids in other systems by system name.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
}

/// A change to a record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPatchIn {
    /// Field values to set; `null` clears a field.
    #[schema(value_type = Object)]
    pub fields: Map<String, JsonValue>,
    /// Refuse with 409 unless the record is at this version.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub expected_version: Option<i64>,
}

/// Ids to read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdsIn {
    /// Record ids (at most 1000).
    #[serde(deserialize_with = "lenient_ids")]
    #[schema(max_items = 1000)]
    pub ids: Vec<i64>,
}

/// An object in the list of objects.
#[derive(Serialize, ToSchema)]
pub struct ObjectOut {
    /// Api name.
    pub api_name: String,
    /// Singular label.
    pub label: String,
    /// Plural label.
    pub plural_label: String,
    /// `standard` or `custom`.
    pub kind: String,
    /// The field naming a record.
    pub name_field: String,
    /// Visible records.
    pub records: i64,
}

/// A picklist option.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionOut {
    /// Stored value.
    pub value: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
}

/// A field definition.
#[derive(Serialize, ToSchema)]
pub struct FieldOut {
    /// Api name (path).
    pub api_name: String,
    /// Label.
    pub label: String,
    /// Type.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Whether required.
    pub required: bool,
    /// Whether several labelled values.
    pub multi: bool,
    /// Default value.
    pub default: Option<String>,
    /// Picklist options.
    pub options: Vec<OptionOut>,
    /// Referenced object (`any` for any object).
    pub references: Option<String>,
    /// Whether added by an admin.
    pub custom: bool,
}

/// A stage of a pipeline.
#[derive(Serialize, ToSchema)]
pub struct StageOut {
    /// Stored value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Win probability, percent.
    pub probability: f64,
    /// Whether the stage closes the deal.
    pub closed: bool,
    /// Whether the stage means won.
    pub won: bool,
}

/// A pipeline.
#[derive(Serialize, ToSchema)]
pub struct PipelineOut {
    /// Name.
    pub name: String,
    /// Whether the default.
    pub is_default: bool,
    /// Stages in order.
    pub stages: Vec<StageOut>,
}

/// An object with its fields (and pipelines for deals).
#[derive(Serialize, ToSchema)]
pub struct ObjectDetail {
    /// Api name.
    pub api_name: String,
    /// Singular label.
    pub label: String,
    /// Plural label.
    pub plural_label: String,
    /// `standard` or `custom`.
    pub kind: String,
    /// The field naming a record.
    pub name_field: String,
    /// Readable fields.
    pub fields: Vec<FieldOut>,
    /// Pipelines (deals only).
    pub pipelines: Vec<PipelineOut>,
}

/// A custom object to define.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectIn {
    /// Api name: lower-case letters, digits and _.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,62}$")]
    pub api_name: String,
    /// Singular label.
    #[serde(default)]
    pub label: String,
    /// Plural label.
    #[serde(default)]
    pub plural_label: String,
}

/// A custom field to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldIn {
    /// Api name: lower-case letters, digits and _.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,62}$")]
    pub api_name: String,
    /// Label.
    #[serde(default)]
    pub label: String,
    /// Type: text, long_text, email, phone, url, number, currency, percent, date, datetime, boolean, picklist, multi_picklist, reference.
    #[serde(rename = "type")]
    #[schema(
        pattern = "^(text|long_text|email|phone|url|number|currency|percent|date|datetime|boolean|picklist|multi_picklist|reference)$"
    )]
    pub field_type: String,
    /// Whether records need a value.
    #[serde(default)]
    pub required: bool,
    /// Several labelled values (email and phone).
    #[serde(default)]
    pub multi: bool,
    /// Default value in text form.
    #[serde(default)]
    pub default: Option<String>,
    /// Picklist options.
    #[serde(default)]
    pub options: Vec<OptionOut>,
    /// Referenced object for reference fields (`any` for any object).
    #[serde(default)]
    pub references: Option<String>,
}

/// A user.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Effective visibility: own, team or all.
    pub visibility: String,
    /// Whether active.
    pub active: bool,
}

/// A user to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    /// Email (login).
    #[schema(pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,}$")]
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// admin, manager, member or read_only.
    #[schema(pattern = "^(admin|manager|member|read_only)$")]
    pub role: String,
    /// Visibility override: own, team or all.
    #[serde(default)]
    #[schema(pattern = "^(own|team|all)$")]
    pub visibility: Option<String>,
    /// Password for browser sign-in (at least 10 characters).
    #[serde(default)]
    #[schema(min_length = 10, max_length = 200)]
    pub password: Option<String>,
}

/// A team.
#[derive(Serialize, ToSchema)]
pub struct TeamOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A team to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamIn {
    /// Name.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// A member to add to a team.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    /// The user's id.
    #[serde(deserialize_with = "lenient_i64")]
    #[schema(minimum = 1)]
    pub user_id: i64,
}

/// A permission rule.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionOut {
    /// A role (admin, manager, member, read_only); give this or `user_id`.
    #[serde(default)]
    pub role: Option<String>,
    /// A user id; give this or `role`.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    #[schema(minimum = 1)]
    pub user_id: Option<i64>,
    /// Object api name.
    pub object: String,
    /// Field api name, or absent for the whole object.
    #[serde(default)]
    pub field: Option<String>,
    /// Comma-separated read, edit, import, export; or none.
    pub permissions: String,
}

/// An API key (never the secret).
#[derive(Serialize, ToSchema)]
pub struct ApiKeyOut {
    /// Id.
    pub id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// Creation time, ms.
    pub created_at: i64,
    /// Last use, ms.
    pub last_used_at: Option<i64>,
    /// Revocation time, ms.
    pub revoked_at: Option<i64>,
}

/// A new API key: the secret is shown only here.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyCreated {
    /// Id.
    pub id: i64,
    /// First characters of the key.
    pub prefix: String,
    /// The secret; send it as `Authorization: Bearer <api_key>`.
    pub api_key: String,
}

/// An API key to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    /// A name to recognize it by.
    #[serde(default)]
    pub name: String,
}

/// The acting user.
#[derive(Serialize, ToSchema)]
pub struct MeOut {
    /// The user.
    pub user: UserOut,
    /// The organization's name.
    pub organization: String,
    /// `api_key` or `session`.
    pub authenticated_by: String,
    /// The CSRF token to send as `X-CSRF-Token` (sessions only).
    pub csrf_token: Option<String>,
}

// ---------- conversions ----------

fn record_out(object: &ObjectDef, record: &salesos_model::record::Record, actor: &Actor) -> RecordOut {
    let mut fields = Map::new();
    for (key, value) in &record.fields {
        if !value.is_empty() && actor.principal.can_field(&object.api_name, key, Action::Read) {
            fields.insert(key.to_string(), value.to_json());
        }
    }
    RecordOut {
        id: record.id.0,
        object: object.api_name.clone(),
        owner: record.owner_id.0,
        created_at: record.created_at,
        updated_at: record.updated_at,
        version: record.version,
        fields,
        external_ids: record.external_ids.iter().map(|e| (e.system.clone(), e.id.clone())).collect(),
    }
}

fn user_out(user: &salesos_model::access::User) -> UserOut {
    UserOut {
        id: user.id.0,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.as_str().into(),
        visibility: user.visibility.unwrap_or(user.role.default_visibility()).as_str().into(),
        active: user.active,
    }
}

fn kind_name(kind: ObjectKind) -> String {
    match kind {
        ObjectKind::Standard => "standard".into(),
        ObjectKind::Custom => "custom".into(),
    }
}

fn field_out(field: &FieldDef) -> FieldOut {
    FieldOut {
        api_name: field.api_name.clone(),
        label: field.label.clone(),
        field_type: field.field_type.as_str().into(),
        required: field.required,
        multi: field.multi,
        default: field.default.clone(),
        options: field.options.iter().map(|o| OptionOut { value: o.value.clone(), label: Some(o.label.clone()) }).collect(),
        references: match &field.reference {
            Some(ReferenceTarget::Object(object)) => Some(object.clone()),
            Some(ReferenceTarget::Any) => Some("any".into()),
            Some(ReferenceTarget::User) => Some("user".into()),
            None => None,
        },
        custom: field.custom,
    }
}

fn object_detail(object: &ObjectDef, schema: &salesos_model::schema::Schema, actor: &Actor) -> ObjectDetail {
    let pipelines = if object.api_name == "deals" {
        schema
            .pipelines
            .iter()
            .map(|p| PipelineOut {
                name: p.name.clone(),
                is_default: p.is_default,
                stages: p
                    .stages
                    .iter()
                    .map(|s| StageOut {
                        value: s.value.clone(),
                        label: s.label.clone(),
                        probability: s.probability,
                        closed: s.closed,
                        won: s.won,
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    ObjectDetail {
        api_name: object.api_name.clone(),
        label: object.label.clone(),
        plural_label: object.plural_label.clone(),
        kind: kind_name(object.kind),
        name_field: object.name_field.clone(),
        fields: object
            .fields
            .iter()
            .filter(|f| actor.principal.can_field(&object.api_name, &f.api_name, Action::Read))
            .map(field_out)
            .collect(),
        pipelines,
    }
}

// ---------- handlers ----------

/// Reports that the server and its database answer.
#[utoipa::path(get, path = "/health", tag = "system", responses(
    (status = 200, description = "Healthy", body = Health),
    (status = 503, description = "Database unavailable", body = ErrorResponse),
))]
pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let store = state.store.clone();
    blocking(move || {
        store.list_orgs()?;
        Ok(Json(Health { status: "ok".into(), database: store.backend_name().into() }))
    })
    .await
}

/// Returns the acting user.
#[utoipa::path(get, path = "/v1/me", tag = "users", security(("api_key" = [])), responses(
    (status = 200, description = "The acting user", body = MeOut),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
))]
pub async fn me(authed: Authed) -> ApiResult<Json<MeOut>> {
    let (by, csrf) = match &authed.via {
        crate::auth::Via::ApiKey => ("api_key", None),
        crate::auth::Via::Session { csrf, .. } => ("session", Some(csrf.clone())),
    };
    Ok(Json(MeOut {
        user: user_out(&authed.actor.user),
        organization: authed.actor.org.name.clone(),
        authenticated_by: by.into(),
        csrf_token: csrf,
    }))
}

/// Lists the objects the user may read, with their visible record counts.
#[utoipa::path(get, path = "/v1/objects", tag = "schema", security(("api_key" = [])), responses(
    (status = 200, description = "Objects", body = Vec<ObjectOut>),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
))]
pub async fn list_objects(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Vec<ObjectOut>>> {
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let counts = state.store.count_by_object(actor.org.id, &actor.principal.visibility_scope())?;
        Ok(Json(
            schema
                .objects
                .iter()
                .filter(|o| actor.principal.can(&o.api_name, Action::Read))
                .map(|o| ObjectOut {
                    api_name: o.api_name.clone(),
                    label: o.label.clone(),
                    plural_label: o.plural_label.clone(),
                    kind: kind_name(o.kind),
                    name_field: o.name_field.clone(),
                    records: counts.get(&o.id).copied().unwrap_or(0),
                })
                .collect(),
        ))
    })
    .await
}

/// Returns an object's readable fields (and the pipelines, for deals).
#[utoipa::path(get, path = "/v1/objects/{object}", tag = "schema", security(("api_key" = [])),
    params(("object" = String, Path, description = "Object api name")),
    responses(
        (status = 200, description = "The object", body = ObjectDetail),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 404, description = "Unknown object", body = ErrorResponse),
    ))]
pub async fn get_object(
    State(state): State<AppState>,
    authed: Authed,
    Path(object): Path<String>,
) -> ApiResult<Json<ObjectDetail>> {
    blocking(move || {
        let schema = state.store.schema(authed.actor.org.id)?;
        let def = records::readable_object(&schema, &authed.actor, &object)?;
        Ok(Json(object_detail(def, &schema, &authed.actor)))
    })
    .await
}

/// Defines a custom object (admins).
#[utoipa::path(post, path = "/v1/objects", tag = "schema", security(("api_key" = [])), request_body = ObjectIn, responses(
    (status = 201, description = "Created", body = ObjectDetail),
    (status = 400, description = "Invalid request or schema change", body = ErrorResponse),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
    (status = 403, description = "Not an admin", body = ErrorResponse),
    (status = 409, description = "Exists", body = ErrorResponse),
))]
pub async fn create_object(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ObjectDetail>)> {
    let input: ObjectIn = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        actor.require_admin()?;
        let now = state.now();
        let def = state.store.create_object(actor.org.id, &input.api_name, &input.label, &input.plural_label, now)?;
        actor.audit(&state.store, now, "schema.create_object", Some(&def.api_name), 1, serde_json::json!({}))?;
        let schema = state.store.schema(actor.org.id)?;
        Ok((StatusCode::CREATED, Json(object_detail(&def, &schema, actor))))
    })
    .await
}

/// Adds a custom field to an object (admins).
#[utoipa::path(post, path = "/v1/objects/{object}/fields", tag = "schema", security(("api_key" = [])),
    params(("object" = String, Path, description = "Object api name")), request_body = FieldIn,
    responses(
        (status = 201, description = "Added", body = FieldOut),
        (status = 400, description = "Invalid request or schema change", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "Not an admin", body = ErrorResponse),
        (status = 404, description = "Unknown object", body = ErrorResponse),
        (status = 409, description = "Exists", body = ErrorResponse),
    ))]
pub async fn add_field(
    State(state): State<AppState>,
    authed: Authed,
    Path(object): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<FieldOut>)> {
    let input: FieldIn = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, actor, &object)?;
        actor.require_admin()?;
        let field_type = FieldType::parse(&input.field_type).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidValue, format!("unknown field type {:?}", input.field_type)).with_field("type")
        })?;
        if input.multi && !matches!(field_type, FieldType::Email | FieldType::Phone) {
            return Err(
                ApiError::new(ErrorCode::InvalidSchemaChange, "multi applies to email and phone fields only").with_field("multi")
            );
        }
        let mut field = FieldDef::new(&input.api_name, &input.label, field_type);
        field.required = input.required;
        field.multi = input.multi;
        field.default = input.default;
        field.options = input
            .options
            .into_iter()
            .map(|o| PicklistOption { label: o.label.unwrap_or_else(|| o.value.clone()), value: o.value })
            .collect();
        field.reference = input.references.map(|target| match target.as_str() {
            "any" => ReferenceTarget::Any,
            "user" => ReferenceTarget::User,
            other => ReferenceTarget::Object(other.into()),
        });
        let now = state.now();
        let stored = state.store.add_field(actor.org.id, &def.api_name, &field, now)?;
        actor.audit(
            &state.store,
            now,
            "schema.add_field",
            Some(&def.api_name),
            1,
            serde_json::json!({"field": stored.api_name}),
        )?;
        Ok((StatusCode::CREATED, Json(field_out(&stored))))
    })
    .await
}

/// Lists records: filtered, sorted, a page at a time with a cursor.
#[utoipa::path(get, path = "/v1/records/{object}", tag = "records", security(("api_key" = [])),
    params(
        ("object" = String, Path, description = "Object api name"),
        ("filter" = Option<String>, Query, description = "Filter, e.g. `email contains \"@acme\" and custom.score > 50`"),
        ("sort" = Option<String>, Query, description = "Sort: `field`, `-field` or `field desc`"),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 1000 (default 50)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page", body = RecordPage),
        (status = 400, description = "Invalid filter, sort, limit or cursor", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 404, description = "Unknown object", body = ErrorResponse),
    ))]
pub async fn list_records(
    State(state): State<AppState>,
    authed: Authed,
    Path(object): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<RecordPage>> {
    let query = query_map(raw)?;
    let limit = match query.get("limit") {
        None => 50,
        Some(text) => text.parse::<usize>().ok().filter(|n| (1..=records::MAX_PAGE).contains(n)).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidRequest, format!("limit must be 1 to {}, found {text:?}", records::MAX_PAGE))
                .with_field("limit")
        })?,
    };
    let params = ListParams {
        filter: query.get("filter").cloned().unwrap_or_default(),
        sort: query.get("sort").cloned().unwrap_or_default(),
        limit,
        cursor: query.get("cursor").cloned(),
    };
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, actor, &object)?;
        let page = records::list(&state.store, &schema, actor, def, &params)?;
        Ok(Json(RecordPage {
            object: def.api_name.clone(),
            records: page.records.iter().map(|r| record_out(def, r, actor)).collect(),
            next_cursor: page.next_cursor,
        }))
    })
    .await
}

/// Reads several records by id.
#[utoipa::path(post, path = "/v1/records/{object}/batch-get", tag = "records", security(("api_key" = [])),
    params(("object" = String, Path, description = "Object api name")), request_body = IdsIn,
    responses(
        (status = 200, description = "The visible records among the ids", body = RecordList),
        (status = 400, description = "Invalid request", body = ErrorResponse),
        (status = 422, description = "More than 1000 ids", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 404, description = "Unknown object", body = ErrorResponse),
    ))]
pub async fn batch_get_records(
    State(state): State<AppState>,
    authed: Authed,
    Path(object): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<RecordList>> {
    let input: IdsIn = json_body(&headers, &body)?;
    if input.ids.len() > records::MAX_PAGE {
        return Err(
            ApiError::new(ErrorCode::LimitExceeded, format!("at most {} ids per request", records::MAX_PAGE)).with_field("ids")
        );
    }
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, actor, &object)?;
        let ids: Vec<RecordId> = input.ids.into_iter().map(RecordId).collect();
        let found = records::get_many(&state.store, actor, def, &ids)?;
        Ok(Json(RecordList { records: found.iter().map(|r| record_out(def, r, actor)).collect() }))
    })
    .await
}

/// Reads one record.
#[utoipa::path(get, path = "/v1/records/{object}/{id}", tag = "records", security(("api_key" = [])),
    params(("object" = String, Path, description = "Object api name"), ("id" = i64, Path, description = "Record id", minimum = 1)),
    responses(
        (status = 200, description = "The record", body = RecordOut),
        (status = 400, description = "Invalid id", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 404, description = "Unknown object or record", body = ErrorResponse),
    ))]
pub async fn get_record(
    State(state): State<AppState>,
    authed: Authed,
    Path((object, id)): Path<(String, String)>,
) -> ApiResult<Json<RecordOut>> {
    let id = parse_id(&id, "id")?;
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, actor, &object)?;
        let record = records::get(&state.store, actor, def, RecordId(id))?;
        Ok(Json(record_out(def, &record, actor)))
    })
    .await
}

/// Creates a record owned by the caller.
#[utoipa::path(post, path = "/v1/records/{object}", tag = "records", security(("api_key" = [])),
    params(("object" = String, Path, description = "Object api name")), request_body = RecordIn,
    responses(
        (status = 201, description = "Created", body = RecordOut),
        (status = 400, description = "Invalid request, field or value", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "Not allowed to edit", body = ErrorResponse),
        (status = 404, description = "Unknown object", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
    ))]
pub async fn create_record(
    State(state): State<AppState>,
    authed: Authed,
    Path(object): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<RecordOut>)> {
    let input: RecordIn = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, actor, &object)?;
        actor.require(&def.api_name, Action::Edit)?;
        let fields = values::from_json(&schema, def, actor, &input.fields)?;
        let external_ids = input.external_ids.iter().map(|(system, id)| ExternalId::new(system, id)).collect();
        let record = records::create(&state.store, &schema, actor, def, fields, external_ids, state.now())?;
        Ok((StatusCode::CREATED, Json(record_out(def, &record, actor))))
    })
    .await
}

/// Changes fields of a record.
#[utoipa::path(patch, path = "/v1/records/{object}/{id}", tag = "records", security(("api_key" = [])),
    params(("object" = String, Path, description = "Object api name"), ("id" = i64, Path, description = "Record id", minimum = 1)),
    request_body = RecordPatchIn,
    responses(
        (status = 200, description = "The record after the change", body = RecordOut),
        (status = 400, description = "Invalid request, field or value", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "Not allowed to edit", body = ErrorResponse),
        (status = 404, description = "Unknown object or record", body = ErrorResponse),
        (status = 409, description = "Version conflict", body = ErrorResponse),
    ))]
pub async fn update_record(
    State(state): State<AppState>,
    authed: Authed,
    Path((object, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<RecordOut>> {
    let id = parse_id(&id, "id")?;
    let input: RecordPatchIn = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, actor, &object)?;
        actor.require(&def.api_name, Action::Edit)?;
        records::get(&state.store, actor, def, RecordId(id))?;
        let set = values::from_json(&schema, def, actor, &input.fields)?;
        let edit = Edit { set, expected_version: input.expected_version };
        let (record, _) = records::update(&state.store, &schema, actor, def, RecordId(id), edit, state.now())?;
        Ok(Json(record_out(def, &record, actor)))
    })
    .await
}

/// Deletes a record.
#[utoipa::path(delete, path = "/v1/records/{object}/{id}", tag = "records", security(("api_key" = [])),
    params(("object" = String, Path, description = "Object api name"), ("id" = i64, Path, description = "Record id", minimum = 1)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Invalid id", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "Not allowed to edit", body = ErrorResponse),
        (status = 404, description = "Unknown object or record", body = ErrorResponse),
    ))]
pub async fn delete_record(
    State(state): State<AppState>,
    authed: Authed,
    Path((object, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, "id")?;
    blocking(move || {
        let actor = &authed.actor;
        let schema = state.store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, actor, &object)?;
        records::delete(&state.store, actor, def, RecordId(id), state.now())?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// Lists the organization's users (admins).
#[utoipa::path(get, path = "/v1/users", tag = "users", security(("api_key" = [])), responses(
    (status = 200, description = "Users", body = Vec<UserOut>),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
    (status = 403, description = "Not an admin", body = ErrorResponse),
))]
pub async fn list_users(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Vec<UserOut>>> {
    blocking(move || {
        authed.actor.require_admin()?;
        Ok(Json(state.store.list_users(authed.actor.org.id)?.iter().map(user_out).collect()))
    })
    .await
}

/// Creates a user (admins).
#[utoipa::path(post, path = "/v1/users", tag = "users", security(("api_key" = [])), request_body = UserIn, responses(
    (status = 201, description = "Created", body = UserOut),
    (status = 400, description = "Invalid request", body = ErrorResponse),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
    (status = 403, description = "Not an admin", body = ErrorResponse),
    (status = 409, description = "Exists", body = ErrorResponse),
))]
pub async fn create_user(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    let input: UserIn = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        actor.require_admin()?;
        let role = Role::parse(&input.role)
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidValue, format!("unknown role {:?}", input.role)).with_field("role"))?;
        let visibility = input
            .visibility
            .as_deref()
            .map(|v| {
                Visibility::parse(v).ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidValue, format!("unknown visibility {v:?}")).with_field("visibility")
                })
            })
            .transpose()?;
        if !salesos_model::keys::is_login_email(&input.email) {
            return Err(
                ApiError::new(ErrorCode::InvalidValue, format!("{:?} is not an email address", input.email)).with_field("email")
            );
        }
        let password_hash = input.password.as_deref().map(salesos_app::passwords::hash).transpose()?;
        let name =
            if input.name.trim().is_empty() { input.email.split('@').next().unwrap_or_default().to_string() } else { input.name };
        let now = state.now();
        let user = state.store.create_user(
            &salesos_store::NewUser { org_id: actor.org.id, email: input.email, name, role, visibility, password_hash },
            now,
        )?;
        actor.audit(&state.store, now, "users.create", None, 1, serde_json::json!({"user": user.id.0}))?;
        Ok((StatusCode::CREATED, Json(user_out(&user))))
    })
    .await
}

/// Makes an API key for a user (admins); the secret is shown once.
#[utoipa::path(post, path = "/v1/users/{id}/api-keys", tag = "users", security(("api_key" = [])),
    params(("id" = i64, Path, description = "User id", minimum = 1)), request_body = ApiKeyIn,
    responses(
        (status = 201, description = "Created", body = ApiKeyCreated),
        (status = 400, description = "Invalid request", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "Not an admin", body = ErrorResponse),
        (status = 404, description = "Unknown user", body = ErrorResponse),
    ))]
pub async fn create_api_key(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ApiKeyCreated>)> {
    let id = parse_id(&id, "id")?;
    let input: ApiKeyIn = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        actor.require_admin()?;
        let user = state.store.find_user(actor.org.id, &id.to_string())?;
        let secret = salesos_app::keys::new_secret("sk_")?;
        let now = state.now();
        let name = if input.name.trim().is_empty() { "api".to_string() } else { input.name };
        let key = state.store.create_api_key(&user, &name, &secret[..10], &salesos_app::keys::hash_secret(&secret), now)?;
        actor.audit(&state.store, now, "api_keys.create", None, 1, serde_json::json!({"user": user.id.0, "key": key.id}))?;
        Ok((StatusCode::CREATED, Json(ApiKeyCreated { id: key.id, prefix: key.prefix, api_key: secret })))
    })
    .await
}

/// Lists the organization's API keys (admins; never the secrets).
#[utoipa::path(get, path = "/v1/api-keys", tag = "users", security(("api_key" = [])), responses(
    (status = 200, description = "Keys", body = Vec<ApiKeyOut>),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
    (status = 403, description = "Not an admin", body = ErrorResponse),
))]
pub async fn list_api_keys(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Vec<ApiKeyOut>>> {
    blocking(move || {
        authed.actor.require_admin()?;
        let keys = state.store.list_api_keys(authed.actor.org.id)?;
        Ok(Json(
            keys.into_iter()
                .map(|k| ApiKeyOut {
                    id: k.id,
                    user_id: k.user_id.0,
                    name: k.name,
                    prefix: k.prefix,
                    created_at: k.created_at,
                    last_used_at: k.last_used_at,
                    revoked_at: k.revoked_at,
                })
                .collect(),
        ))
    })
    .await
}

/// Lists teams.
#[utoipa::path(get, path = "/v1/teams", tag = "users", security(("api_key" = [])), responses(
    (status = 200, description = "Teams", body = Vec<TeamOut>),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
))]
pub async fn list_teams(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Vec<TeamOut>>> {
    blocking(move || {
        Ok(Json(state.store.list_teams(authed.actor.org.id)?.into_iter().map(|t| TeamOut { id: t.id.0, name: t.name }).collect()))
    })
    .await
}

/// Creates a team (admins).
#[utoipa::path(post, path = "/v1/teams", tag = "users", security(("api_key" = [])), request_body = TeamIn, responses(
    (status = 201, description = "Created", body = TeamOut),
    (status = 400, description = "Invalid request", body = ErrorResponse),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
    (status = 403, description = "Not an admin", body = ErrorResponse),
    (status = 409, description = "Exists", body = ErrorResponse),
))]
pub async fn create_team(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<TeamOut>)> {
    let input: TeamIn = json_body(&headers, &body)?;
    blocking(move || {
        authed.actor.require_admin()?;
        if input.name.trim().is_empty() || input.name.len() > 200 {
            return Err(ApiError::new(ErrorCode::InvalidValue, "a team name has 1 to 200 characters").with_field("name"));
        }
        let team = state.store.create_team(authed.actor.org.id, &input.name)?;
        Ok((StatusCode::CREATED, Json(TeamOut { id: team.id.0, name: team.name })))
    })
    .await
}

/// Adds a user to a team (admins).
#[utoipa::path(post, path = "/v1/teams/{id}/members", tag = "users", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Team id", minimum = 1)), request_body = MemberIn,
    responses(
        (status = 204, description = "Added"),
        (status = 400, description = "Invalid request", body = ErrorResponse),
        (status = 401, description = "Not authenticated", body = ErrorResponse),
        (status = 403, description = "Not an admin", body = ErrorResponse),
        (status = 404, description = "Unknown team or user", body = ErrorResponse),
    ))]
pub async fn add_team_member(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, "id")?;
    let input: MemberIn = json_body(&headers, &body)?;
    blocking(move || {
        authed.actor.require_admin()?;
        // An unknown user in the body is a bad value, not a missing team.
        if state.store.find_user(authed.actor.org.id, &input.user_id.to_string()).is_err() {
            return Err(ApiError::new(ErrorCode::InvalidValue, format!("no user {} in this organization", input.user_id))
                .with_field("user_id"));
        }
        state.store.add_team_member(authed.actor.org.id, TeamId(id), UserId(input.user_id))?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// Lists permission rules (admins).
#[utoipa::path(get, path = "/v1/permissions", tag = "users", security(("api_key" = [])), responses(
    (status = 200, description = "Rules", body = Vec<PermissionOut>),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
    (status = 403, description = "Not an admin", body = ErrorResponse),
))]
pub async fn list_permissions(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Vec<PermissionOut>>> {
    blocking(move || {
        authed.actor.require_admin()?;
        let rules = state.store.permission_rules(authed.actor.org.id)?;
        Ok(Json(
            rules
                .into_iter()
                .map(|r| {
                    let (role, user_id) = match r.subject {
                        PermissionSubject::Role(role) => (Some(role.as_str().to_string()), None),
                        PermissionSubject::User(user) => (None, Some(user.0)),
                    };
                    PermissionOut { role, user_id, object: r.object, field: r.field, permissions: r.permissions.render() }
                })
                .collect(),
        ))
    })
    .await
}

/// Sets a permission rule for a role or a user on an object or field (admins).
#[utoipa::path(put, path = "/v1/permissions", tag = "users", security(("api_key" = [])), request_body = PermissionOut, responses(
    (status = 200, description = "Set", body = PermissionOut),
    (status = 400, description = "Invalid request", body = ErrorResponse),
    (status = 401, description = "Not authenticated", body = ErrorResponse),
    (status = 403, description = "Not an admin", body = ErrorResponse),
    (status = 404, description = "Unknown object, field or user", body = ErrorResponse),
))]
pub async fn set_permission(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PermissionOut>> {
    let input: PermissionOut = json_body(&headers, &body)?;
    blocking(move || {
        let actor = &authed.actor;
        actor.require_admin()?;
        let schema = state.store.schema(actor.org.id)?;
        let def = schema
            .object(&input.object)
            .ok_or_else(|| ApiError::new(ErrorCode::UnknownObject, format!("unknown object {:?}", input.object)))?;
        if let Some(field) = &input.field {
            if def.field(field).is_none() {
                return Err(ApiError::new(ErrorCode::UnknownField, format!("unknown field {field:?} on {}", def.api_name))
                    .with_field("field"));
            }
        }
        let permissions = Permissions::parse(&input.permissions).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidValue, format!("permissions {:?}", input.permissions)).with_field("permissions")
        })?;
        let subject = match (&input.role, input.user_id) {
            (Some(role), None) => PermissionSubject::Role(
                Role::parse(role)
                    .ok_or_else(|| ApiError::new(ErrorCode::InvalidValue, format!("unknown role {role:?}")).with_field("role"))?,
            ),
            (None, Some(user)) => PermissionSubject::User(state.store.find_user(actor.org.id, &user.to_string())?.id),
            _ => return Err(ApiError::new(ErrorCode::InvalidRequest, "give exactly one of role and user_id")),
        };
        let rule = PermissionRule { subject, object: def.api_name.clone(), field: input.field.clone(), permissions };
        state.store.set_permission_rule(actor.org.id, &rule)?;
        actor.audit(
            &state.store,
            state.now(),
            "permissions.set",
            Some(&def.api_name),
            1,
            serde_json::json!({"permissions": permissions.render()}),
        )?;
        Ok(Json(PermissionOut { object: def.api_name.clone(), permissions: permissions.render(), ..input }))
    })
    .await
}
