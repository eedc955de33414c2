use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::auth::{Credential, Need};
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct OrgMemberOut {
    user_id: String,
    user_name: String,
    nick_name: String,
    role_type: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgMembers {
    organization_id: String,
    items: Vec<OrgMemberOut>,
    total_count: usize,
}

/// `GET /v1/organization/members`: the members of the token's team or enterprise
/// (a team/enterprise-level permission).
#[utoipa::path(
    get,
    path = "/v1/organization/members",
    summary = "Members of the token's team/enterprise (Organization.listMembers)",
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<OrgMembers>), EnvelopeErrors)
)]
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
        organization_id: org.into_string(),
        total_count: items.len(),
        items,
    })
}
