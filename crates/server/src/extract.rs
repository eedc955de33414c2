//! Extractors that turn every malformed request into a 400/4000 envelope.
//! Parameters land in structs; serde rejects duplicate fields.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad_request("Content-Type must be application/json.")
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::bad_request(format!("Invalid request body: {}", clip(&e.body_text())))
        }
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request("Invalid request body: not valid JSON.")
        }
        JsonRejection::BytesRejection(_) => {
            ApiError::bad_request("Invalid request body: could not be read (too large?).")
        }
        _ => ApiError::bad_request("Invalid request body."),
    }
}

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::bad_request(
                format!("Invalid query: {}", clip(&e.body_text())),
            )),
            Err(_) => Err(ApiError::bad_request("Invalid query.")),
        }
    }
}

pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(ApiError::bad_request(
                format!("Invalid path: {}", clip(&e.body_text())),
            )),
            Err(_) => Err(ApiError::bad_request("Invalid path.")),
        }
    }
}

/// Messages quote client input; keep them short.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(300).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Parses a numeric id from the wire (string or path segment).
pub fn id(raw: &str, what: &str) -> Result<i64, ApiError> {
    buckle_core::ids::parse_id(raw).ok_or_else(|| ApiError::bad_request(format!("Invalid {what}.")))
}

/// Page parameters shared by list endpoints: `page_num` from 1, `page_size` 1..=100.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
    pub fn from_params(page_num: Option<i64>, page_size: Option<i64>) -> Result<Page, ApiError> {
        let num = page_num.unwrap_or(1);
        let size = page_size.unwrap_or(20);
        if !(1..=1_000_000).contains(&num) {
            return Err(ApiError::bad_request("page_num must be at least 1."));
        }
        if !(1..=100).contains(&size) {
            return Err(ApiError::bad_request(
                "page_size must be between 1 and 100.",
            ));
        }
        Ok(Page {
            offset: (num - 1) * size,
            limit: size,
        })
    }

    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .skip(self.offset as usize)
            .take(self.limit as usize)
            .collect()
    }
}
