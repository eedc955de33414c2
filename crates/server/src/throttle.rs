//! Slows password guessing: after too many failed sign-ins for one user name within
//! a window, further attempts are refused (429/4013) until the window passes.

use std::collections::HashMap;
use std::sync::Mutex;

pub struct SignInThrottle {
    max_failures: u32,
    window_secs: i64,
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

/// Past this many tracked names, expired entries are swept on the next failure.
const SWEEP_AT: usize = 10_000;
/// The most names tracked at once.
const MAX_TRACKED: usize = 100_000;

impl SignInThrottle {
    pub fn new(max_failures: u32, window_secs: i64) -> SignInThrottle {
        SignInThrottle {
            max_failures,
            window_secs,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// User names are case-sensitive, exactly as the account lookup compares them.
    fn key(user_name: &str) -> String {
        user_name.trim().to_string()
    }

    /// Seconds until `user_name` may try again, or `None` when it may try now.
    pub fn blocked_for(&self, user_name: &str, now: i64) -> Option<i64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (count, since) = *map.get(&Self::key(user_name))?;
        let left = since + self.window_secs - now;
        (count >= self.max_failures && left > 0).then_some(left)
    }

    pub fn record_failure(&self, user_name: &str, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            let window = self.window_secs;
            map.retain(|_, (_, since)| now - *since < window);
        }
        // Memory stays bounded under a flood of made-up names; names already
        // tracked keep counting. (The password-check semaphore bounds the rate.)
        if map.len() >= MAX_TRACKED && !map.contains_key(&Self::key(user_name)) {
            return;
        }
        let entry = map.entry(Self::key(user_name)).or_insert((0, now));
        if now - entry.1 >= self.window_secs {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, user_name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Self::key(user_name));
    }
}

#[cfg(test)]
mod tests {
    use super::SignInThrottle;

    #[test]
    fn blocks_after_max_failures_until_the_window_ends() {
        let t = SignInThrottle::new(3, 100);
        for i in 0..3 {
            assert_eq!(t.blocked_for("alice", 1000 + i), None);
            t.record_failure("alice ", 1000 + i);
        }
        assert_eq!(t.blocked_for("alice", 1010), Some(90));
        assert_eq!(t.blocked_for("ALICE", 1010), None, "another account");
        assert_eq!(t.blocked_for("bob", 1010), None);
        assert_eq!(t.blocked_for("alice", 1100), None);
        // A new window starts counting afresh.
        t.record_failure("alice", 1100);
        assert_eq!(t.blocked_for("alice", 1101), None);
        t.record_success("alice");
        assert_eq!(t.blocked_for("alice", 1101), None);
    }
}
