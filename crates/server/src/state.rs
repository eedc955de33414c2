use crate::Config;
use crate::clock::Clock;
use crate::throttle::SignInThrottle;
use buckle_core::Catalog;
use buckle_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub config: Arc<Config>,
    pub metrics: Option<PrometheusHandle>,
    pub sign_in_throttle: Arc<SignInThrottle>,
    /// Bounds concurrent Argon2 verifications (19 MiB each) so a flood of sign-ins
    /// cannot exhaust memory or threads.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    pub clock: Clock,
}

impl AppState {
    pub fn new(
        store: Store,
        catalog: Catalog,
        config: Config,
        metrics: Option<PrometheusHandle>,
    ) -> AppState {
        AppState {
            store,
            catalog: Arc::new(catalog),
            config: Arc::new(config),
            metrics,
            // Ten wrong passwords per user name per 15 minutes.
            sign_in_throttle: Arc::new(SignInThrottle::new(10, 15 * 60)),
            password_checks: Arc::new(tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            clock: Clock::default(),
        }
    }
}
