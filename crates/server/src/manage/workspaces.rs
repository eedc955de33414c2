use super::{Actor, clean_name};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use axum::extract::State;
use buckle_core::WorkspaceRole;
use buckle_store::Workspace;
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
    if let Some(org) = &body.organization_id {
        actor.require_org_admin(&state, org).await?;
    }
    let w = Workspace {
        id: buckle_core::ids::new_id(),
        name: clean_name(&body.name, "name", 100)?,
        org_id: body.organization_id,
        owner_account_id: actor.account.id,
        created_at: state.clock.now(),
    };
    state.store.create_workspace(&w).await?;
    ok(WorkspaceOut {
        id: w.id.to_string(),
        name: w.name,
        organization_id: w.org_id,
        owner_user_id: w.owner_account_id.to_string(),
        role: WorkspaceRole::Owner.to_string(),
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
    let all = state
        .store
        .workspaces_of(actor.account.id, q.organization_id.as_deref())
        .await?;
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

/// The workspace, if the actor belongs to it or administers the organization owning
/// it, with the actor's role there (`org_admin` for organization admins outside it).
async fn visible(
    state: &AppState,
    actor: &Actor,
    raw: &str,
) -> Result<(Workspace, String), ApiError> {
    let ws_id = id(raw, "workspace_id")?;
    let not_found = || ApiError::not_found("Workspace not found.");
    let w = state.store.workspace(ws_id).await?.ok_or_else(not_found)?;
    if let Some(role) = state.store.workspace_role(ws_id, actor.account.id).await? {
        return Ok((w, role.to_string()));
    }
    if let Some(org) = &w.org_id
        && actor.require_org_admin(state, org).await.is_ok()
    {
        return Ok((w, "org_admin".into()));
    }
    Err(not_found())
}

/// Workspace owners and admins manage members, and so do the admins of the
/// organization owning it.
async fn require_ws_admin(
    state: &AppState,
    actor: &Actor,
    w: &Workspace,
    role: &str,
) -> Result<(), ApiError> {
    if matches!(role, "owner" | "admin" | "org_admin") {
        return Ok(());
    }
    if let Some(org) = &w.org_id
        && actor.require_org_admin(state, org).await.is_ok()
    {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "Only the workspace's owner or admins may do this.",
    ))
}

/// `GET /api/manage/workspaces/{workspace_id}/members`.
pub async fn members(
    State(state): State<AppState>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Vec<serde_json::Value>> {
    actor.require("Manage.workspaces")?;
    let (w, _) = visible(&state, &actor, &ws).await?;
    let all = state.store.workspace_members(w.id).await?;
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
    let (w, role) = visible(&state, &actor, &ws).await?;
    require_ws_admin(&state, &actor, &w, &role).await?;
    let Some(org) = &w.org_id else {
        return Err(ApiError::bad_request(
            "A personal workspace has only its owner; share a team or enterprise workspace instead.",
        ));
    };
    let role = match WorkspaceRole::parse(&body.role) {
        Ok(r @ (WorkspaceRole::Admin | WorkspaceRole::Member)) => r,
        _ => {
            return Err(ApiError::bad_request(
                "role must be \"admin\" or \"member\".",
            ));
        }
    };
    // Unknown names and non-members get one answer: adding to a workspace of a
    // team one made must not tell which user names exist.
    let not_in_org = || {
        ApiError::bad_request("No member of the workspace's team/enterprise has that user name.")
    };
    let a = state
        .store
        .account_by_name(body.user_name.trim())
        .await?
        .ok_or_else(not_in_org)?;
    if state.store.role_in(org, a.id).await?.is_none() {
        return Err(not_in_org());
    }
    match state
        .store
        .add_workspace_member(w.id, a.id, role, state.clock.now())
        .await
    {
        Err(buckle_store::StoreError::Conflict) => {
            return Err(ApiError::conflict("That account is already a member."));
        }
        r => r?,
    }
    ok(serde_json::json!({ "user_id": a.id.to_string(), "role": body.role }))
}

/// `DELETE /api/manage/workspaces/{workspace_id}/members/{account_id}`: members may
/// leave; admins may remove others; the owner stays.
pub async fn remove_member(
    State(state): State<AppState>,
    actor: Actor,
    Path((ws, account_id)): Path<(String, String)>,
) -> ApiResult<serde_json::Value> {
    actor.require("Manage.workspaces")?;
    let (w, role) = visible(&state, &actor, &ws).await?;
    let target = id(&account_id, "account_id")?;
    if target != actor.account.id {
        require_ws_admin(&state, &actor, &w, &role).await?;
    }
    if target == w.owner_account_id {
        return Err(ApiError::bad_request(
            "The workspace's owner cannot be removed.",
        ));
    }
    if !state.store.remove_workspace_member(w.id, target).await? {
        return Err(ApiError::not_found("That account is not a member."));
    }
    ok(serde_json::json!({}))
}
