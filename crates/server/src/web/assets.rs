//! Static files for the pages, compiled in. Each is served under a fingerprinted
//! name (its content's digest) with a year's caching, and under its plain name
//! with an hour's, for anything that links it directly.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

const STYLESHEET: &str = include_str!("../../static/buckle.css");

/// `buckle.<digest>.css`: changes whenever the stylesheet does.
static FINGERPRINTED: LazyLock<String> = LazyLock::new(|| {
    let digest = buckle_core::secret::hash_secret(STYLESHEET);
    format!("buckle.{}.css", &digest[..16])
});
static STYLESHEET_PATH: LazyLock<String> =
    LazyLock::new(|| format!("/static/{}", FINGERPRINTED.as_str()));

/// The stylesheet's fingerprinted address, for `<link>`.
pub fn stylesheet_path() -> &'static str {
    STYLESHEET_PATH.as_str()
}

/// `GET /static/{file}`.
#[utoipa::path(
    get,
    path = "/static/{file}",
    summary = "The pages' stylesheet (buckle.css, or its fingerprinted name)",
    params(("file" = String, Path, description = "File name")),
    security(()),
    responses(
        (status = 200, description = "CSS", content_type = "text/css", body = String),
        (status = 404, description = "No such file", content_type = "text/plain", body = String)
    )
)]
pub async fn serve(Path(file): Path<String>) -> Response {
    let cache = if file == FINGERPRINTED.as_str() {
        "public, max-age=31536000, immutable"
    } else if file == "buckle.css" {
        "public, max-age=3600"
    } else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        STYLESHEET,
    )
        .into_response()
}
