//! The reference point: a bare axum route answering `GET /v1/users/me` with the
//! very status, headers and body Buckle answered once, with no work behind it.
//! Buckle's figures divided by this route's are the ratios the benchmark reports.

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::routing::get;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct BareArgs {
    /// Address to listen on, e.g. 127.0.0.1:17071.
    #[arg(long)]
    pub listen: String,
    /// A response as `curl -si` printed it: status line, headers, blank line, body.
    #[arg(long)]
    pub response: PathBuf,
}

/// A recorded response, minus the headers hyper writes itself.
#[derive(Clone)]
struct Recorded {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

fn parse(raw: &[u8]) -> Result<Recorded> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no blank line after the headers")?;
    let head = std::str::from_utf8(&raw[..split]).context("headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status code")?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            bail!("header line without a colon: {line:?}");
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())?;
        if ["content-length", "date", "connection", "transfer-encoding"].contains(&name.as_str()) {
            continue;
        }
        headers.append(name, HeaderValue::from_str(value.trim())?);
    }
    Ok(Recorded {
        status: StatusCode::from_u16(status)?,
        headers,
        body: Bytes::copy_from_slice(&raw[split + 4..]),
    })
}

pub async fn serve(a: BareArgs) -> Result<()> {
    let raw =
        std::fs::read(&a.response).with_context(|| format!("reading {}", a.response.display()))?;
    let recorded = parse(&raw)?;
    let app = Router::new()
        .route(
            "/v1/users/me",
            get(move || {
                let r = recorded.clone();
                async move { (r.status, r.headers, r.body) }
            }),
        )
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&a.listen)
        .await
        .with_context(|| format!("listening on {}", a.listen))?;
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_response_keeps_status_headers_and_body_but_not_framing() {
        let raw = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-tt-logid: 42\r\ncontent-length: 11\r\ndate: Tue, 01 Dec 2026 02:00:00 GMT\r\n\r\n{\"code\":0}\n";
        let r = parse(raw).unwrap();
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.headers["x-tt-logid"], "42");
        assert!(r.headers.get("content-length").is_none() && r.headers.get("date").is_none());
        assert_eq!(&r.body[..], b"{\"code\":0}\n");
    }

    #[test]
    fn a_response_without_headers_end_is_refused() {
        assert!(parse(b"HTTP/1.1 200 OK\r\ncontent-type: x").is_err());
        assert!(parse(b"garbage\r\n\r\n").is_err());
    }
}
