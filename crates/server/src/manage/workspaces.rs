//! Workspaces (JSON): the rules are in `service::workspaces`.

use super::Actor;
use crate::AppState;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use crate::service::workspaces as service;
use axum::extract::State;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct WorkspaceOut {
    id: String,
    name: String,
    organization_id: Option<String>,
    owner_user_id: String,
    role: String,
    created_at: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspace {
    name: String,
    organization_id: Option<String>,
}

/// `POST /api/manage/workspaces`: a personal workspace, or (admins) an organization's.
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
        organization_id: w.org_id,
        owner_user_id: w.owner_account_id.to_string(),
        role: buckle_core::WorkspaceRole::Owner.to_string(),
        created_at: w.created_at,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    organization_id: Option<String>,
}

/// `GET /api/manage/workspaces[?organization_id=]`: the caller's workspaces in one edition.
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
            organization_id: w.org_id,
            owner_user_id: w.owner_account_id.to_string(),
            role: w.role.to_string(),
            created_at: w.created_at,
        })
        .collect())
}

/// `GET /api/manage/workspaces/{workspace_id}/members`.
pub async fn members(
    State(state): State<AppState>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Vec<serde_json::Value>> {
    actor.require("Manage.workspaces")?;
    let all = service::members(&state, &actor, id(&ws, "workspace_id")?).await?;
    ok(all
        .into_iter()
        .map(|m| {
            serde_json::json!({
                "user_id": m.account_id.to_string(),
                "user_name": m.user_name,
                "nick_name": m.nick_name,
                "avatar_url": m.avatar_url,
                "role": m.role,
            })
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    user_name: String,
    role: String,
}

/// `POST /api/manage/workspaces/{workspace_id}/members`: organization workspaces only;
/// the new member must belong to the organization.
pub async fn add_member(
    State(state): State<AppState>,
    actor: Actor,
    Path(ws): Path<String>,
    Json(body): Json<AddMember>,
) -> ApiResult<serde_json::Value> {
    actor.require("Manage.workspaces")?;
    let ws = id(&ws, "workspace_id")?;
    let account_id = service::add_member(&state, &actor, ws, &body.user_name, &body.role).await?;
    ok(serde_json::json!({ "user_id": account_id.to_string(), "role": body.role }))
}

/// `DELETE /api/manage/workspaces/{workspace_id}/members/{account_id}`: members may
/// leave; admins may remove others; the owner stays.
pub async fn remove_member(
    State(state): State<AppState>,
    actor: Actor,
    Path((ws, account_id)): Path<(String, String)>,
) -> ApiResult<serde_json::Value> {
    actor.require("Manage.workspaces")?;
    service::remove_member(&state, &actor, id(&ws, "workspace_id")?, &account_id).await?;
    ok(serde_json::json!({}))
}
