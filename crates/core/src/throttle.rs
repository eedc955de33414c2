//! Throttling decisions: how long an attempt must wait, given the failures counted
//! against it. Delays grow with failures up to a cap; nothing is ever locked for
//! good. A sign-in from a device that signed in before is judged by that device's
//! own failures only, so an attack on an account from elsewhere cannot keep its
//! owner out.

use std::net::IpAddr;

/// How one kind of counter slows its key down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures answered without any delay.
    pub free_failures: u32,
    /// The wait after the last free failure, seconds; it doubles with each further one.
    pub first_delay: i64,
    /// The longest wait, seconds.
    pub max_delay: i64,
    /// A counter without failures for this long is forgotten, seconds.
    pub forget_after: i64,
}

/// Failures counted against one key, and when the last one happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: u32,
    pub last_failure_at: i64,
}

/// Counters are forgotten after a day without failures; the store purges them then.
pub const FORGET_AFTER: i64 = 86_400;
const MAX_DELAY: i64 = 15 * 60;

/// Wrong passwords for one user name, from devices not known to that account.
pub const ACCOUNT: Policy = Policy {
    free_failures: 5,
    first_delay: 2,
    max_delay: MAX_DELAY,
    forget_after: FORGET_AFTER,
};

/// Wrong passwords from one client address, for any user names. More lenient than
/// per account: many people can share one address (an office behind NAT).
pub const ADDRESS: Policy = Policy {
    free_failures: 20,
    first_delay: 2,
    max_delay: MAX_DELAY,
    forget_after: FORGET_AFTER,
};

/// Wrong passwords from a device that signed in to the account before.
pub const KNOWN_DEVICE: Policy = Policy {
    free_failures: 5,
    first_delay: 2,
    max_delay: MAX_DELAY,
    forget_after: FORGET_AFTER,
};

/// Wrong device user codes entered by one signed-in account (all its sessions).
pub const USER_CODE_ACCOUNT: Policy = Policy {
    free_failures: 5,
    first_delay: 30,
    max_delay: MAX_DELAY,
    forget_after: FORGET_AFTER,
};

/// Wrong device user codes entered from one client address.
pub const USER_CODE_ADDRESS: Policy = Policy {
    free_failures: 10,
    first_delay: 30,
    max_delay: MAX_DELAY,
    forget_after: FORGET_AFTER,
};

/// Accounts made on the sign-up page from one client address: a few are free
/// (a household, an office behind NAT), then each waits longer.
pub const SIGN_UP_ADDRESS: Policy = Policy {
    free_failures: 5,
    first_delay: 60,
    max_delay: MAX_DELAY,
    forget_after: FORGET_AFTER,
};

impl Policy {
    /// Seconds a key with `failures` failures must wait after the last one.
    pub fn delay_after(&self, failures: u32) -> i64 {
        let Some(past_free) = failures.checked_sub(self.free_failures) else {
            return 0;
        };
        // first_delay * 2^past_free, saturating long before the shift could overflow.
        let doubled = if past_free >= 62 {
            i64::MAX
        } else {
            self.first_delay.saturating_mul(1i64 << past_free)
        };
        doubled.min(self.max_delay)
    }

    /// Whether a counter last bumped at `last_failure_at` no longer counts at `now`.
    pub fn is_forgotten(&self, last_failure_at: i64, now: i64) -> bool {
        now.saturating_sub(last_failure_at) >= self.forget_after
    }

    /// Seconds this key must still wait at `now`; 0 when it may try now.
    pub fn wait(&self, counter: Option<Counter>, now: i64) -> i64 {
        match counter {
            Some(c) if !self.is_forgotten(c.last_failure_at, now) => c
                .last_failure_at
                .saturating_add(self.delay_after(c.failures))
                .saturating_sub(now)
                .max(0),
            _ => 0,
        }
    }

    /// The counter after one more failure at `now` (a forgotten one starts afresh).
    pub fn after_failure(&self, counter: Option<Counter>, now: i64) -> Counter {
        let failures = match counter {
            Some(c) if !self.is_forgotten(c.last_failure_at, now) => c.failures.saturating_add(1),
            _ => 1,
        };
        Counter {
            failures,
            last_failure_at: now,
        }
    }
}

/// The counters that judge one sign-in (or current-password) attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInCounters {
    /// The attempt carries a valid known-device cookie of the account: only that
    /// device's own failures count.
    KnownDevice { device: Option<Counter> },
    /// Any other attempt: the user name's and the client address's failures count.
    Elsewhere {
        account: Option<Counter>,
        address: Option<Counter>,
    },
}

/// Seconds a sign-in attempt must wait at `now`; 0 when it may go ahead.
pub fn sign_in_wait(counters: SignInCounters, now: i64) -> i64 {
    match counters {
        SignInCounters::KnownDevice { device } => KNOWN_DEVICE.wait(device, now),
        SignInCounters::Elsewhere { account, address } => {
            ACCOUNT.wait(account, now).max(ADDRESS.wait(address, now))
        }
    }
}

/// Seconds a device user-code entry must wait at `now`; 0 when it may go ahead.
pub fn user_code_wait(account: Option<Counter>, address: Option<Counter>, now: i64) -> i64 {
    USER_CODE_ACCOUNT
        .wait(account, now)
        .max(USER_CODE_ADDRESS.wait(address, now))
}

/// The counter that judges a key: its own when the store tracks it, otherwise the
/// shared overflow counter that every key the store had no room for counts on.
/// A full store so makes untracked keys slower together, never free.
pub fn own_or_overflow(own: Option<Counter>, overflow: Option<Counter>) -> Option<Counter> {
    own.or(overflow)
}

/// The address a client is counted under: an IPv4 address as is, an IPv6 address
/// by its /64 (one subscriber commonly holds a whole /64, so counting single IPv6
/// addresses would let one attacker rotate freely).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("v4:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("v4:{v4}"),
            None => {
                let s = v6.segments();
                format!("v6:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(failures: u32, last_failure_at: i64) -> Option<Counter> {
        Some(Counter {
            failures,
            last_failure_at,
        })
    }

    #[test]
    fn delays_start_after_the_free_failures_and_double_up_to_the_cap() {
        let delays: Vec<i64> = (0..=20).map(|n| ACCOUNT.delay_after(n)).collect();
        assert_eq!(&delays[..5], &[0, 0, 0, 0, 0]);
        assert_eq!(&delays[5..10], &[2, 4, 8, 16, 32]);
        assert_eq!(delays[20], MAX_DELAY);
        assert_eq!(ACCOUNT.delay_after(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn wait_counts_from_the_last_failure_and_ends_when_forgotten() {
        assert_eq!(ACCOUNT.wait(None, 1000), 0);
        assert_eq!(ACCOUNT.wait(c(6, 1000), 1000), 4);
        assert_eq!(ACCOUNT.wait(c(6, 1000), 1003), 1);
        assert_eq!(ACCOUNT.wait(c(6, 1000), 1004), 0);
        assert_eq!(ACCOUNT.wait(c(1000, 1000), 1000 + FORGET_AFTER), 0);
    }

    #[test]
    fn a_forgotten_counter_starts_afresh() {
        assert_eq!(ACCOUNT.after_failure(None, 5), c(1, 5).unwrap());
        assert_eq!(ACCOUNT.after_failure(c(9, 5), 6), c(10, 6).unwrap());
        assert_eq!(
            ACCOUNT.after_failure(c(9, 5), 5 + FORGET_AFTER),
            c(1, 5 + FORGET_AFTER).unwrap()
        );
        assert_eq!(
            ACCOUNT.after_failure(c(u32::MAX, 5), 6).failures,
            u32::MAX,
            "saturates"
        );
    }

    #[test]
    fn an_attack_from_elsewhere_does_not_slow_a_known_device() {
        let attacked = c(10_000, 1000);
        assert_eq!(
            sign_in_wait(
                SignInCounters::Elsewhere {
                    account: attacked,
                    address: attacked
                },
                1000
            ),
            MAX_DELAY
        );
        assert_eq!(
            sign_in_wait(SignInCounters::KnownDevice { device: None }, 1000),
            0
        );
    }

    #[test]
    fn either_the_account_or_the_address_slows_an_unknown_device() {
        let slow_account = SignInCounters::Elsewhere {
            account: c(ACCOUNT.free_failures, 1000),
            address: None,
        };
        let slow_address = SignInCounters::Elsewhere {
            account: None,
            address: c(ADDRESS.free_failures, 1000),
        };
        assert!(sign_in_wait(slow_account, 1000) > 0);
        assert!(sign_in_wait(slow_address, 1000) > 0);
        // Fewer failures per address than it allows are free.
        let shared_address = SignInCounters::Elsewhere {
            account: None,
            address: c(ADDRESS.free_failures - 1, 1000),
        };
        assert_eq!(sign_in_wait(shared_address, 1000), 0);
    }

    #[test]
    fn user_codes_are_limited_per_account_and_per_address() {
        assert_eq!(user_code_wait(None, None, 10), 0);
        assert_eq!(user_code_wait(c(4, 10), c(9, 10), 10), 0);
        assert_eq!(user_code_wait(c(5, 10), None, 10), 30);
        assert_eq!(user_code_wait(None, c(10, 10), 10), 30);
    }

    #[test]
    fn untracked_keys_are_judged_by_the_overflow_counter() {
        assert_eq!(own_or_overflow(None, None), None);
        assert_eq!(own_or_overflow(None, c(50, 1)), c(50, 1));
        assert_eq!(own_or_overflow(c(1, 1), c(50, 1)), c(1, 1));
    }

    #[test]
    fn addresses_are_counted_by_ipv4_address_or_ipv6_slash_64() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("203.0.113.9"), "v4:203.0.113.9");
        assert_eq!(key("::ffff:203.0.113.9"), "v4:203.0.113.9");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "v6:2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), key("2001:db8:1:2::9"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }

    #[test]
    fn every_cap_is_reached_before_its_counter_is_forgotten() {
        for p in [
            ACCOUNT,
            ADDRESS,
            KNOWN_DEVICE,
            USER_CODE_ACCOUNT,
            USER_CODE_ADDRESS,
        ] {
            assert!(p.max_delay < p.forget_after, "{p:?}");
            // The hourly purge removes counters FORGET_AFTER old: never one still in force.
            assert!(p.forget_after <= FORGET_AFTER, "{p:?}");
            assert!(p.first_delay > 0 && p.first_delay <= p.max_delay, "{p:?}");
        }
    }

    fn policy() -> impl Strategy<Value = Policy> {
        (0u32..30, 1i64..600, 1i64..100_000).prop_map(|(free, first, extra)| Policy {
            free_failures: free,
            first_delay: first,
            max_delay: first + extra,
            forget_after: first + extra + 1,
        })
    }

    proptest! {
        #[test]
        fn the_delay_never_shrinks_with_more_failures_and_stays_capped(
            p in policy(), n in prop_oneof![0u32..100, any::<u32>()]
        ) {
            let d = p.delay_after(n);
            prop_assert!(d >= 0 && d <= p.max_delay);
            prop_assert!(p.delay_after(n.saturating_add(1)) >= d);
            prop_assert_eq!(d == 0, n < p.free_failures);
        }

        #[test]
        fn one_more_failure_never_shortens_the_wait(
            p in policy(), failures in 0u32..200, last in 0i64..1_000_000, later in 0i64..200_000
        ) {
            let before = Some(Counter { failures, last_failure_at: last });
            let now = last + later;
            let after = Some(p.after_failure(before, now));
            prop_assert!(p.wait(after, now) >= p.wait(before, now));
            prop_assert!(p.wait(after, now) <= p.max_delay);
        }

        #[test]
        fn a_known_device_waits_only_for_its_own_failures(
            failures in 0u32..64, last in 0i64..2_000, later in prop_oneof![Just(0i64), 0i64..2_000],
        ) {
            // The variant has no place for the account's or the address's failures:
            // whatever they are, the device is judged alone.
            let now = last + later;
            let device = Some(Counter { failures, last_failure_at: last });
            let wait = sign_in_wait(SignInCounters::KnownDevice { device }, now);
            prop_assert_eq!(wait, KNOWN_DEVICE.wait(device, now));
            prop_assert_eq!(sign_in_wait(SignInCounters::KnownDevice { device: None }, now), 0);
            if failures < KNOWN_DEVICE.free_failures {
                prop_assert_eq!(wait, 0);
            }
            if failures >= KNOWN_DEVICE.free_failures && later == 0 {
                prop_assert!(wait > 0);
            }
        }

        #[test]
        fn the_overflow_counter_is_never_more_lenient_than_nothing(
            p in policy(), failures in any::<u32>(), last in 0i64..1_000, now in 0i64..2_000
        ) {
            let overflow = Some(Counter { failures, last_failure_at: last.min(now) });
            prop_assert!(p.wait(own_or_overflow(None, overflow), now) >= p.wait(None, now));
        }
    }
}
