//! One log line per request at the default level: method, route template,
//! status, latency and log id. The route is the router's template (axum's
//! `MatchedPath`), never the raw path or query, so a token or code in a URL
//! cannot reach the logs.

use crate::logid;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// What a request that matched no route is logged as.
const UNMATCHED: &str = "unmatched";

pub async fn line(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |p| p.as_str().to_string());
    let method = req.method().clone();
    let start = Instant::now();
    let resp = next.run(req).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "buckle::request",
        %method,
        %route,
        status = resp.status().as_u16(),
        latency_ms = format_args!("{latency_ms:.2}"),
        logid = %logid::current(),
        "request"
    );
    resp
}
