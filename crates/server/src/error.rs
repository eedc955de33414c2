//! The Coze OpenAPI envelope, for successes and errors alike:
//! `{"code":0,"msg":"","data":...,"detail":{"logid":"..."}}`.

pub use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    /// Borrowed when fixed (most are): an unknown token's 401 allocates nothing.
    pub msg: std::borrow::Cow<'static, str>,
    /// Seconds a 429's client should wait, sent as `Retry-After` (RFC 6585 §4).
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: i64,
        msg: impl Into<std::borrow::Cow<'static, str>>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            msg: msg.into(),
            retry_after: None,
        }
    }

    /// The same error, telling the client how many seconds to wait.
    pub fn with_retry_after(mut self, seconds: i64) -> ApiError {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// 400/4000: the request itself is wrong.
    pub fn bad_request(msg: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, 4000, msg)
    }

    /// 401/4100: missing, unknown, expired, revoked or suspended credential.
    pub fn unauthenticated(msg: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, 4100, msg)
    }

    /// 403/4101: a valid credential without the permission, workspace or bot.
    pub fn forbidden(msg: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, 4101, msg)
    }

    /// 404/4200.
    pub fn not_found(msg: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, 4200, msg)
    }

    /// 409/4000: the request conflicts with what exists (a taken name).
    pub fn conflict(msg: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, 4000, msg)
    }

    /// 429/4013.
    pub fn rate_limited(msg: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, 4013, msg)
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            5000,
            "Service internal error.",
        )
    }
}

impl From<buckle_store::StoreError> for ApiError {
    fn from(e: buckle_store::StoreError) -> ApiError {
        match e {
            buckle_store::StoreError::NotFound => ApiError::not_found("Not found."),
            buckle_store::StoreError::Conflict => ApiError::conflict("It already exists."),
            buckle_store::StoreError::InvalidInput => ApiError::bad_request(
                "The request contains characters that cannot be stored (such as NUL).",
            ),
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::internal()
            }
        }
    }
}

impl From<buckle_core::reach::Denial> for ApiError {
    fn from(d: buckle_core::reach::Denial) -> ApiError {
        ApiError::forbidden(d.to_string())
    }
}

/// Every envelope's `detail`.
#[derive(Serialize, ToSchema)]
pub struct Detail {
    /// Also in the `X-Tt-Logid` header.
    #[schema(min_length = 1, value_type = String)]
    pub logid: crate::logid::LogId,
}

impl Detail {
    fn current() -> Detail {
        Detail {
            logid: crate::logid::current(),
        }
    }
}

/// A failed call's envelope: an error `code` (4000 bad request, 4100
/// authentication failed, 4101 no permission, 4200 not found, 4013 rate limited),
/// its `msg`, and the log id; never `data`.
#[derive(Serialize, ToSchema)]
// `deny_unknown_fields` only tells the schema: additionalProperties false.
#[serde(deny_unknown_fields)]
pub struct ErrorEnvelope {
    pub code: i64,
    #[schema(min_length = 1, value_type = String)]
    pub msg: std::borrow::Cow<'static, str>,
    pub detail: Detail,
}

/// A successful call's envelope: `code` 0, an empty `msg`, the `data`, and the log id.
#[derive(Serialize, ToSchema)]
pub struct Success<T> {
    #[schema(minimum = 0, maximum = 0)]
    pub code: i64,
    pub msg: String,
    pub data: T,
    pub detail: Detail,
}

/// The `data` of a call that answers with nothing but success.
#[derive(Serialize, ToSchema)]
pub struct Empty {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            code: self.code,
            msg: self.msg,
            detail: Detail::current(),
        };
        let mut resp = json(self.status, &body);
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        resp
    }
}

/// A successful enveloped response.
pub struct Envelope<T>(pub T);

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        json(
            StatusCode::OK,
            &Success {
                code: 0,
                msg: String::new(),
                data: self.0,
                detail: Detail::current(),
            },
        )
    }
}

/// `body` as a JSON response. What axum's `Json` does, with a first buffer that
/// holds a typical answer (axum's 128 bytes do not hold `users.me`'s envelope
/// or an introspection, so every call grew it once or more).
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut buf = Vec::with_capacity(512);
    match serde_json::to_writer(&mut buf, body) {
        Ok(()) => (
            status,
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            buf,
        )
            .into_response(),
        Err(e) => {
            // Only a failing `Serialize` impl gets here, never a client's input.
            tracing::error!(error = %e, "a response could not be serialized");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub type ApiResult<T> = Result<Envelope<T>, ApiError>;

pub fn ok<T>(data: T) -> ApiResult<T> {
    Ok(Envelope(data))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("No such endpoint.")
}

/// A known path with a method it does not take: a bad request, in the shape the
/// path's clients read (OAuth endpoints never answer with a `code` key).
pub async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    const MSG: &str = "This endpoint does not accept that HTTP method.";
    if uri.path().starts_with("/api/permission/oauth2/") {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("invalid request: {MSG}"),
        )
        .into_response()
    } else {
        ApiError::bad_request(MSG).into_response()
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    internal_response()
}

/// The enveloped 500.
pub fn internal_response() -> Response {
    ApiError::internal().into_response()
}

/// The OAuth endpoints' error body: both naming styles, never a `code` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
}

impl OAuthError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> OAuthError {
        OAuthError {
            status,
            error,
            message: message.into(),
        }
    }
}

/// The OAuth endpoints' error body on the wire (RFC 6749 names and Coze's names).
#[derive(Serialize, ToSchema)]
#[schema(as = OAuthError)]
pub struct OAuthErrorBody {
    pub error: &'static str,
    pub error_description: String,
    pub error_code: &'static str,
    pub error_message: String,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = OAuthErrorBody {
            error: self.error,
            error_description: self.message.clone(),
            error_code: self.error,
            error_message: self.message,
        };
        json(self.status, &body)
    }
}
