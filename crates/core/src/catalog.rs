//! The permission catalog: data, shipped with the binary and extendable by the operator.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the resources a permission point guards live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Account,
    Workspace,
    Organization,
}

/// Who may put a point on a credential beyond the level's own rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Decided by the level alone.
    #[default]
    Level,
    /// Only installation super admins.
    Operator,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    pub name: String,
    pub level: Level,
    pub description: String,
    #[serde(default)]
    pub description_zh: String,
    #[serde(default)]
    pub grant: Grant,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    permission: Vec<Permission>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("permission catalog is not valid TOML: {0}")]
    Syntax(String),
    #[error("invalid permission name {0:?}: use dotted words such as Bot.read")]
    BadName(String),
    #[error("permission {0} is defined twice")]
    Duplicate(String),
    #[error("unknown permission {0:?}")]
    Unknown(String),
    #[error("permission_list must not be empty")]
    Empty,
}

/// The shipped catalog.
pub const BUILTIN: &str = include_str!("../catalog/permissions.toml");

#[derive(Debug, Clone)]
pub struct Catalog {
    points: BTreeMap<String, Permission>,
}

impl Catalog {
    /// The shipped catalog plus, in order, each operator extension's text.
    pub fn load(extensions: &[&str]) -> Result<Catalog, CatalogError> {
        let mut points = BTreeMap::new();
        for text in std::iter::once(BUILTIN).chain(extensions.iter().copied()) {
            let file: CatalogFile =
                toml::from_str(text).map_err(|e| CatalogError::Syntax(e.to_string()))?;
            for p in file.permission {
                if !valid_name(&p.name) {
                    return Err(CatalogError::BadName(p.name));
                }
                if points.contains_key(&p.name) {
                    return Err(CatalogError::Duplicate(p.name));
                }
                points.insert(p.name.clone(), p);
            }
        }
        Ok(Catalog { points })
    }

    pub fn builtin() -> Catalog {
        Catalog::load(&[]).expect("the shipped catalog is valid")
    }

    pub fn get(&self, name: &str) -> Option<&Permission> {
        self.points.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Permission> {
        self.points.values()
    }

    /// Checks a client's list of point names against the catalog.
    pub fn parse_set<S: AsRef<str>>(&self, names: &[S]) -> Result<PermissionSet, CatalogError> {
        if names.is_empty() {
            return Err(CatalogError::Empty);
        }
        let mut out: Vec<String> = Vec::with_capacity(names.len());
        for n in names {
            let n = n.as_ref();
            if self.get(n).is_none() {
                return Err(CatalogError::Unknown(n.chars().take(100).collect()));
            }
            out.push(n.to_string());
        }
        Ok(PermissionSet::from_names(out))
    }

    /// The highest level among a set's points, for "who may grant this" checks.
    pub fn highest_level(&self, set: &PermissionSet) -> Option<Level> {
        let mut best = None;
        for p in set.iter().filter_map(|n| self.get(n)) {
            best = Some(match (best, p.level) {
                (_, Level::Organization) | (Some(Level::Organization), _) => Level::Organization,
                (_, Level::Workspace) | (Some(Level::Workspace), _) => Level::Workspace,
                _ => Level::Account,
            });
        }
        best
    }

    pub fn needs_operator(&self, set: &PermissionSet) -> bool {
        set.iter()
            .filter_map(|n| self.get(n))
            .any(|p| p.grant == Grant::Operator)
    }
}

/// `Word(.Word)*`, each word an ASCII letter followed by letters, digits or `_`.
pub fn valid_name(name: &str) -> bool {
    name.len() <= 100
        && !name.is_empty()
        && name.split('.').all(|w| {
            let mut b = w.bytes();
            matches!(b.next(), Some(c) if c.is_ascii_alphabetic())
                && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
}

/// A sorted, duplicate-free set of permission point names.
/// Stored as the names joined by single spaces (names never contain spaces).
/// Shared, not copied, when cloned: a checked token's set is built once when
/// it is cached and cloned into every call's reach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PermissionSet(std::sync::Arc<[String]>);

impl PermissionSet {
    pub fn from_names(mut names: Vec<String>) -> PermissionSet {
        names.sort_unstable();
        names.dedup();
        PermissionSet(names.into())
    }

    /// Reads the stored form.
    pub fn decode(stored: &str) -> PermissionSet {
        PermissionSet::from_names(stored.split_whitespace().map(str::to_string).collect())
    }

    pub fn encode(&self) -> String {
        self.0.join(" ")
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.binary_search_by(|p| p.as_str().cmp(name)).is_ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    pub fn is_subset_of(&self, other: &PermissionSet) -> bool {
        self.first_missing_from(other).is_none()
    }

    /// A point of this set that `other` lacks, if any (for "you may not grant X").
    pub fn first_missing_from(&self, other: &PermissionSet) -> Option<&str> {
        self.iter().find(|p| !other.contains(p))
    }

    /// The points in both sets. Filtering a sorted, duplicate-free list keeps it so.
    pub fn intersection(&self, other: &PermissionSet) -> PermissionSet {
        PermissionSet(
            self.0
                .iter()
                .filter(|p| other.contains(p))
                .cloned()
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builtin_catalog_has_the_required_points() {
        let c = Catalog::builtin();
        assert_eq!(c.get("Connector.botChat").unwrap().level, Level::Workspace);
        assert_eq!(c.get("Account.readProfile").unwrap().level, Level::Account);
        assert_eq!(
            c.get("Organization.listMembers").unwrap().level,
            Level::Organization
        );
        assert!(c.iter().all(|p| !p.description_zh.is_empty()));
    }

    #[test]
    fn operator_extension_adds_points_and_rejects_redefinition() {
        let ext =
            "[[permission]]\nname = \"Invoice.read\"\nlevel = \"workspace\"\ndescription = \"x\"\n";
        let c = Catalog::load(&[ext]).unwrap();
        assert_eq!(c.get("Invoice.read").unwrap().level, Level::Workspace);
        let dup = "[[permission]]\nname = \"Bot.read\"\nlevel = \"account\"\ndescription = \"x\"\n";
        assert_eq!(
            Catalog::load(&[dup]).unwrap_err(),
            CatalogError::Duplicate("Bot.read".into())
        );
        let bad =
            "[[permission]]\nname = \"has space\"\nlevel = \"account\"\ndescription = \"x\"\n";
        assert!(matches!(
            Catalog::load(&[bad]),
            Err(CatalogError::BadName(_))
        ));
        assert!(matches!(
            Catalog::load(&["[[permission]]\nname=1"]),
            Err(CatalogError::Syntax(_))
        ));
    }

    #[test]
    fn parse_set_rejects_unknown_and_empty() {
        let c = Catalog::builtin();
        assert_eq!(
            c.parse_set(&["Bot.read", "Nope.x"]),
            Err(CatalogError::Unknown("Nope.x".into()))
        );
        assert_eq!(c.parse_set::<&str>(&[]), Err(CatalogError::Empty));
        let s = c.parse_set(&["Bot.read", "Bot.list", "Bot.read"]).unwrap();
        assert_eq!(s.names(), ["Bot.list", "Bot.read"]);
        assert_eq!(c.highest_level(&s), Some(Level::Workspace));
        let org = c
            .parse_set(&["Account.readProfile", "Organization.listMembers"])
            .unwrap();
        assert_eq!(c.highest_level(&org), Some(Level::Organization));
        assert!(c.needs_operator(&c.parse_set(&["Token.introspect"]).unwrap()));
        assert!(!c.needs_operator(&org));
    }

    /// A point name's shape: dotted words of letters, digits and `_`.
    const NAME: &str = "[A-Za-z][A-Za-z0-9_]{0,8}(\\.[A-Za-z][A-Za-z0-9_]{0,8}){0,2}";

    proptest! {
        #[test]
        fn set_encoding_roundtrips(names in proptest::collection::vec(NAME, 0..12)) {
            let set = PermissionSet::from_names(names.clone());
            prop_assert_eq!(PermissionSet::decode(&set.encode()), set.clone());
            for n in &names {
                prop_assert!(set.contains(n));
                prop_assert!(valid_name(n));
            }
        }

        #[test]
        fn intersection_is_the_common_points(a in proptest::collection::vec("[a-e]", 0..6), b in proptest::collection::vec("[a-e]", 0..6)) {
            let (sa, sb) = (PermissionSet::from_names(a.clone()), PermissionSet::from_names(b.clone()));
            let both = sa.intersection(&sb);
            prop_assert_eq!(&both, &sb.intersection(&sa));
            prop_assert_eq!(&both, &PermissionSet::from_names(a.into_iter().filter(|x| b.contains(x)).collect()));
            prop_assert!(both.is_subset_of(&sa) && both.is_subset_of(&sb));
            prop_assert_eq!(sa.first_missing_from(&sb).is_none(), sa.is_subset_of(&sb));
        }

        #[test]
        fn subset_is_reflexive_and_respects_removal(names in proptest::collection::vec("[a-z]{1,6}", 1..10)) {
            let full = PermissionSet::from_names(names.clone());
            prop_assert!(full.is_subset_of(&full));
            let fewer = PermissionSet::from_names(names[1..].to_vec());
            prop_assert!(fewer.is_subset_of(&full));
        }

        #[test]
        fn valid_name_never_panics(s in ".{0,40}") {
            let _ = valid_name(&s);
        }

        /// Point names of the catalog's shape are valid; the same name with a space
        /// (or another separator a stored set could be split on) anywhere is not.
        /// Random strings are almost never valid names, so both sides are built.
        #[test]
        fn valid_names_are_accepted_and_a_space_anywhere_refuses_them(
            name in NAME,
            at in any::<prop::sample::Index>(),
            sep in prop_oneof![Just(' '), Just('\t'), Just('\n'), Just(',')],
        ) {
            prop_assert!(valid_name(&name));
            let mut broken: Vec<char> = name.chars().collect();
            broken.insert(at.index(broken.len() + 1), sep);
            let broken: String = broken.into_iter().collect();
            prop_assert!(!valid_name(&broken), "{:?}", broken);
        }
    }
}
