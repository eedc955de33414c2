//! Random secrets and their stored form.
//!
//! Every token is drawn from the operating system's CSPRNG (through `rand`'s
//! `OsRng`-seeded thread generator) and only its SHA-256 digest is stored.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The kinds of bearer secret Buckle issues, each with its wire prefix and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Personal access token, `pat_` + 64.
    Personal,
    /// Service access token, `sat_` + 64.
    Service,
    /// User OAuth access token (on behalf of a user), `czu_` + 64.
    UserOauth,
    /// Service / JWT access token (the app as itself), `czs_` + 64.
    AppOauth,
    /// Refresh token: 72 characters, no prefix.
    Refresh,
    /// Authorization code, `code_` + 48.
    AuthorizationCode,
    /// Client secret: 48 characters, no prefix.
    ClientSecret,
    /// Console session cookie value: 64 characters, no prefix.
    Session,
    /// Device authorization code (what the device polls with): 64 characters.
    DeviceCode,
}

impl TokenKind {
    pub const fn prefix(self) -> &'static str {
        match self {
            TokenKind::Personal => "pat_",
            TokenKind::Service => "sat_",
            TokenKind::UserOauth => "czu_",
            TokenKind::AppOauth => "czs_",
            TokenKind::AuthorizationCode => "code_",
            TokenKind::Refresh
            | TokenKind::ClientSecret
            | TokenKind::Session
            | TokenKind::DeviceCode => "",
        }
    }

    pub const fn random_len(self) -> usize {
        match self {
            TokenKind::Personal
            | TokenKind::Service
            | TokenKind::UserOauth
            | TokenKind::AppOauth
            | TokenKind::Session
            | TokenKind::DeviceCode => 64,
            TokenKind::Refresh => 72,
            TokenKind::AuthorizationCode | TokenKind::ClientSecret => 48,
        }
    }

    /// The kind of access token a bearer string claims to be, by prefix.
    pub fn of_access_token(token: &str) -> Option<TokenKind> {
        [
            TokenKind::Personal,
            TokenKind::Service,
            TokenKind::UserOauth,
            TokenKind::AppOauth,
        ]
        .into_iter()
        .find(|k| {
            token.len() == k.prefix().len() + k.random_len()
                && token.starts_with(k.prefix())
                && token[k.prefix().len()..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric())
        })
    }

    /// Draws a fresh secret of this kind.
    pub fn generate(self) -> String {
        let mut s = String::with_capacity(self.prefix().len() + self.random_len());
        s.push_str(self.prefix());
        s.extend(
            rand::rng()
                .sample_iter(Alphanumeric)
                .take(self.random_len())
                .map(char::from),
        );
        s
    }
}

/// The stored form of a secret: lowercase hex SHA-256.
pub fn hash_secret(secret: &str) -> String {
    SecretHash::of(secret).as_str().to_string()
}

/// [`hash_secret`]'s text kept in place, for the token check, which hashes
/// the presented token on every API call and needs the text only to look it up.
#[derive(Clone, Copy)]
pub struct SecretHash([u8; 64]);

impl SecretHash {
    pub fn of(secret: &str) -> SecretHash {
        let digest = Sha256::digest(secret.as_bytes());
        let mut out = [0u8; 64];
        for (pair, b) in out.chunks_exact_mut(2).zip(digest) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 0xf)];
        }
        SecretHash(out)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The last characters of a secret, safe to show in lists.
pub fn hint(secret: &str) -> String {
    let n = secret.len();
    secret[n.saturating_sub(4)..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    #[test]
    fn formats_match_the_wire_protocol() {
        let pat = TokenKind::Personal.generate();
        assert!(pat.starts_with("pat_") && pat.len() == 68);
        assert_eq!(TokenKind::of_access_token(&pat), Some(TokenKind::Personal));
        let sat = TokenKind::Service.generate();
        assert_eq!(TokenKind::of_access_token(&sat), Some(TokenKind::Service));
        assert_eq!(TokenKind::Refresh.generate().len(), 72);
        assert!(TokenKind::AuthorizationCode.generate().starts_with("code_"));
        assert_eq!(TokenKind::ClientSecret.generate().len(), 48);
        assert_ne!(
            TokenKind::Personal.generate(),
            TokenKind::Personal.generate()
        );
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn malformed_bearer_strings_have_no_kind() {
        for s in ["", "pat_", "pat_short", "PAT_x", "sk-abc"] {
            assert_eq!(TokenKind::of_access_token(s), None);
        }
        let mut bad = TokenKind::Personal.generate();
        bad.replace_range(10..11, "-");
        assert_eq!(TokenKind::of_access_token(&bad), None);
    }

    /// Strings shaped like access tokens: a known prefix (or a near one) and a
    /// tail of roughly the right length, mostly of the right alphabet; random
    /// strings never carry a prefix at all.
    fn token_like() -> impl Strategy<Value = String> {
        (
            prop_oneof![
                Just("pat_"),
                Just("sat_"),
                Just("czu_"),
                Just("czs_"),
                Just("code_"),
                Just("PAT_"),
                Just("pat"),
                Just(""),
            ],
            prop_oneof![
                4 => "[A-Za-z0-9]{64}",
                1 => "[A-Za-z0-9]{63,65}",
                1 => "[A-Za-z0-9]{0,63}[^A-Za-z0-9][A-Za-z0-9]{0,8}",
            ],
        )
            .prop_map(|(p, t)| format!("{p}{t}"))
    }

    /// A pair of strings: equal, equal but for one character, or unrelated.
    fn pairs() -> impl Strategy<Value = (String, String)> {
        (
            ".{0,20}",
            ".{0,20}",
            0..3u8,
            any::<prop::sample::Index>(),
            any::<char>(),
        )
            .prop_map(|(a, b, how, at, c)| match how {
                0 => (a.clone(), a),
                1 if !a.is_empty() => {
                    let mut chars: Vec<char> = a.chars().collect();
                    let i = at.index(chars.len());
                    chars[i] = if chars[i] == c { '\u{1}' } else { c };
                    (a, chars.into_iter().collect())
                }
                _ => (a, b),
            })
    }

    proptest! {
        #[test]
        fn of_access_token_never_panics(s in ".{0,100}") {
            let _ = TokenKind::of_access_token(&s);
        }

        /// A token is recognised exactly when it is a known prefix and 64 ASCII
        /// letters or digits.
        #[test]
        fn access_tokens_are_recognised_by_their_exact_shape(s in token_like()) {
            let expected = [TokenKind::Personal, TokenKind::Service, TokenKind::UserOauth, TokenKind::AppOauth]
                .into_iter()
                .find(|k| {
                    s.strip_prefix(k.prefix())
                        .is_some_and(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
                });
            prop_assert_eq!(TokenKind::of_access_token(&s), expected);
        }

        #[test]
        fn constant_time_eq_agrees_with_eq((a, b) in pairs()) {
            prop_assert_eq!(constant_time_eq(&a, &b), a == b);
            prop_assert!(constant_time_eq(&a, &a));
        }
    }

    #[test]
    fn the_generators_reach_every_branch() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut kinds = std::collections::HashMap::new();
        for _ in 0..2_000 {
            let s = token_like().new_tree(&mut runner).unwrap().current();
            *kinds
                .entry(format!("{:?}", TokenKind::of_access_token(&s)))
                .or_insert(0) += 1;
        }
        assert_eq!(kinds.len(), 5, "four kinds and None: {kinds:?}");
        assert!(kinds.values().all(|n| *n >= 50), "{kinds:?}");
        let (mut equal, mut same_len) = (0, 0);
        for _ in 0..1_000 {
            let (a, b) = pairs().new_tree(&mut runner).unwrap().current();
            if a == b {
                equal += 1;
            } else if a.chars().count() == b.chars().count() {
                same_len += 1;
            }
        }
        assert!(
            equal >= 200 && same_len >= 200,
            "equal {equal}, same length {same_len}"
        );
    }
}
