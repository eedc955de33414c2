//! Finding the app a request names and authenticating it.

use super::errors::{deactivated, invalid_app_type, invalid_client, invalid_request};
use crate::AppState;
use crate::error::OAuthError;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use buckle_core::AppType;
/// The flows' modules name the client types through here; there is one, core's.
pub use buckle_core::ClientType;
use buckle_core::secret::{constant_time_eq, hash_secret};
use buckle_store::OAuthApp;
use std::sync::Arc;

/// The `Authorization: Bearer` value, with the SDKs' three ways of sending nothing
/// (no header, `Bearer`, `Bearer `) all read as `None`.
pub fn bearer_value(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    (!token.is_empty()).then_some(token)
}

/// Loads the app named by `client_id` and checks it may use a flow meant for `allowed`.
pub async fn app_for_flow(
    state: &AppState,
    client_id: Option<&str>,
    allowed: &[ClientType],
) -> Result<Arc<OAuthApp>, OAuthError> {
    let client_id = client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid_request("client_id"))?;
    if client_id.len() > 128 {
        return Err(invalid_client("unknown client_id"));
    }
    let app = state
        .credentials
        .app(&state.store, client_id)
        .await?
        .ok_or_else(|| invalid_client("unknown client_id"))?;
    check_flow(&app, allowed)?;
    Ok(app)
}

/// Channel apps and apps of another client type get `invalid app type`; disabled
/// apps are deactivated.
pub fn check_flow(app: &OAuthApp, allowed: &[ClientType]) -> Result<(), OAuthError> {
    let fits = app.app_type == AppType::Normal && allowed.contains(&app.client_type);
    if !fits {
        return Err(invalid_app_type());
    }
    if !app.enabled {
        return Err(deactivated(&app.name));
    }
    Ok(())
}

/// Web apps prove themselves with their secret; public clients (PKCE, device) send none.
pub fn authenticate(app: &OAuthApp, headers: &HeaderMap) -> Result<(), OAuthError> {
    let sent = bearer_value(headers);
    match app.client_type {
        ClientType::Web => {
            let secret = sent.ok_or_else(|| invalid_client("the client secret is missing"))?;
            if app.secret_hash.is_empty()
                || !constant_time_eq(&hash_secret(secret), &app.secret_hash)
            {
                return Err(invalid_client("the client secret is wrong"));
            }
            Ok(())
        }
        _ if sent.is_some() => Err(invalid_client(
            "a public client must not send a client secret",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_value;
    use axum::http::HeaderMap;

    #[test]
    fn empty_bearer_forms_mean_no_secret() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_value(&h), None);
        for v in ["Bearer", "Bearer ", "bearer   "] {
            h.insert("authorization", v.parse().unwrap());
            assert_eq!(bearer_value(&h), None, "{v:?}");
        }
        h.insert("authorization", "Bearer abc".parse().unwrap());
        assert_eq!(bearer_value(&h), Some("abc"));
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(bearer_value(&h), None);
    }
}
