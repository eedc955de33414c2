use crate::AppState;
use crate::auth::{Credential, Need};
use crate::error::{ApiError, ApiResult, ok};
use axum::extract::State;
use serde::Serialize;

#[derive(Serialize)]
pub struct OrgMemberOut {
    user_id: String,
    user_name: String,
    nick_name: String,
    role_type: String,
}

#[derive(Serialize)]
pub struct OrgMembers {
    organization_id: String,
    items: Vec<OrgMemberOut>,
    total_count: usize,
}

/// `GET /v1/organization/members`: the members of the token's team or enterprise
/// (a team/enterprise-level permission).
pub async fn members(State(state): State<AppState>, cred: Credential) -> ApiResult<OrgMembers> {
    cred.require(&state, Need::Organization("Organization.listMembers"))
        .await?;
    let org = cred.org_id.clone().ok_or_else(ApiError::internal)?;
    let items: Vec<OrgMemberOut> = state
        .store
        .organization_members(&org)
        .await?
        .into_iter()
        .map(|m| OrgMemberOut {
            user_id: m.account_id.to_string(),
            user_name: m.user_name,
            nick_name: m.nick_name,
            role_type: m.role.as_str().to_string(),
        })
        .collect();
    ok(OrgMembers {
        organization_id: org,
        total_count: items.len(),
        items,
    })
}
