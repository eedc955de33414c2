//! Slows password and device user-code guessing with growing waits, counted in
//! the database (so every Buckle process on it shares the counts). What to count
//! lives here; how long an attempt waits is decided in `buckle_core::throttle`.

use buckle_core::secret::hash_secret;
use buckle_core::throttle::{self, Counter, Policy, SignInCounters};
use buckle_store::{Store, StoreError, ThrottleScope};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

/// Keys tracked per scope by default. Past it, untracked keys share one overflow
/// counter (stricter), so a flood of made-up names cannot grow the table without
/// bound nor switch counting off.
pub const DEFAULT_CAPACITY: u64 = 100_000;

pub struct Throttle {
    capacity: AtomicU64,
}

/// Who judges one sign-in or current-password attempt, and how long it must wait.
pub struct Attempt {
    judge: Judge,
    /// Seconds before this attempt may go ahead; 0 when it may go ahead now.
    pub wait: i64,
}

impl Attempt {
    /// Whether a known-device cookie of the account judged this attempt.
    pub fn is_known_device(&self) -> bool {
        matches!(self.judge, Judge::KnownDevice { .. })
    }
}

enum Judge {
    KnownDevice { device: String },
    Elsewhere { account: String, address: String },
}

fn account_key(user_name: &str) -> String {
    // As the account lookup compares names: trimmed, case-sensitive.
    hash_secret(user_name.trim())
}

fn address_key(address: IpAddr) -> String {
    hash_secret(&throttle::address_key(address))
}

/// "try again in N seconds", for the 429 answers.
pub fn try_again_in(wait: i64) -> String {
    if wait == 1 {
        "try again in 1 second".to_string()
    } else {
        format!("try again in {wait} seconds")
    }
}

impl Throttle {
    pub fn new(capacity: u64) -> Throttle {
        Throttle {
            capacity: AtomicU64::new(capacity),
        }
    }

    /// Keys each scope tracks before untracked ones share the overflow counter.
    pub fn capacity(&self) -> u64 {
        self.capacity.load(Ordering::Relaxed)
    }

    /// Changes the capacity (tests lower it instead of sending 100,000 requests).
    pub fn set_capacity(&self, capacity: u64) {
        self.capacity.store(capacity, Ordering::Relaxed);
    }

    /// The counter that judges `key`: its own, or the overflow one when untracked.
    async fn counter(
        &self,
        store: &Store,
        scope: ThrottleScope,
        key: &str,
    ) -> Result<Option<Counter>, StoreError> {
        let c = store.throttle_counters(scope, key).await?;
        Ok(throttle::own_or_overflow(c.own, c.overflow))
    }

    async fn fail(
        &self,
        store: &Store,
        scope: ThrottleScope,
        key: &str,
        policy: Policy,
        now: i64,
    ) -> Result<(), StoreError> {
        store
            .record_throttle_failure(scope, key, now, now - policy.forget_after, self.capacity())
            .await
    }

    /// Judges a password attempt for `user_name` from `address`. `known_device` is
    /// the digest of a known-device cookie already checked to belong to this
    /// account; with it, only that device's own failures count.
    pub async fn sign_in_attempt(
        &self,
        store: &Store,
        user_name: &str,
        address: IpAddr,
        known_device: Option<String>,
        now: i64,
    ) -> Result<Attempt, StoreError> {
        let (judge, counters) = match known_device {
            Some(device) => {
                let c = self
                    .counter(store, ThrottleScope::SignInDevice, &device)
                    .await?;
                (
                    Judge::KnownDevice { device },
                    SignInCounters::KnownDevice { device: c },
                )
            }
            None => {
                let account = account_key(user_name);
                let address = address_key(address);
                let counters = SignInCounters::Elsewhere {
                    account: self
                        .counter(store, ThrottleScope::SignInAccount, &account)
                        .await?,
                    address: self
                        .counter(store, ThrottleScope::SignInAddress, &address)
                        .await?,
                };
                (Judge::Elsewhere { account, address }, counters)
            }
        };
        Ok(Attempt {
            judge,
            wait: throttle::sign_in_wait(counters, now),
        })
    }

    /// The password was wrong: count it against whoever judged the attempt.
    pub async fn failed(
        &self,
        store: &Store,
        attempt: &Attempt,
        now: i64,
    ) -> Result<(), StoreError> {
        match &attempt.judge {
            Judge::KnownDevice { device } => {
                self.fail(
                    store,
                    ThrottleScope::SignInDevice,
                    device,
                    throttle::KNOWN_DEVICE,
                    now,
                )
                .await
            }
            Judge::Elsewhere { account, address } => {
                self.fail(
                    store,
                    ThrottleScope::SignInAccount,
                    account,
                    throttle::ACCOUNT,
                    now,
                )
                .await?;
                self.fail(
                    store,
                    ThrottleScope::SignInAddress,
                    address,
                    throttle::ADDRESS,
                    now,
                )
                .await
            }
        }
    }

    /// The password was right: forget the failures of the device or the account.
    /// The address keeps its count: one valid account of its own must not let an
    /// address wipe the failures it made guessing others.
    pub async fn succeeded(&self, store: &Store, attempt: &Attempt) -> Result<(), StoreError> {
        match &attempt.judge {
            Judge::KnownDevice { device } => {
                store
                    .clear_throttle_counter(ThrottleScope::SignInDevice, device)
                    .await
            }
            Judge::Elsewhere { account, .. } => {
                store
                    .clear_throttle_counter(ThrottleScope::SignInAccount, account)
                    .await
            }
        }
    }

    /// Seconds before `account_id` may enter another device user code from `address`.
    pub async fn user_code_wait(
        &self,
        store: &Store,
        account_id: buckle_core::AccountId,
        address: IpAddr,
        now: i64,
    ) -> Result<i64, StoreError> {
        let account = self
            .counter(
                store,
                ThrottleScope::UserCodeAccount,
                &hash_secret(&account_id.to_string()),
            )
            .await?;
        let address = self
            .counter(store, ThrottleScope::UserCodeAddress, &address_key(address))
            .await?;
        Ok(throttle::user_code_wait(account, address, now))
    }

    /// A wrong (unknown, expired or used) user code was entered. Right codes
    /// forget nothing: anyone can make a valid code of their own to enter.
    pub async fn user_code_failed(
        &self,
        store: &Store,
        account_id: buckle_core::AccountId,
        address: IpAddr,
        now: i64,
    ) -> Result<(), StoreError> {
        self.fail(
            store,
            ThrottleScope::UserCodeAccount,
            &hash_secret(&account_id.to_string()),
            throttle::USER_CODE_ACCOUNT,
            now,
        )
        .await?;
        self.fail(
            store,
            ThrottleScope::UserCodeAddress,
            &address_key(address),
            throttle::USER_CODE_ADDRESS,
            now,
        )
        .await
    }

    /// Seconds before `address` may make another account on the sign-up page.
    pub async fn sign_up_wait(
        &self,
        store: &Store,
        address: IpAddr,
        now: i64,
    ) -> Result<i64, StoreError> {
        let c = self
            .counter(store, ThrottleScope::SignUpAddress, &address_key(address))
            .await?;
        Ok(throttle::SIGN_UP_ADDRESS.wait(c, now))
    }

    /// Counts an account made from `address` on the sign-up page.
    pub async fn signed_up(
        &self,
        store: &Store,
        address: IpAddr,
        now: i64,
    ) -> Result<(), StoreError> {
        self.fail(
            store,
            ThrottleScope::SignUpAddress,
            &address_key(address),
            throttle::SIGN_UP_ADDRESS,
            now,
        )
        .await
    }
}
