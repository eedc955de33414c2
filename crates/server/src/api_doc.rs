//! `/openapi.json`, generated: the handlers' `#[utoipa::path]` attributes and the
//! wire types' `ToSchema`/`IntoParams` derives, collected by the routers
//! (`utoipa_axum::routes!`), so what is routed and what is documented come from the
//! same place. This file holds only what is common to many operations: the
//! security schemes, the error answers of each family, operation ids and links.

use crate::error::{ErrorEnvelope, OAuthErrorBody};
use axum::Json;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};
use utoipa::{IntoResponses, Modify, OpenApi, PartialSchema, ToSchema};

/// The document's root: what no single handler says.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Buckle",
        description = "Self-hosted OpenAPI authorization, wire-compatible with the Coze OpenAPI. \
            Management mutations from a console session need the X-CSRF-Token header from \
            GET /api/manage/session."
    ),
    components(schemas(ErrorEnvelope, OAuthErrorBody)),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

/// How callers authenticate: `bearer` (pat_/sat_ access tokens, and OAuth access
/// tokens on `/v1`), `session` (the console's cookie) with `csrf` on mutations, and
/// `client` (an OAuth client's secret or signed JWT at the token endpoint).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme("bearer", bearer("pat_/sat_ access tokens"));
        components.add_security_scheme(
            "client",
            bearer("OAuth client authentication: a web app's client secret, or a service app's signed JWT; never in the body"),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::manage::SESSION_COOKIE,
                "The console session, set by POST /api/manage/session",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "With a session, on every mutation: the csrf_token of GET /api/manage/session",
            ))),
        );
    }
}

fn json_answer(description: &str, schema: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        )
        .build()
        .into()
}

/// The errors of every enveloped operation (`/v1`, `/api/manage`). A 5xx is never
/// documented: it is a bug.
pub struct EnvelopeErrors;

impl IntoResponses for EnvelopeErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        ["400", "401", "403", "404", "409", "429"]
            .into_iter()
            .map(|s| {
                let name = ErrorEnvelope::name();
                (
                    s.to_string(),
                    json_answer("An error: its code, msg and log id", &name),
                )
            })
            .collect()
    }
}

/// The errors of the token-shaped endpoints (token, device code, introspection).
pub struct OAuthErrors;

impl IntoResponses for OAuthErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        ["400", "401", "403", "404", "429"]
            .into_iter()
            .map(|s| {
                let name = OAuthErrorBody::name();
                (s.to_string(), json_answer("An OAuth error", &name))
            })
            .collect()
    }
}

/// What a browser page answers: HTML (the page, or its error page), or a redirect.
pub struct PageAnswers;

impl IntoResponses for PageAnswers {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let html = || -> RefOr<Response> {
            ResponseBuilder::new()
                .description("A page")
                .content(
                    "text/html",
                    ContentBuilder::new().schema(Some(String::schema())).build(),
                )
                .build()
                .into()
        };
        let mut out: BTreeMap<String, RefOr<Response>> =
            ["200", "400", "401", "403", "404", "409", "429"]
                .into_iter()
                .map(|s| (s.to_string(), html()))
                .collect();
        out.insert(
            "303".into(),
            ResponseBuilder::new()
                .description("A redirect")
                .header(
                    "Location",
                    utoipa::openapi::HeaderBuilder::new()
                        .schema(Some(String::schema()))
                        .build(),
                )
                .build()
                .into(),
        );
        out
    }
}

/// A string that is one of `values` (a field's `schema_with`, where the Rust type
/// is a plain string the handler checks).
fn one_of(values: &[&str]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

pub fn organization_kind() -> utoipa::openapi::Object {
    one_of(&["team", "enterprise"])
}

pub fn organization_role() -> utoipa::openapi::Object {
    one_of(&["super_admin", "admin", "member"])
}

pub fn decision() -> utoipa::openapi::Object {
    one_of(&["approve", "deny"])
}

pub fn bearer() -> utoipa::openapi::Object {
    one_of(&["Bearer"])
}

pub fn permission_level() -> utoipa::openapi::Object {
    one_of(&["account", "workspace", "organization"])
}

/// The whole application's router and its document, from the modules' routers.
pub fn routes_and_document() -> (axum::Router<crate::AppState>, utoipa::openapi::OpenApi) {
    utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::openapi::routes())
        .merge(crate::manage::routes())
        .merge(crate::introspect::routes())
        .merge(crate::console::routes())
        .merge(crate::web::routes())
        .merge(crate::oauth::routes())
        .merge(crate::operational_routes())
        .split_for_parts()
}

/// The served document, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| finish(routes_and_document().1));

/// The generated document, as served.
pub fn document() -> &'static Value {
    &DOCUMENT
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    summary = "This document",
    security(()),
    responses((status = 200, description = "This document", content_type = "application/json", body = Object))
)]
pub async fn serve() -> Json<Value> {
    Json(DOCUMENT.clone())
}

/// The last touches that need the whole document: stable operation ids, links
/// from a created resource to the operations that take its id (clients and
/// schemathesis's stateful phase follow them), and required headers.
fn finish(api: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(&api).unwrap_or_else(|_| json!({}));
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            op["operationId"] = json!(operation_id(method, path));
            if let Some(links) = links(method, path) {
                op["responses"]["200"]["links"] = links;
            }
            // utoipa's Header has no `required`; a redirect always has a Location.
            if let Some(location) = op.pointer_mut("/responses/303/headers/Location") {
                location["required"] = json!(true);
            }
        }
    }
    doc
}

/// A stable operationId: the method and the path, e.g. `get_api_manage_apps_app_id`.
pub fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for c in path.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => id.push(c),
            '{' | '}' => {}
            _ if id.ends_with('_') => {}
            _ => id.push('_'),
        }
    }
    id.trim_end_matches('_').to_string()
}

/// Where a created resource's id goes next: (creating operation, path parameter,
/// where the id is in the answer, operations that take it).
type Link = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const LINKS: &[Link] = &[
    (
        "post",
        "/api/manage/personal_access_tokens",
        "token_id",
        "$response.body#/data/id",
        &[
            ("get", "/api/manage/personal_access_tokens/{token_id}"),
            ("patch", "/api/manage/personal_access_tokens/{token_id}"),
            ("delete", "/api/manage/personal_access_tokens/{token_id}"),
        ],
    ),
    (
        "post",
        "/api/manage/apps",
        "app_id",
        "$response.body#/data/app_id",
        &[
            ("get", "/api/manage/apps/{app_id}"),
            ("patch", "/api/manage/apps/{app_id}"),
            ("delete", "/api/manage/apps/{app_id}"),
            ("get", "/api/manage/apps/{app_id}/keys"),
            ("post", "/api/manage/apps/{app_id}/keys"),
            ("get", "/api/manage/apps/{app_id}/authorizations"),
            ("post", "/api/manage/apps/{app_id}/authorizations"),
            ("post", "/api/manage/apps/{app_id}/disable"),
            ("post", "/api/manage/apps/{app_id}/enable"),
            ("post", "/api/manage/apps/{app_id}/secret"),
            ("get", "/api/manage/apps/{app_id}/share_link"),
        ],
    ),
    (
        "post",
        "/api/manage/workspaces",
        "workspace_id",
        "$response.body#/data/id",
        &[
            ("get", "/api/manage/workspaces/{workspace_id}/members"),
            ("post", "/api/manage/workspaces/{workspace_id}/members"),
            ("get", "/v1/workspaces/{workspace_id}/members"),
        ],
    ),
    (
        "post",
        "/api/manage/organizations",
        "org_id",
        "$response.body#/data/id",
        &[
            ("get", "/api/manage/organizations/{org_id}"),
            ("patch", "/api/manage/organizations/{org_id}"),
            ("get", "/api/manage/organizations/{org_id}/members"),
            ("post", "/api/manage/organizations/{org_id}/members"),
            ("get", "/api/manage/organizations/{org_id}/installations"),
            (
                "get",
                "/api/manage/organizations/{org_id}/service_access_tokens",
            ),
            (
                "post",
                "/api/manage/organizations/{org_id}/service_access_tokens",
            ),
        ],
    ),
    (
        "post",
        "/v1/bot/create",
        "bot_id",
        "$response.body#/data/bot_id",
        &[("get", "/v1/bots/{bot_id}")],
    ),
];

fn links(method: &str, path: &str) -> Option<Value> {
    let (_, _, param, expression, targets) =
        LINKS.iter().find(|(m, p, ..)| *m == method && *p == path)?;
    let mut out = Map::new();
    for (m, p) in targets.iter() {
        let id = operation_id(m, p);
        out.insert(
            id.clone(),
            json!({"operationId": id, "parameters": {*param: expression}}),
        );
    }
    Some(Value::Object(out))
}
