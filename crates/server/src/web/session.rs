//! Who is looking at a page: the one place a session cookie becomes an account.
//! The pages use [`Visitor`]; the management API's `Actor` calls [`resolve`] for
//! its cookie branch, so both read sessions the same way.

use super::i18n::Lang;
use crate::AppState;
use crate::manage::cookie;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use buckle_core::secret::hash_secret;
use buckle_store::{Account, StoreError};
use std::convert::Infallible;

pub const SESSION_COOKIE: &str = "buckle_session";

/// The CSRF token of a session: derived, so nothing more is stored, and useless
/// without the HttpOnly cookie it came from.
pub fn csrf_token_for(session: &str) -> String {
    hash_secret(&format!("buckle-csrf:{session}"))
}

/// A live console session.
pub struct Session {
    pub account: Account,
    /// The token forms and `X-CSRF-Token` headers must carry.
    pub csrf_token: String,
}

/// What a request's session cookie amounts to.
pub enum Resolved {
    /// No session cookie was sent.
    NoCookie,
    /// A cookie was sent but names no live session (expired, signed out, forged).
    Ended,
    Active(Session),
}

/// Reads the session cookie of a request.
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Resolved, StoreError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Resolved::NoCookie);
    };
    Ok(
        match state
            .store
            .session_account(&hash_secret(token), state.clock.now())
            .await?
        {
            Some(account) => Resolved::Active(Session {
                account,
                csrf_token: csrf_token_for(token),
            }),
            None => Resolved::Ended,
        },
    )
}

/// A page's visitor: the signed-in account (if any) with its CSRF token, the
/// page's language, and where the visitor is (for the language switch's way back).
pub struct Visitor {
    pub session: Option<Session>,
    pub lang: Lang,
    /// The path and query of this request.
    pub here: String,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let session = match resolve(state, &parts.headers).await {
            Ok(Resolved::Active(s)) => Some(s),
            Ok(_) => None,
            // A page treats an unreadable session like none: the visitor is sent
            // to sign in, where the store's failure shows again if it persists.
            Err(e) => {
                tracing::error!(error = %e, "could not read a console session");
                None
            }
        };
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| &u.0)
            .unwrap_or(&parts.uri);
        // A form's answer cannot be fetched again; its switch goes to the start.
        let here = match uri.path_and_query() {
            Some(p) if parts.method == axum::http::Method::GET => p.as_str().to_string(),
            _ => "/".to_string(),
        };
        Ok(Visitor {
            session,
            lang: Lang::of(&parts.headers),
            here,
        })
    }
}
