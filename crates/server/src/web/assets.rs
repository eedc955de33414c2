//! Static files for the pages, compiled in. Each is served under a fingerprinted
//! name (its content's digest) with a year's caching, and under its plain name
//! with an hour's, for anything that links it directly. Scripts and styles are
//! files, never inline, so every page's CSP is `default-src 'self'`.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

/// One static file: its plain name, its type and its content.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    /// `stem.<digest>.ext`: changes whenever the content does.
    fingerprinted: String,
    /// `/static/<fingerprinted>`, for links.
    path: String,
}

/// The files: the stylesheet, the pages' small script (copy buttons, dialogs)
/// and the key-pair generator of the app pages.
const FILES: [(&str, &str, &str); 3] = [
    (
        "buckle.css",
        "text/css; charset=utf-8",
        include_str!("../../static/buckle.css"),
    ),
    (
        "buckle.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/buckle.js"),
    ),
    (
        "keys.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/keys.js"),
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, body)| {
            let digest = buckle_core::secret::hash_secret(body);
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
            let fingerprinted = format!("{stem}.{}.{ext}", &digest[..16]);
            Asset {
                name,
                content_type,
                body,
                path: format!("/static/{fingerprinted}"),
                fingerprinted,
            }
        })
        .collect()
});

/// The fingerprinted address of a static file, for `<link>` and `<script>`.
pub fn path_of(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.path.as_str())
        .unwrap_or("/static/missing")
}

/// The stylesheet's fingerprinted address.
pub fn stylesheet_path() -> &'static str {
    path_of("buckle.css")
}

/// `GET /static/{file}`.
#[utoipa::path(
    get,
    path = "/static/{file}",
    summary = "The pages' stylesheet and scripts (by plain or fingerprinted name)",
    params(("file" = String, Path, description = "File name")),
    security(()),
    responses(
        (status = 200, description = "CSS or JavaScript", content_type = "text/css", body = String),
        (status = 404, description = "No such file", content_type = "text/plain", body = String)
    )
)]
pub async fn serve(Path(file): Path<String>) -> Response {
    let found = ASSETS.iter().find_map(|a| {
        if file == a.fingerprinted {
            Some((a, "public, max-age=31536000, immutable"))
        } else if file == a.name {
            Some((a, "public, max-age=3600"))
        } else {
            None
        }
    });
    let Some((asset, cache)) = found else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_distinct_fingerprinted_path() {
        let paths: Vec<_> = FILES.iter().map(|(n, _, _)| path_of(n)).collect();
        for (p, (name, _, _)) in paths.iter().zip(FILES.iter()) {
            let (stem, ext) = name.rsplit_once('.').unwrap();
            assert!(p.starts_with(&format!("/static/{stem}.")), "{p}");
            assert!(p.ends_with(&format!(".{ext}")), "{p}");
        }
        let mut unique = paths.clone();
        unique.dedup();
        assert_eq!(unique.len(), paths.len());
        assert_eq!(path_of("nope.js"), "/static/missing");
    }
}
