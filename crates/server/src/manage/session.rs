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
use buckle_store::Account;
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

/// Checks a user name and password (throttled, timing-equalized) and opens a
/// session; returns the session secret. Shared by the JSON API and the sign-in page.
pub async fn sign_in(
    state: &AppState,
    user_name: &str,
    password: &str,
) -> Result<(String, Account), ApiError> {
    let now = state.clock.now();
    if let Some(wait) = state.sign_in_throttle.blocked_for(user_name, now) {
        return Err(ApiError::rate_limited(format!(
            "Too many failed sign-ins for this account; try again in {} minutes.",
            (wait + 59) / 60
        )));
    }
    let account = state.store.account_by_name(user_name.trim()).await?;
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_default();
    let password = password.to_string();
    let permit = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        state.password_checks.clone().acquire_owned(),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| ApiError::rate_limited("Too many sign-ins at once; try again shortly."))?;
    // Unknown names cost the same Argon2 work as known ones.
    let valid = tokio::task::spawn_blocking(move || {
        // Held until the hash is done, even if the request is dropped meanwhile.
        let _permit = permit;
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
        state.sign_in_throttle.record_failure(user_name, now);
        return Err(ApiError::unauthenticated("Wrong user name or password."));
    };
    state.sign_in_throttle.record_success(user_name);
    let session = TokenKind::Session.generate();
    state
        .store
        .create_session(
            &hash_secret(&session),
            account.id,
            now,
            now + state.config.session_ttl,
        )
        .await?;
    Ok((session, account))
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(state: &AppState, session: &str) -> String {
    format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        state.config.session_ttl,
        if state.config.secure_cookies() {
            "; Secure"
        } else {
            ""
        }
    )
}

/// `POST /api/manage/session`: sign in.
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<Login>,
) -> Result<Response, ApiError> {
    let (session, account) = sign_in(&state, &body.user_name, &body.password).await?;
    let body = SessionOut {
        account: (&account).into(),
        csrf_token: csrf_token_for(&session),
        expires_at: Some(state.clock.now() + state.config.session_ttl),
    };
    Ok((
        [(SET_COOKIE, session_cookie(&state, &session))],
        Envelope(body),
    )
        .into_response())
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
