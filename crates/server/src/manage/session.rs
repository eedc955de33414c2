//! Console sign-in: a random session cookie (stored hashed) and a CSRF token derived from it.

use super::{AccountOut, Actor, cookie};
use crate::AppState;
use crate::error::{ApiError, Envelope};
use crate::extract::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use buckle_core::TokenKind;
use buckle_core::secret::hash_secret;
use serde::{Deserialize, Serialize};

pub const SESSION_COOKIE: &str = "buckle_session";

/// The CSRF token of a session: derived, so nothing more is stored, and useless
/// without the HttpOnly cookie it came from.
pub fn csrf_token_for(session: &str) -> String {
    hash_secret(&format!("buckle-csrf:{session}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    user_name: String,
    password: String,
}

#[derive(Serialize)]
pub struct SessionOut {
    account: AccountOut,
    csrf_token: String,
    expires_at: Option<i64>,
}

/// `POST /api/manage/session`: sign in.
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<Login>,
) -> Result<Response, ApiError> {
    let now = buckle_core::now_unix();
    if let Some(wait) = state.sign_in_throttle.blocked_for(&body.user_name, now) {
        return Err(ApiError::rate_limited(format!(
            "Too many failed sign-ins for this account; try again in {} minutes.",
            (wait + 59) / 60
        )));
    }
    let account = state.store.account_by_name(body.user_name.trim()).await?;
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_default();
    let password = body.password;
    // Unknown names cost the same Argon2 work as known ones.
    let valid = tokio::task::spawn_blocking(move || {
        let target = if stored.is_empty() {
            DUMMY_HASH.as_str()
        } else {
            stored.as_str()
        };
        crate::password::verify(&password, target) && !stored.is_empty()
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let Some(account) = account.filter(|_| valid) else {
        metrics::counter!("buckle_console_sign_in_failures_total").increment(1);
        state.sign_in_throttle.record_failure(&body.user_name, now);
        return Err(ApiError::unauthenticated("Wrong user name or password."));
    };
    state.sign_in_throttle.record_success(&body.user_name);
    let session = TokenKind::Session.generate();
    let expires_at = now + state.config.session_ttl;
    state
        .store
        .create_session(&hash_secret(&session), account.id, now, expires_at)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        state.config.session_ttl,
        if state.config.secure_cookies() {
            "; Secure"
        } else {
            ""
        }
    );
    let body = SessionOut {
        account: (&account).into(),
        csrf_token: csrf_token_for(&session),
        expires_at: Some(expires_at),
    };
    Ok(([(SET_COOKIE, cookie)], Envelope(body)).into_response())
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::password::hash("buckle-timing-equalizer"));

/// `GET /api/manage/session`: the signed-in account and its CSRF token.
pub async fn current(actor: Actor, headers: HeaderMap) -> Result<Envelope<SessionOut>, ApiError> {
    let csrf_token = match (&actor.token, cookie(&headers, SESSION_COOKIE)) {
        (None, Some(s)) => csrf_token_for(s),
        _ => String::new(),
    };
    Ok(Envelope(SessionOut {
        account: (&actor.account).into(),
        csrf_token,
        expires_at: None,
    }))
}

/// `DELETE /api/manage/session`: sign out.
pub async fn logout(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let _ = actor;
    if let Some(s) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_secret(s)).await?;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    Ok(([(SET_COOKIE, clear)], Envelope(serde_json::json!({}))).into_response())
}
