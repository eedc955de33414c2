use super::{Actor, clean_name};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use axum::extract::State;
use buckle_store::Workspace;
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
        role: "owner".into(),
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
            role: w.role,
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
        return Ok((w, role));
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
    let (w, _) = visible(&state, &actor, &ws).await?;
    let all = state.store.workspace_members(w.id).await?;
    ok(all
        .into_iter()
        .map(|m| WorkspaceMemberOut {
            user_id: m.account_id.to_string(),
            user_name: m.user_name,
            nick_name: m.nick_name,
            avatar_url: m.avatar_url,
            role: m.role,
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
    let (w, role) = visible(&state, &actor, &ws).await?;
    require_ws_admin(&state, &actor, &w, &role).await?;
    let Some(org) = &w.org_id else {
        return Err(ApiError::bad_request(
            "A personal workspace has only its owner; share a team or enterprise workspace instead.",
        ));
    };
    if !matches!(body.role.as_str(), "admin" | "member") {
        return Err(ApiError::bad_request(
            "role must be \"admin\" or \"member\".",
        ));
    }
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
        .add_workspace_member(w.id, a.id, &body.role, state.clock.now())
        .await
    {
        Err(buckle_store::StoreError::Conflict) => {
            return Err(ApiError::conflict("That account is already a member."));
        }
        r => r?,
    }
    ok(AddedMemberOut {
        user_id: a.id.to_string(),
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
    ok(Empty {})
}
