//! Moving a personal workspace into a team or enterprise, and the personal
//! account access switch of organization credentials (JSON): the rules are in
//! `service::workspace_moves`.

use super::Actor;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use crate::service::workspace_moves::{self as service, Preview, PreviewItem};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

/// One credential in a move's preview.
#[derive(Serialize, ToSchema)]
pub struct PreviewCredentialOut {
    /// `personal_access_token`, `service_access_token`, `obo` or `app_auth`.
    kind: &'static str,
    /// The token's id, or the authorization's.
    id: String,
    /// The token's name, or the app's.
    name: String,
    /// The app's id (client id), for `obo` and `app_auth`.
    app_id: Option<String>,
    all_workspaces: bool,
}

impl From<PreviewItem> for PreviewCredentialOut {
    fn from(i: PreviewItem) -> PreviewCredentialOut {
        PreviewCredentialOut {
            kind: i.kind.as_str(),
            id: i.id.to_string(),
            name: i.name,
            app_id: i.client_id,
            all_workspaces: i.all_workspaces,
        }
    }
}

/// What a move will change.
#[derive(Serialize, ToSchema)]
pub struct MovePreviewOut {
    workspace_id: String,
    workspace_name: String,
    organization_id: String,
    organization_name: String,
    /// Personal-edition credentials that will get 4100/4101 for the workspace.
    stop_reaching: Vec<PreviewCredentialOut>,
    /// Organization credentials with all workspaces, which reach it once moved.
    already_covering: Vec<PreviewCredentialOut>,
}

impl From<Preview> for MovePreviewOut {
    fn from(p: Preview) -> MovePreviewOut {
        MovePreviewOut {
            workspace_id: p.workspace.id.to_string(),
            workspace_name: p.workspace.name,
            organization_id: p.organization_id.into_string(),
            organization_name: p.organization_name,
            stop_reaching: p.stop_reaching.into_iter().map(Into::into).collect(),
            already_covering: p.already_covering.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    organization_id: String,
}

/// `GET /api/manage/workspaces/{workspace_id}/move?organization_id=`: what moving
/// one of the caller's personal workspaces into an organization they administer
/// would break, and which organization credentials already cover it.
#[utoipa::path(
    get,
    path = "/api/manage/workspaces/{workspace_id}/move",
    summary = "Preview moving a personal workspace into a team/enterprise (admins)",
    params(("workspace_id" = String, Path), PreviewParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<MovePreviewOut>), EnvelopeErrors)
)]
pub async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    Path(ws): Path<String>,
    Query(q): Query<PreviewParams>,
) -> ApiResult<MovePreviewOut> {
    let p = service::preview(&state, &actor, &ws, &q.organization_id).await?;
    ok(p.into())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "7350000000000000001"}))]
pub struct MoveWorkspace {
    organization_id: String,
}

/// The moved workspace.
#[derive(Serialize, ToSchema)]
pub struct MovedOut {
    workspace_id: String,
    organization_id: String,
}

/// `POST /api/manage/workspaces/{workspace_id}/move`: moves the workspace (one
/// transaction); personal-edition credentials get 4100/4101 for it from then on.
#[utoipa::path(
    post,
    path = "/api/manage/workspaces/{workspace_id}/move",
    summary = "Move a personal workspace into a team/enterprise (admins)",
    params(("workspace_id" = String, Path)),
    request_body = MoveWorkspace,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<MovedOut>), EnvelopeErrors)
)]
pub async fn move_into(
    State(state): State<AppState>,
    actor: Actor,
    Path(ws): Path<String>,
    Json(body): Json<MoveWorkspace>,
) -> ApiResult<MovedOut> {
    let w = service::move_into(&state, &actor, &ws, &body.organization_id).await?;
    ok(MovedOut {
        workspace_id: w.id.to_string(),
        organization_id: body.organization_id.trim().to_string(),
    })
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct PersonalAccess {
    /// Whether the credential reaches the admin's own personal account-level
    /// resources (conversations); account-level points only.
    enabled: bool,
}

/// `GET /api/manage/personal_access_tokens/{token_id}/personal_account_access`.
#[utoipa::path(
    get,
    path = "/api/manage/personal_access_tokens/{token_id}/personal_account_access",
    summary = "Whether an organization PAT reaches its admin's personal account-level resources",
    params(("token_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<PersonalAccess>), EnvelopeErrors)
)]
pub async fn token_access(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<PersonalAccess> {
    actor.require("Manage.tokens")?;
    let enabled =
        service::token_personal_access(&state, &actor, id(&token_id, "token id")?).await?;
    ok(PersonalAccess { enabled })
}

/// `PUT /api/manage/personal_access_tokens/{token_id}/personal_account_access`:
/// an admin lets one of their organization PATs reach their own personal
/// account-level resources, or stops it.
#[utoipa::path(
    put,
    path = "/api/manage/personal_access_tokens/{token_id}/personal_account_access",
    summary = "Let an organization PAT reach its admin's personal account-level resources",
    params(("token_id" = String, Path)),
    request_body = PersonalAccess,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<PersonalAccess>), EnvelopeErrors)
)]
pub async fn set_token_access(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
    Json(body): Json<PersonalAccess>,
) -> ApiResult<PersonalAccess> {
    actor.require("Manage.tokens")?;
    service::set_token_personal_access(&state, &actor, id(&token_id, "token id")?, body.enabled)
        .await?;
    ok(body)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "7350000000000000001", "enabled": true}))]
pub struct AppPersonalAccess {
    organization_id: String,
    enabled: bool,
}

/// `PUT /api/manage/apps/{app_id}/authorizations/personal_account_access`: an
/// admin lets the app's AppAuth authorization in their organization reach their
/// own personal account-level resources (its `czs_` tokens then act for them on
/// account-level points only), or stops it.
#[utoipa::path(
    put,
    path = "/api/manage/apps/{app_id}/authorizations/personal_account_access",
    summary = "Let an organization's AppAuth authorization reach the admin's personal account-level resources",
    params(("app_id" = String, Path)),
    request_body = AppPersonalAccess,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<PersonalAccess>), EnvelopeErrors)
)]
pub async fn set_app_access(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
    Json(body): Json<AppPersonalAccess>,
) -> ApiResult<PersonalAccess> {
    actor.require("Manage.apps")?;
    service::set_grant_personal_access(
        &state,
        &actor,
        &app_id,
        &body.organization_id,
        body.enabled,
    )
    .await?;
    ok(PersonalAccess {
        enabled: body.enabled,
    })
}
