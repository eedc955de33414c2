//! Numeric identifiers. Accounts, workspaces, bots and organizations get random
//! 19-digit ids (strings on the wire), so ids reveal neither counts nor order.

use rand::Rng;

/// A random id in `[10^18, i64::MAX]`: always 19 decimal digits and positive.
pub fn new_id() -> i64 {
    rand::rng().random_range(1_000_000_000_000_000_000..=i64::MAX)
}

/// Parses an id as it comes from a client: decimal digits only, in range.
pub fn parse_id(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Declares an id newtype over a numeric id, so an account id cannot be passed
/// where a workspace id is expected. On the wire ids are decimal strings.
macro_rules! numeric_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            /// A fresh random id (see [`new_id`]).
            pub fn random() -> $name {
                $name(new_id())
            }

            /// An id as a client sends it: decimal digits only, in range.
            pub fn parse(s: &str) -> Option<$name> {
                parse_id(s).map($name)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        /// Serialized as a decimal string, as the wire carries ids.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }
    };
}

numeric_id!(
    /// A person's account.
    AccountId
);
numeric_id!(
    /// A workspace (personal or an organization's).
    WorkspaceId
);
numeric_id!(
    /// An OAuth app (the numeric id; its `client_id` is a separate string).
    AppId
);
numeric_id!(
    /// A bot.
    BotId
);
numeric_id!(
    /// A custom publish channel (a "connector").
    ChannelId
);

/// A team's or enterprise's id. Teams get a random 19-digit id; an enterprise
/// may have a chosen one (`volcano_2105850123`, see [`crate::organization_id`]),
/// so organization ids are strings while every other id is a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    /// An id as a client sends it, if it could name an organization.
    pub fn parse(s: &str) -> Option<OrgId> {
        crate::organization_id::is_valid(s).then(|| OrgId(s.to_string()))
    }

    /// A fresh random (team) id.
    pub fn random() -> OrgId {
        OrgId(new_id().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for OrgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for OrgId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for OrgId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_have_nineteen_digits() {
        for _ in 0..1000 {
            assert_eq!(new_id().to_string().len(), 19);
        }
    }

    #[test]
    fn parse_rejects_signs_and_overflow() {
        assert_eq!(parse_id("+1"), None);
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("9223372036854775808"), None);
        assert_eq!(parse_id("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_id(""), None);
    }

    #[test]
    fn id_newtypes_parse_like_ids_and_serialize_as_strings() {
        assert_eq!(AccountId::parse("1234"), Some(AccountId(1234)));
        assert_eq!(WorkspaceId::parse("-1"), None);
        assert_eq!(serde_json::to_string(&BotId(7)).unwrap(), "\"7\"");
        assert_eq!(
            OrgId::parse("volcano_21").map(|o| o.to_string()),
            Some("volcano_21".into())
        );
        assert_eq!(OrgId::parse("a/b"), None);
        assert_eq!(OrgId::random().as_str().len(), 19);
    }

    proptest! {
        #[test]
        fn parse_roundtrips(n in 0i64..=i64::MAX) {
            prop_assert_eq!(parse_id(&n.to_string()), Some(n));
        }

        #[test]
        fn parse_never_panics(s in ".{0,30}") {
            let _ = parse_id(&s);
        }
    }
}
