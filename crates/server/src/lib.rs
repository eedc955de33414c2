//! Buckle's HTTP surface. Each edge (the JSON management API in `manage/`, the
//! OAuth endpoints in `oauth/`, the `/v1` OpenAPI in `openapi/`, the pages in
//! `console/` and `web/`) parses its input, calls `service/` (which applies
//! `buckle-core`'s pure rules and the store), and maps the outcome in its own format.
//! The token check on every `/v1` call (`auth.rs`) reads the store through the
//! in-process credential cache (`credential_cache.rs`), which processes sharing
//! one PostgreSQL keep in step (`credential_broadcast.rs`).

pub mod api_doc;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod console;
pub mod credential_broadcast;
pub mod credential_cache;
pub mod credential_change;
pub mod device_usage;
pub mod edge;
pub mod error;
pub mod extract;
pub mod headers;
pub mod introspect;
pub mod jwt_issuers;
pub mod known_device;
pub mod listen;
pub mod logid;
pub mod manage;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod password;
pub mod peer;
pub mod request_log;
pub mod samples;
pub mod service;
pub mod state;
pub mod throttle;
pub mod tls;
pub mod web;

pub use config::Config;
pub use state::AppState;

use axum::Router;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The whole application: every route and middleware.
pub fn router(state: AppState) -> Router {
    api_doc::routes_and_document()
        .0
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Innermost first: a panic still gets an enveloped 500 with its log id.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn(edge::around))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .with_state(state)
}

/// The operational routes: the document itself, metrics, health.
fn operational_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_doc::serve))
        .routes(routes!(metrics::serve))
        .routes(routes!(healthz))
}

/// 503 when the database does not answer, so a load balancer takes the node out.
#[utoipa::path(
    get,
    path = "/healthz",
    summary = "Liveness and database check",
    security(()),
    responses((status = 200, description = "Plain text", content_type = "text/plain", body = String), (status = 503, description = "The database does not answer", content_type = "text/plain", body = String))
)]
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok"),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        ),
    }
}

/// One pass of the hourly clean-up: what can no longer be used, and audit events
/// past their retention.
pub async fn housekeeping(state: &AppState) {
    let now = state.clock.now();
    if let Err(e) = state.store.purge_expired_sessions(now).await {
        tracing::warn!(error = %e, "could not purge expired console sessions");
    }
    if let Err(e) = state.store.purge_expired_oauth(now).await {
        tracing::warn!(error = %e, "could not purge expired OAuth codes and tokens");
    }
    if let Err(e) = state
        .store
        .purge_audit(now - state.config.audit_retention)
        .await
    {
        tracing::warn!(error = %e, "could not purge old audit events");
    }
    let forgotten = now - buckle_core::throttle::FORGET_AFTER;
    if let Err(e) = state
        .store
        .purge_forgotten_throttle_counters(forgotten)
        .await
    {
        tracing::warn!(error = %e, "could not purge old throttling counters");
    }
    if let Err(e) = state.store.purge_expired_known_devices(now).await {
        tracing::warn!(error = %e, "could not purge expired known devices");
    }
}

/// Serves until `shutdown` resolves, on a plain TCP listener or a
/// [`tls::TlsListener`].
pub async fn serve(
    listener: impl Into<listen::Listener>,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Held until serving ends, which stops its tasks.
    let _broadcast = credential_broadcast::start(&state.store, &state.credentials).await;
    let hk_state = state.clone();
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            housekeeping(&hk_state).await;
        }
    });
    // Loads the quotas and today's stored usage before the first call.
    if let Err(e) = state
        .device_usage
        .flush(&state.store, state.clock.now())
        .await
    {
        tracing::warn!(error = %e, "could not load device usage and quotas");
    }
    let usage_state = state.clone();
    let usage_flusher = tokio::spawn(async move {
        let every = u64::try_from(usage_state.config.device_usage_flush.max(1)).unwrap_or(1);
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(every));
        // The first tick is immediate; the load above already did its work.
        tick.tick().await;
        loop {
            tick.tick().await;
            let s = &usage_state;
            if let Err(e) = s.device_usage.flush(&s.store, s.clock.now()).await {
                tracing::warn!(error = %e, "could not flush device usage");
            }
        }
    });
    let final_state = state.clone();
    // The peer address feeds per-address throttling (`peer::PeerAddress`).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // `tap_io` only for its `ConnectInfo<SocketAddr>` support on any listener.
    let listener = axum::serve::ListenerExt::tap_io(listener.into(), |_| {});
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    housekeeping.abort();
    usage_flusher.abort();
    // Every call has been answered: the last counts go to the database.
    if let Err(e) = final_state
        .device_usage
        .flush(&final_state.store, final_state.clock.now())
        .await
    {
        tracing::error!(error = %e, "could not flush device usage at shutdown");
    }
    served
}

pub type SharedCatalog = Arc<buckle_core::Catalog>;
