//! Redirect URIs and PKCE inputs: never panic; matching is exact equality.
#![no_main]

use buckle_core::{pkce, redirect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (&str, &str)| {
    let (a, b) = data;
    let _ = redirect::validate(a);
    assert_eq!(redirect::matches(&[a], b), a == b);
    let with = redirect::with_params(a, &[("state", b)]);
    assert!(with.starts_with(a));
    for m in [pkce::Method::Plain, pkce::Method::S256] {
        let _ = pkce::verify(m, a, b);
    }
    assert!(!pkce::well_formed(b) || pkce::verify(pkce::Method::S256, &pkce::s256(b), b));
});
