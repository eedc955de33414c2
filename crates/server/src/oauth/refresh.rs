//! The refresh token grant: rotation, and a replayed refresh token revokes its chain.
//!
//! As with codes, the token is read and judged (`buckle_core::redemption`) without
//! writing anything, so a client it was not issued to is refused and leaves it
//! untouched; it is used up only in the transaction that stores its successors.

use super::client::{ClientType, app_for_flow, authenticate};
use super::errors::{invalid_grant, invalid_request};
use super::issue::{Issued, mint_user_tokens};
use super::token::TokenRequest;
use crate::AppState;
use crate::error::OAuthError;
use axum::http::HeaderMap;
use buckle_core::redemption::{self, Refusal, Verdict};
use buckle_core::secret::hash_secret;
use buckle_store::Redeemed;

const REPLAYED: &str = "the refresh token was already used; every token of its chain is revoked";

pub async fn exchange(
    state: &AppState,
    headers: &HeaderMap,
    req: &TokenRequest,
) -> Result<Issued, OAuthError> {
    let app = app_for_flow(
        state,
        req.client_id.as_deref(),
        &[ClientType::Web, ClientType::Pkce, ClientType::Device],
    )
    .await?;
    authenticate(&app, headers)?;
    let token = req
        .refresh_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_request("refresh_token"))?;
    let now = state.clock.now();
    let hash = hash_secret(token);
    let (stored, grant) = state
        .store
        .refresh_token_and_grant(&hash)
        .await?
        .ok_or_else(|| invalid_grant("the refresh token is invalid"))?;
    let issued = redemption::Issued {
        app_id: stored.app_id,
        used: stored.used_at.is_some(),
        expires_at: stored.expires_at,
        code: None,
    };
    let presented = redemption::Presented {
        app_id: app.id,
        redirect_uri: None,
        verifier: None,
    };
    match redemption::judge(&issued, &presented, now) {
        Verdict::Redeem => {}
        Verdict::RevokeFamily => {
            super::family::revoke(state, stored.family_id, now).await?;
            return Err(invalid_grant(REPLAYED));
        }
        Verdict::Refuse(Refusal::Expired) => {
            return Err(invalid_grant("the refresh token has expired"));
        }
        Verdict::Refuse(_) => {
            return Err(invalid_grant("the refresh token was issued to another app"));
        }
    }
    let grant = grant.ok_or_else(|| invalid_grant("the authorization was revoked"))?;
    let minted = mint_user_tokens(state, &app, &grant, stored.family_id, now).await?;
    match state
        .store
        .redeem_refresh_token(&hash, now, &minted.rows)
        .await?
    {
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
