//! The OAuth endpoints of the Coze wire protocol: authorize and consent, the token
//! endpoint with its four grants, and device authorization. Each grant lives in its
//! own module; `token` dispatches to them.

mod authorize;
mod client;
mod code;
mod device;
mod errors;
mod issue;
mod jwt_grant;
mod obo;
mod refresh;
mod share;
mod token;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub use errors::OAuthErr;

/// The verification page device users open.
pub const DEVICE_PAGE: &str = "/oauth/device";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/permission/oauth2/authorize", get(authorize::show))
        .route(
            "/api/permission/oauth2/workspace_id/{workspace_id}/authorize",
            get(authorize::show_in_workspace),
        )
        .route("/api/permission/oauth2/consent", post(authorize::decide))
        .route("/api/permission/oauth2/token", post(token::default_path))
        .route(
            "/api/permission/oauth2/account/{account_id}/token",
            post(token::account_path),
        )
        .route(
            "/api/permission/oauth2/enterprise_id/{enterprise_id}/token",
            post(token::enterprise_path),
        )
        .route("/api/permission/oauth2/device/code", post(device::code))
        .route(
            "/api/permission/oauth2/workspace_id/{workspace_id}/device/code",
            post(device::code_in_workspace),
        )
        .route(DEVICE_PAGE, get(device::page).post(device::decide))
        .route(share::PAGE, get(share::page).post(share::decide))
}
