//! The server's clock. Every expiry decision reads it, so tests can move time
//! forward (`advance`) instead of sleeping; production never changes its offset.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system clock (tests only).
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds.
    pub fn now(&self) -> i64 {
        buckle_core::now_unix() + self.offset.load(Ordering::Relaxed)
    }

    /// Unix milliseconds, for device polling intervals.
    pub fn now_ms(&self) -> i64 {
        buckle_core::now_unix_ms() + self.offset.load(Ordering::Relaxed) * 1000
    }

    /// Moves this clock (and every clone of it) `seconds` forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}
