//! Throttling counters, in the database so that every Buckle process on it counts
//! the same failures.

use crate::{Result, Store, with_pool, with_writer};
use buckle_core::throttle::Counter;

/// The key of a scope's shared overflow counter (real keys are hex digests).
pub const OVERFLOW_KEY: &str = "*";

/// What a scope's counters count. Each scope is bounded on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleScope {
    /// Wrong passwords per user name (from devices not known to the account).
    SignInAccount,
    /// Wrong passwords per client address.
    SignInAddress,
    /// Wrong passwords per known device.
    SignInDevice,
    /// Wrong device user codes per signed-in account.
    UserCodeAccount,
    /// Wrong device user codes per client address.
    UserCodeAddress,
    /// Accounts made on the sign-up page per client address.
    SignUpAddress,
}

impl ThrottleScope {
    pub const fn as_str(self) -> &'static str {
        match self {
            ThrottleScope::SignInAccount => "sign_in_account",
            ThrottleScope::SignInAddress => "sign_in_address",
            ThrottleScope::SignInDevice => "sign_in_device",
            ThrottleScope::UserCodeAccount => "user_code_account",
            ThrottleScope::UserCodeAddress => "user_code_address",
            ThrottleScope::SignUpAddress => "sign_up_address",
        }
    }
}

/// A key's own counter and its scope's overflow counter, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredCounters {
    pub own: Option<Counter>,
    pub overflow: Option<Counter>,
}

#[derive(sqlx::FromRow)]
struct CounterRow {
    key_hash: String,
    failures: i64,
    last_failure_at: i64,
}

impl Store {
    /// The counters of `key_hash` in `scope`: its own row and the overflow row.
    pub async fn throttle_counters(
        &self,
        scope: ThrottleScope,
        key_hash: &str,
    ) -> Result<StoredCounters> {
        let rows = with_pool!(self, |p| sqlx::query_as::<_, CounterRow>(
            "SELECT key_hash, failures, last_failure_at FROM throttle_counters
             WHERE scope = $1 AND key_hash IN ($2, $3)"
        )
        .bind(scope.as_str())
        .bind(key_hash)
        .bind(OVERFLOW_KEY)
        .fetch_all(p)
        .await)?;
        let mut out = StoredCounters::default();
        for r in rows {
            let c = Counter {
                failures: u32::try_from(r.failures.max(0)).unwrap_or(u32::MAX),
                last_failure_at: r.last_failure_at,
            };
            if r.key_hash == OVERFLOW_KEY {
                out.overflow = Some(c);
            } else {
                out.own = Some(c);
            }
        }
        Ok(out)
    }

    /// Counts one failure against `key_hash` in `scope`. A counter whose last
    /// failure is at or before `forgotten_up_to` starts again at one. When the
    /// scope already tracks `capacity` keys and this one is not among them, the
    /// failure counts on the scope's overflow counter instead, which judges every
    /// untracked key: a full table makes limits stricter, never absent.
    pub async fn record_throttle_failure(
        &self,
        scope: ThrottleScope,
        key_hash: &str,
        now: i64,
        forgotten_up_to: i64,
        capacity: u64,
    ) -> Result<()> {
        let tracked = self.throttle_counters(scope, key_hash).await?.own.is_some();
        let key = if tracked || self.throttle_keys(scope).await? < capacity {
            key_hash
        } else {
            OVERFLOW_KEY
        };
        with_writer!(self, |p| sqlx::query(
            "INSERT INTO throttle_counters (scope, key_hash, failures, last_failure_at)
             VALUES ($1, $2, 1, $3)
             ON CONFLICT (scope, key_hash) DO UPDATE SET
                 failures = CASE WHEN throttle_counters.last_failure_at <= $4 THEN 1
                                 ELSE throttle_counters.failures + 1 END,
                 last_failure_at = $3"
        )
        .bind(scope.as_str())
        .bind(key)
        .bind(now)
        .bind(forgotten_up_to)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// How many keys `scope` tracks (its overflow counter not included).
    pub async fn throttle_keys(&self, scope: ThrottleScope) -> Result<u64> {
        let n: i64 = with_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM throttle_counters WHERE scope = $1 AND key_hash <> $2"
        )
        .bind(scope.as_str())
        .bind(OVERFLOW_KEY)
        .fetch_one(p)
        .await)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Forgets the failures of one key (after it proved the right password).
    pub async fn clear_throttle_counter(&self, scope: ThrottleScope, key_hash: &str) -> Result<()> {
        with_writer!(self, |p| sqlx::query(
            "DELETE FROM throttle_counters WHERE scope = $1 AND key_hash = $2"
        )
        .bind(scope.as_str())
        .bind(key_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Removes counters whose last failure is at or before `forgotten_up_to`.
    pub async fn purge_forgotten_throttle_counters(&self, forgotten_up_to: i64) -> Result<u64> {
        Ok(with_writer!(self, |p| sqlx::query(
            "DELETE FROM throttle_counters WHERE last_failure_at <= $1"
        )
        .bind(forgotten_up_to)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
