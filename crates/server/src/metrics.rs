//! Prometheus metrics. Labels are route templates and status codes only, so no
//! token, code or id from a URL can reach them.

use crate::AppState;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once; later calls return the same handle.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

/// Counts a finished request and records its duration, by route template,
/// method and status.
pub fn record(method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
    // Only standard methods become labels: a client must not mint label values.
    let method: &'static str = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let status: metrics::SharedString = match status.as_u16() {
        200 => "200".into(),
        401 => "401".into(),
        403 => "403".into(),
        404 => "404".into(),
        other => other.to_string().into(),
    };
    let route = metrics::SharedString::from_owned(route.to_string());
    metrics::counter!("buckle_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("buckle_http_request_duration_seconds", "route" => route)
        .record(elapsed.as_secs_f64());
}

#[utoipa::path(
    get,
    path = "/metrics",
    summary = "Prometheus metrics",
    security(()),
    responses((status = 200, description = "Plain text", content_type = "text/plain", body = String))
)]
pub async fn serve(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(h) => ([("content-type", "text/plain; version=0.0.4")], h.render()).into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are disabled").into_response(),
    }
}
