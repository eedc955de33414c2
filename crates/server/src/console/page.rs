//! HTML rendering helpers: escaping, the page frame, and the headers every page gets.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// English then Chinese, for labels.
pub fn both(en: &str, zh: &str) -> String {
    format!("{} <span lang=\"zh-CN\">{}</span>", esc(en), esc(zh))
}

pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

/// The pages' stylesheet, served as a file so the CSP needs no `'unsafe-inline'`.
pub const STYLESHEET_PATH: &str = "/static/buckle.css";
const STYLESHEET: &str = include_str!("../../static/buckle.css");

/// `GET /static/buckle.css`.
#[utoipa::path(
    get,
    path = "/static/buckle.css",
    summary = "The pages' stylesheet",
    security(()),
    responses((status = 200, description = "CSS", content_type = "text/css", body = String))
)]
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// A whole page, with headers that keep it out of frames and caches.
pub fn render(status: StatusCode, title_en: &str, title_zh: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · Buckle</title><link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\"></head><body><h1>{}</h1>{body}</body></html>",
        esc(title_en),
        both(title_en, title_zh)
    );
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"),
    );
    resp
}

/// A page that only says something.
pub fn message(
    status: StatusCode,
    title_en: &str,
    title_zh: &str,
    text_en: &str,
    text_zh: &str,
) -> Response {
    render(
        status,
        title_en,
        title_zh,
        &format!(
            "<p>{}</p><p lang=\"zh-CN\">{}</p>",
            esc(text_en),
            esc(text_zh)
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(
            super::esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
