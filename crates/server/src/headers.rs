//! Headers every response gets: `nosniff` everywhere, and no caching of anything
//! that may carry a secret or a person's data (tokens, client secrets, device
//! codes, sessions, the pages). RFC 6749 §5.1 asks `no-store` and `Pragma:
//! no-cache` of token responses; one rule over whole areas keeps a new route from
//! forgetting it.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Path prefixes whose responses are never stored by a cache.
const UNCACHED: &[&str] = &[
    "/api/manage/",
    "/api/permission/",
    "/oauth/",
    "/login",
    "/signup",
];

/// Whether the response to `path` must never be stored by a cache.
pub fn uncached(path: &str) -> bool {
    UNCACHED.iter().any(|p| path.starts_with(p))
}

/// Sets the headers every response gets; `no_store` when its path is in an
/// uncached area (pages are never stored either).
pub fn apply(resp: &mut Response, no_store: bool) {
    let h = resp.headers_mut();
    let no_store = no_store
        || h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_bearing_areas_are_uncached() {
        for p in [
            "/api/manage/session",
            "/api/manage/apps/1/secret",
            "/api/permission/oauth2/token",
            "/api/permission/oauth2/device/code",
            "/api/permission/oauth2/introspect",
            "/oauth/device",
            "/oauth/authorize-app",
            "/login",
            "/signup",
        ] {
            assert!(super::uncached(p), "{p}");
        }
        for p in ["/openapi.json", "/healthz", "/v1/users/me"] {
            assert!(!super::uncached(p), "{p}");
        }
    }
}
