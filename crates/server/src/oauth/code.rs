//! The authorization code grant (web backend and PKCE apps).

use super::client::{ClientType, app_for_flow, authenticate};
use super::errors::{invalid_grant, invalid_request};
use super::issue::{Issued, user_tokens};
use super::token::TokenRequest;
use crate::AppState;
use crate::error::OAuthError;
use axum::http::HeaderMap;
use buckle_core::pkce::{self, Method};
use buckle_core::secret::hash_secret;
use buckle_store::Consumed;

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
    let stored = match state.store.consume_code(&hash_secret(code), now).await? {
        Consumed::Fresh(c) => c,
        Consumed::Replayed { family_id } => {
            // A code seen twice was stolen or replayed: revoke what it issued.
            state.store.revoke_family(family_id).await?;
            return Err(invalid_grant(
                "the authorization code was already used; the tokens it issued are revoked",
            ));
        }
        Consumed::Unknown => return Err(invalid_grant("the authorization code is invalid")),
    };
    if stored.app_id != app.id {
        return Err(invalid_grant(
            "the authorization code was issued to another app",
        ));
    }
    if stored.expires_at <= now {
        return Err(invalid_grant("the authorization code has expired"));
    }
    if stored.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "the redirect_uri does not match the authorization request",
        ));
    }
    let verifier = req.code_verifier.as_deref().filter(|v| !v.is_empty());
    match (&stored.code_challenge, verifier) {
        (Some(challenge), Some(v)) => {
            let method = Method::parse(stored.challenge_method.as_deref()).unwrap_or(Method::Plain);
            if !pkce::verify(method, challenge, v) {
                return Err(invalid_grant(
                    "the code_verifier does not match the code_challenge",
                ));
            }
        }
        (Some(_), None) => return Err(invalid_request("code_verifier")),
        (None, Some(_)) => {
            return Err(invalid_grant(
                "a code_verifier was sent but the authorization request had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    let grant = state
        .store
        .grant(stored.grant_id)
        .await?
        .ok_or_else(|| invalid_grant("the authorization was revoked"))?;
    user_tokens(state, &app, &grant, stored.family_id, now).await
}
