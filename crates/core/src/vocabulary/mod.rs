//! Buckle's domain words: the closed sets of values that travel between the
//! store, the policy and the wire. Each is an enum with one spelling (the stored
//! and wire form); reading an unknown spelling is an error, never a default, so a
//! corrupted or newer database cannot silently turn one kind of thing into another.

mod app_type;
mod client_type;
mod device_status;
mod grant;
mod install_status;
mod org_kind;
mod token_kind_word;
mod workspace_role;

pub use app_type::AppType;
pub use client_type::ClientType;
pub use device_status::{DeviceStatus, NotPending};
pub use grant::{GrantKind, GrantOwner};
pub use install_status::InstallStatus;
pub use org_kind::OrgKind;
pub use workspace_role::WorkspaceRole;

/// A spelling that names none of a word's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {word} {value:?}")]
pub struct UnknownWord {
    /// Which word was being read (`"client type"`).
    pub word: &'static str,
    pub value: String,
}

/// Declares a closed word: the enum, its one spelling per value, parsing that
/// refuses anything else, `Display`, and serde in the same spelling.
macro_rules! word {
    (
        $(#[$meta:meta])*
        $name:ident, $label:literal { $( $(#[$vmeta:meta])* $variant:ident = $spelling:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $spelling),+
                }
            }

            /// The value a spelling names; anything else is an error.
            pub fn parse(s: &str) -> Result<$name, $crate::vocabulary::UnknownWord> {
                match s {
                    $($spelling => Ok($name::$variant),)+
                    _ => Err($crate::vocabulary::UnknownWord {
                        word: $label,
                        value: s.chars().take(64).collect(),
                    }),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocabulary::UnknownWord;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                $name::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).map_err(|_| {
                    serde::de::Error::unknown_variant(&s, &[$($spelling),+])
                })
            }
        }
    };
}
pub(crate) use word;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reach::Role;
    use crate::secret::TokenKind;

    fn round_trips<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        show: fn(T) -> &'static str,
        read: fn(&str) -> Result<T, UnknownWord>,
    ) {
        let mut seen = std::collections::HashSet::new();
        for &v in all {
            assert_eq!(read(show(v)), Ok(v));
            assert!(seen.insert(show(v)), "two values spelled {:?}", show(v));
            assert!(read(&show(v).to_uppercase()).is_err() || show(v).to_uppercase() == show(v));
        }
    }

    #[test]
    fn every_word_round_trips_and_refuses_strangers() {
        round_trips(AppType::ALL, AppType::as_str, AppType::parse);
        round_trips(ClientType::ALL, ClientType::as_str, ClientType::parse);
        round_trips(GrantKind::ALL, GrantKind::as_str, GrantKind::parse);
        round_trips(
            InstallStatus::ALL,
            InstallStatus::as_str,
            InstallStatus::parse,
        );
        round_trips(OrgKind::ALL, OrgKind::as_str, OrgKind::parse);
        round_trips(DeviceStatus::ALL, DeviceStatus::as_str, DeviceStatus::parse);
        round_trips(
            WorkspaceRole::ALL,
            WorkspaceRole::as_str,
            WorkspaceRole::parse,
        );
        for bad in ["", "Web", "web ", "unknown", "pat\0"] {
            assert!(ClientType::parse(bad).is_err());
            assert!(Role::parse(bad).is_none());
            assert!(TokenKind::from_stored(bad).is_err());
        }
    }

    #[test]
    fn serde_uses_the_stored_spelling() {
        assert_eq!(
            serde_json::to_string(&ClientType::Pkce).unwrap(),
            "\"pkce\""
        );
        assert_eq!(
            serde_json::from_str::<AppType>("\"channel\"").unwrap(),
            AppType::Channel
        );
        assert!(serde_json::from_str::<AppType>("\"Channel\"").is_err());
    }
}
