//! Expiry choices from clients: never panic; whatever a policy accepts fits it.
#![no_main]

use buckle_core::expiry::{Expiry, ExpiryPolicy, parse_duration};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(e) = parse_duration(s, NOW) else {
        return;
    };
    for policy in [
        ExpiryPolicy::PERSONAL,
        ExpiryPolicy::organization(Some(365)),
        ExpiryPolicy::organization(None),
    ] {
        match policy.check(e, NOW) {
            Ok(Expiry::At(t)) => {
                assert!(t > NOW);
                if let Some(max) = policy.max_seconds {
                    assert!(t - NOW <= max + 60);
                }
            }
            Ok(Expiry::Never) => assert!(policy.max_seconds.is_none()),
            Err(_) => {}
        }
    }
});
