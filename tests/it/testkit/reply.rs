//! Responses reduced to what tests assert on: the Coze envelope of the OpenAPI and
//! the management API, and the flat dual-field answer of the OAuth endpoints.

use reqwest::{Response, StatusCode};
use serde_json::Value;

/// A response reduced to what tests assert on.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub logid_header: Option<String>,
    pub content_type: Option<String>,
    /// The `Retry-After` header of a 429, in seconds.
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Reply {
    pub async fn of(r: Response) -> Reply {
        let status = r.status();
        let logid_header = r
            .headers()
            .get("x-tt-logid")
            .map(|v| v.to_str().unwrap().to_string());
        let content_type = content_type(&r);
        let retry_after = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            logid_header,
            content_type,
            retry_after,
            body,
        }
    }

    /// The Coze envelope's `code`.
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Asserts success and returns `data`.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(
            (self.status, self.code()),
            (StatusCode::OK, 0),
            "expected success, got {self:?}"
        );
        self.data()
    }

    /// Asserts an enveloped error with the given HTTP status and code.
    #[track_caller]
    pub fn fails(&self, status: u16, code: i64) -> &str {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "expected {status}/{code}, got {self:?}"
        );
        let msg = self.body["msg"].as_str().unwrap();
        assert!(!msg.is_empty(), "error messages are never empty: {self:?}");
        assert_json(self.content_type.as_deref(), &self.body);
        let logid = self.body["detail"]["logid"].as_str();
        assert!(
            logid.is_some_and(|l| !l.is_empty()),
            "errors carry a log id in the body: {self:?}"
        );
        assert_eq!(
            logid,
            self.logid_header.as_deref(),
            "body and header log ids agree"
        );
        msg
    }
}

/// A response's `Content-Type`.
pub fn content_type(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
}

/// Errors are JSON, and say so.
#[track_caller]
fn assert_json(content_type: Option<&str>, body: &Value) {
    assert!(
        content_type.is_some_and(|c| c.split(';').next() == Some("application/json")),
        "an error's Content-Type is application/json, got {content_type:?} for {body}"
    );
}

/// The flat OAuth answer of the token endpoints.
#[derive(Debug)]
pub struct OAuthReply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Value,
}

impl OAuthReply {
    pub async fn of(r: Response) -> OAuthReply {
        let status = r.status();
        let content_type = content_type(&r);
        let body = r.json().await.unwrap_or(Value::Null);
        OAuthReply {
            status,
            content_type,
            body,
        }
    }

    #[track_caller]
    pub fn token(&self) -> &Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected a token, got {self:?}"
        );
        assert!(self.body.get("code").is_none());
        &self.body
    }

    /// Asserts the dual-field error format with this status and error code.
    #[track_caller]
    pub fn error(&self, status: u16, error: &str) -> String {
        assert_eq!(
            (self.status.as_u16(), self.body["error"].as_str()),
            (status, Some(error)),
            "expected {status} {error}, got {self:?}"
        );
        assert_eq!(self.body["error_code"], self.body["error"]);
        assert_eq!(self.body["error_message"], self.body["error_description"]);
        assert!(self.body.get("code").is_none(), "never a code key");
        assert_json(self.content_type.as_deref(), &self.body);
        let msg = self.body["error_message"].as_str().unwrap().to_string();
        assert!(!msg.is_empty());
        msg
    }
}

/// POSTs JSON to an OAuth endpoint with an optional `Authorization: Bearer` value.
pub async fn oauth_post(base: &str, path: &str, bearer: Option<&str>, body: Value) -> OAuthReply {
    let mut rb = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(b) = bearer {
        rb = rb.header("Authorization", format!("Bearer {b}"));
    }
    OAuthReply::of(rb.send().await.unwrap()).await
}
