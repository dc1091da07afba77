//! The OpenAPI document, generated from the handlers' annotations, at `/openapi.json`, and the
//! API browser (Swagger UI from vendored assets, no download at build time) at `/docs`.

use crate::api;
use crate::templates;
use crate::AppState;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("An API key, `sk_…`")).build(),
            ),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "SalesOS Data API", description = "Records, schema, users and keys of SalesOS Data. Errors are always `{\"error\": {\"code\", \"message\", \"field\", \"position\"}}`."),
    paths(
        api::health, api::me,
        api::list_objects, api::get_object, api::create_object, api::add_field,
        api::list_records, api::batch_get_records, api::get_record, api::create_record, api::update_record, api::delete_record,
        api::list_users, api::create_user, api::create_api_key, api::list_api_keys,
        api::list_teams, api::create_team, api::add_team_member,
        api::list_permissions, api::set_permission,
        crate::imports_api::upload_import, crate::imports_api::list_imports, crate::imports_api::get_import,
        crate::imports_api::import_result, crate::imports_api::cancel_import, crate::imports_api::undo_import,
        crate::imports_api::list_notifications,
        crate::imports_api::create_session, crate::imports_api::get_session, crate::imports_api::set_session_mapping,
        crate::imports_api::set_session_duplicates, crate::imports_api::preview_session, crate::imports_api::confirm_session,
        templates::download_template, templates::list_templates, templates::save_template, templates::delete_template,
    ),
    components(schemas(
        api::ErrorResponse, api::ErrorObject, api::Health, api::MeOut, api::RecordOut, api::RecordPage, api::RecordList, api::RecordIn,
        api::RecordPatchIn, api::IdsIn, api::ObjectOut, api::ObjectDetail, api::ObjectIn, api::FieldIn, api::FieldOut, api::OptionOut,
        api::PipelineOut, api::StageOut, api::UserOut, api::UserIn, api::TeamOut, api::TeamIn, api::MemberIn, api::PermissionOut,
        api::ApiKeyOut, api::ApiKeyCreated, api::ApiKeyIn, crate::imports_api::UndoIn, crate::imports_api::DuplicatesIn,
        templates::TemplateOut, templates::TemplateIn,
    )),
    modifiers(&BearerKey),
    tags((name = "records"), (name = "schema"), (name = "users"), (name = "imports"), (name = "system")),
)]
pub struct ApiDoc;

/// Returns the document as JSON, with the cross-field rules utoipa cannot derive (JSON Schema
/// `if`/`then`): a field is `multi` only when its type is email or phone.
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    if let Some(field_in) = doc.pointer_mut("/components/schemas/FieldIn").and_then(serde_json::Value::as_object_mut) {
        field_in.insert("if".into(), serde_json::json!({"properties": {"multi": {"const": true}}, "required": ["multi"]}));
        field_in.insert("then".into(), serde_json::json!({"properties": {"type": {"enum": ["email", "phone"]}}}));
        // Options belong to picklists, and picklists need options.
        field_in.insert(
            "dependentSchemas".into(),
            serde_json::json!({"options": {"if": {"properties": {"options": {"minItems": 1}}},
                                            "then": {"properties": {"type": {"enum": ["picklist", "multi_picklist"]}}}}}),
        );
        field_in.insert(
            "allOf".into(),
            serde_json::json!([{"if": {"properties": {"type": {"enum": ["picklist", "multi_picklist"]}}, "required": ["type"]},
                                "then": {"required": ["options"], "properties": {"options": {"minItems": 1}}}}]),
        );
    }
    doc
}

/// Serves `/openapi.json` and `/docs`.
pub fn router() -> Router<AppState> {
    Router::new().merge(utoipa_swagger_ui::SwaggerUi::new("/docs").external_url_unchecked("/openapi.json", document()))
}
