//! Joining an organization takes the invitee's consent: an admin invites a user
//! name, the person with that name accepts or declines. Inviting answers the same
//! whether or not the name has an account, so invitations cannot enumerate names.

use super::organizations::{may_assign, parse_role};
use super::{Caller, ServiceError, ServiceResult, id_of};
use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_core::{OrgId, Role};
use buckle_store::{Accepted, Account, Invitation};

/// How long an invitation waits for its answer.
pub const INVITATION_TTL: i64 = 7 * 86_400;

/// An invitation just sent.
#[derive(Debug)]
pub struct Sent {
    pub invitation_id: i64,
    pub user_name: String,
    pub role: Role,
    pub expires_at: i64,
}

/// A membership just made by accepting.
#[derive(Debug)]
pub struct Joined {
    pub organization_id: OrgId,
    pub role: String,
    pub joined_at: i64,
}

fn not_found() -> ServiceError {
    ServiceError::not_found("Invitation not found.")
}

/// An admin invites a user name; the person joins only by accepting. Only an
/// existing member is told apart (admins see the member list anyway).
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    user_name: &str,
    role: &str,
) -> ServiceResult<Sent> {
    let caller_role = caller.require_org_admin(state, org_id).await?;
    let role = parse_role(role)?;
    may_assign(caller_role, role)?;
    let user_name = user_name.trim();
    if !super::accounts::is_user_name(user_name) {
        return Err(ServiceError::invalid(
            "user_name",
            "user_name must have 1 to 64 characters: letters, digits, '_', '-' or '.'.",
        ));
    }
    if let Some(a) = state.store.account_by_name(user_name).await?
        && state.store.role_in(org_id, a.id).await?.is_some()
    {
        return Err(ServiceError::conflict("That account is already a member."));
    }
    let now = state.clock.now();
    let expires_at = now + INVITATION_TTL;
    let invitation_id = state
        .store
        .invite(
            buckle_core::ids::new_id(),
            org_id,
            user_name,
            role,
            caller.account.id,
            now,
            expires_at,
        )
        .await?;
    Ok(Sent {
        invitation_id,
        user_name: user_name.to_string(),
        role,
        expires_at,
    })
}

/// An organization's pending invitations (admins), with who sent each.
pub async fn of_organization(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
) -> ServiceResult<Vec<(Invitation, Option<Account>)>> {
    caller.require_org_admin(state, org_id).await?;
    let all = state
        .store
        .invitations_of_organization(org_id, state.clock.now())
        .await?;
    with_inviters(state, all).await
}

async fn with_inviters(
    state: &AppState,
    all: Vec<Invitation>,
) -> ServiceResult<Vec<(Invitation, Option<Account>)>> {
    let mut list = Vec::with_capacity(all.len());
    for i in all {
        let inviter = state.store.account_by_id(i.invited_by).await?;
        list.push((i, inviter));
    }
    Ok(list)
}

/// An admin cancels an invitation they could have sent (`invitation_id` as the
/// caller wrote it).
pub async fn cancel(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    invitation_id: &str,
) -> ServiceResult<()> {
    let caller_role = caller.require_org_admin(state, org_id).await?;
    let invitation_id = id_of(
        invitation_id,
        "invitation_id",
        "invitation id",
        buckle_core::ids::parse_id,
    )?;
    let pending = state
        .store
        .invitations_of_organization(org_id, state.clock.now())
        .await?
        .into_iter()
        .find(|i| i.id == invitation_id)
        .ok_or_else(not_found)?;
    may_assign(caller_role, pending.role)?;
    if !state
        .store
        .delete_invitation(invitation_id, Some(org_id), None)
        .await?
    {
        return Err(not_found());
    }
    Ok(())
}

/// The caller's pending invitations, with who sent each.
pub async fn mine(
    state: &AppState,
    caller: &Caller,
) -> ServiceResult<Vec<(Invitation, Option<Account>)>> {
    let all = state
        .store
        .invitations_for(&caller.account.user_name, state.clock.now())
        .await?;
    with_inviters(state, all).await
}

/// The invitee joins with the invited role, provided whoever invited may still
/// hand out that role.
pub async fn accept(
    state: &AppState,
    caller: &Caller,
    invitation_id: i64,
) -> ServiceResult<Joined> {
    let me = &caller.account;
    let now = state.clock.now();
    let inv = state
        .store
        .invitation_for(invitation_id, &me.user_name, now)
        .await?
        .ok_or_else(not_found)?;
    // An invitation is only as good as its sender's standing now: one sent by an
    // admin who has since left or been demoted does not let anyone in.
    let role = inv.role;
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
        return Err(ServiceError::not_found(
            "The invitation is no longer valid: whoever sent it may no longer add members with that role.",
        ));
    }
    match state
        .store
        .accept_invitation(invitation_id, &me.user_name, me.id, now)
        .await?
    {
        Accepted::Joined { org_id, role } => {
            // Until now they were remembered as no member.
            state
                .credentials
                .forget(CredentialChange::OrganizationRole {
                    org_id: org_id.clone(),
                    account_id: me.id,
                });
            Ok(Joined {
                organization_id: org_id,
                role: role.as_str().to_string(),
                joined_at: now,
            })
        }
        Accepted::AlreadyMember { .. } => {
            Err(ServiceError::conflict("That account is already a member."))
        }
        Accepted::Gone => Err(not_found()),
    }
}

/// The invitee declines.
pub async fn decline(state: &AppState, caller: &Caller, invitation_id: i64) -> ServiceResult<()> {
    if !state
        .store
        .delete_invitation(invitation_id, None, Some(&caller.account.user_name))
        .await?
    {
        return Err(not_found());
    }
    Ok(())
}
