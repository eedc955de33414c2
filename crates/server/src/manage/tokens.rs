//! Personal access tokens (`pat_`) and service access tokens (`sat_`).

use super::Actor;
use crate::AppState;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use crate::service::tokens::{self as service, GrantAsk, NewToken, TokenEdit};
use axum::extract::State;
use buckle_core::PermissionSet;
use buckle_store::AccessToken;
use serde::{Deserialize, Serialize};

/// The permission point a personal access token needs to use this area.
const POINT: &str = "Manage.tokens";

#[derive(Serialize)]
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
            organization_id: t.org_id.clone(),
            permissions: PermissionSet::decode(&t.permissions).names().to_vec(),
            all_workspaces: t.all_workspaces,
            workspace_ids: t.workspace_ids.iter().map(i64::to_string).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            token: secret,
        }
    }
}

/// What a credential grants, as asked for.
#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePersonal {
    pub name: String,
    /// The team or enterprise to make the token in; absent for the personal edition.
    pub organization_id: Option<String>,
    pub permissions: Vec<String>,
    #[serde(default)]
    pub all_workspaces: bool,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
    pub expires_in: Option<String>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditionParams {
    organization_id: Option<String>,
}

/// `GET /api/manage/personal_access_tokens[?organization_id=]`: never the secrets.
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
pub async fn get_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<TokenOut> {
    actor.require(POINT)?;
    let t = service::get_personal(&state, &actor, id(&token_id, "token id")?).await?;
    ok(TokenOut::of(&t, None))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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
pub async fn delete_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<serde_json::Value> {
    actor.require(POINT)?;
    service::delete_personal(&state, &actor, id(&token_id, "token id")?).await?;
    ok(serde_json::json!({}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateService {
    name: String,
    permissions: Vec<String>,
    #[serde(default)]
    all_workspaces: bool,
    #[serde(default)]
    workspace_ids: Vec<String>,
    expires_in: Option<String>,
    expires_at: Option<i64>,
}

/// `POST /api/manage/organizations/{org_id}/service_access_tokens` (admins).
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
    let issued = service::create_service(&state, &actor, &org_id, req).await?;
    ok(TokenOut::of(&issued.token, Some(issued.secret)))
}

/// `GET /api/manage/organizations/{org_id}/service_access_tokens` (admins).
pub async fn list_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
) -> ApiResult<Vec<TokenOut>> {
    actor.require(POINT)?;
    let all = service::list_service(&state, &actor, &org_id).await?;
    ok(all.iter().map(|t| TokenOut::of(t, None)).collect())
}

/// `GET /api/manage/service_access_tokens/{token_id}`.
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
pub async fn delete_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<serde_json::Value> {
    actor.require(POINT)?;
    service::delete_service(&state, &actor, id(&token_id, "token id")?).await?;
    ok(serde_json::json!({}))
}
