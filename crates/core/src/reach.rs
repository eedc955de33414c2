//! The reach decision: may this credential, for this subject, use this permission
//! point on this resource, right now? Pure: the caller gathers the facts.
//!
//! A credential's reach is its permission points AND its workspaces AND what its
//! subject may do at the time of the call (a person who leaves a workspace loses
//! it through their tokens too).

use crate::catalog::{Level, PermissionSet};
use crate::ids::{BotId, WorkspaceId};
use crate::secret::TokenKind;
use serde::{Deserialize, Serialize};

/// A role in a team or enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    Admin,
    Member,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "super_admin" => Some(Role::SuperAdmin),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Super admins and admins manage the organization's credentials and apps.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::SuperAdmin | Role::Admin)
    }
}

/// Which workspaces a credential may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workspaces {
    /// Every workspace of the credential's edition, including ones created later.
    All,
    List(Vec<WorkspaceId>),
}

impl Workspaces {
    pub fn includes(&self, id: WorkspaceId) -> bool {
        match self {
            Workspaces::All => true,
            Workspaces::List(ids) => ids.contains(&id),
        }
    }
}

/// Which bots a credential may act on. Only channel tokens carry a list: the bots
/// published to their channel when they were minted, narrowed by their scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bots {
    /// Every bot its workspaces hold.
    All,
    List(Vec<BotId>),
}

impl Bots {
    pub fn includes(&self, id: BotId) -> bool {
        match self {
            Bots::All => true,
            Bots::List(ids) => ids.contains(&id),
        }
    }

    /// Whether every bot this reaches, `other` reaches too.
    pub fn is_within(&self, other: &Bots) -> bool {
        match (self, other) {
            (_, Bots::All) => true,
            (Bots::All, Bots::List(_)) => false,
            (Bots::List(ids), other) => ids.iter().all(|id| other.includes(*id)),
        }
    }
}

impl Workspaces {
    /// Whether every workspace this reaches, `other` reaches too.
    pub fn is_within(&self, other: &Workspaces) -> bool {
        match (self, other) {
            (_, Workspaces::All) => true,
            (Workspaces::All, Workspaces::List(_)) => false,
            (Workspaces::List(ids), other) => ids.iter().all(|id| other.includes(*id)),
        }
    }
}

/// Who a credential acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A person (PATs, OBO tokens): their live memberships and roles bound the token.
    Person,
    /// A service identity of an organization (SATs): bound by the organization alone.
    Service,
}

/// What a credential carries.
#[derive(Debug, Clone)]
pub struct Reach {
    pub subject: Subject,
    pub points: PermissionSet,
    pub workspaces: Workspaces,
    /// The organization the credential was made in; `None` for the personal edition.
    pub organization: Option<String>,
    pub bots: Bots,
}

/// Facts about the workspace a call touches, gathered at call time.
#[derive(Debug, Clone)]
pub struct WorkspaceFacts {
    pub id: WorkspaceId,
    /// The organization owning the workspace; `None` for a personal workspace.
    pub organization: Option<String>,
    /// Whether the credential's person is a member of it now.
    pub subject_is_member: bool,
}

/// Facts about the bot a call acts on, gathered at call time.
#[derive(Debug, Clone)]
pub struct BotFacts {
    pub id: BotId,
    /// The workspace holding the bot.
    pub workspace: WorkspaceFacts,
    /// Whether the bot is still published to the channel the credential's bot list
    /// came from (always true for a credential without a bot list): unpublishing
    /// takes effect at the next call.
    pub still_published: bool,
}

/// What a call needs.
#[derive(Debug, Clone)]
pub enum Requirement<'a> {
    /// Only the point: the call reads what the credential itself reaches.
    Credential { point: &'a str },
    /// The person's own account-level resources.
    Account { point: &'a str },
    Workspace {
        point: &'a str,
        workspace: WorkspaceFacts,
    },
    Organization {
        point: &'a str,
        /// The person's role in the credential's organization now.
        subject_role: Option<Role>,
    },
    /// One bot: its workspace's rules, then the credential's bots.
    Bot { point: &'a str, bot: BotFacts },
}

impl Requirement<'_> {
    pub fn point(&self) -> &str {
        match self {
            Requirement::Credential { point }
            | Requirement::Account { point }
            | Requirement::Workspace { point, .. }
            | Requirement::Organization { point, .. }
            | Requirement::Bot { point, .. } => point,
        }
    }

    pub fn level(&self) -> Level {
        match self {
            Requirement::Credential { .. } | Requirement::Account { .. } => Level::Account,
            Requirement::Workspace { .. } | Requirement::Bot { .. } => Level::Workspace,
            Requirement::Organization { .. } => Level::Organization,
        }
    }
}

/// Why a valid credential may not do something (always 403/4101 on the wire).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("The token lacks the permission {0}.")]
    MissingPoint(String),
    #[error("The token does not cover this workspace.")]
    WorkspaceNotGranted,
    #[error("The workspace belongs to another edition than the token.")]
    OtherEdition,
    #[error("The token does not cover this bot.")]
    BotNotGranted,
    #[error("The bot is no longer published to the token's channel.")]
    BotUnpublished,
    #[error("The token's user is not a member of this workspace.")]
    NotMember,
    #[error("Only a super admin or admin of the team/enterprise may do this.")]
    NotAdmin,
    #[error("This permission needs a team or enterprise token.")]
    NoOrganization,
    #[error("A service access token acts for no account.")]
    NoAccount,
    /// [`Denial::NoAccount`] for an app's own (AppAuth `czs_`) token.
    #[error("An app token authorized for a team/enterprise acts for no account.")]
    AppNoAccount,
}

impl Denial {
    /// The denial as told to the holder of a `kind` credential: the reach decision
    /// knows the subject, not which credential carries it, and the message must
    /// name the credential actually sent.
    pub fn told_to(self, kind: TokenKind) -> Denial {
        match (self, kind) {
            (Denial::NoAccount, TokenKind::AppOauth) => Denial::AppNoAccount,
            (d, _) => d,
        }
    }
}

impl Reach {
    pub fn decide(&self, need: &Requirement<'_>) -> Result<(), Denial> {
        if !self.points.contains(need.point()) {
            return Err(Denial::MissingPoint(need.point().to_string()));
        }
        match need {
            Requirement::Credential { .. } => Ok(()),
            Requirement::Account { .. } => match self.subject {
                Subject::Person => Ok(()),
                Subject::Service => Err(Denial::NoAccount),
            },
            Requirement::Workspace { workspace, .. } => self.decide_workspace(workspace),
            Requirement::Bot { bot, .. } => {
                self.decide_workspace(&bot.workspace)?;
                if !self.bots.includes(bot.id) {
                    return Err(Denial::BotNotGranted);
                }
                if matches!(self.bots, Bots::List(_)) && !bot.still_published {
                    return Err(Denial::BotUnpublished);
                }
                Ok(())
            }
            Requirement::Organization { subject_role, .. } => {
                if self.organization.is_none() {
                    return Err(Denial::NoOrganization);
                }
                match (self.subject, subject_role) {
                    (Subject::Service, _) => Ok(()),
                    (Subject::Person, Some(r)) if r.is_admin() => Ok(()),
                    (Subject::Person, _) => Err(Denial::NotAdmin),
                }
            }
        }
    }
}

impl Reach {
    fn decide_workspace(&self, workspace: &WorkspaceFacts) -> Result<(), Denial> {
        if workspace.organization != self.organization {
            return Err(Denial::OtherEdition);
        }
        if !self.workspaces.includes(workspace.id) {
            return Err(Denial::WorkspaceNotGranted);
        }
        if self.subject == Subject::Person && !workspace.subject_is_member {
            return Err(Denial::NotMember);
        }
        Ok(())
    }

    /// Whether this reaches nothing `parent` does not: the same subject and edition,
    /// and points, workspaces and bots each within the parent's.
    pub fn is_within(&self, parent: &Reach) -> bool {
        self.subject == parent.subject
            && self.organization == parent.organization
            && self.points.is_subset_of(&parent.points)
            && self.workspaces.is_within(&parent.workspaces)
            && self.bots.is_within(&parent.bots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(points: &[&str], ws: Workspaces, org: Option<&str>) -> Reach {
        Reach {
            subject: Subject::Person,
            points: PermissionSet::from_names(points.iter().map(|s| s.to_string()).collect()),
            workspaces: ws,
            organization: org.map(str::to_string),
            bots: Bots::All,
        }
    }

    fn ws(id: i64, org: Option<&str>, member: bool) -> WorkspaceFacts {
        WorkspaceFacts {
            id: WorkspaceId(id),
            organization: org.map(str::to_string),
            subject_is_member: member,
        }
    }

    #[test]
    fn workspace_rules() {
        let all = pat(&["Bot.list"], Workspaces::All, None);
        let need = |w| Requirement::Workspace {
            point: "Bot.list",
            workspace: w,
        };
        assert_eq!(all.decide(&need(ws(7, None, true))), Ok(()));
        assert_eq!(
            all.decide(&need(ws(7, None, false))),
            Err(Denial::NotMember)
        );
        // A personal token does not reach a workspace moved into an organization.
        assert_eq!(
            all.decide(&need(ws(7, Some("1"), true))),
            Err(Denial::OtherEdition)
        );
        let listed = pat(
            &["Bot.list"],
            Workspaces::List(vec![WorkspaceId(1), WorkspaceId(2)]),
            None,
        );
        assert_eq!(listed.decide(&need(ws(2, None, true))), Ok(()));
        assert_eq!(
            listed.decide(&need(ws(3, None, true))),
            Err(Denial::WorkspaceNotGranted)
        );
        assert_eq!(
            listed.decide(&Requirement::Workspace {
                point: "Bot.read",
                workspace: ws(1, None, true)
            }),
            Err(Denial::MissingPoint("Bot.read".into()))
        );
    }

    #[test]
    fn organization_rules() {
        let need = |r| Requirement::Organization {
            point: "Organization.listMembers",
            subject_role: r,
        };
        let org_pat = pat(&["Organization.listMembers"], Workspaces::All, Some("9"));
        assert_eq!(org_pat.decide(&need(Some(Role::Admin))), Ok(()));
        assert_eq!(org_pat.decide(&need(Some(Role::SuperAdmin))), Ok(()));
        assert_eq!(
            org_pat.decide(&need(Some(Role::Member))),
            Err(Denial::NotAdmin)
        );
        assert_eq!(org_pat.decide(&need(None)), Err(Denial::NotAdmin));
        let personal = pat(&["Organization.listMembers"], Workspaces::All, None);
        assert_eq!(
            personal.decide(&need(Some(Role::Admin))),
            Err(Denial::NoOrganization)
        );
        let sat = Reach {
            subject: Subject::Service,
            ..org_pat.clone()
        };
        assert_eq!(sat.decide(&need(None)), Ok(()));
        // Service identities need no workspace membership, but do need the grant.
        let sat_ws = Reach {
            subject: Subject::Service,
            points: PermissionSet::from_names(vec!["Bot.list".into()]),
            workspaces: Workspaces::List(vec![WorkspaceId(5)]),
            organization: Some("9".into()),
            bots: Bots::All,
        };
        let bots = |id| Requirement::Workspace {
            point: "Bot.list",
            workspace: ws(id, Some("9"), false),
        };
        assert_eq!(sat_ws.decide(&bots(5)), Ok(()));
        assert_eq!(sat_ws.decide(&bots(6)), Err(Denial::WorkspaceNotGranted));
        assert_eq!(
            sat_ws.decide(&Requirement::Account { point: "Bot.list" }),
            Err(Denial::NoAccount)
        );
        // The same subject, told in terms of the credential that was sent.
        let told = |kind| Denial::NoAccount.told_to(kind).to_string();
        assert_eq!(
            told(TokenKind::Service),
            "A service access token acts for no account."
        );
        assert_eq!(
            told(TokenKind::AppOauth),
            "An app token authorized for a team/enterprise acts for no account."
        );
        assert_eq!(
            Denial::NotMember.told_to(TokenKind::AppOauth),
            Denial::NotMember
        );
        assert_eq!(
            sat_ws.decide(&Requirement::Credential { point: "Bot.list" }),
            Ok(())
        );
        assert_eq!(
            sat_ws.decide(&Requirement::Credential { point: "Bot.read" }),
            Err(Denial::MissingPoint("Bot.read".into()))
        );
    }

    #[test]
    fn bot_rules() {
        let channel = Reach {
            subject: Subject::Service,
            points: PermissionSet::from_names(vec!["Bot.read".into()]),
            workspaces: Workspaces::All,
            organization: Some("9".into()),
            bots: Bots::List(vec![BotId(1), BotId(2)]),
        };
        let bot = |id, ws_org: Option<&str>, published| Requirement::Bot {
            point: "Bot.read",
            bot: BotFacts {
                id: BotId(id),
                workspace: ws(5, ws_org, false),
                still_published: published,
            },
        };
        assert_eq!(channel.decide(&bot(1, Some("9"), true)), Ok(()));
        assert_eq!(
            channel.decide(&bot(3, Some("9"), true)),
            Err(Denial::BotNotGranted)
        );
        assert_eq!(
            channel.decide(&bot(2, Some("9"), false)),
            Err(Denial::BotUnpublished)
        );
        // The workspace's rules come first.
        assert_eq!(
            channel.decide(&bot(1, None, true)),
            Err(Denial::OtherEdition)
        );
        // A credential without a bot list is not bound by publication.
        let sat = Reach {
            bots: Bots::All,
            ..channel.clone()
        };
        assert_eq!(sat.decide(&bot(3, Some("9"), false)), Ok(()));
        assert!(channel.is_within(&sat));
        assert!(!sat.is_within(&channel));
    }
}
