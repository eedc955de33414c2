//! What a credential reaches and until when, and whether one extent stays within
//! another: the measure behind "nothing a credential makes reaches more, or lives
//! longer, than the credential that made it".

use crate::catalog::PermissionSet;
use crate::ids::WorkspaceId;
use crate::reach::Workspaces;

/// What a credential reaches, and until when. The same measure describes the
/// grantor and what it grants (a token, an app's points, an authorization).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extent {
    pub points: PermissionSet,
    pub workspaces: Workspaces,
    /// The organization whose edition it belongs to; `None` for the personal edition.
    pub edition: Option<String>,
    /// Unix seconds; `None` for a credential that never expires.
    pub expires_at: Option<i64>,
}

/// Why a grant exceeds its grantor. The messages are the management API's 403 text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Exceeds {
    #[error(
        "A token cannot act in another edition than its own; use the console or a token of that edition."
    )]
    Edition,
    #[error("A token cannot grant a permission it does not hold ({0}).")]
    Point(String),
    #[error("A token limited to some workspaces cannot grant all workspaces.")]
    AllWorkspaces,
    #[error("A token cannot grant a workspace it does not reach itself ({0}).")]
    Workspace(WorkspaceId),
    #[error(
        "A token cannot make or change a credential that outlives it (the token expires at {0})."
    )]
    Lifetime(i64),
}

impl Extent {
    /// Whether `granted` stays within `self` on every dimension; the first
    /// dimension it exceeds otherwise.
    pub fn covers(&self, granted: &Extent) -> Result<(), Exceeds> {
        if granted.edition != self.edition {
            return Err(Exceeds::Edition);
        }
        if let Some(p) = granted.points.first_missing_from(&self.points) {
            return Err(Exceeds::Point(p.to_string()));
        }
        match (&self.workspaces, &granted.workspaces) {
            (Workspaces::All, _) => {}
            (Workspaces::List(_), Workspaces::All) => return Err(Exceeds::AllWorkspaces),
            (Workspaces::List(mine), Workspaces::List(theirs)) => {
                if let Some(w) = theirs.iter().find(|w| !mine.contains(w)) {
                    return Err(Exceeds::Workspace(*w));
                }
            }
        }
        match (self.expires_at, granted.expires_at) {
            (None, _) => Ok(()),
            (Some(mine), None) => Err(Exceeds::Lifetime(mine)),
            (Some(mine), Some(theirs)) if theirs > mine => Err(Exceeds::Lifetime(mine)),
            (Some(_), Some(_)) => Ok(()),
        }
    }
}

impl Extent {
    /// An app holds no workspaces and never expires by itself; it is bounded by
    /// its edition and the points it may ask for.
    pub fn covers_app(&self, edition: Option<&str>, points: &PermissionSet) -> Result<(), Exceeds> {
        if edition != self.edition.as_deref() {
            return Err(Exceeds::Edition);
        }
        match points.first_missing_from(&self.points) {
            Some(p) => Err(Exceeds::Point(p.to_string())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::may_grant;
    use proptest::prelude::*;

    fn extent(points: &[&str], ws: Workspaces, org: Option<&str>, exp: Option<i64>) -> Extent {
        Extent {
            points: PermissionSet::from_names(points.iter().map(|s| s.to_string()).collect()),
            workspaces: ws,
            edition: org.map(str::to_string),
            expires_at: exp,
        }
    }

    #[test]
    fn the_holes_of_the_attack_report_are_refused() {
        // A one-hour token for one workspace holding Manage.tokens.
        let token = extent(
            &["Manage.tokens", "Bot.list"],
            Workspaces::List(vec![WorkspaceId(7)]),
            None,
            Some(1_000 + 3_600),
        );
        // ...creating a token for all workspaces lasting 30 days.
        let wide = extent(
            &["Bot.list"],
            Workspaces::All,
            None,
            Some(1_000 + 30 * 86_400),
        );
        assert_eq!(token.covers(&wide), Err(Exceeds::AllWorkspaces));
        let long = extent(
            &["Bot.list"],
            Workspaces::List(vec![WorkspaceId(7)]),
            None,
            Some(99_999),
        );
        assert_eq!(token.covers(&long), Err(Exceeds::Lifetime(4_600)));
        let permanent = extent(
            &["Bot.list"],
            Workspaces::List(vec![WorkspaceId(7)]),
            None,
            None,
        );
        assert_eq!(token.covers(&permanent), Err(Exceeds::Lifetime(4_600)));
        let other_ws = extent(
            &["Bot.list"],
            Workspaces::List(vec![WorkspaceId(7), WorkspaceId(8)]),
            None,
            Some(10),
        );
        assert_eq!(
            token.covers(&other_ws),
            Err(Exceeds::Workspace(WorkspaceId(8)))
        );
        // ...a team token or a service token.
        let team = extent(
            &["Bot.list"],
            Workspaces::List(vec![WorkspaceId(7)]),
            Some("9"),
            Some(10),
        );
        assert_eq!(token.covers(&team), Err(Exceeds::Edition));
        let more_points = extent(
            &["Bot.read"],
            Workspaces::List(vec![WorkspaceId(7)]),
            None,
            Some(10),
        );
        assert_eq!(
            token.covers(&more_points),
            Err(Exceeds::Point("Bot.read".into()))
        );
        // What stays within is allowed, itself included.
        let fine = extent(
            &["Bot.list"],
            Workspaces::List(vec![WorkspaceId(7)]),
            None,
            Some(4_600),
        );
        assert_eq!(token.covers(&fine), Ok(()));
        assert_eq!(token.covers(&token), Ok(()));
        assert_eq!(may_grant(None, &wide), Ok(()), "a console session");
    }

    const POINTS: [&str; 6] = ["A.a", "A.b", "B.a", "B.b", "C.a", "Manage.tokens"];

    fn any_extent() -> impl Strategy<Value = Extent> {
        (
            proptest::sample::subsequence(POINTS.to_vec(), 0..=POINTS.len()),
            prop_oneof![
                Just(None),
                proptest::collection::vec((1i64..6).prop_map(WorkspaceId), 0..5).prop_map(Some)
            ],
            prop_oneof![Just(None), Just(Some("1")), Just(Some("2"))],
            prop_oneof![Just(None), (100i64..200).prop_map(Some)],
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

    /// A grant derived from `e` by shrinking each dimension: always within `e`.
    fn narrowed(e: Extent) -> impl Strategy<Value = (Extent, Extent)> {
        let names = e.points.names().to_vec();
        let n = names.len();
        let ws = e.workspaces.clone();
        (
            proptest::sample::subsequence(names, 0..=n),
            any::<prop::sample::Index>(),
            0i64..50,
            any::<bool>(),
        )
            .prop_map(move |(points, pick, shorter, drop_ws)| {
                let workspaces = match &ws {
                    Workspaces::All if drop_ws => {
                        Workspaces::List(vec![WorkspaceId(pick.index(9) as i64)])
                    }
                    Workspaces::All => Workspaces::All,
                    Workspaces::List(l) if drop_ws && !l.is_empty() => {
                        Workspaces::List(l[..pick.index(l.len())].to_vec())
                    }
                    Workspaces::List(l) => Workspaces::List(l.clone()),
                };
                let expires_at = match e.expires_at {
                    Some(t) => Some(t - shorter),
                    None if drop_ws => Some(150),
                    None => None,
                };
                let granted = Extent {
                    points: PermissionSet::from_names(points),
                    workspaces,
                    edition: e.edition.clone(),
                    expires_at,
                };
                (e.clone(), granted)
            })
    }

    /// Whether `b` is within `a` on each dimension: points, edition, workspaces,
    /// lifetime (the rule, spelled out independently of `covers`).
    fn within(a: &Extent, b: &Extent) -> [bool; 4] {
        let points = b.points.is_subset_of(&a.points);
        let edition = a.edition == b.edition;
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
        [points, edition, workspaces, lifetime]
    }

    /// A grantor and a request: unrelated (mostly refused on several dimensions),
    /// narrowed (always within), or narrowed but for one dimension taken from an
    /// unrelated extent (refused on that dimension alone, often). Two unrelated
    /// extents alone are within each other only a few percent of the time.
    fn grantor_and_request() -> impl Strategy<Value = (Extent, Extent)> {
        prop_oneof![
            (any_extent(), any_extent()),
            any_extent().prop_flat_map(narrowed),
            (any_extent().prop_flat_map(narrowed), any_extent(), 0..4u8).prop_map(
                |((a, mut b), other, dimension)| {
                    match dimension {
                        0 => b.points = other.points,
                        1 => b.edition = other.edition,
                        2 => b.workspaces = other.workspaces,
                        _ => b.expires_at = other.expires_at,
                    }
                    (a, b)
                }
            ),
        ]
    }

    #[test]
    fn the_generator_reaches_every_answer() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut allowed = 0;
        let mut refused_on_one_dimension_only = [0; 4];
        for _ in 0..3_000 {
            let (a, b) = grantor_and_request()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let w = within(&a, &b);
            match w.iter().filter(|x| !**x).count() {
                0 => allowed += 1,
                1 => refused_on_one_dimension_only[w.iter().position(|x| !*x).unwrap()] += 1,
                _ => {}
            }
        }
        assert!(allowed >= 900, "{allowed}");
        assert!(
            refused_on_one_dimension_only.iter().all(|n| *n >= 100),
            "{refused_on_one_dimension_only:?}"
        );
    }

    proptest! {
        #[test]
        fn covering_is_reflexive(e in any_extent()) {
            prop_assert_eq!(e.covers(&e), Ok(()));
        }

        #[test]
        fn narrowing_any_dimension_stays_within((e, g) in any_extent().prop_flat_map(narrowed)) {
            prop_assert_eq!(e.covers(&g), Ok(()));
        }

        /// Whatever is allowed really is within: no point, workspace, edition or
        /// second of lifetime beyond the grantor.
        #[test]
        fn what_is_allowed_reaches_no_further((a, b) in grantor_and_request()) {
            let allowed = a.covers(&b).is_ok();
            prop_assert_eq!(allowed, within(&a, &b).iter().all(|w| *w));
        }

        #[test]
        fn covering_is_transitive(
            (a, b, c) in any_extent()
                .prop_flat_map(narrowed)
                .prop_flat_map(|(a, b)| narrowed(b).prop_map(move |(b, c)| (a.clone(), b, c)))
        ) {
            prop_assert_eq!(b.covers(&c), Ok(()));
            prop_assert_eq!(a.covers(&c), Ok(()));
        }

        /// Widening a grant that was within on any one dimension makes it refused.
        #[test]
        fn widening_any_dimension_is_refused(
            (e, g) in any_extent().prop_flat_map(narrowed),
            dimension in 0..4u8,
        ) {
            let mut wider = g.clone();
            let widened = match dimension {
                0 => {
                    wider.edition = Some(format!("{}x", e.edition.clone().unwrap_or_default()));
                    true
                }
                1 => {
                    let mut names = g.points.names().to_vec();
                    names.push("Z.extra".into());
                    wider.points = PermissionSet::from_names(names);
                    true
                }
                2 => match &e.workspaces {
                    Workspaces::List(l) => {
                        wider.workspaces = Workspaces::List(
                            l.iter().copied().chain([WorkspaceId(1_000)]).collect(),
                        );
                        true
                    }
                    Workspaces::All => false,
                },
                _ => match e.expires_at {
                    Some(t) => {
                        wider.expires_at = Some(t + 1);
                        true
                    }
                    None => false,
                },
            };
            prop_assert_eq!(e.covers(&wider).is_err(), widened);
        }
    }
}
