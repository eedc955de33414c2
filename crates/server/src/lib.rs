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
pub mod in_flight;
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
pub mod token_use;
pub mod ttl_cache;
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
        .layer(edge::EdgeLayer::new(state.in_flight.clone()))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .with_state(state)
}

/// The operational routes: the document itself, metrics, health.
fn operational_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_doc::serve))
        .routes(routes!(metrics::serve))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The process is up: answered without touching the database, so a slow or
/// unreachable database does not get a healthy process restarted.
#[utoipa::path(
    get,
    path = "/healthz",
    summary = "Liveness: the process is up",
    security(()),
    responses((status = 200, description = "Plain text", content_type = "text/plain", body = String))
)]
async fn healthz() -> &'static str {
    "ok"
}

/// Ready for traffic: the database answers and its schema is exactly the
/// binary's; 503 with a short reason otherwise, and while shutting down, so a
/// load balancer takes the node out.
#[utoipa::path(
    get,
    path = "/readyz",
    summary = "Readiness: database reachable, schema current, not shutting down",
    security(()),
    responses((status = 200, description = "Plain text", content_type = "text/plain", body = String), (status = 503, description = "Not ready; the reason in plain text", content_type = "text/plain", body = String))
)]
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, String) {
    use axum::http::StatusCode;
    if state
        .shutting_down
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down".into());
    }
    match state.store.schema_status().await {
        Ok(s) if s.is_current() => (StatusCode::OK, "ready".into()),
        Ok(s) => {
            let reason = match &s.problem {
                Some(p) => p.to_string(),
                None => format!(
                    "{} database migration(s) pending (database at {}, binary at {})",
                    s.pending.len(),
                    s.database_version,
                    s.binary_version
                ),
            };
            (StatusCode::SERVICE_UNAVAILABLE, reason)
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable".into(),
            )
        }
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
    let use_state = state.clone();
    let use_flusher = tokio::spawn(async move {
        let mut tick = tokio::time::interval(token_use::FLUSH_EVERY);
        loop {
            tick.tick().await;
            let s = &use_state;
            if let Err(e) = s.token_use.flush(&s.store).await {
                tracing::warn!(error = %e, "could not record token use");
            }
        }
    });
    let final_state = state.clone();
    let in_flight = final_state.clone();
    // The peer address feeds per-address throttling (`peer::PeerAddress`).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
    let signalled = final_state.clone();
    let signalled_in_flight = in_flight.clone();
    let signal = async move {
        shutdown.await;
        signalled
            .shutting_down
            .store(true, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(
            in_flight = signalled_in_flight.in_flight.count(),
            "shutting down: no new connections, finishing requests in flight"
        );
        let _ = stopping_tx.send(true);
    };
    // `tap_io` only for its `ConnectInfo<SocketAddr>` support on any listener.
    let listener = axum::serve::ListenerExt::tap_io(listener.into(), |_| {});
    let serving = axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .into_future();
    let timeout = final_state.config.shutdown_timeout;
    let served = tokio::select! {
        served = serving => served,
        _ = async {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(timeout).await;
        } => {
            tracing::warn!(
                cut = in_flight.in_flight.count(),
                timeout_seconds = timeout.as_secs(),
                "shutdown timed out: requests still in flight are cut"
            );
            Ok(())
        }
    };
    housekeeping.abort();
    usage_flusher.abort();
    use_flusher.abort();
    if let Err(e) = final_state.token_use.flush(&final_state.store).await {
        tracing::error!(error = %e, "could not record token use at shutdown");
    }
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
