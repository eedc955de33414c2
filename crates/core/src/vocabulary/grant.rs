use super::word;
use crate::ids::{AccountId, OrgId};

word! {
    /// The two ways an app comes to hold permission points.
    GrantKind, "grant kind" {
        /// On behalf of: a person consented (web, PKCE, device flows).
        Obo = "obo",
        /// App authorization: an admin (or the person, in the personal edition)
        /// authorized a service app to act as itself.
        AppAuth = "appauth",
    }
}

/// Who an authorization belongs to: a person's account (the personal edition,
/// and every OBO grant) or an organization (AppAuth in a team or enterprise).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GrantOwner {
    Account(AccountId),
    Organization(OrgId),
}

impl GrantOwner {
    pub fn account(&self) -> Option<AccountId> {
        match self {
            GrantOwner::Account(a) => Some(*a),
            GrantOwner::Organization(_) => None,
        }
    }

    pub fn organization(&self) -> Option<&OrgId> {
        match self {
            GrantOwner::Account(_) => None,
            GrantOwner::Organization(o) => Some(o),
        }
    }
}
