//! The client's errors: what the server said (a Coze `/v1` error with its
//! `code`, `msg` and `logid`, or an OAuth error with `error` and
//! `error_description`) kept apart from what went wrong on the way.

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `/v1` answer with a non-zero `code` (Coze's envelope): 4100 is "authentication
    /// failed", 4101 "no permission", 4000 a bad request, 4200 not found, 4013 rate limited.
    #[error("Coze API error {code} (HTTP {status}): {msg} [logid {}]", logid.as_deref().unwrap_or("-"))]
    Api {
        status: u16,
        code: i64,
        msg: String,
        logid: Option<String>,
    },
    /// An OAuth endpoint's refusal: `invalid_grant`, `invalid_client`,
    /// `access_denied`, `expired_token`, ...
    #[error("OAuth error {error} (HTTP {status}): {error_description}")]
    OAuth {
        status: u16,
        error: String,
        error_description: String,
        logid: Option<String>,
    },
    /// The device code expired before anyone approved it.
    #[error("the device code expired before it was approved")]
    DeviceCodeExpired,
    /// The private key could not be read (not a PKCS#1 or PKCS#8 RSA PEM).
    #[error("invalid private key: {0}")]
    Key(String),
    /// A setting the client was given cannot work (a base URL that is not a URL).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The server answered something that is not the protocol's JSON.
    #[error("unexpected answer (HTTP {status}): {detail}")]
    Unexpected { status: u16, detail: String },
    /// The request did not reach the server or its answer did not arrive.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// Every credential of a [`FallbackChain`](crate::FallbackChain) failed; the last error.
    #[error("every credential failed; the last: {0}")]
    AllCredentialsFailed(Box<Error>),
}

impl Error {
    /// The Coze `code` of a `/v1` error.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Api { code, .. } => Some(*code),
            Error::AllCredentialsFailed(e) => e.code(),
            _ => None,
        }
    }

    /// The OAuth `error` of a token-endpoint refusal.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::OAuth { error, .. } => Some(error),
            Error::AllCredentialsFailed(e) => e.oauth_error(),
            _ => None,
        }
    }

    /// The server's log id, for a support request.
    pub fn logid(&self) -> Option<&str> {
        match self {
            Error::Api { logid, .. } | Error::OAuth { logid, .. } => logid.as_deref(),
            Error::AllCredentialsFailed(e) => e.logid(),
            _ => None,
        }
    }

    /// 4100 (authentication failed) or 4101 (no permission): the errors on which
    /// the Coze migration guide tells clients to try their next credential.
    pub fn is_credential_refused(&self) -> bool {
        matches!(self.code(), Some(4100 | 4101))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
