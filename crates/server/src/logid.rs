//! Every response carries a log id, in the `x-tt-logid` header and in the body's
//! `detail.logid`; the id is set for the request's task so any response can read it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;

tokio::task_local! {
    static LOGID: String;
}

/// Unix seconds then 20 random hex digits: sortable by time, unguessable.
fn new_logid() -> String {
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

pub async fn assign(req: Request, next: Next) -> Response {
    let id = new_logid();
    let mut resp = LOGID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-tt-logid", v);
    }
    resp
}
