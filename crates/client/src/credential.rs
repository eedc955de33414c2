//! Credentials: whatever yields an access token for `/v1` calls.

use crate::error::Result;
use crate::oauth::{OAuthClient, Token};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::Mutex;

/// A boxed future, so that credentials of different kinds fit one chain.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that yields an access token.
pub trait Credential: Send + Sync {
    /// A token to send as `Authorization: Bearer`, renewed if the credential can.
    fn access_token(&self) -> BoxFuture<'_, Result<String>>;

    /// Drops any cached token, so that the next call gets a new one (called
    /// after the server refused the current one). Nothing by default.
    fn forget(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// A fixed token: a personal access token (`pat_`), a service token (`sat_`), or
/// an OAuth access token obtained elsewhere.
///
/// ```
/// let auth = buckle_client::TokenAuth::new("pat_...");
/// # let _ = auth;
/// ```
#[derive(Clone)]
pub struct TokenAuth {
    token: String,
}

impl TokenAuth {
    pub fn new(token: impl Into<String>) -> TokenAuth {
        TokenAuth {
            token: token.into(),
        }
    }
}

impl std::fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenAuth(..)")
    }
}

impl Credential for TokenAuth {
    fn access_token(&self) -> BoxFuture<'_, Result<String>> {
        Box::pin(async move { Ok(self.token.clone()) })
    }
}

/// What [`OAuthTokenAuth::on_refresh`] calls with each new token.
type OnRefresh = Box<dyn Fn(&Token) + Send + Sync>;

/// A person's OAuth token (from the code, PKCE or device flow) that refreshes
/// itself `renew_before` its expiry (60 seconds by default). Concurrent callers
/// share one refresh, so the rotated refresh token is never used twice.
///
/// ```no_run
/// # async fn run(token: buckle_client::Token) -> buckle_client::Result<()> {
/// use buckle_client::{Client, OAuthClient, OAuthTokenAuth};
/// let app = OAuthClient::new("http://127.0.0.1:8080", "1234.app.buckle")?;
/// let auth = OAuthTokenAuth::new(app, token, None);
/// let client = Client::new("http://127.0.0.1:8080", auth)?;
/// # Ok(()) }
/// ```
pub struct OAuthTokenAuth {
    app: OAuthClient,
    client_secret: Option<String>,
    renew_before: Duration,
    token: Mutex<Token>,
    on_refresh: Option<OnRefresh>,
}

impl std::fmt::Debug for OAuthTokenAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthTokenAuth")
            .field("client_id", &self.app.client_id())
            .finish_non_exhaustive()
    }
}

impl OAuthTokenAuth {
    /// `client_secret` for web apps; `None` for PKCE and device apps.
    pub fn new(app: OAuthClient, token: Token, client_secret: Option<String>) -> OAuthTokenAuth {
        OAuthTokenAuth {
            app,
            client_secret,
            renew_before: Duration::from_secs(60),
            token: Mutex::new(token),
            on_refresh: None,
        }
    }

    pub fn with_renew_before(mut self, margin: Duration) -> OAuthTokenAuth {
        self.renew_before = margin;
        self
    }

    /// Called with each new token (to store the rotated refresh token).
    pub fn on_refresh(mut self, f: impl Fn(&Token) + Send + Sync + 'static) -> OAuthTokenAuth {
        self.on_refresh = Some(Box::new(f));
        self
    }

    /// The current token, refreshed first when it expires within `renew_before`
    /// and a refresh token is at hand.
    pub async fn token(&self) -> Result<Token> {
        let mut current = self.token.lock().await;
        let Some(refresh) = current.refresh_token.clone() else {
            return Ok(current.clone());
        };
        if current.fresh_for(self.renew_before) {
            return Ok(current.clone());
        }
        let new = self
            .app
            .refresh(&refresh, self.client_secret.as_deref())
            .await?;
        if let Some(f) = &self.on_refresh {
            f(&new);
        }
        *current = new.clone();
        Ok(new)
    }
}

impl Credential for OAuthTokenAuth {
    fn access_token(&self) -> BoxFuture<'_, Result<String>> {
        Box::pin(async move { Ok(self.token().await?.access_token) })
    }
}
