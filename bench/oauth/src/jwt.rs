//! Client-side JWTs for the JWT bearer grant: an RS256 key pair's public PEM and
//! signed assertions. Signing is the client's work, so it is done before timing.

use anyhow::Result;
use aws_lc_rs::rsa::KeyPair;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

/// The public half as the PEM an app registers (PKCS#1 `RSA PUBLIC KEY`).
pub fn public_pem(pair: &KeyPair) -> String {
    let der = aws_lc_rs::signature::KeyPair::public_key(pair).as_ref();
    format!(
        "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
        STANDARD.encode(der)
    )
}

/// One assertion from app `iss` for audience `aud`, valid from `now` for almost a
/// day (the longest a JWT may live), so a seeded set stays usable through a run.
pub fn sign(
    pair: &KeyPair,
    kid: &str,
    iss: &str,
    aud: &str,
    now: i64,
    jti: &str,
) -> Result<String> {
    let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(
        &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
    )?);
    let claims = json!({"iss": iss, "aud": aud, "iat": now, "exp": now + 86_000, "jti": jti});
    let input = format!(
        "{header}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims)?)
    );
    let mut sig = vec![0; pair.public_modulus_len()];
    pair.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}
