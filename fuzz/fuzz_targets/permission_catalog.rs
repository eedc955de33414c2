//! Operator catalog files and client permission lists: never panic; accepted names
//! are valid and sets round-trip through their stored form.
#![no_main]

use buckle_core::{Catalog, PermissionSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = Catalog::load(&[s]) {
        for p in c.iter() {
            assert!(buckle_core::catalog::valid_name(&p.name));
        }
    }
    let names: Vec<&str> = s.split([',', ' ', '\n']).collect();
    let builtin = Catalog::builtin();
    if let Ok(set) = builtin.parse_set(&names) {
        assert!(set.iter().all(|n| builtin.get(n).is_some()));
        assert_eq!(PermissionSet::decode(&set.encode()), set);
    }
    let decoded = PermissionSet::decode(s);
    assert_eq!(PermissionSet::decode(&decoded.encode()), decoded);
});
