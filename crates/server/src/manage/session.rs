//! Console sign-in: a random session cookie (stored hashed) and a CSRF token derived from it.

use super::{AccountOut, Actor, cookie};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::audit::AuditEvent;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiError, Envelope};
use crate::extract::Json;
use crate::peer::PeerAddress;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use buckle_core::TokenKind;
use buckle_core::audit::AuditKind;
use buckle_core::secret::hash_secret;
use buckle_store::Account;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use utoipa::ToSchema;

pub const SESSION_COOKIE: &str = "buckle_session";

/// The CSRF token of a session: derived, so nothing more is stored, and useless
/// without the HttpOnly cookie it came from.
pub fn csrf_token_for(session: &str) -> String {
    hash_secret(&format!("buckle-csrf:{session}"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SignIn)]
pub struct Login {
    user_name: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    account: AccountOut,
    csrf_token: String,
    expires_at: Option<i64>,
}

/// A successful sign-in.
pub struct SignedIn {
    /// The new session's secret (the session cookie's value).
    pub session: String,
    pub account: Account,
    /// A `Set-Cookie` value making this device known to the account, when it was not.
    pub known_device_cookie: Option<String>,
}

/// The 429 answer to an attempt that must wait `wait` seconds.
pub fn too_many_failures(wait: i64) -> ApiError {
    ApiError::rate_limited(format!(
        "Too many failed password attempts; {}.",
        crate::throttle::try_again_in(wait)
    ))
    .with_retry_after(wait)
}

/// A turn at Argon2 work (19 MiB each): bounded, so a flood of password checks
/// cannot exhaust memory or threads. Held until the hash is done.
pub async fn password_check_permit(
    state: &AppState,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        state.password_checks.clone().acquire_owned(),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| {
        ApiError::rate_limited("Too many password checks at once; try again shortly.")
            .with_retry_after(1)
    })
}

/// Checks a user name and password (throttled, timing-equalized) and opens a
/// session. Shared by the JSON API and the sign-in page. `headers` may carry the
/// known-device cookie; `address` is the client's.
pub async fn sign_in(
    state: &AppState,
    user_name: &str,
    password: &str,
    address: IpAddr,
    headers: &HeaderMap,
) -> Result<SignedIn, ApiError> {
    let now = state.clock.now();
    let account = state.store.account_by_name(user_name.trim()).await?;
    let known_device =
        crate::known_device::recognized(state, headers, account.as_ref().map(|a| a.id)).await?;
    let attempt = state
        .throttle
        .sign_in_attempt(&state.store, user_name, address, known_device, now)
        .await?;
    if attempt.wait > 0 {
        return Err(too_many_failures(attempt.wait));
    }
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_default();
    let password = password.to_string();
    let permit = password_check_permit(state).await?;
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
    let account_id = account.as_ref().map(|a| a.id);
    let Some(account) = account.filter(|_| valid) else {
        metrics::counter!("buckle_console_sign_in_failures_total").increment(1);
        state.throttle.failed(&state.store, &attempt, now).await?;
        // The typed name is not recorded: it may be a password typed in the wrong field.
        let mut event = AuditEvent::new(AuditKind::SignInFailed).from_addr(address);
        if let Some(id) = account_id {
            event = event.about(id);
        }
        event.record(state).await;
        return Err(ApiError::unauthenticated("Wrong user name or password."));
    };
    state.throttle.succeeded(&state.store, &attempt).await?;
    let known_device_cookie = if attempt.is_known_device() {
        None
    } else {
        Some(crate::known_device::remember(state, account.id).await?)
    };
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
    AuditEvent::new(AuditKind::SignIn)
        .by(account.id, None)
        .from_addr(address)
        .detail(serde_json::json!({"known_device": attempt.is_known_device()}))
        .record(state)
        .await;
    Ok(SignedIn {
        session,
        account,
        known_device_cookie,
    })
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
#[utoipa::path(
    post,
    path = "/api/manage/session",
    summary = "Sign in; sets the buckle_session cookie, and the buckle_device cookie on a device new to the account. Repeated wrong passwords get 429/4013 with growing waits (per user name and client address; a known device by its own failures)",
    request_body = Login,
    security(()),
    responses((status = 200, description = "Signed in: the account and its CSRF token", body = Success<SessionOut>), EnvelopeErrors)
)]
pub async fn login(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    Json(body): Json<Login>,
) -> Result<Response, ApiError> {
    let signed = sign_in(&state, &body.user_name, &body.password, address, &headers).await?;
    let body = SessionOut {
        account: (&signed.account).into(),
        csrf_token: csrf_token_for(&signed.session),
        expires_at: Some(state.clock.now() + state.config.session_ttl),
    };
    let mut resp = Envelope(body).into_response();
    for c in
        std::iter::once(session_cookie(&state, &signed.session)).chain(signed.known_device_cookie)
    {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(SET_COOKIE, v);
        }
    }
    Ok(resp)
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::password::hash("buckle-timing-equalizer"));

/// `GET /api/manage/session`: the signed-in account and its CSRF token.
#[utoipa::path(
    get,
    path = "/api/manage/session",
    summary = "The signed-in account and its CSRF token",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<SessionOut>), EnvelopeErrors)
)]
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
#[utoipa::path(
    delete,
    path = "/api/manage/session",
    summary = "Sign out",
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Signed out", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn logout(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(s) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_secret(s)).await?;
        actor.audit(AuditKind::SignOut).record(&state).await;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    Ok(([(SET_COOKIE, clear)], Envelope(Empty {})).into_response())
}
