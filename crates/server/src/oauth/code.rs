//! The authorization code grant (web backend and PKCE apps).
//!
//! The code is read first and judged (`buckle_core::redemption`) without writing
//! anything, so a client it was not issued to, or one without its secret or PKCE
//! verifier, is refused and leaves it untouched; it is used up only in the
//! transaction that stores the new tokens.

use super::client::{ClientType, app_for_flow, authenticate};
use super::errors::{invalid_grant, invalid_request};
use super::issue::{Issued, mint_user_tokens};
use super::token::TokenRequest;
use crate::AppState;
use crate::error::OAuthError;
use axum::http::HeaderMap;
use buckle_core::pkce::Method;
use buckle_core::redemption::{self, Refusal, Verdict};
use buckle_core::secret::hash_secret;
use buckle_store::Redeemed;

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
    let (stored, grant) = state
        .store
        .code_and_grant(&hash)
        .await?
        .ok_or_else(|| invalid_grant("the authorization code is invalid"))?;
    let challenge = match (&stored.code_challenge, stored.challenge_method.as_deref()) {
        (Some(c), method) => Some((c.as_str(), Method::parse(method).unwrap_or(Method::Plain))),
        (None, _) => None,
    };
    let issued = redemption::Issued {
        app_id: stored.app_id,
        used: stored.used_at.is_some(),
        expires_at: stored.expires_at,
        code: Some(redemption::CodeBinding {
            redirect_uri: &stored.redirect_uri,
            challenge,
        }),
    };
    let presented = redemption::Presented {
        app_id: app.id,
        redirect_uri: Some(redirect_uri),
        verifier: req.code_verifier.as_deref(),
    };
    match redemption::judge(&issued, &presented, now) {
        Verdict::Redeem => {}
        Verdict::RevokeFamily => {
            // The code's own client presented it twice: it was stolen or replayed.
            super::family::revoke(state, stored.family_id, now).await?;
            return Err(invalid_grant(REPLAYED));
        }
        Verdict::Refuse(why) => return Err(refusal(why)),
    }
    let grant = grant.ok_or_else(|| invalid_grant("the authorization was revoked"))?;
    let minted = mint_user_tokens(state, &app, &grant, stored.family_id, now).await?;
    match state.store.redeem_code(&hash, now, &minted.rows).await? {
        Redeemed::Issued => {
            state.credentials.issued(&minted.rows.access.token_hash);
            Ok(minted.issued)
        }
        Redeemed::AlreadyUsed => {
            // A concurrent request used it first; its tokens are stored by now.
            super::family::revoke(state, stored.family_id, now).await?;
            Err(invalid_grant(REPLAYED))
        }
        Redeemed::FamilyRevoked => Err(invalid_grant(REPLAYED)),
        Redeemed::AuthorizationGone => Err(invalid_grant("the authorization was revoked")),
    }
}

fn refusal(why: Refusal) -> OAuthError {
    match why {
        Refusal::MissingVerifier => invalid_request("code_verifier"),
        Refusal::OtherClient => invalid_grant("the authorization code was issued to another app"),
        Refusal::WrongVerifier => {
            invalid_grant("the code_verifier does not match the code_challenge")
        }
        Refusal::UnexpectedVerifier => invalid_grant(
            "a code_verifier was sent but the authorization request had no code_challenge",
        ),
        Refusal::WrongRedirectUri => {
            invalid_grant("the redirect_uri does not match the authorization request")
        }
        Refusal::Expired => invalid_grant("the authorization code has expired"),
    }
}
