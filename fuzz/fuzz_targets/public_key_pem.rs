//! Uploaded public keys: parsing never panics; accepted keys round-trip and have a
//! 43-character thumbprint.
#![no_main]

use buckle_core::rsa_key::RsaPublicKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = RsaPublicKey::from_pem(s) {
        assert_eq!(k.thumbprint().len(), 43);
        assert_eq!(RsaPublicKey::from_pem(&k.to_pem()).as_ref(), Ok(&k));
    }
});
