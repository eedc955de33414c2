//! The OAuth endpoints' errors, with the codes and messages of the Coze docs.

use crate::error::OAuthError;
use axum::http::StatusCode;

pub type OAuthErr = OAuthError;

pub fn invalid_request(parameter: &str) -> OAuthError {
    OAuthError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("invalid request: {parameter}"),
    )
}

pub fn invalid_client(message: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", message)
}

pub fn invalid_grant(message: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", message)
}

pub fn access_deny(message: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::FORBIDDEN, "access_deny", message)
}

pub fn invalid_app_type() -> OAuthError {
    access_deny("invalid app type")
}

pub fn deactivated(app_name: &str) -> OAuthError {
    access_deny(format!(
        "app: {app_name} is currently deactivated by the owner"
    ))
}

pub fn unsupported_grant_type(grant_type: &str) -> OAuthError {
    let shown: String = grant_type.chars().take(100).collect();
    OAuthError::new(
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
        format!("not supported grant type: {shown}"),
    )
}

/// Device polling answers: HTTP 400 for every SDK at once.
pub fn device(code: &'static str, message: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, code, message)
}

pub fn internal() -> OAuthError {
    OAuthError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "Service internal error.",
    )
}

impl From<buckle_store::StoreError> for OAuthError {
    fn from(e: buckle_store::StoreError) -> OAuthError {
        if matches!(e, buckle_store::StoreError::InvalidInput) {
            return invalid_request("body");
        }
        tracing::error!(error = %e, "storage failure on an OAuth endpoint");
        internal()
    }
}
