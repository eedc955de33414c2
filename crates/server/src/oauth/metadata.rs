//! `GET /.well-known/oauth-authorization-server`: RFC 8414 metadata, so that
//! standard OAuth clients find Buckle's endpoints from its base URL alone. Every
//! URL is built from the configured public URL; every list says what Buckle
//! really answers.

use super::token::{DEVICE_GRANT, JWT_GRANT};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

pub const PATH: &str = "/.well-known/oauth-authorization-server";

/// The authorization server metadata (RFC 8414 §2).
#[derive(Serialize, ToSchema)]
pub struct ServerMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    device_authorization_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    grant_types_supported: Vec<&'static str>,
    response_types_supported: Vec<&'static str>,
    response_modes_supported: Vec<&'static str>,
    code_challenge_methods_supported: Vec<&'static str>,
    /// `none` for public clients (PKCE, device and service apps, which prove
    /// themselves with a signed JWT grant); `client_secret_bearer` is Coze's
    /// own method: a web app's secret in `Authorization: Bearer`.
    token_endpoint_auth_methods_supported: Vec<&'static str>,
    revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// The caller's own bearer token holding `Token.introspect`.
    introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    /// Whether the authorize answer carries `iss` (RFC 9207).
    authorization_response_iss_parameter_supported: bool,
}

pub fn metadata(public_url: &str) -> ServerMetadata {
    let at = |path: &str| format!("{public_url}{path}");
    let client_auth = vec!["none", "client_secret_bearer"];
    ServerMetadata {
        issuer: public_url.to_string(),
        authorization_endpoint: at("/api/permission/oauth2/authorize"),
        token_endpoint: at("/api/permission/oauth2/token"),
        device_authorization_endpoint: at("/api/permission/oauth2/device/code"),
        revocation_endpoint: at(super::revoke::PATH),
        introspection_endpoint: at(crate::introspect::PATH),
        grant_types_supported: vec![
            "authorization_code",
            "refresh_token",
            DEVICE_GRANT,
            JWT_GRANT,
        ],
        response_types_supported: vec!["code"],
        response_modes_supported: vec!["query"],
        code_challenge_methods_supported: vec!["plain", "S256"],
        token_endpoint_auth_methods_supported: client_auth.clone(),
        revocation_endpoint_auth_methods_supported: client_auth,
        introspection_endpoint_auth_methods_supported: vec!["bearer"],
        authorization_response_iss_parameter_supported: true,
    }
}

/// `GET /.well-known/oauth-authorization-server`.
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server",
    summary = "RFC 8414 authorization server metadata: the OAuth endpoints, grant types, PKCE methods",
    security(()),
    responses((status = 200, description = "The metadata", body = ServerMetadata))
)]
pub async fn serve(State(state): State<AppState>) -> Json<ServerMetadata> {
    Json(metadata(&state.config.public_url))
}
