//! Whether a presented authorization code or refresh token may be redeemed, judged
//! on its stored row before anything is written.
//!
//! A client id is no secret (RFC 6749 §2.2) and a PKCE client has only its verifier
//! to prove itself, so every binding is checked first: the app it was issued to,
//! and for a code the PKCE verifier (RFC 7636 §4.6) and the redirect URI (RFC 6749
//! §4.1.3). A request failing any of them is refused and changes nothing: it can
//! neither use the secret up nor, presenting a used one, revoke its family. Only a
//! request passing them all may redeem it, or, when it was used before, revoke the
//! family (RFC 6749 §4.1.2, RFC 9700 §4.14.2). Expiry comes last: a replay of a
//! used secret still revokes after it expired.

use crate::ids::AppId;
use crate::pkce::{self, Method};

/// What the stored row says about the secret.
#[derive(Debug, Clone, Copy)]
pub struct Issued<'a> {
    pub app_id: AppId,
    pub used: bool,
    pub expires_at: i64,
    /// For a code: what its authorization request bound it to.
    pub code: Option<CodeBinding<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub struct CodeBinding<'a> {
    pub redirect_uri: &'a str,
    pub challenge: Option<(&'a str, Method)>,
}

/// What the request presents along with the secret (`app_id`: the authenticated
/// client's app).
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    pub app_id: AppId,
    pub redirect_uri: Option<&'a str>,
    pub verifier: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Unused and every check passed: use it up and issue tokens.
    Redeem,
    /// Its own client presented it again: revoke its family.
    RevokeFamily,
    /// Refused; the secret and its family are left as they are.
    Refuse(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    OtherClient,
    MissingVerifier,
    WrongVerifier,
    /// A verifier for a code whose request had no challenge.
    UnexpectedVerifier,
    WrongRedirectUri,
    Expired,
}

pub fn judge(issued: &Issued, presented: &Presented, now: i64) -> Verdict {
    if issued.app_id != presented.app_id {
        return Verdict::Refuse(Refusal::OtherClient);
    }
    if let Some(code) = &issued.code {
        let verifier = presented.verifier.filter(|v| !v.is_empty());
        match (code.challenge, verifier) {
            (Some((challenge, method)), Some(v)) if !pkce::verify(method, challenge, v) => {
                return Verdict::Refuse(Refusal::WrongVerifier);
            }
            (Some(_), None) => return Verdict::Refuse(Refusal::MissingVerifier),
            (None, Some(_)) => return Verdict::Refuse(Refusal::UnexpectedVerifier),
            _ => {}
        }
        if presented.redirect_uri != Some(code.redirect_uri) {
            return Verdict::Refuse(Refusal::WrongRedirectUri);
        }
    }
    if issued.used {
        return Verdict::RevokeFamily;
    }
    if issued.expires_at <= now {
        return Verdict::Refuse(Refusal::Expired);
    }
    Verdict::Redeem
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    const NOW: i64 = 1_000;
    /// The last one is what an SDK sends for "no verifier".
    const VERIFIERS: [&str; 3] = ["verifier-one-0123456789", "verifier-two-0123456789", ""];
    const URIS: [&str; 2] = ["http://127.0.0.1/cb", "http://127.0.0.1/other"];

    /// One generated presentation, by indexes into the small domains above, so
    /// matching and mismatching bindings are both common.
    #[derive(Debug, Clone)]
    struct Case {
        app: i64,
        used: bool,
        expires_at: i64,
        /// A code's redirect URI and challenge (its verifier, and whether S256).
        code: Option<(usize, Option<(usize, bool)>)>,
        presenter: i64,
        uri: Option<usize>,
        verifier: Option<usize>,
    }

    fn cases() -> impl Strategy<Value = Case> {
        (
            (1i64..3, any::<bool>(), NOW - 2..NOW + 2),
            proptest::option::of((0usize..2, proptest::option::of((0usize..2, any::<bool>())))),
            (
                1i64..3,
                proptest::option::of(0usize..2),
                proptest::option::of(0usize..3),
            ),
        )
            .prop_map(
                |((app, used, expires_at), code, (presenter, uri, verifier))| Case {
                    app,
                    used,
                    expires_at,
                    code,
                    presenter,
                    uri,
                    verifier,
                },
            )
    }

    impl Case {
        fn verdict(&self) -> Verdict {
            let challenge = self.code.and_then(|(_, c)| c).map(|(v, s256)| {
                if s256 {
                    (pkce::s256(VERIFIERS[v]), Method::S256)
                } else {
                    (VERIFIERS[v].to_string(), Method::Plain)
                }
            });
            let issued = Issued {
                app_id: AppId(self.app),
                used: self.used,
                expires_at: self.expires_at,
                code: self.code.map(|(u, _)| CodeBinding {
                    redirect_uri: URIS[u],
                    challenge: challenge.as_ref().map(|(c, m)| (c.as_str(), *m)),
                }),
            };
            let presented = Presented {
                app_id: AppId(self.presenter),
                redirect_uri: self.uri.map(|u| URIS[u]),
                verifier: self.verifier.map(|v| VERIFIERS[v]),
            };
            judge(&issued, &presented, NOW)
        }

        /// Whether the request proves to be the one the secret was issued for.
        fn binds(&self) -> bool {
            let no_verifier = matches!(self.verifier, None | Some(2));
            self.presenter == self.app
                && self.code.is_none_or(|(u, challenge)| {
                    self.uri == Some(u)
                        && match challenge {
                            Some((v, _)) => self.verifier == Some(v),
                            None => no_verifier,
                        }
                })
        }
    }

    proptest! {
        #[test]
        fn only_a_request_passing_every_binding_can_redeem_or_revoke(case in cases()) {
            let verdict = case.verdict();
            if case.presenter != case.app {
                prop_assert_eq!(verdict, Verdict::Refuse(Refusal::OtherClient));
            }
            let acts = matches!(verdict, Verdict::Redeem | Verdict::RevokeFamily);
            prop_assert_eq!(acts, case.binds() && (case.used || case.expires_at > NOW));
            prop_assert_eq!(verdict == Verdict::RevokeFamily, case.binds() && case.used);
        }
    }

    #[test]
    fn the_generator_reaches_every_verdict() {
        // The property is worth something only if every outcome occurs often.
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut seen = std::collections::HashMap::new();
        for _ in 0..4_000 {
            let case = cases().new_tree(&mut runner).unwrap().current();
            *seen.entry(format!("{:?}", case.verdict())).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 8, "{seen:?}");
        assert!(seen.values().all(|n| *n >= 20), "{seen:?}");
    }

    #[test]
    fn a_used_code_presented_by_its_client_revokes_even_after_expiry() {
        let issued = Issued {
            app_id: AppId(1),
            used: true,
            expires_at: NOW - 1,
            code: Some(CodeBinding {
                redirect_uri: URIS[0],
                challenge: None,
            }),
        };
        let presented = Presented {
            app_id: AppId(1),
            redirect_uri: Some(URIS[0]),
            verifier: None,
        };
        assert_eq!(judge(&issued, &presented, NOW), Verdict::RevokeFamily);
        let other = Presented {
            app_id: AppId(2),
            ..presented
        };
        assert_eq!(
            judge(&issued, &other, NOW),
            Verdict::Refuse(Refusal::OtherClient)
        );
    }
}
