//! `/api/manage/session` (JSON): sign in, who am I, sign out. The rules are in
//! `service::sessions`; the cookie and CSRF token in `web::session`.

use super::{AccountOut, Actor, cookie};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiError, Envelope};
use crate::extract::Json;
use crate::peer::PeerAddress;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use buckle_core::audit::AuditKind;
use buckle_core::secret::hash_secret;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use utoipa::ToSchema;

pub use crate::service::sessions::SignedIn;
pub use crate::web::session::{SESSION_COOKIE, csrf_token_for};

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

/// Signs in (see [`crate::service::sessions::sign_in`]), answering in the envelope.
pub async fn sign_in(
    state: &AppState,
    user_name: &str,
    password: &str,
    address: IpAddr,
    headers: &HeaderMap,
) -> Result<SignedIn, ApiError> {
    let known_device = cookie(headers, crate::known_device::KNOWN_DEVICE_COOKIE);
    Ok(
        crate::service::sessions::sign_in(state, user_name, password, address, known_device)
            .await?,
    )
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
