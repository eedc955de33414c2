//! What happened to stored credentials, told to the credential cache so that it
//! forgets what it holds about them. One small vocabulary, so that the same
//! events can later travel to other nodes (PostgreSQL `LISTEN/NOTIFY`) as well.
//!
//! Only facts the cache holds need an event: a token's row (PAT/SAT, or OAuth
//! token joined with its app and its app's installation) and an account's
//! profile. Organization roles and workspace membership are read at each call
//! (`Credential::require`, introspection), so changing them needs none.

use crate::credential_cache::Stored;
use buckle_core::{AccountId, AppId, OrgId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialChange {
    /// A personal or service access token was edited or deleted.
    AccessToken { id: i64 },
    /// An app was edited, enabled, disabled or deleted: every token it holds.
    App { app_id: AppId },
    /// An app was installed, uninstalled, requested or authorized in an
    /// organization: its tokens there.
    AppInOrganization { app_id: AppId, org_id: OrgId },
    /// An authorization (grant) was deleted, and its OAuth tokens with it.
    Grant { grant_id: i64 },
    /// A person revoked their authorizations of an app: the app's tokens for them.
    AppForAccount {
        app_id: AppId,
        account_id: AccountId,
    },
    /// A refresh-token family was revoked (a replayed code or refresh token).
    Family { family_id: i64 },
    /// A person left or was removed from an organization: every token of theirs there.
    Member {
        org_id: OrgId,
        account_id: AccountId,
    },
    /// An account changed (profile, password): its profile and every token acting for it.
    Account { account_id: AccountId },
}

impl CredentialChange {
    /// Whether a cached token lookup may no longer be what the database holds.
    pub fn concerns(&self, stored: &Stored) -> bool {
        match (self, stored) {
            (CredentialChange::AccessToken { id }, Stored::Access(t)) => t.id == *id,
            (CredentialChange::App { app_id }, Stored::OAuth(t)) => t.record.app_id == *app_id,
            (CredentialChange::AppInOrganization { app_id, org_id }, Stored::OAuth(t)) => {
                t.record.app_id == *app_id && t.record.org_id.as_ref() == Some(org_id)
            }
            (CredentialChange::Grant { grant_id }, Stored::OAuth(t)) => {
                t.record.grant_id == *grant_id
            }
            (CredentialChange::AppForAccount { app_id, account_id }, Stored::OAuth(t)) => {
                t.record.app_id == *app_id && t.record.account_id == Some(*account_id)
            }
            (CredentialChange::Family { family_id }, Stored::OAuth(t)) => {
                t.record.family_id == Some(*family_id)
            }
            (CredentialChange::Member { org_id, account_id }, s) => {
                s.account_id() == Some(*account_id) && s.org_id() == Some(org_id)
            }
            (CredentialChange::Account { account_id }, s) => s.account_id() == Some(*account_id),
            _ => false,
        }
    }

    /// The account whose cached profile the change makes stale, if any.
    pub fn profile(&self) -> Option<AccountId> {
        match self {
            CredentialChange::Account { account_id } => Some(*account_id),
            _ => None,
        }
    }
}
