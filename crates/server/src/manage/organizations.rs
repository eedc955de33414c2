//! Teams and enterprises (JSON): the rules are in `service::organizations`.

use super::Actor;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Path, id};
use crate::service::ServiceError;
use crate::service::organizations::org_of;
use crate::service::organizations::{self as service, NewOrganization};
use axum::extract::State;
use buckle_core::{AccountId, OrgKind, Role};
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
    // The wire spells the kind; a stranger is the same field error as always.
    let kind = OrgKind::parse(&body.kind)
        .map_err(|_| ServiceError::invalid("kind", "kind must be \"team\" or \"enterprise\"."))?;
    let req = NewOrganization {
        name: body.name,
        kind,
        id: body.id,
    };
    let org = service::create(&state, &actor, req).await?;
    ok(OrgOut::of(org, Role::SuperAdmin))
}

impl OrgOut {
    fn of(o: Organization, role: Role) -> OrgOut {
        OrgOut {
            id: o.id.into_string(),
            kind: o.kind.as_str().into(),
            name: o.name,
            token_max_days: o.token_max_days,
            role: role.as_str().into(),
            created_at: o.created_at,
        }
    }
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
    let all = service::list(&state, &actor).await?;
    ok(all
        .into_iter()
        .map(|m| OrgOut {
            id: m.id.into_string(),
            kind: m.kind.as_str().into(),
            name: m.name,
            token_max_days: m.token_max_days,
            role: m.role.as_str().to_string(),
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
    let (o, role) = service::get(&state, &actor, &org_of(&org_id)?).await?;
    ok(OrgOut::of(o, role))
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
    let (o, role) =
        service::set_token_policy(&state, &actor, &org_of(&org_id)?, body.token_max_days).await?;
    ok(OrgOut::of(o, role))
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
    let all = service::members(&state, &actor, &org_of(&org_id)?).await?;
    ok(all
        .into_iter()
        .map(|m| MemberOut {
            user_id: m.account_id.to_string(),
            user_name: m.user_name,
            nick_name: m.nick_name,
            role: m.role.as_str().to_string(),
            joined_at: m.joined_at,
        })
        .collect())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    #[schema(schema_with = crate::api_doc::organization_role)]
    role: String,
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
    let (account_id, role) =
        service::set_role(&state, &actor, &org_of(&org_id)?, &account_id, &body.role).await?;
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
    let account_id = id(&account_id, "account_id").map(AccountId)?;
    service::remove_member(&state, &actor, &org_of(&org_id)?, account_id).await?;
    ok(Empty {})
}
