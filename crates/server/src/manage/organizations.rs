use super::{Actor, clean_name};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Path, id};
use axum::extract::State;
use buckle_core::Role;
use buckle_core::expiry::ORGANIZATION_MAX_DAYS;
use buckle_store::Organization;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    id: String,
    kind: String,
    name: String,
    /// Longest personal access token lifetime, days; null when permanent tokens are allowed.
    token_max_days: Option<i64>,
    role: String,
    created_at: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Example team", "kind": "team"}))]
#[schema(as = CreateOrganization)]
pub struct CreateOrg {
    name: String,
    #[schema(schema_with = crate::api_doc::organization_kind)]
    kind: String,
    /// An enterprise's id, chosen by the installation super admin creating it
    /// (Coze enterprise ids such as `volcano_2105850123`); generated when absent.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    id: Option<String>,
}

/// `POST /api/manage/organizations`: anyone may start a team; enterprises are
/// created by installation super admins. The creator becomes its super admin.
#[utoipa::path(
    post,
    path = "/api/manage/organizations",
    summary = "Create a team (anyone) or enterprise (installation super admins)",
    request_body = CreateOrg,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<OrgOut>), EnvelopeErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateOrg>,
) -> ApiResult<OrgOut> {
    actor.require("Manage.organizations")?;
    let kind = match body.kind.as_str() {
        "team" => "team",
        "enterprise" => {
            actor.require_super_admin()?;
            "enterprise"
        }
        _ => {
            return Err(ApiError::bad_request(
                "kind must be \"team\" or \"enterprise\".",
            ));
        }
    };
    let id = match body.id {
        None => buckle_core::ids::new_id().to_string(),
        Some(_) if kind != "enterprise" => {
            return Err(ApiError::bad_request(
                "id may be chosen only for an enterprise.",
            ));
        }
        Some(id) if buckle_core::organization_id::is_valid(&id) => id,
        Some(_) => {
            return Err(ApiError::bad_request(
                "id must be 1 to 64 letters, digits, '_' or '-'.",
            ));
        }
    };
    let org = Organization {
        id,
        kind: kind.to_string(),
        name: clean_name(&body.name, "name", 100)?,
        token_max_days: Some(ORGANIZATION_MAX_DAYS),
        created_at: state.clock.now(),
    };
    state
        .store
        .create_organization(&org, actor.account.id)
        .await?;
    ok(OrgOut {
        id: org.id,
        kind: org.kind,
        name: org.name,
        token_max_days: org.token_max_days,
        role: Role::SuperAdmin.as_str().into(),
        created_at: org.created_at,
    })
}

/// `GET /api/manage/organizations`: the caller's teams and enterprises.
#[utoipa::path(
    get,
    path = "/api/manage/organizations",
    summary = "The caller's teams and enterprises (Manage.organizations)",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<OrgOut>>), EnvelopeErrors)
)]
pub async fn list(State(state): State<AppState>, actor: Actor) -> ApiResult<Vec<OrgOut>> {
    actor.require("Manage.organizations")?;
    let all = state.store.organizations_of(actor.account.id).await?;
    ok(all
        .into_iter()
        .map(|m| OrgOut {
            id: m.id,
            kind: m.kind,
            name: m.name,
            token_max_days: m.token_max_days,
            role: m.role,
            created_at: m.created_at,
        })
        .collect())
}

/// `GET /api/manage/organizations/{org_id}`.
#[utoipa::path(
    get,
    path = "/api/manage/organizations/{org_id}",
    summary = "One organization",
    params(("org_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<OrgOut>), EnvelopeErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
) -> ApiResult<OrgOut> {
    actor.require("Manage.organizations")?;
    let role = actor.role_in(&state, &org_id).await?;
    let o = state
        .store
        .organization(&org_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organization not found."))?;
    ok(OrgOut {
        id: o.id,
        kind: o.kind,
        name: o.name,
        token_max_days: o.token_max_days,
        role: role.as_str().into(),
        created_at: o.created_at,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UpdateOrganization)]
pub struct UpdateOrg {
    /// 1..=365, or null to allow permanent personal access tokens.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 365)]
    token_max_days: Option<Option<i64>>,
}

/// Tells "absent" from "null" for fields where null means something.
pub mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Option::<i64>::deserialize(d).map(Some)
    }
}

/// `PATCH /api/manage/organizations/{org_id}`: admins set the token policy.
#[utoipa::path(
    patch,
    path = "/api/manage/organizations/{org_id}",
    summary = "Set the token policy (admins)",
    params(("org_id" = String, Path)),
    request_body = UpdateOrg,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<OrgOut>), EnvelopeErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
    Json(body): Json<UpdateOrg>,
) -> ApiResult<OrgOut> {
    actor.require("Manage.organizations")?;
    actor.require_org_admin(&state, &org_id).await?;
    if let Some(days) = body.token_max_days {
        if days.is_some_and(|d| !(1..=ORGANIZATION_MAX_DAYS).contains(&d)) {
            return Err(ApiError::bad_request(
                "token_max_days must be between 1 and 365, or null for permanent tokens.",
            ));
        }
        state.store.set_token_policy(&org_id, days).await?;
    }
    get(State(state), actor, Path(org_id)).await
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    user_id: String,
    user_name: String,
    nick_name: String,
    role: String,
    joined_at: i64,
}

/// `GET /api/manage/organizations/{org_id}/members`.
#[utoipa::path(
    get,
    path = "/api/manage/organizations/{org_id}/members",
    summary = "Members and roles",
    params(("org_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<MemberOut>>), EnvelopeErrors)
)]
pub async fn members(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
) -> ApiResult<Vec<MemberOut>> {
    actor.require("Manage.organizations")?;
    actor.role_in(&state, &org_id).await?;
    let all = state.store.organization_members(&org_id).await?;
    ok(all
        .into_iter()
        .map(|m| MemberOut {
            user_id: m.account_id.to_string(),
            user_name: m.user_name,
            nick_name: m.nick_name,
            role: m.role,
            joined_at: m.joined_at,
        })
        .collect())
}

pub(super) fn parse_role(s: &str) -> Result<Role, ApiError> {
    Role::parse(s).ok_or_else(|| {
        ApiError::bad_request("role must be \"super_admin\", \"admin\" or \"member\".")
    })
}

/// Only super admins hand out or take away super admin.
pub(super) fn may_assign(actor_role: Role, role: Role) -> Result<(), ApiError> {
    if role == Role::SuperAdmin && actor_role != Role::SuperAdmin {
        return Err(ApiError::forbidden(
            "Only a super admin may manage super admins.",
        ));
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    #[schema(schema_with = crate::api_doc::organization_role)]
    role: String,
}

async fn target_role(state: &AppState, org_id: &str, account_id: i64) -> Result<Role, ApiError> {
    state
        .store
        .role_in(org_id, account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("That account is not a member."))
}

/// Refuses changes that would leave the organization without a super admin.
async fn keep_a_super_admin(state: &AppState, org_id: &str, current: Role) -> Result<(), ApiError> {
    if current == Role::SuperAdmin && state.store.count_super_admins(org_id).await? <= 1 {
        return Err(ApiError::bad_request(
            "The team/enterprise must keep at least one super admin.",
        ));
    }
    Ok(())
}

/// A member's new role.
#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    user_id: String,
    #[schema(schema_with = crate::api_doc::organization_role)]
    role: &'static str,
}

/// `PATCH /api/manage/organizations/{org_id}/members/{account_id}`.
#[utoipa::path(
    patch,
    path = "/api/manage/organizations/{org_id}/members/{account_id}",
    summary = "Change a member's role (admins)",
    params(("org_id" = String, Path), ("account_id" = String, Path)),
    request_body = SetRole,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<RoleOut>), EnvelopeErrors)
)]
pub async fn set_role(
    State(state): State<AppState>,
    actor: Actor,
    Path((org_id, account_id)): Path<(String, String)>,
    Json(body): Json<SetRole>,
) -> ApiResult<RoleOut> {
    actor.require("Manage.organizations")?;
    let actor_role = actor.require_org_admin(&state, &org_id).await?;
    let account_id = id(&account_id, "account_id")?;
    let role = parse_role(&body.role)?;
    let current = target_role(&state, &org_id, account_id).await?;
    may_assign(actor_role, role)?;
    may_assign(actor_role, current)?;
    if role != Role::SuperAdmin {
        keep_a_super_admin(&state, &org_id, current).await?;
    }
    state
        .store
        .set_organization_role(&org_id, account_id, role.as_str())
        .await?;
    ok(RoleOut {
        user_id: account_id.to_string(),
        role: role.as_str(),
    })
}

/// `DELETE /api/manage/organizations/{org_id}/members/{account_id}`: also removes
/// them from the organization's workspaces and deletes their tokens made there.
#[utoipa::path(
    delete,
    path = "/api/manage/organizations/{org_id}/members/{account_id}",
    summary = "Remove a member (admins) or leave; deletes their tokens made there",
    params(("org_id" = String, Path), ("account_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn remove_member(
    State(state): State<AppState>,
    actor: Actor,
    Path((org_id, account_id)): Path<(String, String)>,
) -> ApiResult<Empty> {
    actor.require("Manage.organizations")?;
    let account_id = id(&account_id, "account_id")?;
    // Anyone may leave; removing others takes an admin.
    let actor_role = if account_id == actor.account.id {
        actor.role_in(&state, &org_id).await?
    } else {
        actor.require_org_admin(&state, &org_id).await?
    };
    let current = target_role(&state, &org_id, account_id).await?;
    if account_id != actor.account.id {
        may_assign(actor_role, current)?;
    }
    keep_a_super_admin(&state, &org_id, current).await?;
    state
        .store
        .remove_organization_member(&org_id, account_id)
        .await?;
    ok(Empty {})
}
