//! Workspaces: personal ones and an organization's, and their members.

use super::{Caller, ServiceError, ServiceResult, clean_name, id_of};
use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_core::{AccountId, OrgId, WorkspaceId, WorkspaceRole};
use buckle_store::{Workspace, WorkspaceMember, WorkspaceOfAccount};

/// A personal workspace, or (admins) an organization's; the caller owns it.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    organization_id: Option<String>,
) -> ServiceResult<Workspace> {
    let organization_id = organization_id
        .as_deref()
        .map(super::organizations::org_of)
        .transpose()?;
    if let Some(org) = &organization_id {
        caller.require_org_admin(state, org).await?;
    }
    let w = Workspace {
        id: WorkspaceId::random(),
        name: clean_name(name, "name", 100)?,
        org_id: organization_id,
        owner_account_id: caller.account.id,
        created_at: state.clock.now(),
    };
    state.store.create_workspace(&w).await?;
    // The owner belongs to one more workspace.
    state.credentials.forget(CredentialChange::WorkspaceMember {
        workspace_id: w.id,
        account_id: w.owner_account_id,
    });
    Ok(w)
}

/// The caller's workspaces in one edition, with their role in each.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    organization_id: Option<&str>,
) -> ServiceResult<Vec<WorkspaceOfAccount>> {
    let org = match organization_id.map(OrgId::parse) {
        // Nothing belongs to an id that could not name an organization.
        Some(None) => return Ok(Vec::new()),
        Some(Some(org)) => Some(org),
        None => None,
    };
    Ok(state
        .store
        .workspaces_of(caller.account.id, org.as_ref())
        .await?)
}

/// How the caller stands towards a workspace they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A member, with their role there.
    Member(WorkspaceRole),
    /// An admin of the organization owning it, not a member of it.
    OrganizationAdmin,
}

impl Standing {
    /// Workspace owners and admins, and the organization's admins, manage members.
    fn manages_members(self) -> bool {
        !matches!(self, Standing::Member(WorkspaceRole::Member))
    }
}

/// The workspace, if the caller belongs to it or administers the organization
/// owning it, with the caller's role there (`org_admin` for organization admins
/// outside it).
pub async fn visible(
    state: &AppState,
    caller: &Caller,
    ws_id: WorkspaceId,
) -> ServiceResult<(Workspace, Standing)> {
    let not_found = || ServiceError::not_found("Workspace not found.");
    let w = state.store.workspace(ws_id).await?.ok_or_else(not_found)?;
    if let Some(role) = state.store.workspace_role(ws_id, caller.account.id).await? {
        return Ok((w, Standing::Member(role)));
    }
    if let Some(org) = &w.org_id
        && caller.require_org_admin(state, org).await.is_ok()
    {
        return Ok((w, Standing::OrganizationAdmin));
    }
    Err(not_found())
}

/// Workspace owners and admins manage members, and so do the admins of the
/// organization owning it.
async fn require_ws_admin(
    state: &AppState,
    caller: &Caller,
    w: &Workspace,
    standing: Standing,
) -> ServiceResult<()> {
    if standing.manages_members() {
        return Ok(());
    }
    if let Some(org) = &w.org_id
        && caller.require_org_admin(state, org).await.is_ok()
    {
        return Ok(());
    }
    Err(ServiceError::forbidden(
        "Only the workspace's owner or admins may do this.",
    ))
}

/// The members of a workspace the caller may see.
pub async fn members(
    state: &AppState,
    caller: &Caller,
    ws_id: WorkspaceId,
) -> ServiceResult<Vec<WorkspaceMember>> {
    let (w, _) = visible(state, caller, ws_id).await?;
    Ok(state.store.workspace_members(w.id).await?)
}

/// Adds a member of the organization to one of its workspaces (`admin` or
/// `member`); returns the account id.
pub async fn add_member(
    state: &AppState,
    caller: &Caller,
    ws_id: WorkspaceId,
    user_name: &str,
    role: &str,
) -> ServiceResult<AccountId> {
    let (w, standing) = visible(state, caller, ws_id).await?;
    require_ws_admin(state, caller, &w, standing).await?;
    let Some(org) = &w.org_id else {
        return Err(ServiceError::bad(
            "A personal workspace has only its owner; share a team or enterprise workspace instead.",
        ));
    };
    let role = match WorkspaceRole::parse(role) {
        Ok(r @ (WorkspaceRole::Admin | WorkspaceRole::Member)) => r,
        _ => {
            return Err(ServiceError::invalid(
                "role",
                "role must be \"admin\" or \"member\".",
            ));
        }
    };
    // Unknown names and non-members get one answer: adding to a workspace of a
    // team one made must not tell which user names exist.
    let not_in_org = || {
        ServiceError::invalid(
            "user_name",
            "No member of the workspace's team/enterprise has that user name.",
        )
    };
    let a = state
        .store
        .account_by_name(user_name.trim())
        .await?
        .ok_or_else(not_in_org)?;
    if state.store.role_in(org, a.id).await?.is_none() {
        return Err(not_in_org());
    }
    match state
        .store
        .add_workspace_member(w.id, a.id, role, state.clock.now())
        .await
    {
        Err(buckle_store::StoreError::Conflict) => {
            return Err(ServiceError::conflict("That account is already a member."));
        }
        r => r?,
    }
    state.credentials.forget(CredentialChange::WorkspaceMember {
        workspace_id: w.id,
        account_id: a.id,
    });
    Ok(a.id)
}

/// Members may leave; admins may remove others; the owner stays.
pub async fn remove_member(
    state: &AppState,
    caller: &Caller,
    ws_id: WorkspaceId,
    account_id: &str,
) -> ServiceResult<()> {
    let (w, standing) = visible(state, caller, ws_id).await?;
    let target = id_of(account_id, "account_id", "account_id", AccountId::parse)?;
    if target != caller.account.id {
        require_ws_admin(state, caller, &w, standing).await?;
    }
    if target == w.owner_account_id {
        return Err(ServiceError::bad(
            "The workspace's owner cannot be removed.",
        ));
    }
    if !state.store.remove_workspace_member(w.id, target).await? {
        return Err(ServiceError::not_found("That account is not a member."));
    }
    state.credentials.forget(CredentialChange::WorkspaceMember {
        workspace_id: w.id,
        account_id: target,
    });
    Ok(())
}
