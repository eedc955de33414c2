//! Joining an organization takes the invitee's consent: an admin invites a user
//! name, the person with that name accepts or declines. Inviting answers the same
//! whether or not the name has an account, so invitations cannot enumerate names.

use super::Actor;
use super::organizations::{may_assign, parse_role};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Path, id};
use axum::extract::State;
use buckle_core::Role;
use buckle_store::{Accepted, Invitation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const POINT: &str = "Manage.organizations";
/// How long an invitation waits for its answer.
pub const INVITATION_TTL: i64 = 7 * 86_400;

#[derive(Serialize, ToSchema)]
pub struct InvitationOut {
    id: String,
    organization_id: String,
    organization_name: String,
    organization_kind: String,
    user_name: String,
    role: String,
    /// Always "pending": answered, cancelled and expired invitations are gone.
    status: &'static str,
    invited_by: InviterOut,
    created_at: i64,
    expires_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InviterOut {
    user_id: String,
    user_name: String,
}

async fn out(state: &AppState, i: Invitation) -> Result<InvitationOut, ApiError> {
    let inviter = state.store.account_by_id(i.invited_by).await?;
    Ok(InvitationOut {
        id: i.id.to_string(),
        organization_id: i.org_id,
        organization_name: i.org_name,
        organization_kind: i.org_kind,
        user_name: i.user_name,
        role: i.role,
        status: "pending",
        invited_by: InviterOut {
            user_id: i.invited_by.to_string(),
            user_name: inviter.map(|a| a.user_name).unwrap_or_default(),
        },
        created_at: i.created_at,
        expires_at: i.expires_at,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    user_name: String,
    role: String,
}

#[derive(Serialize, ToSchema)]
pub struct InviteOut {
    invitation_id: String,
    user_name: String,
    role: String,
    status: &'static str,
    expires_at: i64,
}

/// `POST /api/manage/organizations/{org_id}/members`: invites a user name. The
/// person joins only by accepting. The answer is the same whether or not the
/// name has an account; only an existing member is told apart (admins see the
/// member list anyway).
#[utoipa::path(
    post,
    path = "/api/manage/organizations/{org_id}/members",
    summary = "Invite a user name (admins); they join on accepting. The answer is the same whether or not the name has an account",
    params(("org_id" = String, Path)),
    request_body = Invite,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<InviteOut>), EnvelopeErrors)
)]
pub async fn invite(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
    Json(body): Json<Invite>,
) -> ApiResult<InviteOut> {
    actor.require(POINT)?;
    let actor_role = actor.require_org_admin(&state, &org_id).await?;
    let role = parse_role(&body.role)?;
    may_assign(actor_role, role)?;
    let user_name = body.user_name.trim();
    if !super::accounts::is_user_name(user_name) {
        return Err(ApiError::bad_request(
            "user_name must have 1 to 64 characters: letters, digits, '_', '-' or '.'.",
        ));
    }
    if let Some(a) = state.store.account_by_name(user_name).await?
        && state.store.role_in(&org_id, a.id).await?.is_some()
    {
        return Err(ApiError::conflict("That account is already a member."));
    }
    let now = state.clock.now();
    let expires_at = now + INVITATION_TTL;
    let id = state
        .store
        .invite(
            buckle_core::ids::new_id(),
            &org_id,
            user_name,
            role.as_str(),
            actor.account.id,
            now,
            expires_at,
        )
        .await?;
    ok(InviteOut {
        invitation_id: id.to_string(),
        user_name: user_name.to_string(),
        role: role.as_str().into(),
        status: "pending",
        expires_at,
    })
}

/// `GET /api/manage/organizations/{org_id}/invitations`: pending ones, for admins.
#[utoipa::path(
    get,
    path = "/api/manage/organizations/{org_id}/invitations",
    summary = "Pending invitations (admins)",
    params(("org_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<InvitationOut>>), EnvelopeErrors)
)]
pub async fn list_of_organization(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
) -> ApiResult<Vec<InvitationOut>> {
    actor.require(POINT)?;
    actor.require_org_admin(&state, &org_id).await?;
    let all = state
        .store
        .invitations_of_organization(&org_id, state.clock.now())
        .await?;
    let mut list = Vec::with_capacity(all.len());
    for i in all {
        list.push(out(&state, i).await?);
    }
    ok(list)
}

/// `DELETE /api/manage/organizations/{org_id}/invitations/{invitation_id}`: an
/// admin cancels an invitation they could have sent.
#[utoipa::path(
    delete,
    path = "/api/manage/organizations/{org_id}/invitations/{invitation_id}",
    summary = "Cancel a pending invitation (admins)",
    params(("org_id" = String, Path), ("invitation_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn cancel(
    State(state): State<AppState>,
    actor: Actor,
    Path((org_id, invitation_id)): Path<(String, String)>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    let actor_role = actor.require_org_admin(&state, &org_id).await?;
    let invitation_id = id(&invitation_id, "invitation id")?;
    let pending = state
        .store
        .invitations_of_organization(&org_id, state.clock.now())
        .await?
        .into_iter()
        .find(|i| i.id == invitation_id)
        .ok_or_else(not_found)?;
    may_assign(
        actor_role,
        Role::parse(&pending.role).unwrap_or(Role::SuperAdmin),
    )?;
    if !state
        .store
        .delete_invitation(invitation_id, Some(&org_id), None)
        .await?
    {
        return Err(not_found());
    }
    ok(Empty {})
}

fn not_found() -> ApiError {
    ApiError::not_found("Invitation not found.")
}

/// `GET /api/manage/invitations`: the caller's pending invitations.
#[utoipa::path(
    get,
    path = "/api/manage/invitations",
    summary = "The caller's pending invitations to teams and enterprises",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<InvitationOut>>), EnvelopeErrors)
)]
pub async fn list_mine(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Vec<InvitationOut>> {
    actor.require(POINT)?;
    let all = state
        .store
        .invitations_for(&actor.account.user_name, state.clock.now())
        .await?;
    let mut list = Vec::with_capacity(all.len());
    for i in all {
        list.push(out(&state, i).await?);
    }
    ok(list)
}

#[derive(Serialize, ToSchema)]
pub struct JoinedOut {
    organization_id: String,
    user_id: String,
    user_name: String,
    nick_name: String,
    role: String,
    joined_at: i64,
}

/// `POST /api/manage/invitations/{invitation_id}/accept`: the invitee joins with
/// the invited role, provided whoever invited may still hand out that role.
#[utoipa::path(
    post,
    path = "/api/manage/invitations/{invitation_id}/accept",
    summary = "Accept an invitation: join with the invited role",
    params(("invitation_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<JoinedOut>), EnvelopeErrors)
)]
pub async fn accept(
    State(state): State<AppState>,
    actor: Actor,
    Path(invitation_id): Path<String>,
) -> ApiResult<JoinedOut> {
    actor.require(POINT)?;
    let invitation_id = id(&invitation_id, "invitation id")?;
    let me = &actor.account;
    let now = state.clock.now();
    let inv = state
        .store
        .invitation_for(invitation_id, &me.user_name, now)
        .await?
        .ok_or_else(not_found)?;
    // An invitation is only as good as its sender's standing now: one sent by an
    // admin who has since left or been demoted does not let anyone in.
    let role = Role::parse(&inv.role).unwrap_or(Role::Member);
    let inviter_may = state
        .store
        .role_in(&inv.org_id, inv.invited_by)
        .await?
        .is_some_and(|r| r.is_admin() && may_assign(r, role).is_ok());
    if !inviter_may {
        state
            .store
            .delete_invitation(invitation_id, None, Some(&me.user_name))
            .await?;
        return Err(ApiError::not_found(
            "The invitation is no longer valid: whoever sent it may no longer add members with that role.",
        ));
    }
    match state
        .store
        .accept_invitation(invitation_id, &me.user_name, me.id, now)
        .await?
    {
        Accepted::Joined { org_id, role } => ok(JoinedOut {
            organization_id: org_id,
            user_id: me.id.to_string(),
            user_name: me.user_name.clone(),
            nick_name: me.nick_name.clone(),
            role,
            joined_at: now,
        }),
        Accepted::AlreadyMember { .. } => {
            Err(ApiError::conflict("That account is already a member."))
        }
        Accepted::Gone => Err(not_found()),
    }
}

/// `POST /api/manage/invitations/{invitation_id}/decline`.
#[utoipa::path(
    post,
    path = "/api/manage/invitations/{invitation_id}/decline",
    summary = "Decline an invitation",
    params(("invitation_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn decline(
    State(state): State<AppState>,
    actor: Actor,
    Path(invitation_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    let invitation_id = id(&invitation_id, "invitation id")?;
    if !state
        .store
        .delete_invitation(invitation_id, None, Some(&actor.account.user_name))
        .await?
    {
        return Err(not_found());
    }
    ok(Empty {})
}
