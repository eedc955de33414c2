//! What happened to stored credentials, told to the credential cache so that it
//! forgets what it holds about them. One small vocabulary, so that the same
//! events travel to other nodes on one PostgreSQL (`credential_broadcast.rs`),
//! written as a short line of ids ([`CredentialChange::encode`]); never a secret.
//!
//! Every fact the cache holds needs an event for each change to it: a token's
//! row (PAT/SAT, or OAuth token joined with its app and its app's
//! installation), an account's profile, and the memberships enforcement and
//! introspection read: a person's role in an organization, whether they belong
//! to a workspace, and the workspaces they belong to in an edition.

use crate::credential_cache::Stored;
use buckle_core::{AccountId, AppId, OrgId, WorkspaceId};

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
    /// A refresh-token family was revoked (a replayed code or refresh token, or
    /// RFC 7009 revocation of a refresh token).
    Family { family_id: i64 },
    /// One OAuth access token was revoked (RFC 7009).
    OAuthToken { id: i64 },
    /// A person left or was removed from an organization: every token of theirs
    /// there, their role there and their membership of its workspaces.
    Member {
        org_id: OrgId,
        account_id: AccountId,
    },
    /// A person joined an organization, or their role there changed.
    OrganizationRole {
        org_id: OrgId,
        account_id: AccountId,
    },
    /// A person was added to or removed from a workspace (its owner, when it is
    /// created).
    WorkspaceMember {
        workspace_id: WorkspaceId,
        account_id: AccountId,
    },
    /// An account changed (profile, password): its profile and every token acting for it.
    Account { account_id: AccountId },
    /// A personal workspace moved into an organization: its edition, as every
    /// person's standing towards it and their workspace lists hold it.
    WorkspaceMoved {
        workspace_id: WorkspaceId,
        org_id: OrgId,
    },
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
            (CredentialChange::OAuthToken { id }, Stored::OAuth(t)) => t.record.id == *id,
            (CredentialChange::Member { org_id, account_id }, s) => {
                s.account_id() == Some(*account_id) && s.org_id() == Some(org_id)
            }
            (CredentialChange::Account { account_id }, s) => s.account_id() == Some(*account_id),
            // A token's row holds no role or workspace membership.
            _ => false,
        }
    }

    /// One line: a word naming the event, then its ids, space-separated (no id
    /// holds a space: row ids and account and app ids are numbers, organization
    /// ids letters, digits, `_` and `-`).
    pub fn encode(&self) -> String {
        match self {
            CredentialChange::AccessToken { id } => format!("token {id}"),
            CredentialChange::App { app_id } => format!("app {app_id}"),
            CredentialChange::AppInOrganization { app_id, org_id } => {
                format!("app_in_org {app_id} {org_id}")
            }
            CredentialChange::Grant { grant_id } => format!("grant {grant_id}"),
            CredentialChange::AppForAccount { app_id, account_id } => {
                format!("app_for_account {app_id} {account_id}")
            }
            CredentialChange::Family { family_id } => format!("family {family_id}"),
            CredentialChange::OAuthToken { id } => format!("oauth_token {id}"),
            CredentialChange::Member { org_id, account_id } => {
                format!("member {org_id} {account_id}")
            }
            CredentialChange::Account { account_id } => format!("account {account_id}"),
            CredentialChange::OrganizationRole { org_id, account_id } => {
                format!("role {org_id} {account_id}")
            }
            CredentialChange::WorkspaceMember {
                workspace_id,
                account_id,
            } => format!("workspace_member {workspace_id} {account_id}"),
            CredentialChange::WorkspaceMoved {
                workspace_id,
                org_id,
            } => format!("workspace_moved {workspace_id} {org_id}"),
        }
    }

    /// The change [`encode`](Self::encode) wrote; `None` for anything else.
    pub fn decode(line: &str) -> Option<CredentialChange> {
        let words: Vec<&str> = line.split(' ').collect();
        let number = |i: usize| words.get(i)?.parse::<i64>().ok();
        let org = |i: usize| OrgId::parse(words.get(i)?);
        let (change, len) = match words[0] {
            "token" => (CredentialChange::AccessToken { id: number(1)? }, 2),
            "app" => (
                CredentialChange::App {
                    app_id: AppId(number(1)?),
                },
                2,
            ),
            "app_in_org" => (
                CredentialChange::AppInOrganization {
                    app_id: AppId(number(1)?),
                    org_id: org(2)?,
                },
                3,
            ),
            "grant" => (
                CredentialChange::Grant {
                    grant_id: number(1)?,
                },
                2,
            ),
            "app_for_account" => (
                CredentialChange::AppForAccount {
                    app_id: AppId(number(1)?),
                    account_id: AccountId(number(2)?),
                },
                3,
            ),
            "family" => (
                CredentialChange::Family {
                    family_id: number(1)?,
                },
                2,
            ),
            "oauth_token" => (CredentialChange::OAuthToken { id: number(1)? }, 2),
            "member" => (
                CredentialChange::Member {
                    org_id: org(1)?,
                    account_id: AccountId(number(2)?),
                },
                3,
            ),
            "account" => (
                CredentialChange::Account {
                    account_id: AccountId(number(1)?),
                },
                2,
            ),
            "role" => (
                CredentialChange::OrganizationRole {
                    org_id: org(1)?,
                    account_id: AccountId(number(2)?),
                },
                3,
            ),
            "workspace_member" => (
                CredentialChange::WorkspaceMember {
                    workspace_id: WorkspaceId(number(1)?),
                    account_id: AccountId(number(2)?),
                },
                3,
            ),
            "workspace_moved" => (
                CredentialChange::WorkspaceMoved {
                    workspace_id: WorkspaceId(number(1)?),
                    org_id: org(2)?,
                },
                3,
            ),
            _ => return None,
        };
        (words.len() == len).then_some(change)
    }

    /// The account whose cached profile the change makes stale, if any.
    pub fn profile(&self) -> Option<AccountId> {
        match self {
            CredentialChange::Account { account_id } => Some(*account_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_reads_back_as_written() {
        let org = OrgId::parse("volcano_2105850123").unwrap();
        let all = [
            CredentialChange::AccessToken { id: 7 },
            CredentialChange::App {
                app_id: AppId(1_234_567_890_123_456_789),
            },
            CredentialChange::AppInOrganization {
                app_id: AppId(5),
                org_id: org.clone(),
            },
            CredentialChange::Grant { grant_id: 9 },
            CredentialChange::AppForAccount {
                app_id: AppId(5),
                account_id: AccountId(6),
            },
            CredentialChange::Family { family_id: 11 },
            CredentialChange::OAuthToken { id: 12 },
            CredentialChange::Member {
                org_id: OrgId::random(),
                account_id: AccountId(6),
            },
            CredentialChange::Account {
                account_id: AccountId(i64::MAX),
            },
            CredentialChange::OrganizationRole {
                org_id: org.clone(),
                account_id: AccountId(3),
            },
            CredentialChange::WorkspaceMember {
                workspace_id: WorkspaceId(7_300_000_000_000_000_001),
                account_id: AccountId(0),
            },
            CredentialChange::WorkspaceMoved {
                workspace_id: WorkspaceId(42),
                org_id: org.clone(),
            },
        ];
        for change in all {
            let line = change.encode();
            assert_eq!(CredentialChange::decode(&line), Some(change), "{line}");
        }
    }

    #[test]
    fn anything_else_reads_as_nothing() {
        for line in [
            "",
            "token",
            "token x",
            "token 1 2",
            "app_in_org 1",
            "app_in_org 1 not/an/org",
            "member 1",
            "role acme",
            "role acme 1 2",
            "role acme x",
            "workspace_member 1",
            "workspace_member x 1",
            "workspace_member 1 2 3",
            "workspace_moved 1",
            "workspace_moved x acme",
            "workspace_moved 1 not/an/org",
            "workspace_moved 1 acme 2",
            "revoke_everything 1",
            "token  1",
            "oauth_token",
            "oauth_token 1 2",
        ] {
            assert_eq!(CredentialChange::decode(line), None, "{line:?}");
        }
    }
}
