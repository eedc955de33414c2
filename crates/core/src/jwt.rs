//! The JWT of the JWT bearer grant (service apps): RS256 only, parsed strictly,
//! claims checked against the app, Buckle's audiences and the clock.

use crate::rsa_key::VerifiesRs256;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// Clock skew tolerated on `iat`, `nbf` and `exp`, seconds.
pub const LEEWAY: i64 = 60;
/// Longest accepted `exp - iat`: the SDKs sign 900 s or 3600 s.
pub const MAX_LIFETIME: i64 = 86_400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the JWT is malformed")]
    Malformed,
    #[error("the JWT must be signed with RS256")]
    Algorithm,
    #[error("the JWT header has no kid")]
    NoKid,
    #[error("the JWT signature is invalid")]
    Signature,
    #[error("the JWT iss is not this app's id")]
    Issuer,
    #[error("the JWT aud is not this server")]
    Audience,
    #[error("the JWT has expired")]
    Expired,
    #[error("the JWT iat is in the future")]
    NotYetValid,
    #[error("the JWT nbf is in the future")]
    NotBefore,
    #[error("the JWT header has crit: Buckle understands no JWS extensions")]
    Critical,
    #[error("the JWT exp must be after iat and at most {MAX_LIFETIME} s later")]
    Lifetime,
    #[error("the JWT needs a jti of 1 to 256 characters")]
    Jti,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default)]
    pub typ: Option<String>,
    #[serde(default)]
    pub kid: Option<String>,
    /// Extensions the signer says must be understood (RFC 7515 §4.1.11). Buckle
    /// understands none, so any `crit`, even `null` or empty, refuses the JWT.
    #[serde(default, deserialize_with = "present")]
    pub crit: Option<serde_json::Value>,
}

/// `Some` whenever the member is there, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct DeviceInfo {
    #[serde(default)]
    pub device_id: Option<String>,
    #[serde(default)]
    pub custom_consumer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct SessionContext {
    #[serde(default)]
    pub device_info: Option<DeviceInfo>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: Audience,
    pub iat: f64,
    pub exp: f64,
    /// Not before (RFC 7519 §4.1.5); optional, honoured when given.
    #[serde(default)]
    pub nbf: Option<f64>,
    pub jti: String,
    #[serde(default)]
    pub session_name: Option<String>,
    #[serde(default)]
    pub session_context: Option<SessionContext>,
}

/// A JWT split and decoded, signature not yet checked.
#[derive(Debug, Clone)]
pub struct Unverified<'a> {
    pub header: Header,
    pub claims: Claims,
    signing_input: &'a str,
    signature: Vec<u8>,
}

fn b64_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

/// Splits and decodes; refuses anything but RS256 before any key is looked at.
pub fn decode(token: &str) -> Result<Unverified<'_>, JwtError> {
    if token.len() > 16 * 1024 {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Header = b64_json(h)?;
    if header.alg != "RS256" {
        return Err(JwtError::Algorithm);
    }
    if header.crit.is_some() {
        return Err(JwtError::Critical);
    }
    let kid_ok = header
        .kid
        .as_deref()
        .is_some_and(|k| !k.is_empty() && k.len() <= 128);
    if !kid_ok {
        return Err(JwtError::NoKid);
    }
    let claims: Claims = b64_json(c)?;
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    Ok(Unverified {
        header,
        claims,
        signing_input: &token[..h.len() + 1 + c.len()],
        signature,
    })
}

impl Unverified<'_> {
    pub fn kid(&self) -> &str {
        self.header.kid.as_deref().unwrap_or_default()
    }

    /// Checks the signature, then the claims. `audiences` are the names Buckle answers to.
    pub fn verify(
        self,
        key: &impl VerifiesRs256,
        app_id: &str,
        audiences: &[String],
        now: i64,
    ) -> Result<Claims, JwtError> {
        if !key.verify_rs256(self.signing_input.as_bytes(), &self.signature) {
            return Err(JwtError::Signature);
        }
        let c = self.claims;
        if c.iss != app_id {
            return Err(JwtError::Issuer);
        }
        let aud_ok = match &c.aud {
            Audience::One(a) => audiences.iter().any(|x| x == a),
            Audience::Many(list) => list.iter().any(|a| audiences.iter().any(|x| x == a)),
        };
        if !aud_ok {
            return Err(JwtError::Audience);
        }
        // Bounded before any arithmetic: no cast saturates, no subtraction wraps.
        const LATEST: f64 = (1u64 << 40) as f64;
        let in_range = |t: f64| (0.0..LATEST).contains(&t);
        if !in_range(c.iat) || !in_range(c.exp) || c.nbf.is_some_and(|n| !in_range(n)) {
            return Err(JwtError::Malformed);
        }
        let (iat, exp) = (c.iat as i64, c.exp as i64);
        if exp <= iat || exp - iat > MAX_LIFETIME {
            return Err(JwtError::Lifetime);
        }
        if iat > now + LEEWAY {
            return Err(JwtError::NotYetValid);
        }
        if c.nbf.is_some_and(|nbf| nbf as i64 > now + LEEWAY) {
            return Err(JwtError::NotBefore);
        }
        if exp + LEEWAY <= now {
            return Err(JwtError::Expired);
        }
        if c.jti.is_empty() || c.jti.len() > 256 {
            return Err(JwtError::Jti);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsa_key::RsaPublicKey;
    use crate::rsa_key::tests::{key_pair, sign};
    use proptest::prelude::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    fn token(
        kp: &aws_lc_rs::rsa::KeyPair,
        header: serde_json::Value,
        claims: serde_json::Value,
    ) -> String {
        let input = format!("{}.{}", b64(&header), b64(&claims));
        let sig = sign(kp, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    fn claims() -> serde_json::Value {
        json!({"iss": "app1", "aud": "127.0.0.1:8080", "iat": NOW, "exp": NOW + 900, "jti": "abc",
               "session_name": "user-1", "session_context": {"device_info": {"device_id": "d1", "custom_consumer": "c1"}}})
    }

    #[test]
    fn accepts_a_good_token_and_refuses_each_flaw() {
        let (kp, pem) = key_pair();
        let key = RsaPublicKey::from_pem(&pem).unwrap();
        let aud = vec!["127.0.0.1:8080".to_string()];
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": key.thumbprint()});
        let check = |h: serde_json::Value, c: serde_json::Value| {
            let t = token(&kp, h, c);
            decode(&t).and_then(|u| u.verify(&key, "app1", &aud, NOW))
        };
        let ok = check(header.clone(), claims()).unwrap();
        assert_eq!(ok.session_name.as_deref(), Some("user-1"));
        assert_eq!(
            ok.session_context
                .unwrap()
                .device_info
                .unwrap()
                .device_id
                .as_deref(),
            Some("d1")
        );
        let with = |k: &str, v: serde_json::Value| {
            let mut c = claims();
            c[k] = v;
            c
        };
        assert_eq!(
            check(header.clone(), with("iss", json!("app2"))).unwrap_err(),
            JwtError::Issuer
        );
        assert_eq!(
            check(header.clone(), with("aud", json!("127.0.0.1"))).unwrap_err(),
            JwtError::Audience
        );
        assert!(check(header.clone(), with("aud", json!(["x", "127.0.0.1:8080"]))).is_ok());
        assert_eq!(
            check(header.clone(), with("exp", json!(NOW - 61))).unwrap_err(),
            JwtError::Lifetime
        );
        let mut old = claims();
        old["iat"] = json!(NOW - 2000);
        old["exp"] = json!(NOW - 1000);
        assert_eq!(check(header.clone(), old).unwrap_err(), JwtError::Expired);
        let mut future = claims();
        future["iat"] = json!(NOW + 600);
        future["exp"] = json!(NOW + 1200);
        assert_eq!(
            check(header.clone(), future).unwrap_err(),
            JwtError::NotYetValid
        );
        assert_eq!(
            check(header.clone(), with("exp", json!(NOW + MAX_LIFETIME + 1))).unwrap_err(),
            JwtError::Lifetime
        );
        assert_eq!(
            check(header.clone(), with("jti", json!(""))).unwrap_err(),
            JwtError::Jti
        );
        assert!(check(header.clone(), with("iat", json!(NOW as f64 + 0.5))).is_ok());
        // Out-of-range times are malformed, not wrapped into a long lifetime.
        let mut wrap = claims();
        wrap["iat"] = json!(-1e19);
        wrap["exp"] = json!(4_102_444_800i64);
        assert_eq!(
            check(header.clone(), wrap).unwrap_err(),
            JwtError::Malformed
        );
        assert_eq!(
            check(header.clone(), with("exp", json!(1e300))).unwrap_err(),
            JwtError::Malformed
        );
        for alg in ["none", "HS256", "RS512", "PS256", "ES256", "rs256"] {
            let mut h = header.clone();
            h["alg"] = json!(alg);
            assert_eq!(
                check(h, claims()).unwrap_err(),
                JwtError::Algorithm,
                "{alg}"
            );
        }
        assert_eq!(
            check(json!({"alg": "RS256"}), claims()).unwrap_err(),
            JwtError::NoKid
        );
        // nbf: honoured with the same leeway as iat.
        assert!(check(header.clone(), with("nbf", json!(NOW))).is_ok());
        assert!(check(header.clone(), with("nbf", json!(NOW + LEEWAY))).is_ok());
        assert_eq!(
            check(header.clone(), with("nbf", json!(NOW + LEEWAY + 1))).unwrap_err(),
            JwtError::NotBefore
        );
        assert_eq!(
            check(header.clone(), with("nbf", json!(-5))).unwrap_err(),
            JwtError::Malformed
        );
        // crit: no extension is understood, so any crit refuses the JWT.
        for crit in [json!(["exp"]), json!([]), json!(null), json!("b64")] {
            let mut h = header.clone();
            h["crit"] = crit.clone();
            assert_eq!(
                check(h, claims()).unwrap_err(),
                JwtError::Critical,
                "{crit}"
            );
        }
        // Signed by another key.
        let (other, _) = key_pair();
        let t = token(&other, header.clone(), claims());
        assert_eq!(
            decode(&t)
                .unwrap()
                .verify(&key, "app1", &aud, NOW)
                .unwrap_err(),
            JwtError::Signature
        );
        // A signature over other claims.
        let t = token(&kp, header.clone(), claims());
        let parts: Vec<&str> = t.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64(&with("iss", json!("app1 "))),
            parts[2]
        );
        assert_eq!(
            decode(&forged)
                .unwrap()
                .verify(&key, "app1", &aud, NOW)
                .unwrap_err(),
            JwtError::Signature
        );
        // The unsigned "none" form.
        let none = format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "kid": "k"})),
            b64(&claims())
        );
        assert_eq!(decode(&none).unwrap_err(), JwtError::Algorithm);
        // Duplicate claims are refused rather than resolved.
        let dup = format!(
            "{}.{}.AA",
            b64(&header),
            URL_SAFE_NO_PAD
                .encode(br#"{"iss":"app1","iss":"app2","aud":"a","iat":1,"exp":2,"jti":"j"}"#)
        );
        assert_eq!(decode(&dup).unwrap_err(), JwtError::Malformed);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// A JWT is usable from `nbf - LEEWAY` on, never before.
        #[test]
        fn nbf_is_honoured_with_the_leeway(offset in -600i64..600) {
            let (kp, pem) = shared_key();
            let key = RsaPublicKey::from_pem(pem).unwrap();
            let aud = vec!["127.0.0.1:8080".to_string()];
            let header = json!({"alg": "RS256", "kid": key.thumbprint()});
            let mut c = claims();
            c["nbf"] = json!(NOW + offset);
            let got = decode(&token(kp, header, c)).and_then(|u| u.verify(&key, "app1", &aud, NOW));
            if offset > LEEWAY {
                prop_assert_eq!(got.unwrap_err(), JwtError::NotBefore);
            } else {
                prop_assert!(got.is_ok());
            }
        }

        /// Whatever `crit` holds, the JWT is refused before any key is looked at.
        #[test]
        fn any_crit_is_refused(crit in prop_oneof![
            Just(json!(null)),
            "[a-z]{0,8}".prop_map(|s| json!(s)),
            proptest::collection::vec("[a-z]{1,8}", 0..4).prop_map(|v| json!(v)),
            any::<i64>().prop_map(|n| json!(n)),
        ]) {
            let (kp, _) = shared_key();
            let t = token(kp, json!({"alg": "RS256", "kid": "k", "crit": crit}), claims());
            prop_assert_eq!(decode(&t).unwrap_err(), JwtError::Critical);
        }
    }

    /// A JSON value for a field: often the right type, sometimes not.
    fn field(
        right: BoxedStrategy<serde_json::Value>,
    ) -> impl Strategy<Value = Option<serde_json::Value>> {
        prop_oneof![
            6 => right.prop_map(Some),
            1 => Just(None),
            1 => prop_oneof![
                Just(json!(null)),
                any::<i64>().prop_map(|n| json!(n)),
                "[a-z]{0,4}".prop_map(|s| json!(s)),
                Just(json!([])),
                Just(json!({})),
            ]
            .prop_map(Some),
        ]
    }

    fn object(fields: Vec<(&'static str, Option<serde_json::Value>)>) -> String {
        let map: serde_json::Map<String, serde_json::Value> = fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect();
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).unwrap())
    }

    /// `header.claims.signature`, each part base64url JSON of JWT fields.
    fn jwt_shaped() -> impl Strategy<Value = String> {
        let text = || "[a-zA-Z0-9.:_-]{0,12}".prop_map(|s| json!(s)).boxed();
        let time = || (-10i64..10).prop_map(|d| json!(NOW + d * 600)).boxed();
        let header = (
            field(prop_oneof![4 => Just(json!("RS256")), 1 => Just(json!("HS256")), 1 => Just(json!("none"))].boxed()),
            field(prop_oneof![4 => "[a-z0-9]{1,20}".prop_map(|s| json!(s)), 1 => Just(json!("")), 1 => Just(json!("k".repeat(129)))].boxed()),
            prop_oneof![6 => Just(None), 1 => Just(Some(json!(["exp"])))],
        )
            .prop_map(|(alg, kid, crit)| object(vec![("alg", alg), ("kid", kid), ("crit", crit), ("typ", Some(json!("JWT")))]));
        let claims = (
            field(prop_oneof![Just(json!("app1")), text()].boxed()),
            field(
                prop_oneof![
                    Just(json!("127.0.0.1:8080")),
                    Just(json!(["x", "127.0.0.1:8080"])),
                    text()
                ]
                .boxed(),
            ),
            (field(time()), field(time()), field(time())),
            field(text()),
        )
            .prop_map(|(iss, aud, (iat, exp, nbf), jti)| {
                object(vec![
                    ("iss", iss),
                    ("aud", aud),
                    ("iat", iat),
                    ("exp", exp),
                    ("nbf", nbf),
                    ("jti", jti),
                ])
            });
        let signature = prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
            1 => "[A-Za-z0-9+/=_-]{0,20}",
        ];
        (header, claims, signature).prop_map(|(h, c, s)| format!("{h}.{c}.{s}"))
    }

    #[test]
    fn the_jwt_generator_reaches_every_step() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut seen = std::collections::HashMap::new();
        for _ in 0..2_000 {
            let t = jwt_shaped().new_tree(&mut runner).unwrap().current();
            let outcome = match decode(&t) {
                Ok(_) => "decoded".to_string(),
                Err(e) => format!("{e:?}"),
            };
            *seen.entry(outcome).or_insert(0) += 1;
        }
        for step in ["decoded", "Algorithm", "Critical", "NoKid", "Malformed"] {
            assert!(seen.get(step).is_some_and(|n| *n >= 50), "{step}: {seen:?}");
        }
    }

    /// One key pair for the property tests: RSA key generation is slow.
    fn shared_key() -> &'static (aws_lc_rs::rsa::KeyPair, String) {
        static KEY: std::sync::OnceLock<(aws_lc_rs::rsa::KeyPair, String)> =
            std::sync::OnceLock::new();
        KEY.get_or_init(key_pair)
    }

    proptest! {
        #[test]
        fn decode_never_panics(s in ".{0,300}") {
            let _ = decode(&s);
        }

        #[test]
        fn decode_never_panics_on_dotted_base64(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,80}", c in "[A-Za-z0-9_-]{0,80}") {
            let _ = decode(&format!("{a}.{b}.{c}"));
        }

        /// JWT-shaped tokens (base64url JSON whose fields have right and wrong
        /// values and types) reach every step of `decode`, and past it `verify`:
        /// what decodes was RS256 with a usable kid, and a signature that is not
        /// the key's never verifies. Random base64 never decodes to JSON, so the
        /// test above stops at the first step.
        #[test]
        fn jwt_shaped_tokens_decode_only_when_well_formed_and_never_verify_unsigned(t in jwt_shaped()) {
            let (_, pem) = shared_key();
            let key = RsaPublicKey::from_pem(pem).unwrap();
            if let Ok(u) = decode(&t) {
                prop_assert!(!u.kid().is_empty() && u.kid().len() <= 128);
                let aud = vec!["127.0.0.1:8080".to_string()];
                prop_assert!(u.verify(&key, "app1", &aud, NOW).is_err());
            }
        }
    }
}
