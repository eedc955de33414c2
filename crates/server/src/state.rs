use crate::Config;
use crate::clock::Clock;
use crate::credential_cache::CredentialCache;
use crate::throttle::Throttle;
use buckle_core::Catalog;
use buckle_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// What every handler reaches. One `Arc`, so the clone axum makes per request
/// and per middleware layer is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;
    fn deref(&self) -> &SharedState {
        &self.0
    }
}

pub struct SharedState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub config: Arc<Config>,
    pub metrics: Option<PrometheusHandle>,
    /// Password and device user-code guessing limits (counters in the database).
    pub throttle: Arc<Throttle>,
    /// Bounds concurrent Argon2 verifications (19 MiB each) so a flood of sign-ins
    /// cannot exhaust memory or threads.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    pub clock: Clock,
    /// Verified credentials and account profiles, so the token check reads no
    /// database while a token is in use.
    pub credentials: Arc<CredentialCache>,
    /// Enterprise device usage, counted in memory and flushed in batches.
    pub device_usage: Arc<crate::device_usage::DeviceUsageTracker>,
    /// When access tokens were last used, written in batches.
    pub token_use: crate::token_use::TokenUse,
    /// Set when the server starts shutting down, so `/readyz` sends load
    /// balancers elsewhere while requests in flight finish.
    pub shutting_down: std::sync::atomic::AtomicBool,
    /// Requests being answered, so a shutdown that times out can say how many it cut.
    pub in_flight: crate::in_flight::InFlight,
}

impl AppState {
    pub fn new(
        store: Store,
        catalog: Catalog,
        config: Config,
        metrics: Option<PrometheusHandle>,
    ) -> AppState {
        let credentials = Arc::new(CredentialCache::new(config.credential_cache));
        AppState(Arc::new(SharedState {
            store,
            catalog: Arc::new(catalog),
            config: Arc::new(config),
            metrics,
            throttle: Arc::new(Throttle::new(crate::throttle::DEFAULT_CAPACITY)),
            password_checks: Arc::new(tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            clock: Clock::default(),
            credentials,
            device_usage: Arc::new(crate::device_usage::DeviceUsageTracker::new()),
            token_use: crate::token_use::TokenUse::default(),
            shutting_down: std::sync::atomic::AtomicBool::new(false),
            in_flight: crate::in_flight::InFlight::default(),
        }))
    }
}
