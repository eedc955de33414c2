//! The one middleware around every route: it counts the request in flight, gives
//! it its log id and, on the way out, sets the headers every response gets,
//! records the metrics and writes the request's log line. One layer rather than four, because each
//! `from_fn` layer boxes the request's future and clones its `Next`, and this runs
//! on every API call (the token check's budget is a few microseconds).

use crate::{AppState, headers, logid, metrics, request_log};
use axum::extract::State;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// What a request that matched no route is logged and counted as.
const UNMATCHED: &str = "unmatched";

pub async fn around(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let _counted = state.in_flight.enter();
    // The route's template (never the raw path: a token or code in a URL must
    // not reach a log line or a metric label).
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let no_store = headers::uncached(req.uri().path());
    let id = logid::LogId::new();
    let start = Instant::now();
    let mut resp = logid::scope(id, next.run(req)).await;
    let elapsed = start.elapsed();
    headers::apply(&mut resp, no_store);
    logid::stamp(&mut resp, &id);
    let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    metrics::record(&method, route, resp.status(), elapsed);
    // Probes poll every few seconds; only their failures are worth a line.
    if !(matches!(route, "/healthz" | "/readyz") && resp.status().is_success()) {
        request_log::record(&method, route, resp.status(), elapsed, id.as_str());
    }
    resp
}
