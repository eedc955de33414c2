//! What the token form offers: permission points grouped by level (each one the
//! person may not grant is shown disabled with the reason), the lifetimes the
//! edition allows, and the workspaces the token may reach.

use super::Kind;
use crate::AppState;
use crate::console::context::{Console, Space};
use crate::console::permission_picker::{self, PointGroup};
use crate::web::i18n::Lang;
use buckle_core::expiry::{DAY, ExpiryPolicy};
use buckle_core::policy::{Made, Refusal};
use buckle_core::{PermissionSet, Role};
use buckle_store::WorkspaceOfAccount;

/// One lifetime a token may be given.
pub struct Lifetime {
    /// The service's `expires_in` spelling.
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One workspace of the edition.
pub struct WorkspaceChoice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// Every lifetime the console offers, longest last; an edition offers those within its policy.
const LIFETIMES: [(&str, i64, &str); 7] = [
    ("1h", 3600, "tokens.lifetime.1h"),
    ("1d", DAY, "tokens.lifetime.1d"),
    ("7d", 7 * DAY, "tokens.lifetime.7d"),
    ("30d", 30 * DAY, "tokens.lifetime.30d"),
    ("90d", 90 * DAY, "tokens.lifetime.90d"),
    ("180d", 180 * DAY, "tokens.lifetime.180d"),
    ("365d", 365 * DAY, "tokens.lifetime.365d"),
];

/// The lifetime choice that reads the date picker instead.
pub const CUSTOM: &str = "custom";

/// The lifetimes `policy` allows (then a custom date, then "permanent" where it
/// is allowed), with `chosen` (or the longest finite one) selected.
pub fn lifetimes(lang: Lang, policy: ExpiryPolicy, chosen: Option<&str>) -> Vec<Lifetime> {
    let mut out: Vec<Lifetime> = LIFETIMES
        .iter()
        .filter(|(_, secs, _)| policy.max_seconds.is_none_or(|max| *secs <= max))
        .map(|&(value, _, label)| Lifetime {
            value,
            label: lang.t(label),
            selected: false,
        })
        .collect();
    out.push(Lifetime {
        value: CUSTOM,
        label: lang.t("tokens.lifetime.custom"),
        selected: false,
    });
    if policy.max_seconds.is_none() {
        out.push(Lifetime {
            value: "permanent",
            label: lang.t("console.permanent"),
            selected: false,
        });
    }
    let pick = chosen
        .filter(|c| out.iter().any(|l| l.value == *c))
        .map(str::to_string)
        .or_else(|| {
            out.iter()
                .rfind(|l| l.value != "permanent" && l.value != CUSTOM)
                .map(|l| l.value.to_string())
        });
    for l in &mut out {
        l.selected = pick.as_deref() == Some(l.value);
    }
    out
}

/// The lifetime rule of the space a token is made in.
pub async fn policy_of(state: &AppState, console: &Console, kind: Kind) -> ExpiryPolicy {
    match (kind, console.space.org_id()) {
        (Kind::Service, _) => ExpiryPolicy::UNLIMITED,
        (Kind::Personal, None) => ExpiryPolicy {
            max_seconds: Some(state.config.personal_token_max),
        },
        (Kind::Personal, Some(org)) => {
            let max_days = match buckle_core::OrgId::parse(org) {
                Some(id) => state
                    .store
                    .organization(&id)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|o| o.token_max_days),
                None => None,
            };
            ExpiryPolicy::organization(max_days)
        }
    }
}

fn reason_key(r: &Refusal) -> &'static str {
    match r {
        Refusal::TeamLevel => "tokens.reason.team_level",
        Refusal::OperatorPoints | Refusal::OperatorApp => "tokens.reason.operator",
        Refusal::AccountPointForService => "tokens.reason.service_account",
        Refusal::Exceeds(_) => "tokens.reason.exceeds",
    }
}

/// The permission picker: each point the grant policy would refuse this person
/// here is disabled, with the reason.
pub fn groups(
    state: &AppState,
    console: &Console,
    kind: Kind,
    checked: &[String],
) -> Vec<PointGroup> {
    let lang = console.lang;
    let role: Option<Role> = match &console.space {
        Space::Organization { role, .. } => Some(*role),
        Space::Personal => None,
    };
    let made = match kind {
        Kind::Personal => Made::PersonalToken,
        Kind::Service => Made::ServiceToken,
    };
    let grantor = console.caller.grantor(role);
    permission_picker::groups(state, lang, checked, |p| {
        let alone = PermissionSet::from_names(vec![p.name.clone()]);
        grantor
            .may_ask(&state.catalog, made, console.space.org_id(), &alone)
            .err()
            .map(|r| lang.t(reason_key(&r)))
    })
}

/// The workspaces a token of this space may reach, `checked` ones ticked.
pub fn workspaces(list: Vec<WorkspaceOfAccount>, checked: &[String]) -> Vec<WorkspaceChoice> {
    list.into_iter()
        .map(|w| {
            let id = w.id.to_string();
            WorkspaceChoice {
                checked: checked.contains(&id),
                id,
                name: w.name,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edition_offers_only_the_lifetimes_it_allows() {
        let personal = lifetimes(
            Lang::En,
            ExpiryPolicy {
                max_seconds: Some(30 * DAY),
            },
            None,
        );
        let values: Vec<_> = personal.iter().map(|l| l.value).collect();
        assert_eq!(values, ["1h", "1d", "7d", "30d", CUSTOM]);
        assert!(
            personal
                .iter()
                .find(|l| l.selected)
                .is_some_and(|l| l.value == "30d")
        );
        let unlimited = lifetimes(Lang::En, ExpiryPolicy::UNLIMITED, Some("permanent"));
        assert_eq!(unlimited.last().map(|l| l.value), Some("permanent"));
        assert!(unlimited.last().is_some_and(|l| l.selected));
        // A choice the edition does not offer selects the default instead.
        let p = lifetimes(Lang::En, ExpiryPolicy::organization(Some(7)), Some("365d"));
        assert_eq!(p.iter().filter(|l| l.selected).count(), 1);
        assert!(
            p.iter()
                .find(|l| l.selected)
                .is_some_and(|l| l.value == "7d")
        );
    }
}
