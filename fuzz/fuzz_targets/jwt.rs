//! JWTs from the wire: decoding never panics and refuses every algorithm but RS256.
#![no_main]

use buckle_core::jwt::{JwtError, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match decode(s) {
        Ok(u) => {
            assert_eq!(u.header.alg, "RS256");
            assert!(!u.kid().is_empty());
            assert!(u.header.crit.is_none());
        }
        Err(
            JwtError::Malformed | JwtError::Algorithm | JwtError::NoKid | JwtError::Critical,
        ) => {}
        Err(other) => panic!("decode reported a verification error: {other:?}"),
    }
});
