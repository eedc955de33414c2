//! The OAuth endpoints of the Coze wire protocol: authorize and consent, the token
//! endpoint with its four grants, and device authorization. Each grant lives in its
//! own module; `token` dispatches to them. Revocation (RFC 7009) and the
//! server metadata (RFC 8414) complete what standard clients look for.

mod authorize;
mod channel_token;
mod client;
mod code;
mod device;
mod errors;
mod family;
mod issue;
mod jwt_grant;
pub mod metadata;
mod obo;
mod refresh;
pub mod revoke;
mod share;
mod token;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use errors::OAuthErr;

/// The verification page device users open.
pub const DEVICE_PAGE: &str = "/oauth/device";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(authorize::show))
        .routes(routes!(authorize::show_in_workspace))
        .routes(routes!(authorize::decide))
        .routes(routes!(token::default_path))
        .routes(routes!(token::account_path))
        .routes(routes!(token::enterprise_path))
        .routes(routes!(device::code))
        .routes(routes!(device::code_in_workspace))
        .routes(routes!(device::page, device::decide))
        .routes(routes!(share::page, share::decide))
        .routes(routes!(revoke::revoke))
        .routes(routes!(metadata::serve))
}
