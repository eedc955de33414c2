//! The authorization code grant (web backend and PKCE apps).
//!
//! The code is read first and checked completely (its app, the PKCE verifier, the
//! redirect URI, whether it was used, its expiry) without writing anything, and
//! only then used up, in the transaction that stores the new tokens. So a client
//! the code was not issued to, or one without its secret or verifier, is refused
//! and leaves the code untouched (a client id is no secret, RFC 6749 §2.2, and a
//! PKCE client has only its verifier to prove itself); only a request that proves
//! to be the code's client can use it, or, replaying it, revoke what it issued
//! (RFC 6749 §4.1.2).

use super::client::{ClientType, app_for_flow, authenticate};
use super::errors::{invalid_grant, invalid_request};
use super::issue::{Issued, mint_user_tokens};
use super::token::TokenRequest;
use crate::AppState;
use crate::error::OAuthError;
use axum::http::HeaderMap;
use buckle_core::pkce::{self, Method};
use buckle_core::secret::hash_secret;
use buckle_store::{AuthCode, Redeemed};

const REPLAYED: &str = "the authorization code was already used; the tokens it issued are revoked";

pub async fn exchange(
    state: &AppState,
    headers: &HeaderMap,
    req: &TokenRequest,
) -> Result<Issued, OAuthError> {
    let app = app_for_flow(
        state,
        req.client_id.as_deref(),
        &[ClientType::Web, ClientType::Pkce],
    )
    .await?;
    authenticate(&app, headers)?;
    let code = req
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid_request("code"))?;
    let redirect_uri = req
        .redirect_uri
        .as_deref()
        .ok_or_else(|| invalid_request("redirect_uri"))?;
    let now = state.clock.now();
    let hash = hash_secret(code);
    let stored = state
        .store
        .code(&hash)
        .await?
        .ok_or_else(|| invalid_grant("the authorization code is invalid"))?;
    if stored.app_id != app.id {
        return Err(invalid_grant(
            "the authorization code was issued to another app",
        ));
    }
    check_verifier(&stored, req.code_verifier.as_deref())?;
    if stored.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "the redirect_uri does not match the authorization request",
        ));
    }
    if stored.used_at.is_some() {
        // The code's own client presented it twice: it was stolen or replayed.
        state.store.revoke_family(stored.family_id, now).await?;
        return Err(invalid_grant(REPLAYED));
    }
    if stored.expires_at <= now {
        return Err(invalid_grant("the authorization code has expired"));
    }
    let grant = state
        .store
        .grant(stored.grant_id)
        .await?
        .ok_or_else(|| invalid_grant("the authorization was revoked"))?;
    let minted = mint_user_tokens(state, &app, &grant, stored.family_id, now).await?;
    match state.store.redeem_code(&hash, now, &minted.rows).await? {
        Redeemed::Issued => Ok(minted.issued),
        Redeemed::AlreadyUsed => {
            // A concurrent request used it first; its tokens are stored by now.
            state.store.revoke_family(stored.family_id, now).await?;
            Err(invalid_grant(REPLAYED))
        }
        Redeemed::FamilyRevoked => Err(invalid_grant(REPLAYED)),
    }
}

/// RFC 7636 §4.6: the verifier must match the challenge the code was bound to.
fn check_verifier(stored: &AuthCode, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (&stored.code_challenge, verifier.filter(|v| !v.is_empty())) {
        (Some(challenge), Some(v)) => {
            let method = Method::parse(stored.challenge_method.as_deref()).unwrap_or(Method::Plain);
            if !pkce::verify(method, challenge, v) {
                return Err(invalid_grant(
                    "the code_verifier does not match the code_challenge",
                ));
            }
            Ok(())
        }
        (Some(_), None) => Err(invalid_request("code_verifier")),
        (None, Some(_)) => Err(invalid_grant(
            "a code_verifier was sent but the authorization request had no code_challenge",
        )),
        (None, None) => Ok(()),
    }
}
