//! One log line per request at the default level: method, route template,
//! status, latency and log id. The route is the router's template (axum's
//! `MatchedPath`), never the raw path or query, so a token or code in a URL
//! cannot reach the logs.

use axum::http::{Method, StatusCode};
use std::time::Duration;

/// The request's line: its method, route template, status, latency and log id.
pub fn record(method: &Method, route: &str, status: StatusCode, elapsed: Duration, logid: &str) {
    tracing::info!(
        target: "buckle::request",
        %method,
        %route,
        status = status.as_u16(),
        latency_ms = format_args!("{:.2}", elapsed.as_secs_f64() * 1000.0),
        %logid,
        "request"
    );
}
