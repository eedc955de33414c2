//! Extractors for the pages' forms and query strings: one that cannot be read is
//! answered with the pages' own 400 page (HTML, in the visitor's language), not
//! axum's plain-text rejection.

use super::i18n::{Key, Lang};
use super::page::Notice;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;

fn unreadable(headers: &HeaderMap) -> Response {
    let lang = Lang::of(headers);
    Notice::text(
        StatusCode::BAD_REQUEST,
        lang,
        Key("bad_request.title"),
        lang.t("bad_request.text").to_string(),
    )
}

/// The longest form body a page reads (a PEM key with a few fields fits many times).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A URL-encoded form body (`Content-Type: application/x-www-form-urlencoded`).
/// Read as HTML forms send it: a `Vec` field collects a repeated name (a group
/// of checkboxes); any other field given twice is refused.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let is_form = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(unreadable(&headers));
        }
        let Ok(body) = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES).await else {
            return Err(unreadable(&headers));
        };
        parse_form(&body)
            .map(PageForm)
            .map_err(|_| unreadable(&headers))
    }
}

/// Reads a form body (see [`PageForm`]).
pub fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_html_form::de::Error> {
    serde_html_form::from_bytes(body)
}

/// The query string of a page.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(PageQuery(v)),
            Err(_) => Err(unreadable(&parts.headers)),
        }
    }
}

/// A form's errors, each next to its field (`""`: about the form as a whole),
/// already in the page's language.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// A refused service call: next to the field it blames, else above the form.
    pub fn from_service(e: &crate::service::ServiceError, lang: Lang) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.add(e.field().unwrap_or(""), super::refusal::localized(e, lang));
        errors
    }

    /// The error of a field, for the template.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Errors about no field in particular, and about fields the form does not
    /// show (so none is lost): for the top of the form.
    pub fn general(&self, shown: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| f.is_empty() || !shown.contains(f))
            .map(|(_, m)| m.as_str())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_form;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Picked {
        name: String,
        #[serde(default)]
        points: Vec<String>,
    }

    #[test]
    fn repeated_names_fill_a_list_and_nothing_else() {
        let p: Picked = parse_form(b"name=a&points=X&points=Y").unwrap();
        assert_eq!(p.points, ["X", "Y"]);
        let p: Picked = parse_form(b"name=a").unwrap();
        assert!(p.points.is_empty());
        assert!(parse_form::<Picked>(b"name=a&name=b").is_err());
        assert!(parse_form::<Picked>(b"name=a&other=1").is_err());
        assert!(parse_form::<Picked>(b"points=X").is_err());
    }
}
