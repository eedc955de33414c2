//! Personal access tokens (`pat_`) and service access tokens (`sat_`).

use super::Actor;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use crate::service::organizations::org_of;
use crate::service::tokens::{self as service, GrantAsk, NewToken, TokenEdit};
use axum::extract::State;
use buckle_core::PermissionSet;
use buckle_store::AccessToken;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

/// The permission point a personal access token needs to use this area.
const POINT: &str = "Manage.tokens";

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: String,
    kind: &'static str,
    name: String,
    /// The last characters of the secret.
    last_chars: String,
    organization_id: Option<String>,
    permissions: Vec<String>,
    all_workspaces: bool,
    workspace_ids: Vec<String>,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    /// The secret itself: present only in the response that created the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl TokenOut {
    fn of(t: &AccessToken, secret: Option<String>) -> TokenOut {
        TokenOut {
            id: t.id.to_string(),
            kind: t.kind.stored().unwrap_or_default(),
            name: t.name.clone(),
            last_chars: t.hint.clone(),
            organization_id: t.org_id.as_ref().map(ToString::to_string),
            permissions: PermissionSet::decode(&t.permissions).names().to_vec(),
            all_workspaces: t.all_workspaces,
            workspace_ids: t.workspace_ids.iter().map(ToString::to_string).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            token: secret,
        }
    }
}

/// What a credential grants, as asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GrantRequest {
    pub permissions: Vec<String>,
    #[serde(default)]
    pub all_workspaces: bool,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
}

impl From<GrantRequest> for GrantAsk {
    fn from(g: GrantRequest) -> GrantAsk {
        GrantAsk {
            permissions: g.permissions,
            all_workspaces: g.all_workspaces,
            workspace_ids: g.workspace_ids,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "ci", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))]
#[schema(as = CreatePersonalAccessToken)]
pub struct CreatePersonal {
    pub name: String,
    /// The team or enterprise to make the token in; absent for the personal edition.
    pub organization_id: Option<String>,
    pub permissions: Vec<String>,
    #[serde(default)]
    pub all_workspaces: bool,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
    /// 1h, 1d, 7d, 30d, ... or permanent.
    #[schema(example = "30d")]
    pub expires_in: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

impl CreatePersonal {
    fn into_request(self) -> (Option<String>, NewToken) {
        let grant = GrantRequest {
            permissions: self.permissions,
            all_workspaces: self.all_workspaces,
            workspace_ids: self.workspace_ids,
        };
        (
            self.organization_id,
            NewToken {
                name: self.name,
                grant: grant.into(),
                expires_in: self.expires_in,
                expires_at: self.expires_at,
            },
        )
    }
}

/// `POST /api/manage/personal_access_tokens`.
#[utoipa::path(
    post,
    path = "/api/manage/personal_access_tokens",
    summary = "Create a personal access token; the secret is returned once (Manage.tokens)",
    request_body = CreatePersonal,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn create_personal(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreatePersonal>,
) -> ApiResult<TokenOut> {
    actor.require(POINT)?;
    let (org, req) = body.into_request();
    let issued = service::create_personal(&state, &actor, org, req).await?;
    ok(TokenOut::of(&issued.token, Some(issued.secret)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EditionParams {
    organization_id: Option<String>,
}

/// `GET /api/manage/personal_access_tokens[?organization_id=]`: never the secrets.
#[utoipa::path(
    get,
    path = "/api/manage/personal_access_tokens",
    summary = "The caller's personal access tokens in one edition; never the secrets",
    params(EditionParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<TokenOut>>), EnvelopeErrors)
)]
pub async fn list_personal(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<EditionParams>,
) -> ApiResult<Vec<TokenOut>> {
    actor.require(POINT)?;
    let all = service::list_personal(&state, &actor, q.organization_id.as_deref()).await?;
    ok(all.iter().map(|t| TokenOut::of(t, None)).collect())
}

/// `GET /api/manage/personal_access_tokens/{token_id}`.
#[utoipa::path(
    get,
    path = "/api/manage/personal_access_tokens/{token_id}",
    summary = "One personal access token",
    params(("token_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn get_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<TokenOut> {
    actor.require(POINT)?;
    let t = service::get_personal(&state, &actor, id(&token_id, "token id")?).await?;
    ok(TokenOut::of(&t, None))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "renamed", "permissions": ["Account.readProfile"]}))]
pub struct UpdateToken {
    name: Option<String>,
    permissions: Option<Vec<String>>,
    all_workspaces: Option<bool>,
    workspace_ids: Option<Vec<String>>,
}

impl From<UpdateToken> for TokenEdit {
    fn from(b: UpdateToken) -> TokenEdit {
        TokenEdit {
            name: b.name,
            permissions: b.permissions,
            all_workspaces: b.all_workspaces,
            workspace_ids: b.workspace_ids,
        }
    }
}

/// `PATCH /api/manage/personal_access_tokens/{token_id}`: name, permissions, workspaces.
#[utoipa::path(
    patch,
    path = "/api/manage/personal_access_tokens/{token_id}",
    summary = "Edit name, permissions, workspaces",
    params(("token_id" = String, Path)),
    request_body = UpdateToken,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn update_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
    Json(body): Json<UpdateToken>,
) -> ApiResult<TokenOut> {
    actor.require(POINT)?;
    let token_id = id(&token_id, "token id")?;
    let t = service::update_personal(&state, &actor, token_id, body.into()).await?;
    ok(TokenOut::of(&t, None))
}

/// `DELETE /api/manage/personal_access_tokens/{token_id}`: the token stops working at once.
#[utoipa::path(
    delete,
    path = "/api/manage/personal_access_tokens/{token_id}",
    summary = "Delete; the token stops working at once",
    params(("token_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    service::delete_personal(&state, &actor, id(&token_id, "token id")?).await?;
    ok(Empty {})
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateServiceAccessToken)]
pub struct CreateService {
    name: String,
    permissions: Vec<String>,
    #[serde(default)]
    all_workspaces: bool,
    #[serde(default)]
    workspace_ids: Vec<String>,
    /// 1h, 1d, 7d, 30d, ... or permanent.
    #[schema(example = "30d")]
    expires_in: Option<String>,
    /// Unix seconds.
    expires_at: Option<i64>,
}

/// `POST /api/manage/organizations/{org_id}/service_access_tokens` (admins).
#[utoipa::path(
    post,
    path = "/api/manage/organizations/{org_id}/service_access_tokens",
    summary = "Create a service access token (admins); the secret is returned once",
    params(("org_id" = String, Path)),
    request_body = CreateService,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn create_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
    Json(body): Json<CreateService>,
) -> ApiResult<TokenOut> {
    actor.require(POINT)?;
    let grant = GrantRequest {
        permissions: body.permissions,
        all_workspaces: body.all_workspaces,
        workspace_ids: body.workspace_ids,
    };
    let req = NewToken {
        name: body.name,
        grant: grant.into(),
        expires_in: body.expires_in,
        expires_at: body.expires_at,
    };
    let issued = service::create_service(&state, &actor, &org_of(&org_id)?, req).await?;
    ok(TokenOut::of(&issued.token, Some(issued.secret)))
}

/// `GET /api/manage/organizations/{org_id}/service_access_tokens` (admins).
#[utoipa::path(
    get,
    path = "/api/manage/organizations/{org_id}/service_access_tokens",
    summary = "Service access tokens of an organization (admins)",
    params(("org_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<TokenOut>>), EnvelopeErrors)
)]
pub async fn list_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
) -> ApiResult<Vec<TokenOut>> {
    actor.require(POINT)?;
    let all = service::list_service(&state, &actor, &org_of(&org_id)?).await?;
    ok(all.iter().map(|t| TokenOut::of(t, None)).collect())
}

/// `GET /api/manage/service_access_tokens/{token_id}`.
#[utoipa::path(
    get,
    path = "/api/manage/service_access_tokens/{token_id}",
    summary = "One service access token (admins)",
    params(("token_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn get_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<TokenOut> {
    actor.require(POINT)?;
    let (t, _) = service::get_service(&state, &actor, id(&token_id, "token id")?).await?;
    ok(TokenOut::of(&t, None))
}

/// `PATCH /api/manage/service_access_tokens/{token_id}`.
#[utoipa::path(
    patch,
    path = "/api/manage/service_access_tokens/{token_id}",
    summary = "Edit name, permissions, workspaces (admins)",
    params(("token_id" = String, Path)),
    request_body = UpdateToken,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn update_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
    Json(body): Json<UpdateToken>,
) -> ApiResult<TokenOut> {
    actor.require(POINT)?;
    let token_id = id(&token_id, "token id")?;
    let t = service::update_service(&state, &actor, token_id, body.into()).await?;
    ok(TokenOut::of(&t, None))
}

/// `DELETE /api/manage/service_access_tokens/{token_id}`.
#[utoipa::path(
    delete,
    path = "/api/manage/service_access_tokens/{token_id}",
    summary = "Delete (admins)",
    params(("token_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    service::delete_service(&state, &actor, id(&token_id, "token id")?).await?;
    ok(Empty {})
}
