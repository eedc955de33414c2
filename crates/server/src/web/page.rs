//! Rendering a page: the frame every template shares, the headers every page
//! gets, a page that only says something, and the way to the sign-in page.

use super::assets;
use super::i18n::{Key, Lang};
use super::session::Visitor;
use crate::console::context::Nav;
use askama::Template;
use axum::http::header::{self, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Every page's policy: its own origin only (the stylesheet), never framed.
pub const CSP: &str = "default-src 'self'; frame-ancestors 'none'";

/// What the base layout needs: the language, the title, the language switch,
/// the static files and, on console pages, the console's header.
pub struct Frame {
    pub lang: Lang,
    pub title: &'static str,
    pub switch_href: String,
    pub stylesheet: &'static str,
    pub script: &'static str,
    pub nav: Option<Nav>,
}

impl Frame {
    pub fn new(visitor: &Visitor, title: Key) -> Frame {
        Frame::for_lang(visitor.lang, &visitor.here, title)
    }

    /// `here`: where the language switch comes back to.
    pub fn for_lang(lang: Lang, here: &str, title: Key) -> Frame {
        let other = lang.other();
        Frame {
            lang,
            title: lang.t(title.0),
            switch_href: format!(
                "/lang/{}?next={}",
                other.tag(),
                buckle_core::redirect::encode(here)
            ),
            stylesheet: assets::stylesheet_path(),
            script: assets::path_of("buckle.js"),
            nav: None,
        }
    }

    /// The text of a message key in the page's language (for templates).
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

/// A rendered template with the pages' headers.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    let html = match page.render() {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "a page template failed to render");
            return with_headers(
                (StatusCode::INTERNAL_SERVER_ERROR, String::new()).into_response(),
            );
        }
    };
    with_headers((status, html).into_response())
}

fn with_headers(mut resp: Response) -> Response {
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
        HeaderValue::from_static(CSP),
    );
    resp
}

/// A page that only says something (a result or an error).
#[derive(Template)]
#[template(path = "message.html")]
pub struct Notice {
    pub frame: Frame,
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    /// A page titled `title` saying `text` (already in the page's language). Its
    /// language switch leads to the start: a result or refusal page tells nothing
    /// about the request it answers (a refused workspace id, say) beyond its text.
    pub fn text(status: StatusCode, lang: Lang, title: Key, text: String) -> Response {
        let page = Notice {
            frame: Frame::for_lang(lang, "/", title),
            text,
            is_error: status.is_client_error() || status.is_server_error(),
        };
        render(status, &page)
    }

    /// A page titled `title` saying the message `text`.
    pub fn show(status: StatusCode, visitor: &Visitor, title: Key, text: Key) -> Response {
        Notice::text(
            status,
            visitor.lang,
            title,
            visitor.lang.t(text.0).to_string(),
        )
    }
}

/// Where to go after signing in: a local absolute path, never another origin.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Redirect to the sign-in page, coming back to `next` afterwards.
pub fn redirect_to_login(next: &str) -> Response {
    let to = format!("/login?next={}", buckle_core::redirect::encode(next));
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_origin() {
        use super::safe_next;
        assert_eq!(
            safe_next(Some("/api/permission/oauth2/authorize?x=1")),
            "/api/permission/oauth2/authorize?x=1"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
