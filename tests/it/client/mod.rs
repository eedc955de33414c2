//! The `buckle-client` crate against a running Buckle: token and JWT auth (PKCS#8
//! and PKCS#1 keys, caching, renewal before expiry, concurrent callers), the web
//! code flow with refresh, PKCE, the device flow's polling (pending, slow_down,
//! denial, expiry), the fallback chain on 4100 and 4101, revocation and typed
//! errors; and the `buckle` binary's client commands (cli.rs).

mod cli;
mod flows;

use crate::testkit::*;

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo` DER, as PEM.
pub(crate) fn pkcs1_pem(key: &ServiceKey) -> String {
    use aws_lc_rs::encoding::AsDer;
    use base64::Engine;
    let pkcs8 = key.pair.as_der().unwrap();
    let der = pkcs8.as_ref();
    // SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING { RSAPrivateKey } }
    fn tlv(d: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = d[0];
        let (len, head) = if d[1] < 0x80 {
            (d[1] as usize, 2)
        } else {
            let n = (d[1] & 0x7f) as usize;
            let mut len = 0usize;
            for b in &d[2..2 + n] {
                len = (len << 8) | *b as usize;
            }
            (len, 2 + n)
        };
        (tag, &d[head..head + len], &d[head + len..])
    }
    let (_, seq, _) = tlv(der);
    let (_, _, rest) = tlv(seq); // version
    let (_, _, rest) = tlv(rest); // algorithm
    let (tag, inner, _) = tlv(rest);
    assert_eq!(tag, 0x04, "an OCTET STRING");
    let body = base64::engine::general_purpose::STANDARD.encode(inner);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// A path of `url` on the server at `base` (the test browser takes paths).
pub(crate) fn path_of<'a>(url: &'a str, base: &str) -> &'a str {
    url.strip_prefix(base).expect("a URL on the server")
}
