//! When each personal or service access token was last used, recorded with no
//! write on the token check: the call that claims a token's touch (at most one
//! a minute per token, `Cached::claim_touch`) leaves it here, and every second
//! (and at a clean shutdown) what has gathered is written as one batch. The
//! database sees one statement a second however many tokens are in use,
//! instead of one per token a minute (16,000 a second for a million tokens).

use buckle_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// How often the uses gathered are written.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Token uses not yet written: a token's latest, by its id.
#[derive(Default)]
pub struct TokenUse {
    pending: Mutex<HashMap<i64, i64>>,
}

impl TokenUse {
    /// Token `id` was used at `at` (unix seconds).
    pub fn record(&self, id: i64, at: i64) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let latest = pending.entry(id).or_insert(at);
        *latest = (*latest).max(at);
    }

    /// Writes what has gathered; the number of tokens written. A batch the
    /// database refused is kept for the next flush (one entry per token, so
    /// it grows no larger than the tokens in use).
    pub async fn flush(&self, store: &Store) -> Result<usize, StoreError> {
        let batch: Vec<(i64, i64)> = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending.is_empty() {
                return Ok(0);
            }
            std::mem::take(&mut *pending).into_iter().collect()
        };
        match store.touch_tokens(&batch).await {
            Ok(()) => Ok(batch.len()),
            Err(e) => {
                for (id, at) in batch {
                    self.record(id, at);
                }
                Err(e)
            }
        }
    }

    /// Uses waiting to be written.
    pub fn pending(&self) -> usize {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_keeps_its_latest_use_only() {
        let uses = TokenUse::default();
        uses.record(1, 100);
        uses.record(1, 90);
        uses.record(2, 50);
        uses.record(1, 120);
        assert_eq!(uses.pending(), 2);
        let pending = uses.pending.lock().unwrap();
        assert_eq!(pending.get(&1), Some(&120));
        assert_eq!(pending.get(&2), Some(&50));
    }
}
