//! `POST /api/permission/oauth2/revoke`: RFC 7009 token revocation. The client
//! authenticates as at the token endpoint (a web app's secret in
//! `Authorization: Bearer`, public and service apps by `client_id` alone, since
//! holding the token is already the proof that matters). An access token is
//! deleted alone; a refresh token takes its whole family with it. Unknown,
//! already revoked and other clients' tokens all get the same 200 (§2.2), so the
//! endpoint tells nobody whether a token exists.

use super::client::authenticate;
use super::errors::{invalid_client, invalid_request};
use super::token::{Body, read_body};
use crate::AppState;
use crate::api_doc::OAuthErrors;
use crate::credential_change::CredentialChange;
use crate::error::OAuthError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use buckle_core::secret::hash_secret;
use buckle_core::token_body::is_form;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

pub const PATH: &str = "/api/permission/oauth2/revoke";

/// The revocation request (RFC 7009 §2.1), as a form or JSON. No `Debug`: it
/// carries a token.
#[derive(Deserialize, ToSchema)]
#[schema(as = RevokeRequest)]
pub struct RevokeRequest {
    /// The access or refresh token to revoke.
    #[schema(required = true, value_type = String)]
    token: Option<String>,
    /// `access_token` or `refresh_token`: which to look for first. Any other
    /// value is ignored, as RFC 7009 §2.1 allows.
    token_type_hint: Option<String>,
    #[schema(required = true, value_type = String)]
    client_id: Option<String>,
    /// Read only to refuse it: the secret travels in `Authorization`.
    #[schema(ignore)]
    client_secret: Option<serde_json::Value>,
}

fn parse(headers: &HeaderMap, body: &Bytes) -> Result<RevokeRequest, OAuthError> {
    let form = is_form(headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()));
    let req: RevokeRequest = if form {
        serde_html_form::from_bytes(body).map_err(|_| invalid_request("body"))?
    } else {
        serde_json::from_slice(body).map_err(|_| invalid_request("body"))?
    };
    if req.client_secret.is_some() {
        return Err(invalid_request("client_secret"));
    }
    Ok(req)
}

async fn run(state: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<(), OAuthError> {
    let req = parse(headers, body)?;
    let client_id = req
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid_request("client_id"))?;
    let token = req
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_request("token"))?;
    if client_id.len() > 128 {
        return Err(invalid_client("unknown client_id"));
    }
    // Every app type that gets tokens through OAuth may revoke them, a disabled
    // one included: its tokens are dead already, and revoking them harms nothing.
    let app = state
        .store
        .app_by_client_id(client_id)
        .await?
        .ok_or_else(|| invalid_client("unknown client_id"))?;
    authenticate(&app, headers)?;
    // No stored token is this long; hashing a huge one would be wasted work.
    if token.len() > 512 {
        return Ok(());
    }
    let hash = hash_secret(token);
    let now = state.clock.now();
    let refresh_first = req.token_type_hint.as_deref() == Some("refresh_token");
    for look_for_refresh in [refresh_first, !refresh_first] {
        if look_for_refresh {
            if let Some(stored) = state.store.refresh_token(&hash).await? {
                if stored.app_id == app.id {
                    super::family::revoke(state, stored.family_id, now).await?;
                }
                return Ok(());
            }
        } else if let Some(stored) = state.store.oauth_token_by_hash(&hash).await? {
            if stored.record.app_id == app.id {
                let id = stored.record.id;
                state.store.delete_oauth_token(id).await?;
                state
                    .credentials
                    .forget(CredentialChange::OAuthToken { id });
            }
            return Ok(());
        }
    }
    Ok(())
}

/// `POST /api/permission/oauth2/revoke`.
#[utoipa::path(
    post,
    path = "/api/permission/oauth2/revoke",
    summary = "RFC 7009 revocation of an access or refresh token (a refresh token revokes its whole family); 200 for unknown tokens too",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client" = [])),
    responses((status = 200, description = "Revoked, or nothing to revoke", body = Object), OAuthErrors)
)]
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let result = match read_body(body) {
        Ok(body) => run(&state, &headers, &body).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            metrics::counter!("buckle_oauth_revocations_total").increment(1);
            Json(json!({})).into_response()
        }
        Err(e) => e.into_response(),
    }
}
