//! The OpenAPI document, generated from the handlers' annotations, at `/openapi.json`, and the
//! API browser (Swagger UI from vendored assets, no download at build time) at `/docs`.

use crate::api;
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
    ),
    components(schemas(
        api::ErrorResponse, api::ErrorObject, api::Health, api::MeOut, api::RecordOut, api::RecordPage, api::RecordList, api::RecordIn,
        api::RecordPatchIn, api::IdsIn, api::ObjectOut, api::ObjectDetail, api::ObjectIn, api::FieldIn, api::FieldOut, api::OptionOut,
        api::PipelineOut, api::StageOut, api::UserOut, api::UserIn, api::TeamOut, api::TeamIn, api::MemberIn, api::PermissionOut,
        api::ApiKeyOut, api::ApiKeyCreated, api::ApiKeyIn,
    )),
    modifiers(&BearerKey),
    tags((name = "records"), (name = "schema"), (name = "users"), (name = "system")),
)]
pub struct ApiDoc;

/// Serves `/openapi.json` and `/docs`.
pub fn router() -> Router<AppState> {
    Router::new().merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
}
