use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::auth::{Credential, Need};
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::{Page, Path, Query, id};
use axum::extract::State;
use buckle_core::reach::Subject;
use buckle_core::{OrgId, WorkspaceRole};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    page_num: Option<i64>,
    page_size: Option<i64>,
    /// Accepted for SDK compatibility; a token only ever lists its own reach.
    #[allow(dead_code)]
    user_id: Option<String>,
    #[allow(dead_code)]
    coze_account_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = OpenApiWorkspace)]
pub struct WorkspaceOut {
    id: String,
    name: String,
    icon_url: String,
    role_type: String,
    workspace_type: &'static str,
    enterprise_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceList {
    workspaces: Vec<WorkspaceOut>,
    total_count: usize,
}

/// `GET /v1/workspaces`: the workspaces this token reaches now.
#[utoipa::path(
    get,
    path = "/v1/workspaces",
    summary = "Workspaces the token reaches (Workspace.list); page_num, page_size",
    params(ListParams),
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<WorkspaceList>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    cred: Credential,
    Query(q): Query<ListParams>,
) -> ApiResult<WorkspaceList> {
    cred.require(&state, Need::Credential("Workspace.list"))
        .await?;
    let page = Page::from_params(q.page_num, q.page_size)?;
    let org = cred.org_id.as_ref();
    let reached: Vec<WorkspaceOut> = match (cred.reach().subject, cred.account_id, org) {
        (Subject::Person, Some(person), _) => state
            .store
            .workspaces_of(person, org)
            .await?
            .into_iter()
            .filter(|w| cred.reach().workspaces.includes(w.id))
            .map(|w| WorkspaceOut {
                id: w.id.to_string(),
                name: w.name,
                icon_url: String::new(),
                role_type: w.role.to_string(),
                workspace_type: if w.org_id.is_some() {
                    "team"
                } else {
                    "personal"
                },
                enterprise_id: w.org_id.map(OrgId::into_string).unwrap_or_default(),
            })
            .collect(),
        (_, _, Some(org)) => state
            .store
            .workspaces_of_organization(org)
            .await?
            .into_iter()
            .filter(|w| cred.reach().workspaces.includes(w.id))
            .map(|w| WorkspaceOut {
                id: w.id.to_string(),
                name: w.name,
                icon_url: String::new(),
                // A service credential is no one's member; Coze says "member".
                role_type: WorkspaceRole::Member.to_string(),
                workspace_type: "team",
                enterprise_id: org.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let total_count = reached.len();
    ok(WorkspaceList {
        workspaces: page.slice(reached),
        total_count,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    page_num: Option<i64>,
    page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = OpenApiWorkspaceMember)]
pub struct MemberOut {
    user_id: String,
    role_type: String,
    user_nickname: String,
    user_unique_name: String,
    avatar_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    items: Vec<MemberOut>,
    total_count: usize,
}

/// `GET /v1/workspaces/{workspace_id}/members`.
#[utoipa::path(
    get,
    path = "/v1/workspaces/{workspace_id}/members",
    summary = "Members of a workspace (Workspace.listMembers)",
    params(("workspace_id" = String, Path), PageParams),
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<MemberList>), EnvelopeErrors)
)]
pub async fn members(
    State(state): State<AppState>,
    cred: Credential,
    Path(workspace_id): Path<String>,
    Query(q): Query<PageParams>,
) -> ApiResult<MemberList> {
    let ws = id(&workspace_id, "workspace_id").map(buckle_core::WorkspaceId)?;
    cred.require(&state, Need::Workspace("Workspace.listMembers", ws))
        .await?;
    let page = Page::from_params(q.page_num, q.page_size)?;
    let all = state.store.workspace_members(ws).await?;
    let total_count = all.len();
    ok(MemberList {
        items: page
            .slice(all)
            .into_iter()
            .map(|m| MemberOut {
                user_id: m.account_id.to_string(),
                role_type: m.role.to_string(),
                user_nickname: m.nick_name,
                user_unique_name: m.user_name,
                avatar_url: m.avatar_url,
            })
            .collect(),
        total_count,
    })
}
