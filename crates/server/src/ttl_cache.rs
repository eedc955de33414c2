//! A bounded in-process cache whose entries live at most a fixed time: what
//! the credential cache and the JWT issuer cache are built on.
//!
//! quick_cache underneath: sharded, one lock per shard, tables that find a key
//! with one hash and, almost always, one key comparison. The token check does
//! one or two lookups on every API call; moka, used before, compared keys all
//! along its probe sequence and kept read buffers and timer wheels besides,
//! about a microsecond per lookup in the token check's profile.
//!
//! The lifetime is kept with each entry and checked at every read, so an
//! entry older than `ttl` is never returned; it is replaced by the next
//! insert of its key, or evicted as weight demands. Eviction is by weight
//! (an estimate of bytes), so the bound holds whatever the keys and values.

use quick_cache::sync::Cache;
use quick_cache::{Equivalent, Weighter};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Weighs one entry: about the bytes its key and value take.
pub type Weigh<K, V> = fn(&K, &V) -> u64;

/// A value and when it was stored.
#[derive(Clone)]
struct Timed<V> {
    value: V,
    stored_at: Instant,
}

/// [`Weigh`] as quick_cache asks for it.
struct ByWeigh<K, V>(Weigh<K, V>);

impl<K, V> Clone for ByWeigh<K, V> {
    fn clone(&self) -> Self {
        ByWeigh(self.0)
    }
}

impl<K, V> Weighter<K, Timed<V>> for ByWeigh<K, V> {
    fn weight(&self, key: &K, val: &Timed<V>) -> u64 {
        // Never zero: quick_cache never evicts a weightless entry.
        (self.0)(key, &val.value).max(1)
    }
}

pub struct TtlCache<K, V> {
    entries: Cache<K, Timed<V>, ByWeigh<K, V>>,
    ttl: Duration,
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    /// Holds about `max_weight` (as `weigh` counts it) of entries, each at most `ttl`.
    /// `typical_weight`, an entry's usual weight, only sizes the tables.
    pub fn new(max_weight: u64, typical_weight: u64, ttl: Duration, weigh: Weigh<K, V>) -> Self {
        let max_weight = max_weight.max(1);
        let items = usize::try_from(max_weight / typical_weight.max(1))
            .unwrap_or(usize::MAX)
            .max(16);
        TtlCache {
            entries: Cache::with_weighter(items, max_weight, ByWeigh(weigh)),
            ttl,
        }
    }

    /// The live value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let found = self.entries.get(key)?;
        (found.stored_at.elapsed() < self.ttl).then_some(found.value)
    }

    /// Whether `key` has a live value.
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.get(key).is_some()
    }

    pub fn insert(&self, key: K, value: V) {
        self.entries.insert(
            key,
            Timed {
                value,
                stored_at: Instant::now(),
            },
        );
    }

    pub fn invalidate<Q>(&self, key: &Q)
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.entries.remove(key);
    }

    /// Removes every entry `stale` says yes to; done when this returns.
    pub fn invalidate_if(&self, stale: impl Fn(&K, &V) -> bool) {
        self.entries.retain(|k, v| !stale(k, &v.value));
    }

    pub fn invalidate_all(&self) {
        self.entries.clear();
    }

    /// (entries, total weight), expired ones not yet replaced included.
    pub fn size(&self) -> (u64, u64) {
        (self.entries.len() as u64, self.entries.weight())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(max: u64, ttl: Duration) -> TtlCache<String, u32> {
        TtlCache::new(max, 100, ttl, |k, _| 100 + k.len() as u64)
    }

    #[test]
    fn a_value_is_found_until_invalidated() {
        let c = cache(1 << 20, Duration::from_secs(60));
        c.insert("a".into(), 1);
        c.insert("b".into(), 2);
        assert_eq!(c.get("a"), Some(1));
        assert!(c.contains("b"));
        c.invalidate("a");
        assert_eq!(c.get("a"), None);
        assert_eq!(c.get("b"), Some(2));
        c.invalidate_all();
        assert!(!c.contains("b"));
    }

    #[test]
    fn an_entry_past_its_lifetime_is_not_returned() {
        let c = cache(1 << 20, Duration::from_millis(30));
        c.insert("a".into(), 1);
        assert_eq!(c.get("a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get("a"), None);
        // A new insert starts a new lifetime.
        c.insert("a".into(), 2);
        assert_eq!(c.get("a"), Some(2));
    }

    #[test]
    fn invalidate_if_removes_exactly_what_it_matches() {
        let c = cache(1 << 20, Duration::from_secs(60));
        for i in 0..100u32 {
            c.insert(format!("k{i}"), i);
        }
        c.invalidate_if(|_, v| v % 2 == 0);
        for i in 0..100u32 {
            assert_eq!(c.get(&format!("k{i}")), (i % 2 == 1).then_some(i), "{i}");
        }
    }

    #[test]
    fn the_weight_stays_within_its_bound() {
        let max = 64 * 1024;
        let c = cache(max, Duration::from_secs(60));
        for i in 0..10_000u32 {
            c.insert(format!("key-{i:08}"), i);
        }
        let (n, weight) = c.size();
        assert!(weight <= max, "{weight}");
        assert!(n > 0 && n < 10_000, "{n}");
    }
}
