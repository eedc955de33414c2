//! The requests being answered, counted by the edge middleware, so a shutdown
//! that times out can say how many it cut.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Default, Clone)]
pub struct InFlight(Arc<AtomicUsize>);

/// Counts one request until dropped (also when its future is dropped
/// unfinished). Owned, so a response future can hold it.
pub struct InFlightGuard(Arc<AtomicUsize>);

impl InFlight {
    pub fn enter(&self) -> InFlightGuard {
        self.0.fetch_add(1, Ordering::Relaxed);
        InFlightGuard(Arc::clone(&self.0))
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_counts_until_its_guard_goes() {
        let n = InFlight::default();
        let a = n.enter();
        let b = n.enter();
        assert_eq!(n.count(), 2);
        drop(a);
        assert_eq!(n.count(), 1);
        drop(b);
        assert_eq!(n.count(), 0);
    }
}
