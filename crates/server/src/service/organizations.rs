//! Teams and enterprises: creating them, their token policy, their members and
//! roles. Only super admins hand out or take away super admin; an organization
//! always keeps one.

use super::{Caller, ServiceError, ServiceResult, clean_name, id_of};
use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_core::expiry::ORGANIZATION_MAX_DAYS;
use buckle_core::{AccountId, OrgId, OrgKind, Role};
use buckle_store::{Membership, OrgMember, Organization};

/// An organization to create.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrgKind,
    /// An enterprise's id, chosen by the installation super admin creating it;
    /// generated when absent.
    pub id: Option<String>,
}

/// Anyone may start a team; enterprises are created by installation super
/// admins. The creator becomes its super admin.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    req: NewOrganization,
) -> ServiceResult<Organization> {
    let kind = req.kind;
    if kind == OrgKind::Enterprise {
        caller.require_super_admin()?;
    }
    let id = match req.id {
        None => OrgId::random(),
        Some(_) if kind != OrgKind::Enterprise => {
            return Err(ServiceError::invalid(
                "id",
                "id may be chosen only for an enterprise.",
            ));
        }
        Some(id) => OrgId::parse(&id).ok_or_else(|| {
            ServiceError::invalid("id", "id must be 1 to 64 letters, digits, '_' or '-'.")
        })?,
    };
    let org = Organization {
        id,
        kind,
        name: clean_name(&req.name, "name", 100)?,
        token_max_days: Some(ORGANIZATION_MAX_DAYS),
        created_at: state.clock.now(),
    };
    state
        .store
        .create_organization(&org, caller.account.id)
        .await?;
    // A chosen enterprise id may have been looked up (as no one's) before.
    state
        .credentials
        .forget(CredentialChange::OrganizationRole {
            org_id: org.id.clone(),
            account_id: caller.account.id,
        });
    Ok(org)
}

/// An organization id as a caller wrote it (a path segment, a form or body
/// field): one that could not name an organization has no members, so it is
/// not found, as an organization the caller does not belong to is.
pub fn org_of(raw: &str) -> ServiceResult<OrgId> {
    OrgId::parse(raw).ok_or_else(|| ServiceError::not_found("Organization not found."))
}

/// The caller's teams and enterprises, with their role in each.
pub async fn list(state: &AppState, caller: &Caller) -> ServiceResult<Vec<Membership>> {
    Ok(state.store.organizations_of(caller.account.id).await?)
}

/// An organization the caller belongs to, with their role there.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
) -> ServiceResult<(Organization, Role)> {
    let role = caller.role_in(state, org_id).await?;
    let o = state
        .store
        .organization(org_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("Organization not found."))?;
    Ok((o, role))
}

/// Admins set the longest personal access token lifetime (`Some(None)`: permanent
/// tokens allowed; `None`: unchanged).
pub async fn set_token_policy(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    token_max_days: Option<Option<i64>>,
) -> ServiceResult<(Organization, Role)> {
    caller.require_org_admin(state, org_id).await?;
    if let Some(days) = token_max_days {
        if days.is_some_and(|d| !(1..=ORGANIZATION_MAX_DAYS).contains(&d)) {
            return Err(ServiceError::invalid(
                "token_max_days",
                "token_max_days must be between 1 and 365, or null for permanent tokens.",
            ));
        }
        state.store.set_token_policy(org_id, days).await?;
    }
    get(state, caller, org_id).await
}

/// The members of an organization the caller belongs to.
pub async fn members(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
) -> ServiceResult<Vec<OrgMember>> {
    caller.role_in(state, org_id).await?;
    Ok(state.store.organization_members(org_id).await?)
}

pub fn parse_role(s: &str) -> ServiceResult<Role> {
    Role::parse(s).ok_or_else(|| {
        ServiceError::invalid(
            "role",
            "role must be \"super_admin\", \"admin\" or \"member\".",
        )
    })
}

/// Only super admins hand out or take away super admin.
pub fn may_assign(caller_role: Role, role: Role) -> ServiceResult<()> {
    if role == Role::SuperAdmin && caller_role != Role::SuperAdmin {
        return Err(ServiceError::forbidden(
            "Only a super admin may manage super admins.",
        ));
    }
    Ok(())
}

async fn target_role(
    state: &AppState,
    org_id: &OrgId,
    account_id: AccountId,
) -> ServiceResult<Role> {
    state
        .store
        .role_in(org_id, account_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("That account is not a member."))
}

/// Refuses changes that would leave the organization without a super admin.
async fn keep_a_super_admin(state: &AppState, org_id: &OrgId, current: Role) -> ServiceResult<()> {
    if current == Role::SuperAdmin && state.store.count_super_admins(org_id).await? <= 1 {
        return Err(ServiceError::bad(
            "The team/enterprise must keep at least one super admin.",
        ));
    }
    Ok(())
}

/// An admin changes a member's role (`account_id` as the caller wrote it).
pub async fn set_role(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    account_id: &str,
    role: &str,
) -> ServiceResult<(AccountId, Role)> {
    let caller_role = caller.require_org_admin(state, org_id).await?;
    let account_id = id_of(account_id, "account_id", "account_id", AccountId::parse)?;
    let role = parse_role(role)?;
    let current = target_role(state, org_id, account_id).await?;
    may_assign(caller_role, role)?;
    may_assign(caller_role, current)?;
    if role != Role::SuperAdmin {
        keep_a_super_admin(state, org_id, current).await?;
    }
    state
        .store
        .set_organization_role(org_id, account_id, role)
        .await?;
    state
        .credentials
        .forget(CredentialChange::OrganizationRole {
            org_id: org_id.clone(),
            account_id,
        });
    Ok((account_id, role))
}

/// Anyone may leave; removing others takes an admin. Also removes them from the
/// organization's workspaces and deletes their tokens made there.
pub async fn remove_member(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    account_id: AccountId,
) -> ServiceResult<()> {
    let caller_role = if account_id == caller.account.id {
        caller.role_in(state, org_id).await?
    } else {
        caller.require_org_admin(state, org_id).await?
    };
    let current = target_role(state, org_id, account_id).await?;
    if account_id != caller.account.id {
        may_assign(caller_role, current)?;
    }
    keep_a_super_admin(state, org_id, current).await?;
    state
        .store
        .remove_organization_member(org_id, account_id)
        .await?;
    // Their tokens made there, their authorizations there, their role and their
    // workspaces there are gone.
    state.credentials.forget(CredentialChange::Member {
        org_id: org_id.clone(),
        account_id,
    });
    Ok(())
}
