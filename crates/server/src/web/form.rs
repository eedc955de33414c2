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

/// A URL-encoded form body (`Content-Type: application/x-www-form-urlencoded`).
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let headers = req.headers().clone();
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(PageForm(v)),
            Err(_) => Err(unreadable(&headers)),
        }
    }
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
