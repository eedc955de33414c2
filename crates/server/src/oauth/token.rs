//! `POST /api/permission/oauth2/token` (and its account/enterprise variants): reads
//! the body (JSON, or form-encoded per RFC 6749) and hands it to the grant.

use super::errors::{invalid_request, unsupported_grant_type};
use super::issue::TokenResponse;
use super::jwt_grant::Authority;
use super::{code, device, jwt_grant, refresh};
use crate::AppState;
use crate::api_doc::OAuthErrors;
use crate::error::OAuthError;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use buckle_core::token_body::{self, BodyError};

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub use buckle_core::token_body::TokenRequest;

pub fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<TokenRequest, OAuthError> {
    let form = token_body::is_form(headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()));
    token_body::parse(form, body).map_err(|e| match e {
        BodyError::Unreadable => invalid_request("body"),
        BodyError::SecretInBody => invalid_request("client_secret"),
    })
}

async fn run(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    authority: Authority,
) -> Result<Response, OAuthError> {
    let req = parse_body(headers, body)?;
    let grant_type = req
        .grant_type
        .as_deref()
        .filter(|g| !g.is_empty())
        .ok_or_else(|| invalid_request("grant_type"))?;
    let issued = match grant_type {
        "authorization_code" => code::exchange(state, headers, &req).await?,
        "refresh_token" => refresh::exchange(state, headers, &req).await?,
        DEVICE_GRANT => device::exchange(state, &req).await?,
        JWT_GRANT => jwt_grant::exchange(state, headers, &req, authority).await?,
        other => return Err(unsupported_grant_type(other)),
    };
    metrics::counter!("buckle_oauth_tokens_issued_total", "grant" => grant_name(grant_type))
        .increment(1);
    Ok(issued.into_response())
}

fn grant_name(g: &str) -> &'static str {
    match g {
        "authorization_code" => "authorization_code",
        "refresh_token" => "refresh_token",
        DEVICE_GRANT => "device_code",
        _ => "jwt_bearer",
    }
}

/// The raw body, or why it could not be read (too large, cut short).
pub type Body = Result<Bytes, BytesRejection>;
/// A path segment, or why it could not be decoded.
pub type Segment = Result<axum::extract::Path<String>, PathRejection>;

/// Body and path problems in the OAuth shape, not the OpenAPI envelope.
pub fn read_body(body: Body) -> Result<Bytes, OAuthError> {
    body.map_err(|_| invalid_request("body"))
}

pub fn read_segment(segment: Segment, name: &str) -> Result<String, OAuthError> {
    segment.map(|p| p.0).map_err(|_| invalid_request(name))
}

async fn answer(
    state: AppState,
    headers: HeaderMap,
    body: Body,
    authority: Result<Authority, OAuthError>,
) -> Response {
    let result = match (read_body(body), authority) {
        (Ok(body), Ok(authority)) => run(&state, &headers, &body, authority).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(r) => r,
        Err(e) => {
            metrics::counter!("buckle_oauth_token_errors_total", "error" => e.error).increment(1);
            e.into_response()
        }
    }
}

/// `POST /api/permission/oauth2/token`.
#[utoipa::path(
    post,
    path = "/api/permission/oauth2/token",
    summary = "Token endpoint: authorization_code, refresh_token, device_code and jwt-bearer grants; flat JSON; errors carry error/error_description/error_code/error_message",
    request_body = TokenRequest,
    security((), ("client" = [])),
    responses((status = 200, description = "Success", body = TokenResponse), OAuthErrors)
)]
pub async fn default_path(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(state, headers, body, Ok(Authority::Owner)).await
}

/// `POST /api/permission/oauth2/account/{account_id}/token`.
#[utoipa::path(
    post,
    path = "/api/permission/oauth2/account/{account_id}/token",
    summary = "JWT bearer grant using an account's AppAuth authorization",
    params(("account_id" = String, Path)),
    request_body = TokenRequest,
    security((), ("client" = [])),
    responses((status = 200, description = "Success", body = TokenResponse), OAuthErrors)
)]
pub async fn account_path(
    State(state): State<AppState>,
    account_id: Segment,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let authority = read_segment(account_id, "account_id").map(Authority::Account);
    answer(state, headers, body, authority).await
}

/// `POST /api/permission/oauth2/enterprise_id/{enterprise_id}/token`.
#[utoipa::path(
    post,
    path = "/api/permission/oauth2/enterprise_id/{enterprise_id}/token",
    summary = "JWT bearer grant using a team/enterprise's AppAuth authorization",
    params(("enterprise_id" = String, Path)),
    request_body = TokenRequest,
    security((), ("client" = [])),
    responses((status = 200, description = "Success", body = TokenResponse), OAuthErrors)
)]
pub async fn enterprise_path(
    State(state): State<AppState>,
    enterprise_id: Segment,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let authority = read_segment(enterprise_id, "enterprise_id").map(Authority::Enterprise);
    answer(state, headers, body, authority).await
}
