//! Joining an organization takes the invitee's consent: an admin invites a user
//! name, the person with that name accepts or declines. Inviting answers the same
//! whether or not the name has an account, so invitations cannot enumerate names.

use super::Actor;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Path, id};
use crate::service::invitations as service;
use crate::service::organizations::org_of;
use axum::extract::State;
use buckle_store::{Account, Invitation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const POINT: &str = "Manage.organizations";

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

fn out((i, inviter): (Invitation, Option<Account>)) -> InvitationOut {
    InvitationOut {
        id: i.id.to_string(),
        organization_id: i.org_id.into_string(),
        organization_name: i.org_name,
        organization_kind: i.org_kind.as_str().into(),
        user_name: i.user_name,
        role: i.role.as_str().to_string(),
        status: "pending",
        invited_by: InviterOut {
            user_id: i.invited_by.to_string(),
            user_name: inviter.map(|a| a.user_name).unwrap_or_default(),
        },
        created_at: i.created_at,
        expires_at: i.expires_at,
    }
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
    let sent = service::invite(
        &state,
        &actor,
        &org_of(&org_id)?,
        &body.user_name,
        &body.role,
    )
    .await?;
    ok(InviteOut {
        invitation_id: sent.invitation_id.to_string(),
        user_name: sent.user_name,
        role: sent.role.as_str().into(),
        status: "pending",
        expires_at: sent.expires_at,
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
    let all = service::of_organization(&state, &actor, &org_of(&org_id)?).await?;
    ok(all.into_iter().map(out).collect())
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
    service::cancel(&state, &actor, &org_of(&org_id)?, &invitation_id).await?;
    ok(Empty {})
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
    let all = service::mine(&state, &actor).await?;
    ok(all.into_iter().map(out).collect())
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
    let joined = service::accept(&state, &actor, invitation_id).await?;
    let me = &actor.account;
    ok(JoinedOut {
        organization_id: joined.organization_id.into_string(),
        user_id: me.id.to_string(),
        user_name: me.user_name.clone(),
        nick_name: me.nick_name.clone(),
        role: joined.role,
        joined_at: joined.joined_at,
    })
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
    service::decline(&state, &actor, id(&invitation_id, "invitation id")?).await?;
    ok(Empty {})
}
