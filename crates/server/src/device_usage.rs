//! Device usage (enterprise only): every OpenAPI call of a token carrying device
//! info is counted in memory per app, device, custom consumer and UTC day, and
//! flushed to the database in batches (every second, and on clean shutdown). Quotas
//! (calls per day per device or per consumer) are decided from memory: the calls
//! this process counted today plus the other processes' flushed calls, which each
//! flush refreshes. No lock is held across I/O.

use crate::error::ApiError;
use buckle_core::{AppId, OrgId, OrgKind};
use buckle_store::{DeviceQuota, DeviceUsage, Store};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, PoisonError, RwLock};

const SHARDS: usize = 64;
const SECONDS_PER_DAY: i64 = 86_400;

/// The UTC day (days since 1970-01-01) of a unix time.
pub fn day_of(unix: i64) -> i64 {
    unix.div_euclid(SECONDS_PER_DAY)
}

/// What a quota limits: one device or one custom consumer of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Device,
    Consumer,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Device => "device",
            Dimension::Consumer => "consumer",
        }
    }

    pub fn parse(s: &str) -> Option<Dimension> {
        match s {
            "device" => Some(Dimension::Device),
            "consumer" => Some(Dimension::Consumer),
            _ => None,
        }
    }
}

type UsageKey = (AppId, i64, String, String);
type SubjectKey = (AppId, i64, Dimension, String);
type QuotaKey = (AppId, Dimension, String);

/// A map split into independently locked parts, so concurrent calls rarely meet.
struct Sharded<K, V> {
    shards: Vec<Mutex<HashMap<K, V>>>,
    hasher: RandomState,
}

impl<K: Hash + Eq, V> Sharded<K, V> {
    fn new() -> Self {
        Sharded {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &K) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        // A panic while holding a shard leaves plain counters behind: still usable.
        self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Today's known calls of one device or consumer.
#[derive(Default, Clone, Copy)]
struct SubjectCount {
    /// Calls counted by this process.
    mine: i64,
    /// Calls the other processes flushed (the stored total less what this one flushed).
    others: i64,
}

pub struct DeviceUsageTracker {
    /// Counted, not yet flushed.
    pending: Sharded<UsageKey, i64>,
    /// Today's totals per device and per consumer, for quotas.
    subjects: Sharded<SubjectKey, SubjectCount>,
    /// Limits, reloaded at every flush so changes made on other processes arrive.
    quotas: RwLock<HashMap<QuotaKey, i64>>,
    /// Whether an organization is an enterprise (a kind never changes).
    enterprises: RwLock<HashMap<OrgId, bool>>,
    /// What this process flushed, per subject and day (to tell others' calls apart).
    flushed: Mutex<HashMap<SubjectKey, i64>>,
    /// One flush at a time (the periodic task and the shutdown one).
    flushing: tokio::sync::Mutex<()>,
}

impl Default for DeviceUsageTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl DeviceUsageTracker {
    pub fn new() -> Self {
        DeviceUsageTracker {
            pending: Sharded::new(),
            subjects: Sharded::new(),
            quotas: RwLock::new(HashMap::new()),
            enterprises: RwLock::new(HashMap::new()),
            flushed: Mutex::new(HashMap::new()),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether `org` is an enterprise: read once per organization and process.
    async fn is_enterprise(&self, store: &Store, org: &OrgId) -> Result<bool, ApiError> {
        let known = self
            .enterprises
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(org)
            .copied();
        if let Some(known) = known {
            return Ok(known);
        }
        let enterprise = store
            .organization(org)
            .await?
            .is_some_and(|o| o.kind == OrgKind::Enterprise);
        self.enterprises
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(org.clone(), enterprise);
        Ok(enterprise)
    }

    fn quota(&self, key: &QuotaKey) -> Option<i64> {
        self.quotas
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
    }

    /// Counts one call, or refuses it with 429/4013 when the device or the consumer
    /// has used its quota for the day. Tokens outside an enterprise, and tokens
    /// without device info, are neither counted nor limited.
    pub async fn count(
        &self,
        store: &Store,
        org: Option<&OrgId>,
        app: AppId,
        device_id: Option<&str>,
        consumer: Option<&str>,
        now: i64,
    ) -> Result<(), ApiError> {
        if device_id.is_none() && consumer.is_none() {
            return Ok(());
        }
        let Some(org) = org else { return Ok(()) };
        if !self.is_enterprise(store, org).await? {
            return Ok(());
        }
        let day = day_of(now);
        let device = device_id.unwrap_or("");
        let consumer = consumer.unwrap_or("");
        let mut taken: Vec<SubjectKey> = Vec::with_capacity(2);
        for (dim, subject) in [(Dimension::Device, device), (Dimension::Consumer, consumer)] {
            if subject.is_empty() {
                continue;
            }
            let limit = self.quota(&(app, dim, subject.to_string()));
            let key = (app, day, dim, subject.to_string());
            let refused = {
                let mut shard = self.subjects.shard(&key);
                let count = shard.entry(key.clone()).or_default();
                if limit.is_some_and(|l| count.mine + count.others >= l) {
                    true
                } else {
                    count.mine += 1;
                    false
                }
            };
            if refused {
                // Give back what the other dimension already took.
                for k in taken {
                    if let Some(c) = self.subjects.shard(&k).get_mut(&k) {
                        c.mine -= 1;
                    }
                }
                let what = match dim {
                    Dimension::Device => "device",
                    Dimension::Consumer => "custom consumer",
                };
                let until_midnight = (day + 1) * SECONDS_PER_DAY - now;
                return Err(ApiError::rate_limited(format!(
                    "The daily call quota of this {what} is used up; it resets at 00:00 UTC."
                ))
                .with_retry_after(until_midnight));
            }
            taken.push(key);
        }
        let key = (app, day, device.to_string(), consumer.to_string());
        *self.pending.shard(&key).entry(key.clone()).or_insert(0) += 1;
        Ok(())
    }

    /// Writes the pending counts in one batch, then refreshes the quotas and the
    /// other processes' totals for `now`'s day. On a failed write the counts are
    /// put back for the next flush.
    pub async fn flush(&self, store: &Store, now: i64) -> Result<(), buckle_store::StoreError> {
        let _one = self.flushing.lock().await;
        let mut batch: Vec<DeviceUsage> = Vec::new();
        for shard in &self.pending.shards {
            let taken = std::mem::take(&mut *shard.lock().unwrap_or_else(PoisonError::into_inner));
            batch.extend(taken.into_iter().map(
                |((app_id, day, device_id, custom_consumer), calls)| DeviceUsage {
                    app_id,
                    day,
                    device_id,
                    custom_consumer,
                    calls,
                },
            ));
        }
        if let Err(e) = store.add_device_usage(&batch).await {
            for u in batch {
                let key = (u.app_id, u.day, u.device_id, u.custom_consumer);
                *self.pending.shard(&key).entry(key.clone()).or_insert(0) += u.calls;
            }
            return Err(e);
        }
        let today = day_of(now);
        {
            let mut flushed = self.flushed.lock().unwrap_or_else(PoisonError::into_inner);
            flushed.retain(|k, _| k.1 >= today);
            for u in &batch {
                for (dim, subject) in [
                    (Dimension::Device, &u.device_id),
                    (Dimension::Consumer, &u.custom_consumer),
                ] {
                    if !subject.is_empty() && u.day >= today {
                        *flushed
                            .entry((u.app_id, u.day, dim, subject.clone()))
                            .or_insert(0) += u.calls;
                    }
                }
            }
        }
        self.refresh(store, today).await
    }

    async fn refresh(&self, store: &Store, today: i64) -> Result<(), buckle_store::StoreError> {
        let quotas: HashMap<QuotaKey, i64> = store
            .device_quotas()
            .await?
            .into_iter()
            .filter_map(|q| {
                Dimension::parse(&q.subject_kind)
                    .map(|d| ((q.app_id, d, q.subject), q.calls_per_day))
            })
            .collect();
        *self.quotas.write().unwrap_or_else(PoisonError::into_inner) = quotas;
        let mut stored: HashMap<SubjectKey, i64> = HashMap::new();
        for u in store.device_usage_of_day(today).await? {
            for (dim, subject) in [
                (Dimension::Device, &u.device_id),
                (Dimension::Consumer, &u.custom_consumer),
            ] {
                if !subject.is_empty() {
                    *stored
                        .entry((u.app_id, today, dim, subject.clone()))
                        .or_insert(0) += u.calls;
                }
            }
        }
        let flushed = self
            .flushed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for shard in &self.subjects.shards {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            // Yesterday's counts no longer limit anything.
            shard.retain(|k, _| k.1 >= today);
            for (k, c) in shard.iter_mut() {
                let total = stored.get(k).copied().unwrap_or(0);
                c.others = (total - flushed.get(k).copied().unwrap_or(0)).max(0);
            }
        }
        for (k, total) in stored {
            let others = (total - flushed.get(&k).copied().unwrap_or(0)).max(0);
            self.subjects.shard(&k).entry(k).or_default().others = others;
        }
        Ok(())
    }

    /// Applies a quota change made here at once (other processes see it at their next flush).
    pub fn set_quota(&self, q: &DeviceQuota) {
        if let Some(d) = Dimension::parse(&q.subject_kind) {
            self.quotas
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert((q.app_id, d, q.subject.clone()), q.calls_per_day);
        }
    }

    pub fn clear_quota(&self, app: AppId, dim: Dimension, subject: &str) {
        self.quotas
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(app, dim, subject.to_string()));
    }
}
