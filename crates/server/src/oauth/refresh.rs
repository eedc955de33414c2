//! The refresh token grant: rotation, and a replayed refresh token revokes its chain.

use super::client::{ClientType, app_for_flow, authenticate};
use super::errors::{invalid_grant, invalid_request};
use super::issue::{Issued, user_tokens};
use super::token::TokenRequest;
use crate::AppState;
use crate::error::OAuthError;
use axum::http::HeaderMap;
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
    let used = match state
        .store
        .consume_refresh_token(&hash_secret(token), now)
        .await?
    {
        Consumed::Fresh(r) => r,
        Consumed::Replayed { family_id } => {
            state.store.revoke_family(family_id).await?;
            return Err(invalid_grant(
                "the refresh token was already used; every token of its chain is revoked",
            ));
        }
        Consumed::Unknown => return Err(invalid_grant("the refresh token is invalid")),
    };
    if used.app_id != app.id {
        return Err(invalid_grant("the refresh token was issued to another app"));
    }
    if used.expires_at <= now {
        return Err(invalid_grant("the refresh token has expired"));
    }
    let grant = state
        .store
        .grant(used.grant_id)
        .await?
        .ok_or_else(|| invalid_grant("the authorization was revoked"))?;
    user_tokens(state, &app, &grant, used.family_id, now).await
}
