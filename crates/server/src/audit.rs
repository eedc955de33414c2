//! Recording security events in the audit log (`buckle_core::audit::AuditKind`).
//! Details are ids, names and kinds: never a secret, a password or a token.

use crate::AppState;
use buckle_core::audit::AuditKind;
use buckle_core::{AccountId, OrgId};
use buckle_store::AuditRecord;
use serde_json::Value;

/// One event about to be recorded.
pub struct AuditEvent {
    kind: AuditKind,
    actor: Option<AccountId>,
    via_token: Option<i64>,
    subject: Option<AccountId>,
    org: Option<OrgId>,
    target: String,
    client_addr: Option<String>,
    detail: Value,
}

impl AuditEvent {
    pub fn new(kind: AuditKind) -> AuditEvent {
        AuditEvent {
            kind,
            actor: None,
            via_token: None,
            subject: None,
            org: None,
            target: String::new(),
            client_addr: None,
            detail: Value::Object(Default::default()),
        }
    }

    /// Who did it, and with which token (`None`: a console session or the CLI).
    pub fn by(mut self, account: AccountId, via_token: Option<i64>) -> AuditEvent {
        self.actor = Some(account);
        self.via_token = via_token;
        self
    }

    /// Whose account the event concerns.
    pub fn about(mut self, account: AccountId) -> AuditEvent {
        self.subject = Some(account);
        self
    }

    pub fn in_org(mut self, org: Option<&OrgId>) -> AuditEvent {
        self.org = org.cloned();
        self
    }

    pub fn target(mut self, target: impl Into<String>) -> AuditEvent {
        self.target = target.into();
        self
    }

    /// The client's network address.
    pub fn from_addr(mut self, address: std::net::IpAddr) -> AuditEvent {
        self.client_addr = Some(address.to_string());
        self
    }

    pub fn detail(mut self, detail: Value) -> AuditEvent {
        self.detail = detail;
        self
    }

    /// Appends the event. The action it describes has already taken effect, so a
    /// failure to record is logged loudly rather than turned into a failed request.
    pub async fn record(self, state: &AppState) {
        let row = AuditRecord {
            id: 0,
            at: state.clock.now(),
            kind: self.kind.as_str().to_string(),
            actor_account_id: self.actor,
            via_token_id: self.via_token,
            subject_account_id: self.subject.or(self.actor),
            org_id: self.org,
            target: self.target,
            client_addr: self.client_addr,
            detail: self.detail.to_string(),
        };
        if let Err(e) = state.store.record_audit(&row).await {
            tracing::error!(error = %e, kind = row.kind, "could not record an audit event");
        }
    }
}
