//! PKCE (RFC 7636) as the Coze SDKs use it: `plain` or `S256`, absent means `plain`,
//! and no 43-character minimum (the Go SDK sends 16 characters).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Plain,
    S256,
}

impl Method {
    pub fn parse(s: Option<&str>) -> Option<Method> {
        match s {
            None | Some("") | Some("plain") => Some(Method::Plain),
            Some("S256") => Some(Method::S256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Plain => "plain",
            Method::S256 => "S256",
        }
    }
}

/// Challenges and verifiers: 1 to 128 unreserved characters.
pub fn well_formed(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers the stored challenge.
///
/// Under `plain`, an S256-derived challenge is accepted too: @coze/api always sends
/// an S256 challenge and only labels it with the method it was given, and the
/// spec asks Buckle to satisfy every SDK at once. This is no weaker than `plain`
/// itself, whose challenge is the verifier in the clear.
pub fn verify(method: Method, challenge: &str, verifier: &str) -> bool {
    if !well_formed(verifier) {
        return false;
    }
    let s256_ok = crate::secret::constant_time_eq(&s256(verifier), challenge);
    match method {
        Method::S256 => s256_ok,
        Method::Plain => crate::secret::constant_time_eq(verifier, challenge) | s256_ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wire_protocol_vector() {
        assert_eq!(
            s256("code_verifier"),
            "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM"
        );
        assert!(verify(
            Method::S256,
            "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM",
            "code_verifier"
        ));
        // Labelled plain, derived by S256 (as @coze/api sends it): accepted.
        assert!(verify(
            Method::Plain,
            "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM",
            "code_verifier"
        ));
        // S256 never accepts the verifier in the clear.
        assert!(!verify(Method::S256, "code_verifier", "code_verifier"));
    }

    #[test]
    fn methods_and_short_verifiers() {
        assert_eq!(Method::parse(None), Some(Method::Plain));
        assert_eq!(Method::parse(Some("S256")), Some(Method::S256));
        assert_eq!(Method::parse(Some("s256")), None);
        assert_eq!(Method::parse(Some("S512")), None);
        // The Go SDK's 16-character verifier.
        assert!(verify(
            Method::Plain,
            "abcdefghijklmnop",
            "abcdefghijklmnop"
        ));
        assert!(!verify(Method::Plain, "", ""));
        assert!(!well_formed("has space"));
    }

    proptest! {
        #[test]
        fn only_the_right_verifier_passes(
            (v, w) in ("[A-Za-z0-9._~-]{1,128}", "[A-Za-z0-9._~-]{1,128}", 0..3u8, any::<prop::sample::Index>())
                .prop_map(|(v, w, how, at)| match how {
                    // A near miss: the right verifier with one character changed,
                    // or cut short by one (random pairs are never that close).
                    0 => {
                        let mut b = v.clone().into_bytes();
                        let i = at.index(b.len());
                        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
                        (v, String::from_utf8(b).unwrap_or_default())
                    }
                    1 => {
                        let w = v[..v.len() - 1].to_string();
                        (v, w)
                    }
                    _ => (v, w),
                })
        ) {
            prop_assert!(verify(Method::S256, &s256(&v), &v));
            prop_assert!(verify(Method::Plain, &v, &v));
            prop_assert_eq!(verify(Method::S256, &s256(&v), &w), v == w);
            prop_assert_eq!(verify(Method::Plain, &v, &w), v == w);
        }

        #[test]
        fn never_panics(c in ".{0,200}", v in ".{0,200}") {
            let _ = verify(Method::S256, &c, &v);
            let _ = verify(Method::Plain, &c, &v);
        }
    }
}
