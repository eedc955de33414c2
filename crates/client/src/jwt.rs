//! JWT auth for service apps ("AppAuth"): signs an RS256 JWT with the app's
//! private key, trades it for an access token, caches that token and renews it
//! before it expires.

use crate::credential::{BoxFuture, Credential};
use crate::error::{Error, Result};
use crate::oauth::{OAuthClient, TOKEN_PATH, Token};
use crate::{now_unix, random_hex};
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::Url;
use serde_json::json;
use std::time::Duration;
use tokio::sync::Mutex;

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An RSA private key read from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
/// (`BEGIN RSA PRIVATE KEY`).
pub struct PrivateKey {
    pair: KeyPair,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

impl PrivateKey {
    pub fn from_pem(pem: &str) -> Result<PrivateKey> {
        let bad = |m: &str| Error::Key(m.to_string());
        let begin = pem
            .find("-----BEGIN ")
            .ok_or_else(|| bad("no PEM BEGIN line"))?;
        let rest = &pem[begin + "-----BEGIN ".len()..];
        let label_end = rest
            .find("-----")
            .ok_or_else(|| bad("a broken BEGIN line"))?;
        let label = &rest[..label_end];
        let body_start = label_end + "-----".len();
        let end_line = format!("-----END {label}-----");
        let body_end = rest
            .find(&end_line)
            .ok_or_else(|| bad("no matching PEM END line"))?;
        let body: String = rest
            .get(body_start..body_end)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| bad("the PEM body is not base64"))?;
        let pair = match label {
            "PRIVATE KEY" => KeyPair::from_pkcs8(&der).map_err(|e| bad(&format!("PKCS#8: {e}")))?,
            "RSA PRIVATE KEY" => {
                KeyPair::from_der(&der).map_err(|e| bad(&format!("PKCS#1: {e}")))?
            }
            other => return Err(bad(&format!("a {other:?} PEM is no RSA private key"))),
        };
        Ok(PrivateKey { pair })
    }

    /// Signs `header.claims` with RS256; the compact JWT.
    pub(crate) fn sign_jwt(
        &self,
        header: &serde_json::Value,
        claims: &serde_json::Value,
    ) -> Result<String> {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| Error::Key("signing failed".into()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

/// A service app's credential: JWT bearer grant, with the token cached and
/// renewed `renew_before` its expiry (60 seconds by default). Concurrent callers
/// share one renewal.
///
/// ```no_run
/// # async fn run() -> buckle_client::Result<()> {
/// use buckle_client::{Client, JwtAuth, PrivateKey};
/// let pem = std::fs::read_to_string("private_key.pem").unwrap_or_default();
/// let auth = JwtAuth::new(
///     "https://api.coze.com",
///     "1234567890",                 // the app's id (the JWT's iss)
///     "public-key-fingerprint",     // the key's id (the JWT's kid)
///     PrivateKey::from_pem(&pem)?,
/// )?;
/// let client = Client::new("https://api.coze.com", auth)?;
/// let me = client.users_me().await?;
/// # let _ = me; Ok(()) }
/// ```
#[derive(Debug)]
pub struct JwtAuth {
    oauth: OAuthClient,
    kid: String,
    key: PrivateKey,
    audience: String,
    duration: Duration,
    renew_before: Duration,
    cached: Mutex<Option<Token>>,
}

impl JwtAuth {
    pub fn new(
        base_url: &str,
        client_id: impl Into<String>,
        kid: impl Into<String>,
        key: PrivateKey,
    ) -> Result<JwtAuth> {
        let oauth = OAuthClient::new(base_url, client_id)?;
        let audience = audience_of(oauth.base_url())?;
        Ok(JwtAuth {
            oauth,
            kid: kid.into(),
            key,
            audience,
            duration: Duration::from_secs(900),
            renew_before: Duration::from_secs(60),
            cached: Mutex::new(None),
        })
    }

    /// How long each access token lives (`duration_seconds`, at most 86399).
    pub fn with_duration(mut self, duration: Duration) -> JwtAuth {
        self.duration = duration;
        self
    }

    /// How long before expiry a cached token is renewed.
    pub fn with_renew_before(mut self, margin: Duration) -> JwtAuth {
        self.renew_before = margin;
        self
    }

    /// The JWT `aud`, when the server knows itself by another name than the base URL's host.
    pub fn with_audience(mut self, audience: impl Into<String>) -> JwtAuth {
        self.audience = audience.into();
        self
    }

    /// A signed JWT for the grant (single use: a fresh `jti` each time).
    pub fn signed_jwt(&self) -> Result<String> {
        let now = now_unix();
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let claims = json!({"iss": self.oauth.client_id(), "aud": self.audience,
                            "iat": now, "exp": now + 600, "jti": random_hex(16)});
        self.key.sign_jwt(&header, &claims)
    }

    /// A new access token from the token endpoint, bypassing the cache.
    pub async fn fetch_token(&self) -> Result<Token> {
        let jwt = self.signed_jwt()?;
        let body = json!({"grant_type": JWT_GRANT, "duration_seconds": self.duration.as_secs()});
        self.oauth.post_token(TOKEN_PATH, Some(&jwt), body).await
    }

    /// The cached token, renewed first when it expires within `renew_before`.
    pub async fn token(&self) -> Result<Token> {
        let mut cached = self.cached.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| t.fresh_for(self.renew_before)) {
            return Ok(t.clone());
        }
        let t = self.fetch_token().await?;
        *cached = Some(t.clone());
        Ok(t)
    }
}

impl Credential for JwtAuth {
    fn access_token(&self) -> BoxFuture<'_, Result<String>> {
        Box::pin(async move { Ok(self.token().await?.access_token) })
    }

    fn forget(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            *self.cached.lock().await = None;
        })
    }
}

/// The JWT audience the SDKs derive from a base URL: its host, with the port
/// unless it is the scheme's default.
fn audience_of(base: &str) -> Result<String> {
    let url = Url::parse(base).map_err(|e| Error::Config(format!("base URL {base:?}: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| Error::Config(format!("base URL {base:?} has no host")))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::audience_of;

    #[test]
    fn audience_is_host_and_explicit_port() {
        assert_eq!(audience_of("https://api.coze.com").unwrap(), "api.coze.com");
        assert_eq!(
            audience_of("http://127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080"
        );
        assert_eq!(audience_of("https://b.example:443").unwrap(), "b.example");
    }
}
