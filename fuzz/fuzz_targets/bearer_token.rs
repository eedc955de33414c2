//! Bearer strings and ids from the wire: never panic; anything accepted is well-formed.
#![no_main]

use buckle_core::TokenKind;
use buckle_core::ids::parse_id;
use buckle_core::secret::{constant_time_eq, hash_secret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(kind) = TokenKind::of_access_token(s) {
        assert!(s.starts_with(kind.prefix()));
        assert_eq!(s.len(), kind.prefix().len() + kind.random_len());
        assert!(s.is_ascii());
    }
    let h = hash_secret(s);
    assert_eq!(h.len(), 64);
    assert!(constant_time_eq(&h, &hash_secret(s)));
    if let Some(id) = parse_id(s) {
        assert!(id >= 0);
        assert_eq!(id.to_string().trim_start_matches('0'), s.trim_start_matches('0'));
    }
});
