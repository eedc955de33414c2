//! Who is asking a service to act.

use crate::audit::AuditEvent;
use buckle_core::audit::AuditKind;
use buckle_core::policy::{self, Extent};
use buckle_store::Account;

use super::ServiceError;

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

    /// The grant policy: a token may make, edit or delete only what stays within
    /// its own points, workspaces, edition and lifetime.
    pub fn may_grant(&self, granted: &Extent) -> Result<(), ServiceError> {
        policy::may_grant(self.token.as_ref(), granted).map_err(ServiceError::Exceeds)
    }
}
