//! Calls to the OpenAPI (`/v1/...`) with a credential, or a chain of them.

use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::http::envelope_answer;
use crate::oauth::checked_base;
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Credentials tried in order: a call refused with 4100 (authentication failed)
/// or 4101 (no permission) is sent again with the next one, as the Coze
/// migration guide asks of clients holding a personal and an organization
/// credential. The chain remembers the one that worked and starts there next time.
///
/// ```no_run
/// # async fn run(org_pat: String, personal_pat: String) -> buckle_client::Result<()> {
/// use buckle_client::{Client, FallbackChain, TokenAuth};
/// let chain = FallbackChain::new()
///     .with(TokenAuth::new(personal_pat))
///     .with(TokenAuth::new(org_pat));
/// let client = Client::new("https://api.coze.com", chain)?;
/// let workspaces = client.get("/v1/workspaces").await?;
/// # let _ = workspaces; Ok(()) }
/// ```
#[derive(Default)]
pub struct FallbackChain {
    credentials: Vec<Arc<dyn Credential>>,
    preferred: AtomicUsize,
}

impl std::fmt::Debug for FallbackChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackChain")
            .field("credentials", &self.credentials.len())
            .field("preferred", &self.preferred())
            .finish()
    }
}

impl FallbackChain {
    pub fn new() -> FallbackChain {
        FallbackChain::default()
    }

    /// Appends a credential.
    pub fn with(mut self, credential: impl Credential + 'static) -> FallbackChain {
        self.credentials.push(Arc::new(credential));
        self
    }

    /// Appends a shared credential.
    pub fn with_shared(mut self, credential: Arc<dyn Credential>) -> FallbackChain {
        self.credentials.push(credential);
        self
    }

    /// The index of the credential tried first (the last one that worked).
    pub fn preferred(&self) -> usize {
        self.preferred.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.credentials.len()
    }

    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
    }
}

/// A credential alone is a chain of one.
impl<C: Credential + 'static> From<C> for FallbackChain {
    fn from(c: C) -> FallbackChain {
        FallbackChain::new().with(c)
    }
}

/// The profile `GET /v1/users/me` answers.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct User {
    pub user_id: String,
    pub user_name: String,
    pub nick_name: String,
    #[serde(default)]
    pub avatar_url: String,
}

/// An OpenAPI client: sends each call with the chain's credentials.
///
/// ```no_run
/// # async fn run() -> buckle_client::Result<()> {
/// let client = buckle_client::Client::new(
///     buckle_client::COZE_COM_BASE_URL,
///     buckle_client::TokenAuth::new("pat_..."),
/// )?;
/// let me = client.users_me().await?;
/// println!("{} ({})", me.nick_name, me.user_id);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    chain: FallbackChain,
}

impl Client {
    pub fn new(base_url: &str, credentials: impl Into<FallbackChain>) -> Result<Client> {
        Ok(Client {
            base: checked_base(base_url)?,
            http: reqwest::Client::new(),
            chain: credentials.into(),
        })
    }

    /// With a `reqwest::Client` of the caller's (timeouts, proxies).
    pub fn with_http(mut self, http: reqwest::Client) -> Client {
        self.http = http;
        self
    }

    pub fn chain(&self) -> &FallbackChain {
        &self.chain
    }

    /// `GET /v1/users/me`.
    pub async fn users_me(&self) -> Result<User> {
        self.call(Method::GET, "/v1/users/me", None).await
    }

    /// A GET of any OpenAPI path; the envelope's `data`.
    pub async fn get(&self, path: &str) -> Result<Value> {
        self.call(Method::GET, path, None).await
    }

    /// A POST of a JSON body to any OpenAPI path; the envelope's `data`.
    pub async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Any call, with the fallback rules of [`FallbackChain`].
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T> {
        let n = self.chain.credentials.len();
        if n == 0 {
            return Err(Error::Config("no credential to call with".into()));
        }
        let start = self.chain.preferred() % n;
        let mut last = None;
        for i in (0..n).map(|k| (start + k) % n) {
            let credential = &self.chain.credentials[i];
            match self
                .call_with(credential.as_ref(), &method, path, body.as_ref())
                .await
            {
                Ok(v) => {
                    self.chain.preferred.store(i, Ordering::Relaxed);
                    return Ok(v);
                }
                // The next credential may do: refused by /v1, or this one could
                // not even get a token (its app was disabled or its key removed).
                Err(e) if e.is_credential_refused() || e.oauth_error().is_some() => {
                    if e.is_credential_refused() {
                        credential.forget().await;
                    }
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        let last = last.unwrap_or_else(|| Error::Config("no credential to call with".into()));
        Err(if n == 1 {
            last
        } else {
            Error::AllCredentialsFailed(Box::new(last))
        })
    }

    async fn call_with<T: DeserializeOwned>(
        &self,
        credential: &dyn Credential,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T> {
        let token = credential.access_token().await?;
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        envelope_answer(rb.send().await?).await
    }
}
