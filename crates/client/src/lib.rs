//! A Rust client for the Coze OpenAPI authentication, the first in the Coze
//! ecosystem, and for Buckle, the self-hosted server that speaks the same wire
//! protocol. Point it at Coze's host ([`COZE_COM_BASE_URL`]) or at a Buckle
//! server.
//!
//! - [`TokenAuth`]: a personal access token or any fixed token.
//! - [`JwtAuth`]: a service app signs RS256 JWTs with its PKCS#1 or PKCS#8 key;
//!   the access token is cached and renewed before it expires.
//! - [`OAuthClient`]: the web authorization code flow with refresh, [`Pkce`],
//!   the device flow ([`OAuthClient::device_code`], [`OAuthClient::poll_device_token`])
//!   and revocation; [`OAuthTokenAuth`] keeps a person's token refreshed.
//! - [`FallbackChain`]: credentials tried in turn on 4100/4101.
//! - [`Error`]: Coze's `code`/`msg`/`logid` or OAuth's `error`/`error_description`.
//!
//! ```no_run
//! # async fn run() -> buckle_client::Result<()> {
//! use buckle_client::{Client, TokenAuth};
//! let client = Client::new("http://127.0.0.1:8080", TokenAuth::new("pat_..."))?;
//! match client.users_me().await {
//!     Ok(me) => println!("signed in as {}", me.user_name),
//!     Err(e) if e.code() == Some(4100) => eprintln!("the token was refused: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```

mod client;
mod credential;
mod error;
mod http;
mod jwt;
mod oauth;

pub use client::{Client, FallbackChain, User};
pub use credential::{BoxFuture, Credential, OAuthTokenAuth, TokenAuth};
pub use error::{Error, Result};
pub use jwt::{JwtAuth, PrivateKey};
pub use oauth::{COZE_COM_BASE_URL, DeviceCode, DevicePoll, OAuthClient, Pkce, Token};
pub use reqwest::Method;

pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `bytes` random bytes from the system's CSPRNG, as lowercase hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    use aws_lc_rs::rand::SecureRandom;
    let mut buf = vec![0u8; bytes];
    // The system generator does not fail on supported platforms; a zero
    // buffer would still be a well-formed (if guessable) nonce, never a panic.
    let _ = aws_lc_rs::rand::SystemRandom::new().fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
