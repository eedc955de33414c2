//! Every response carries a log id, in the `x-tt-logid` header and in the body's
//! `detail.logid`; the id is set for the request's task so any response can read it.

use axum::http::HeaderValue;
use axum::response::Response;
use rand::Rng;

tokio::task_local! {
    static LOGID: String;
}

/// Unix seconds then 20 random hex digits: sortable by time, unguessable.
pub fn new_logid() -> String {
    let now = buckle_core::now_unix();
    let mut rng = rand::rng();
    format!(
        "{now}{:016X}{:04X}",
        rng.random::<u64>(),
        rng.random::<u16>()
    )
}

/// The current request's log id (empty outside a request).
pub fn current() -> String {
    LOGID.try_with(Clone::clone).unwrap_or_default()
}

/// Runs `f` with `id` as the current log id.
pub async fn scope<F: std::future::Future>(id: String, f: F) -> F::Output {
    LOGID.scope(id, f).await
}

/// Puts the log id in the response's `x-tt-logid` header.
pub fn stamp(resp: &mut Response, id: &str) {
    if let Ok(v) = HeaderValue::from_str(id) {
        resp.headers_mut().insert("x-tt-logid", v);
    }
}
