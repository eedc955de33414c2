//! The OAuth flows of an app: web authorization code, PKCE, device
//! authorization, refresh, and revocation.

use crate::error::{Error, Result};
use crate::http::oauth_answer;
use crate::{now_unix, random_hex};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

pub(crate) const TOKEN_PATH: &str = "/api/permission/oauth2/token";
const DEVICE_PATH: &str = "/api/permission/oauth2/device/code";
const REVOKE_PATH: &str = "/api/permission/oauth2/revoke";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Coze's official OpenAPI host, the default base URL.
pub const COZE_COM_BASE_URL: &str = "https://api.coze.com";

/// An access token as the token endpoint issues it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub access_token: String,
    /// Absent for JWT (service) tokens, which are never refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the access token expires: absolute Unix seconds (Coze's `expires_in`
    /// is absolute on the token endpoint).
    #[serde(rename = "expires_in")]
    pub expires_at: i64,
    #[serde(default = "bearer")]
    pub token_type: String,
}

fn bearer() -> String {
    "Bearer".to_string()
}

impl Token {
    /// Whether the token still has more than `margin` to live.
    pub fn fresh_for(&self, margin: Duration) -> bool {
        let margin = i64::try_from(margin.as_secs()).unwrap_or(i64::MAX);
        self.expires_at.saturating_sub(now_unix()) > margin
    }
}

// Tokens never reach a log line through `{:?}`.
impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("expires_at", &self.expires_at)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// A PKCE verifier and its S256 challenge (RFC 7636).
#[derive(Clone)]
pub struct Pkce {
    verifier: String,
}

impl Pkce {
    /// A fresh random verifier (64 hex characters).
    pub fn new() -> Pkce {
        Pkce {
            verifier: random_hex(32),
        }
    }

    /// A given verifier (for a verifier stored across a redirect).
    pub fn from_verifier(verifier: impl Into<String>) -> Pkce {
        Pkce {
            verifier: verifier.into(),
        }
    }

    pub fn verifier(&self) -> &str {
        &self.verifier
    }

    /// BASE64URL-no-padding(SHA-256(verifier)).
    ///
    /// ```
    /// let p = buckle_client::Pkce::from_verifier("code_verifier");
    /// assert_eq!(p.challenge(), "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM");
    /// ```
    pub fn challenge(&self) -> String {
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, self.verifier.as_bytes());
        URL_SAFE_NO_PAD.encode(digest.as_ref())
    }
}

impl Default for Pkce {
    fn default() -> Pkce {
        Pkce::new()
    }
}

/// A device authorization: show `user_code` and [`verification_url`](Self::verification_url)
/// to the person, then poll with [`OAuthClient::poll_device_token`].
#[derive(Debug, Clone, Deserialize)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    /// Seconds from the answer until the code expires.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    #[serde(default = "five")]
    pub interval: i64,
    #[serde(skip, default = "now_unix")]
    issued_at: i64,
}

fn five() -> i64 {
    5
}

impl DeviceCode {
    /// The page with the user code filled in.
    pub fn verification_url(&self) -> String {
        let sep = if self.verification_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}user_code={}", self.verification_uri, self.user_code)
    }

    /// When the code expires, in Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.issued_at.saturating_add(self.expires_in)
    }
}

/// What [`OAuthClient::poll_device_token`] reports while it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePoll {
    /// Not approved yet; the next poll comes after `interval`.
    Pending {
        interval: Duration,
        expires_in: Duration,
    },
    /// The server asked to poll more slowly: the interval grew by 5 seconds.
    SlowDown { interval: Duration },
}

/// An OAuth app's client: builds authorize URLs and talks to the token,
/// device and revocation endpoints.
///
/// ```no_run
/// # async fn run() -> buckle_client::Result<()> {
/// use buckle_client::{OAuthClient, Pkce};
/// let app = OAuthClient::new("http://127.0.0.1:8080", "1234.app.buckle")?;
/// // Web app: send the person to the URL, then exchange the code with the secret.
/// let url = app.authorize_url("http://127.0.0.1:9000/callback", "state-1", None);
/// # let code = String::new();
/// let token = app.exchange_code(&code, "http://127.0.0.1:9000/callback", Some("secret"), None).await?;
/// let token = app.refresh(token.refresh_token.as_deref().unwrap_or_default(), Some("secret")).await?;
/// // PKCE: the challenge in the URL, the verifier at the exchange, no secret.
/// let pkce = Pkce::new();
/// let url = app.authorize_url("http://127.0.0.1:9000/callback", "state-2", Some(&pkce));
/// let token = app.exchange_code(&code, "http://127.0.0.1:9000/callback", None, Some(&pkce)).await?;
/// # let _ = (url, token);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub(crate) base: String,
    www_base: String,
    client_id: String,
    pub(crate) http: reqwest::Client,
}

/// `base` without a trailing slash, checked to be an http(s) URL.
pub(crate) fn checked_base(base: &str) -> Result<String> {
    let base = base.trim_end_matches('/');
    let url = Url::parse(base).map_err(|e| Error::Config(format!("base URL {base:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL {base:?}: only http and https URLs with a host work"
        )));
    }
    Ok(base.to_string())
}

/// The console host for the API host: `api.` becomes `www.` as the official SDKs do;
/// a base without `api.` (Buckle's recommended setup) serves both.
fn www_for(base: &str) -> String {
    base.replacen("://api.", "://www.", 1)
}

impl OAuthClient {
    pub fn new(base_url: &str, client_id: impl Into<String>) -> Result<OAuthClient> {
        Self::with_http(base_url, client_id, reqwest::Client::new())
    }

    /// With a `reqwest::Client` of the caller's (timeouts, proxies).
    pub fn with_http(
        base_url: &str,
        client_id: impl Into<String>,
        http: reqwest::Client,
    ) -> Result<OAuthClient> {
        let base = checked_base(base_url)?;
        Ok(OAuthClient {
            www_base: www_for(&base),
            base,
            client_id: client_id.into(),
            http,
        })
    }

    /// Overrides the console host the authorize URL points at.
    pub fn with_www_base(mut self, www_base: &str) -> Result<OAuthClient> {
        self.www_base = checked_base(www_base)?;
        Ok(self)
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The authorize URL to send the person to; with `pkce`, its S256 challenge.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, pkce: Option<&Pkce>) -> String {
        let challenge = pkce.map(Pkce::challenge);
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("state", state),
        ];
        if let Some(c) = challenge.as_deref() {
            pairs.push(("code_challenge", c));
            pairs.push(("code_challenge_method", "S256"));
        }
        let mut url = format!("{}/api/permission/oauth2/authorize", self.www_base);
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        url.push('?');
        url.push_str(&query.join("&"));
        url
    }

    pub(crate) async fn post_token(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: Value,
    ) -> Result<Token> {
        let mut rb = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(b) = bearer {
            rb = rb.bearer_auth(b);
        }
        oauth_answer(rb.send().await?).await
    }

    /// Exchanges an authorization code: a web app passes its secret, a PKCE app its verifier.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        client_secret: Option<&str>,
        pkce: Option<&Pkce>,
    ) -> Result<Token> {
        let mut body = json!({"client_id": self.client_id, "grant_type": "authorization_code",
                              "code": code, "redirect_uri": redirect_uri});
        if let Some(p) = pkce {
            body["code_verifier"] = json!(p.verifier());
        }
        self.post_token(TOKEN_PATH, client_secret, body).await
    }

    /// Trades a refresh token for new tokens; the old refresh token is used up.
    pub async fn refresh(&self, refresh_token: &str, client_secret: Option<&str>) -> Result<Token> {
        let body = json!({"client_id": self.client_id, "grant_type": "refresh_token",
                          "refresh_token": refresh_token});
        self.post_token(TOKEN_PATH, client_secret, body).await
    }

    /// Starts a device authorization.
    pub async fn device_code(&self) -> Result<DeviceCode> {
        let r = self
            .http
            .post(format!("{}{DEVICE_PATH}", self.base))
            .json(&json!({"client_id": self.client_id}))
            .send()
            .await?;
        oauth_answer(r).await
    }

    /// Polls until the person approves (the token), denies (`access_denied`) or the
    /// code expires ([`Error::DeviceCodeExpired`]). Waits `interval` between polls and
    /// 5 seconds more after each `slow_down` (RFC 8628 §3.5); `progress` hears each wait.
    ///
    /// ```no_run
    /// # async fn run() -> buckle_client::Result<()> {
    /// let app = buckle_client::OAuthClient::new("http://127.0.0.1:8080", "1234.app.buckle")?;
    /// let device = app.device_code().await?;
    /// println!("Open {} and enter {}", device.verification_url(), device.user_code);
    /// let token = app.poll_device_token(&device, |p| eprintln!("{p:?}")).await?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub async fn poll_device_token(
        &self,
        device: &DeviceCode,
        mut progress: impl FnMut(&DevicePoll),
    ) -> Result<Token> {
        let mut interval = Duration::from_secs(u64::try_from(device.interval.max(1)).unwrap_or(5));
        let body = json!({"client_id": self.client_id, "grant_type": DEVICE_GRANT,
                          "device_code": device.device_code});
        loop {
            match self.post_token(TOKEN_PATH, None, body.clone()).await {
                Ok(token) => return Ok(token),
                Err(e) => match e.oauth_error() {
                    Some("authorization_pending") => {
                        let left = device.expires_at().saturating_sub(now_unix()).max(0);
                        progress(&DevicePoll::Pending {
                            interval,
                            expires_in: Duration::from_secs(u64::try_from(left).unwrap_or(0)),
                        });
                    }
                    Some("slow_down") => {
                        interval += Duration::from_secs(5);
                        progress(&DevicePoll::SlowDown { interval });
                    }
                    Some("expired_token") => return Err(Error::DeviceCodeExpired),
                    _ => return Err(e),
                },
            }
            let next = now_unix().saturating_add(i64::try_from(interval.as_secs()).unwrap_or(0));
            if next > device.expires_at() {
                return Err(Error::DeviceCodeExpired);
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// Revokes an access or refresh token (RFC 7009); a refresh token takes every
    /// token of its chain with it. Unknown tokens succeed too.
    pub async fn revoke(&self, token: &str, client_secret: Option<&str>) -> Result<()> {
        let mut rb = self
            .http
            .post(format!("{}{REVOKE_PATH}", self.base))
            .form(&[("client_id", self.client_id.as_str()), ("token", token)]);
        if let Some(s) = client_secret {
            rb = rb.bearer_auth(s);
        }
        let _: Value = oauth_answer(rb.send().await?).await?;
        Ok(())
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
