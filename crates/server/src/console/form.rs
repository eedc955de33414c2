//! Extractors for the browser pages: a form or query string that cannot be read
//! is answered with the pages' own 400 page (HTML), not axum's plain-text rejection.

use super::page::message;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;

fn unreadable() -> Response {
    message(
        StatusCode::BAD_REQUEST,
        "Bad request",
        "请求无效",
        "The request's parameters could not be read.",
        "无法读取请求参数。",
    )
}

/// A URL-encoded form body (`Content-Type: application/x-www-form-urlencoded`).
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(PageForm(v)),
            Err(_) => Err(unreadable()),
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
            Err(_) => Err(unreadable()),
        }
    }
}
