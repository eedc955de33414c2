//! The server's clock. Every expiry decision reads it, so tests can move time
//! forward (`advance`) instead of sleeping; production never changes its offset.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system clock (tests only).
    offset: Arc<AtomicI64>,
    /// When non-zero, the Unix milliseconds the clock stands still at (tests only).
    frozen_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Unix milliseconds, for device polling intervals.
    pub fn now_ms(&self) -> i64 {
        let base = match self.frozen_ms.load(Ordering::Relaxed) {
            0 => buckle_core::now_unix_ms(),
            frozen => frozen,
        };
        base + self.offset.load(Ordering::Relaxed) * 1000
    }

    /// Moves this clock (and every clone of it) `seconds` forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// Stops this clock (and every clone of it) at the current second, so that a
    /// test's own slowness cannot let a wait pass; only `advance` moves it then.
    pub fn freeze(&self) {
        let now_ms = buckle_core::now_unix_ms();
        self.frozen_ms
            .store(now_ms - now_ms.rem_euclid(1000), Ordering::Relaxed);
    }
}
