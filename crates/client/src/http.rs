//! The two answer shapes of the protocol: the OAuth endpoints' flat JSON (with
//! `error`/`error_description` on failure) and `/v1`'s `{"code","msg","data"}` envelope.

use crate::error::{Error, Result};
use reqwest::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;

const LOGID_HEADER: &str = "x-tt-logid";

fn logid_of(r: &Response) -> Option<String> {
    r.headers()
        .get(LOGID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn unexpected(status: u16, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let detail: String = text.chars().take(200).collect();
    Error::Unexpected { status, detail }
}

/// Reads an OAuth endpoint's answer: the body as `T` on 2xx, else its error.
pub(crate) async fn oauth_answer<T: DeserializeOwned>(r: Response) -> Result<T> {
    let status = r.status().as_u16();
    let logid = logid_of(&r);
    let body = r.bytes().await?;
    if (200..300).contains(&status) {
        return serde_json::from_slice(&body).map_err(|_| unexpected(status, &body));
    }
    let v: Value = serde_json::from_slice(&body).map_err(|_| unexpected(status, &body))?;
    let text = |a: &str, b: &str| {
        v.get(a)
            .or_else(|| v.get(b))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    // Coze answers some OAuth failures with the /v1 envelope instead.
    if let Some(code) = v.get("code").and_then(Value::as_i64) {
        return Err(Error::Api {
            status,
            code,
            msg: text("msg", "message").unwrap_or_default(),
            logid: logid.or_else(|| envelope_logid(&v)),
        });
    }
    match text("error", "error_code") {
        Some(error) => Err(Error::OAuth {
            status,
            error,
            error_description: text("error_description", "error_message").unwrap_or_default(),
            logid,
        }),
        None => Err(unexpected(status, &body)),
    }
}

fn envelope_logid(v: &Value) -> Option<String> {
    v.pointer("/detail/logid")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Reads a `/v1` answer: `data` as `T` when `code` is 0, else an [`Error::Api`].
pub(crate) async fn envelope_answer<T: DeserializeOwned>(r: Response) -> Result<T> {
    let status = r.status().as_u16();
    let logid = logid_of(&r);
    let body = r.bytes().await?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| unexpected(status, &body))?;
    let code = v
        .get("code")
        .and_then(Value::as_i64)
        .ok_or_else(|| unexpected(status, &body))?;
    if code != 0 {
        return Err(Error::Api {
            status,
            code,
            msg: v
                .get("msg")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            logid: logid.or_else(|| envelope_logid(&v)),
        });
    }
    let data = v.get("data").cloned().unwrap_or(Value::Null);
    serde_json::from_value(data).map_err(|_| unexpected(status, &body))
}
