//! The token endpoint's body (JSON or form-encoded): never panics; whatever is
//! read holds no client secret and reads the same once written back as a form.
#![no_main]

use buckle_core::token_body::{TokenRequest, parse};
use libfuzzer_sys::fuzz_target;

fn fields(r: &TokenRequest) -> [Option<&str>; 7] {
    [
        r.grant_type.as_deref(),
        r.client_id.as_deref(),
        r.code.as_deref(),
        r.redirect_uri.as_deref(),
        r.code_verifier.as_deref(),
        r.refresh_token.as_deref(),
        r.device_code.as_deref(),
    ]
}

const NAMES: [&str; 7] = [
    "grant_type",
    "client_id",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "device_code",
];

fuzz_target!(|data: (bool, &[u8])| {
    let (form, body) = data;
    let Ok(req) = parse(form, body) else {
        return;
    };
    assert!(req.client_secret.is_none(), "a secret in the body is refused");
    let pairs: Vec<(&str, &str)> = NAMES
        .iter()
        .zip(fields(&req))
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    let written = serde_urlencoded::to_string(&pairs).expect("strings encode");
    let again = parse(true, written.as_bytes()).expect("a written form reads back");
    assert_eq!(fields(&again), fields(&req));
});
