//! Workspaces (JSON): the rules are in `service::workspaces`.

use super::Actor;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use crate::service::workspaces as service;
use axum::extract::State;
use buckle_core::{OrgId, WorkspaceId};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct WorkspaceOut {
    id: String,
    name: String,
    organization_id: Option<String>,
    owner_user_id: String,
    role: String,
    created_at: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Example workspace"}))]
pub struct CreateWorkspace {
    name: String,
    organization_id: Option<String>,
}

/// `POST /api/manage/workspaces`: a personal workspace, or (admins) an organization's.
#[utoipa::path(
    post,
    path = "/api/manage/workspaces",
    summary = "Create a workspace (Manage.workspaces)",
    request_body = CreateWorkspace,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<WorkspaceOut>), EnvelopeErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateWorkspace>,
) -> ApiResult<WorkspaceOut> {
    actor.require("Manage.workspaces")?;
    let w = service::create(&state, &actor, &body.name, body.organization_id).await?;
    ok(WorkspaceOut {
        id: w.id.to_string(),
        name: w.name,
        organization_id: w.org_id.map(OrgId::into_string),
        owner_user_id: w.owner_account_id.to_string(),
        role: buckle_core::WorkspaceRole::Owner.to_string(),
        created_at: w.created_at,
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    organization_id: Option<String>,
}

/// `GET /api/manage/workspaces[?organization_id=]`: the caller's workspaces in one edition.
#[utoipa::path(
    get,
    path = "/api/manage/workspaces",
    summary = "The caller's workspaces in one edition; organization_id",
    params(ListParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<WorkspaceOut>>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<ListParams>,
) -> ApiResult<Vec<WorkspaceOut>> {
    actor.require("Manage.workspaces")?;
    let all = service::list(&state, &actor, q.organization_id.as_deref()).await?;
    ok(all
        .into_iter()
        .map(|w| WorkspaceOut {
            id: w.id.to_string(),
            name: w.name,
            organization_id: w.org_id.map(OrgId::into_string),
            owner_user_id: w.owner_account_id.to_string(),
            role: w.role.to_string(),
            created_at: w.created_at,
        })
        .collect())
}

/// A member of a workspace.
#[derive(Serialize, ToSchema)]
pub struct WorkspaceMemberOut {
    user_id: String,
    user_name: String,
    nick_name: String,
    avatar_url: String,
    role: String,
}
/// `GET /api/manage/workspaces/{workspace_id}/members`.
#[utoipa::path(
    get,
    path = "/api/manage/workspaces/{workspace_id}/members",
    summary = "Workspace members",
    params(("workspace_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<WorkspaceMemberOut>>), EnvelopeErrors)
)]
pub async fn members(
    State(state): State<AppState>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Vec<WorkspaceMemberOut>> {
    actor.require("Manage.workspaces")?;
    let all = service::members(&state, &actor, id(&ws, "workspace_id").map(WorkspaceId)?).await?;
    ok(all
        .into_iter()
        .map(|m| WorkspaceMemberOut {
            user_id: m.account_id.to_string(),
            user_name: m.user_name,
            nick_name: m.nick_name,
            avatar_url: m.avatar_url,
            role: m.role.to_string(),
        })
        .collect())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    user_name: String,
    role: String,
}

/// The added member and their role.
#[derive(Serialize, ToSchema)]
pub struct AddedMemberOut {
    user_id: String,
    role: String,
}

/// `POST /api/manage/workspaces/{workspace_id}/members`: organization workspaces only;
/// the new member must belong to the organization.
#[utoipa::path(
    post,
    path = "/api/manage/workspaces/{workspace_id}/members",
    summary = "Add a member of the organization to its workspace",
    params(("workspace_id" = String, Path)),
    request_body = AddMember,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AddedMemberOut>), EnvelopeErrors)
)]
pub async fn add_member(
    State(state): State<AppState>,
    actor: Actor,
    Path(ws): Path<String>,
    Json(body): Json<AddMember>,
) -> ApiResult<AddedMemberOut> {
    actor.require("Manage.workspaces")?;
    let ws = id(&ws, "workspace_id").map(WorkspaceId)?;
    let account_id = service::add_member(&state, &actor, ws, &body.user_name, &body.role).await?;
    ok(AddedMemberOut {
        user_id: account_id.to_string(),
        role: body.role,
    })
}

/// `DELETE /api/manage/workspaces/{workspace_id}/members/{account_id}`: members may
/// leave; admins may remove others; the owner stays.
#[utoipa::path(
    delete,
    path = "/api/manage/workspaces/{workspace_id}/members/{account_id}",
    summary = "Remove a member, or leave",
    params(("workspace_id" = String, Path), ("account_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn remove_member(
    State(state): State<AppState>,
    actor: Actor,
    Path((ws, account_id)): Path<(String, String)>,
) -> ApiResult<Empty> {
    actor.require("Manage.workspaces")?;
    service::remove_member(
        &state,
        &actor,
        id(&ws, "workspace_id").map(WorkspaceId)?,
        &account_id,
    )
    .await?;
    ok(Empty {})
}
