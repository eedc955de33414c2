//! Who is asking a service to act, and the checks on the caller itself.

use crate::AppState;
use crate::audit::AuditEvent;
use buckle_core::audit::AuditKind;
use buckle_core::policy::{self, Extent};
use buckle_core::{OrgId, PermissionSet, Role};
use buckle_store::Account;

use super::{ServiceError, ServiceResult};

/// A signed-in person (console session, page, CLI) acts with their account's full
/// authority; a token acts within its extent (see `buckle_core::policy`).
pub struct Caller {
    pub account: Account,
    /// When a token (not a session) authenticated the call: what the token
    /// reaches and until when, which bounds everything it makes, edits or deletes.
    pub token: Option<Extent>,
    /// That token's id, for the audit log.
    pub token_id: Option<i64>,
}

impl Caller {
    /// A person acting through a session, a page or the operator's CLI.
    pub fn person(account: Account) -> Caller {
        Caller {
            account,
            token: None,
            token_id: None,
        }
    }

    /// An audit event done by this caller.
    pub fn audit(&self, kind: AuditKind) -> AuditEvent {
        AuditEvent::new(kind).by(self.account.id, self.token_id)
    }

    /// The caller as the grant policy sees it, with its role in the organization
    /// the grant is for (`None` in the personal edition).
    pub fn grantor(&self, role: Option<Role>) -> policy::Grantor<'_> {
        policy::Grantor {
            super_admin: self.account.is_super_admin,
            role,
            token: self.token.as_ref(),
        }
    }

    /// The grant policy: a token may make, edit or delete only what stays within
    /// its own points, workspaces, edition and lifetime.
    pub fn may_grant(&self, granted: &Extent) -> ServiceResult<()> {
        policy::may_grant(self.token.as_ref(), granted).map_err(ServiceError::Exceeds)
    }

    /// A token may edit or delete only a credential or authorization within it.
    pub fn may_change(&self, existing: &Extent) -> ServiceResult<()> {
        Ok(self.grantor(None).may_change(existing)?)
    }

    /// A token may change only an app of its own edition whose points it holds.
    pub fn may_change_app(
        &self,
        edition: Option<&OrgId>,
        points: &PermissionSet,
    ) -> ServiceResult<()> {
        Ok(self
            .grantor(None)
            .may_change_app(edition.map(OrgId::as_str), points)?)
    }

    /// Sessions may do anything their account may; tokens also need the area's point.
    pub fn require(&self, point: &str) -> ServiceResult<()> {
        match &self.token {
            Some(t) if !t.points.contains(point) => Err(ServiceError::forbidden(format!(
                "The token lacks the permission {point}."
            ))),
            _ => Ok(()),
        }
    }

    pub fn require_super_admin(&self) -> ServiceResult<()> {
        if self.account.is_super_admin {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "Only a super admin of this Buckle installation may do this.",
            ))
        }
    }

    /// The caller's role in an organization; non-members get "not found" so
    /// organizations they do not belong to stay invisible.
    pub async fn role_in(&self, state: &AppState, org_id: &OrgId) -> ServiceResult<Role> {
        state
            .store
            .role_in(org_id, self.account.id)
            .await?
            .ok_or_else(|| ServiceError::not_found("Organization not found."))
    }

    pub async fn require_org_admin(&self, state: &AppState, org_id: &OrgId) -> ServiceResult<Role> {
        let role = self.role_in(state, org_id).await?;
        if role.is_admin() {
            Ok(role)
        } else {
            Err(ServiceError::forbidden(
                "Only a super admin or admin of the team/enterprise may do this.",
            ))
        }
    }
}
