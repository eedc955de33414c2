//! Who may put which permission points on what: the operator-only rule, the
//! team-level rule, the service-token rule and the extent rule, decided once for
//! tokens, apps' points and authorizations alike.

use super::{Exceeds, Extent};
use crate::catalog::{Catalog, Grant, Level, PermissionSet};
use crate::reach::Role;

/// What the grantor is, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grantor<'a> {
    /// An installation super admin.
    pub super_admin: bool,
    /// The grantor's role in the organization the grant is for; `None` in the
    /// personal edition (or for a non-member).
    pub role: Option<Role>,
    /// The token making the call; `None` for a session, a page or the CLI, which
    /// act with the account's full authority.
    pub token: Option<&'a Extent>,
}

/// What is being made or widened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// A personal access token: acts for its account within its extent.
    PersonalToken,
    /// A service access token of an organization: acts for no account.
    ServiceToken,
    /// The points an app declares. An app holds no workspaces and never expires
    /// by itself; team-level points are refused when someone authorizes it.
    AppPoints,
    /// An authorization of an app (AppAuth, or a person's consent to an OBO app):
    /// it lasts until revoked.
    Authorization,
}

/// Why a grant is refused. The messages are the management API's texts; other
/// edges (pages) map the variants to their own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// domain.md's refusal, word for word.
    #[error(
        "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it."
    )]
    TeamLevel,
    #[error("Only a super admin of this Buckle installation may grant operator permissions.")]
    OperatorPoints,
    #[error(
        "This app declares operator permissions; only a super admin of this Buckle installation can authorize it."
    )]
    OperatorApp,
    /// A mistake in the request rather than a lack of power.
    #[error(
        "A service access token acts for no account: grant workspace or team/enterprise permissions only."
    )]
    AccountPointForService,
    /// What is asked reaches more, or lives longer, than the calling token.
    #[error(transparent)]
    Exceeds(#[from] Exceeds),
}

impl Grantor<'_> {
    /// The rules that need nothing looked up (only the points and the edition
    /// asked for): run before the workspaces are checked, so a token learns
    /// nothing about another edition's workspaces.
    pub fn may_ask(
        &self,
        catalog: &Catalog,
        made: Made,
        edition: Option<&str>,
        points: &PermissionSet,
    ) -> Result<(), Refusal> {
        let team_level = catalog.highest_level(points) == Some(Level::Organization);
        let by_an_admin_of_it = edition.is_some() && self.role.is_some_and(Role::is_admin);
        let operator = catalog.needs_operator(points);
        match made {
            Made::PersonalToken | Made::ServiceToken => {
                // A token acts only in its own edition.
                if let Some(t) = self.token
                    && t.edition.as_deref() != edition
                {
                    return Err(Exceeds::Edition.into());
                }
                if team_level && !by_an_admin_of_it {
                    return Err(Refusal::TeamLevel);
                }
                if operator && !self.super_admin {
                    return Err(Refusal::OperatorPoints);
                }
                // Operator points (introspection) concern the installation, not
                // a person's account, so a service token may hold them.
                if made == Made::ServiceToken
                    && points.iter().any(|p| {
                        catalog.get(p).is_some_and(|p| {
                            p.level == Level::Account && p.grant != Grant::Operator
                        })
                    })
                {
                    return Err(Refusal::AccountPointForService);
                }
                Ok(())
            }
            Made::AppPoints => {
                if let Some(t) = self.token {
                    t.covers_app(edition, points)?;
                }
                if operator && !self.super_admin {
                    return Err(Refusal::OperatorPoints);
                }
                Ok(())
            }
            Made::Authorization => {
                if team_level && !by_an_admin_of_it {
                    return Err(Refusal::TeamLevel);
                }
                if operator && !self.super_admin {
                    return Err(Refusal::OperatorApp);
                }
                Ok(())
            }
        }
    }

    /// The whole decision on a grant whose workspaces are known: [`Self::may_ask`],
    /// then the extent rule. For [`Made::AppPoints`] only the points and edition of
    /// `asked` count (an app has no workspaces or lifetime of its own).
    pub fn decide(&self, catalog: &Catalog, made: Made, asked: &Extent) -> Result<(), Refusal> {
        self.may_ask(catalog, made, asked.edition.as_deref(), &asked.points)?;
        match (made, self.token) {
            (Made::AppPoints, _) | (_, None) => Ok(()),
            (_, Some(t)) => Ok(t.covers(asked)?),
        }
    }

    /// Whether the caller may edit or delete an existing credential or
    /// authorization: a token only one within itself.
    pub fn may_change(&self, existing: &Extent) -> Result<(), Exceeds> {
        super::may_grant(self.token, existing)
    }

    /// Whether the caller may edit, disable or delete an app (or its keys and
    /// secret): a token only one of its own edition whose points it holds.
    pub fn may_change_app(
        &self,
        edition: Option<&str>,
        points: &PermissionSet,
    ) -> Result<(), Exceeds> {
        self.token.map_or(Ok(()), |t| t.covers_app(edition, points))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::WorkspaceId;
    use crate::reach::Workspaces;
    use proptest::prelude::*;

    const ACCOUNT: &str = "Account.readProfile";
    const MANAGE: &str = "Manage.tokens";
    const WORKSPACE: &str = "Bot.list";
    const WORKSPACE2: &str = "Bot.read";
    const TEAM: &str = "Organization.listMembers";
    const OPERATOR: &str = "Token.introspect";
    const POINTS: [&str; 6] = [ACCOUNT, MANAGE, WORKSPACE, WORKSPACE2, TEAM, OPERATOR];

    fn set(points: &[&str]) -> PermissionSet {
        PermissionSet::from_names(points.iter().map(|s| s.to_string()).collect())
    }

    fn extent(points: &[&str], ws: Workspaces, org: Option<&str>, exp: Option<i64>) -> Extent {
        Extent {
            points: set(points),
            workspaces: ws,
            edition: org.map(str::to_string),
            expires_at: exp,
        }
    }

    fn person(super_admin: bool, role: Option<Role>) -> Grantor<'static> {
        Grantor {
            super_admin,
            role,
            token: None,
        }
    }

    #[test]
    fn the_wire_texts_stay_the_same() {
        assert_eq!(
            Refusal::TeamLevel.to_string(),
            "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it."
        );
        assert_eq!(
            Refusal::Exceeds(Exceeds::Edition).to_string(),
            Exceeds::Edition.to_string()
        );
    }

    #[test]
    fn operator_points_go_only_to_installation_super_admins() {
        let c = Catalog::builtin();
        let asked = extent(&[OPERATOR], Workspaces::All, None, None);
        let admin_of_team = person(false, Some(Role::SuperAdmin));
        for (made, why) in [
            (Made::PersonalToken, Refusal::OperatorPoints),
            (Made::AppPoints, Refusal::OperatorPoints),
            (Made::Authorization, Refusal::OperatorApp),
        ] {
            assert_eq!(admin_of_team.decide(&c, made, &asked), Err(why));
            assert_eq!(person(true, None).decide(&c, made, &asked), Ok(()));
        }
        // A service token may hold the operator's introspection point.
        let team = extent(&[OPERATOR], Workspaces::All, Some("9"), None);
        assert_eq!(
            person(true, Some(Role::Admin)).decide(&c, Made::ServiceToken, &team),
            Ok(())
        );
    }

    #[test]
    fn team_level_points_only_in_an_organization_by_its_admins() {
        let c = Catalog::builtin();
        let personal = extent(&[TEAM], Workspaces::All, None, None);
        let team = extent(&[TEAM], Workspaces::All, Some("9"), None);
        for made in [Made::PersonalToken, Made::Authorization] {
            assert_eq!(
                person(true, None).decide(&c, made, &personal),
                Err(Refusal::TeamLevel),
                "even a super admin, in the personal edition"
            );
            assert_eq!(
                person(false, Some(Role::Member)).decide(&c, made, &team),
                Err(Refusal::TeamLevel)
            );
            assert_eq!(
                person(false, Some(Role::Admin)).decide(&c, made, &team),
                Ok(())
            );
        }
        // An app may declare them anywhere: authorizing it is what is refused.
        assert_eq!(
            person(false, None).decide(&c, Made::AppPoints, &personal),
            Ok(())
        );
    }

    #[test]
    fn a_service_token_holds_no_account_points() {
        let c = Catalog::builtin();
        let asked = extent(&[ACCOUNT, WORKSPACE], Workspaces::All, Some("9"), None);
        assert_eq!(
            person(true, Some(Role::Admin)).decide(&c, Made::ServiceToken, &asked),
            Err(Refusal::AccountPointForService)
        );
        assert_eq!(
            person(true, Some(Role::Admin)).decide(&c, Made::PersonalToken, &asked),
            Ok(())
        );
    }

    #[test]
    fn a_token_refuses_another_edition_before_anything_else() {
        let c = Catalog::builtin();
        let token = extent(&[MANAGE, WORKSPACE], Workspaces::All, None, Some(100));
        let g = Grantor {
            super_admin: false,
            role: Some(Role::Member),
            token: Some(&token),
        };
        // Team-level and operator points too, but the edition is named first.
        let points = set(&[TEAM, OPERATOR]);
        assert_eq!(
            g.may_ask(&c, Made::PersonalToken, Some("9"), &points),
            Err(Refusal::Exceeds(Exceeds::Edition))
        );
        assert_eq!(
            g.may_ask(&c, Made::AppPoints, Some("9"), &points),
            Err(Refusal::Exceeds(Exceeds::Edition))
        );
    }

    #[test]
    fn a_token_changes_only_what_is_within_it() {
        let token = extent(
            &[MANAGE, WORKSPACE],
            Workspaces::List(vec![WorkspaceId(1)]),
            None,
            Some(100),
        );
        let g = Grantor {
            super_admin: true,
            role: None,
            token: Some(&token),
        };
        let stronger = extent(&[WORKSPACE], Workspaces::All, None, Some(50));
        assert_eq!(g.may_change(&stronger), Err(Exceeds::AllWorkspaces));
        let weaker = extent(
            &[WORKSPACE],
            Workspaces::List(vec![WorkspaceId(1)]),
            None,
            Some(50),
        );
        assert_eq!(g.may_change(&weaker), Ok(()));
        assert_eq!(
            g.may_change_app(None, &set(&[WORKSPACE2])),
            Err(Exceeds::Point(WORKSPACE2.into()))
        );
        assert_eq!(g.may_change_app(None, &set(&[WORKSPACE])), Ok(()));
        assert_eq!(person(false, None).may_change(&stronger), Ok(()));
    }

    fn any_extent() -> impl Strategy<Value = Extent> {
        (
            proptest::sample::subsequence(POINTS.to_vec(), 1..=POINTS.len()),
            prop_oneof![
                Just(None),
                proptest::collection::vec((1i64..5).prop_map(WorkspaceId), 0..4).prop_map(Some)
            ],
            prop_oneof![Just(None), Just(Some("1")), Just(Some("2"))],
            prop_oneof![Just(None), (100i64..110).prop_map(Some)],
        )
            .prop_map(|(points, ws, org, exp)| {
                extent(
                    &points,
                    ws.map_or(Workspaces::All, Workspaces::List),
                    org,
                    exp,
                )
            })
    }

    fn any_role() -> impl Strategy<Value = Option<Role>> {
        prop_oneof![
            Just(None),
            Just(Some(Role::SuperAdmin)),
            Just(Some(Role::Admin)),
            Just(Some(Role::Member)),
        ]
    }

    fn any_made() -> impl Strategy<Value = Made> {
        prop_oneof![
            Just(Made::PersonalToken),
            Just(Made::ServiceToken),
            Just(Made::AppPoints),
            Just(Made::Authorization),
        ]
    }

    /// A grant often close to the token (a copy with one dimension changed), so
    /// both answers come up.
    fn token_and_asked() -> impl Strategy<Value = (Option<Extent>, Extent)> {
        prop_oneof![
            (proptest::option::of(any_extent()), any_extent()),
            (any_extent(), any_extent(), 0..5u8).prop_map(|(t, other, dimension)| {
                let mut asked = t.clone();
                match dimension {
                    0 => asked.points = other.points,
                    1 => asked.edition = other.edition,
                    2 => asked.workspaces = other.workspaces,
                    3 => asked.expires_at = other.expires_at,
                    _ => {}
                }
                (Some(t), asked)
            }),
        ]
    }

    /// `b` within `a` on every dimension, spelled out apart from `covers`.
    fn within(a: &Extent, b: &Extent) -> bool {
        let workspaces = match (&a.workspaces, &b.workspaces) {
            (Workspaces::All, _) => true,
            (Workspaces::List(_), Workspaces::All) => false,
            (Workspaces::List(x), Workspaces::List(y)) => y.iter().all(|w| x.contains(w)),
        };
        let lifetime = match (a.expires_at, b.expires_at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(x), Some(y)) => y <= x,
        };
        b.points.is_subset_of(&a.points) && a.edition == b.edition && workspaces && lifetime
    }

    #[test]
    fn the_generator_reaches_every_answer() {
        use proptest::strategy::ValueTree;
        let c = Catalog::builtin();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut seen = std::collections::HashSet::new();
        let strategy = (token_and_asked(), any::<bool>(), any_role(), any_made());
        for _ in 0..5_000 {
            let ((token, asked), super_admin, role, made) =
                strategy.new_tree(&mut runner).unwrap().current();
            let g = Grantor {
                super_admin,
                role,
                token: token.as_ref(),
            };
            let label = match g.decide(&c, made, &asked) {
                Ok(()) => "allowed".to_string(),
                Err(Refusal::Exceeds(e)) => format!("{e:?}").chars().take(6).collect(),
                Err(why) => format!("{why:?}"),
            };
            seen.insert(label);
        }
        // Allowed, each refusal, and each way of exceeding a token.
        assert_eq!(seen.len(), 10, "{seen:?}");
    }

    proptest! {
        /// Nothing a token makes reaches more, or lives longer, than the token;
        /// an app's points stay within its points and edition.
        #[test]
        fn nothing_made_reaches_beyond_its_maker(
            (token, asked) in token_and_asked(),
            super_admin in any::<bool>(),
            role in any_role(),
            made in any_made(),
        ) {
            let c = Catalog::builtin();
            let g = Grantor { super_admin, role, token: token.as_ref() };
            if g.decide(&c, made, &asked).is_ok() && let Some(t) = &token {
                if made == Made::AppPoints {
                    prop_assert!(asked.points.is_subset_of(&t.points));
                    prop_assert_eq!(&asked.edition, &t.edition);
                } else {
                    prop_assert!(within(t, &asked), "{:?} made {:?}", t, asked);
                }
            }
        }

        /// Operator points only to super admins; team-level points (on anything
        /// but an app's declaration) only in an organization, by its admins; no
        /// account point on a service token.
        #[test]
        fn who_may_hold_what(
            asked in any_extent(),
            super_admin in any::<bool>(),
            role in any_role(),
            made in any_made(),
        ) {
            let c = Catalog::builtin();
            let g = Grantor { super_admin, role, token: None };
            let allowed = g.decide(&c, made, &asked).is_ok();
            let operator = asked.points.contains(OPERATOR);
            let team = asked.points.contains(TEAM);
            let account = asked.points.contains(ACCOUNT) || asked.points.contains(MANAGE);
            let expected = (!operator || super_admin)
                && (made == Made::AppPoints
                    || !team
                    || (asked.edition.is_some() && role.is_some_and(Role::is_admin)))
                && (made != Made::ServiceToken || !account);
            prop_assert_eq!(allowed, expected);
        }

        /// Whatever is refused before the lookups is refused in the end, for the
        /// same reason.
        #[test]
        fn an_early_refusal_stands(
            (token, asked) in token_and_asked(),
            super_admin in any::<bool>(),
            role in any_role(),
            made in any_made(),
        ) {
            let c = Catalog::builtin();
            let g = Grantor { super_admin, role, token: token.as_ref() };
            if let Err(why) = g.may_ask(&c, made, asked.edition.as_deref(), &asked.points) {
                prop_assert_eq!(g.decide(&c, made, &asked), Err(why));
            }
        }

        /// A token edits or deletes only what is within it.
        #[test]
        fn a_token_changes_nothing_stronger((token, existing) in token_and_asked()) {
            let g = Grantor { super_admin: true, role: Some(Role::SuperAdmin), token: token.as_ref() };
            let allowed = g.may_change(&existing).is_ok();
            prop_assert_eq!(allowed, token.as_ref().is_none_or(|t| within(t, &existing)));
        }
    }
}
