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

/// The request counter and duration histogram of one (method, route, status).
struct RequestSeries {
    method: &'static str,
    status: u16,
    count: metrics::Counter,
    duration: metrics::Histogram,
}

thread_local! {
    /// Each worker thread's handles by route template: registering a series
    /// builds its labels and hashes them in the recorder's registry, which a
    /// request need not pay again. Bounded: routes are the router's templates,
    /// methods the standard ones, statuses three digits.
    static SERIES: std::cell::RefCell<std::collections::HashMap<String, Vec<RequestSeries>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
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
    let status = status.as_u16();
    let seconds = elapsed.as_secs_f64();
    SERIES.with_borrow_mut(|series| {
        let of_route = match series.get_mut(route) {
            Some(s) => s,
            None => series.entry(route.to_string()).or_default(),
        };
        if let Some(s) = of_route
            .iter()
            .find(|s| s.method == method && s.status == status)
        {
            s.count.increment(1);
            s.duration.record(seconds);
            return;
        }
        let s = register(method, route, status);
        s.count.increment(1);
        s.duration.record(seconds);
        of_route.push(s);
    });
}

thread_local! {
    /// Each worker thread's handles of `buckle_openapi_auth_failures_total`, by reason.
    static AUTH_FAILURES: std::cell::RefCell<Vec<(&'static str, metrics::Counter)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Counts a refused credential on the OpenAPI by `reason` (a handful of fixed
/// words), with the handle registered once per thread: unknown tokens are
/// refused at the rate the API is called.
pub fn auth_failure(reason: &'static str) {
    AUTH_FAILURES.with_borrow_mut(|known| {
        if let Some((_, c)) = known.iter().find(|(r, _)| *r == reason) {
            c.increment(1);
            return;
        }
        let c = metrics::counter!("buckle_openapi_auth_failures_total", "reason" => reason);
        c.increment(1);
        known.push((reason, c));
    });
}

fn register(method: &'static str, route: &str, status: u16) -> RequestSeries {
    let route = metrics::SharedString::from_owned(route.to_string());
    RequestSeries {
        method,
        status,
        count: metrics::counter!("buckle_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.to_string()),
        duration: metrics::histogram!("buckle_http_request_duration_seconds", "route" => route),
    }
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
