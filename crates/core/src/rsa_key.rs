//! RSA public keys of service apps: PEM (SubjectPublicKeyInfo or PKCS#1) in, the
//! RFC 7638 JWK thumbprint (the JWT `kid`) and RS256 verification out. Buckle only
//! ever holds public keys.

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// Modulus, big-endian, no leading zeros.
    pub n: Vec<u8>,
    /// Public exponent, big-endian, no leading zeros.
    pub e: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "this is a private key: upload only the public key (the private key never leaves your machine)"
    )]
    PrivateKey,
    #[error(
        "expected a PEM block \"-----BEGIN PUBLIC KEY-----\" or \"-----BEGIN RSA PUBLIC KEY-----\""
    )]
    NotPem,
    #[error("the PEM body is not valid base64")]
    Base64,
    #[error("not an RSA public key")]
    NotRsa,
    #[error("RSA keys must have 2048 to 8192 bits")]
    Size,
}

const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// One DER element: (tag, contents, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        // DER: long form only when needed.
        if len < 0x80 {
            return None;
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn unsigned_integer(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.is_empty() || bytes[0] & 0x80 != 0 {
        return None;
    }
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    Some(bytes[start..].to_vec())
}

/// PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }.
fn parse_pkcs1(der: &[u8]) -> Result<RsaPublicKey, KeyError> {
    let (0x30, seq, []) = tlv(der).ok_or(KeyError::NotRsa)? else {
        return Err(KeyError::NotRsa);
    };
    let (0x02, n, rest) = tlv(seq).ok_or(KeyError::NotRsa)? else {
        return Err(KeyError::NotRsa);
    };
    let (0x02, e, []) = tlv(rest).ok_or(KeyError::NotRsa)? else {
        return Err(KeyError::NotRsa);
    };
    let key = RsaPublicKey {
        n: unsigned_integer(n).ok_or(KeyError::NotRsa)?,
        e: unsigned_integer(e).ok_or(KeyError::NotRsa)?,
    };
    let Some(top) = key.n.first() else {
        return Err(KeyError::NotRsa);
    };
    let bits = key.n.len() * 8 - top.leading_zeros() as usize;
    if !(2048..=8192).contains(&bits) {
        return Err(KeyError::Size);
    }
    if key.e.is_empty() || key.e.len() > 4 || key.e.last().is_some_and(|b| b & 1 == 0) {
        return Err(KeyError::NotRsa);
    }
    Ok(key)
}

/// SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING }.
fn parse_spki(der: &[u8]) -> Result<RsaPublicKey, KeyError> {
    let (0x30, seq, []) = tlv(der).ok_or(KeyError::NotRsa)? else {
        return Err(KeyError::NotRsa);
    };
    let (0x30, alg, rest) = tlv(seq).ok_or(KeyError::NotRsa)? else {
        return Err(KeyError::NotRsa);
    };
    let (0x06, oid, _params) = tlv(alg).ok_or(KeyError::NotRsa)? else {
        return Err(KeyError::NotRsa);
    };
    if oid != RSA_ENCRYPTION_OID {
        return Err(KeyError::NotRsa);
    }
    let (0x03, bits, []) = tlv(rest).ok_or(KeyError::NotRsa)? else {
        return Err(KeyError::NotRsa);
    };
    match bits.split_first() {
        Some((0, pkcs1)) => parse_pkcs1(pkcs1),
        _ => Err(KeyError::NotRsa),
    }
}

/// Something that checks RS256 signatures.
pub trait VerifiesRs256 {
    fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool;
}

impl VerifiesRs256 for RsaPublicKey {
    fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        RsaPublicKey::verify_rs256(self, message, signature)
    }
}

/// A public key parsed once for RS256 verification: parsing it (with the
/// library's key checks) costs about as much as verifying a signature, so a
/// key that verifies many JWTs is kept in this form.
#[derive(Clone)]
pub struct Rs256Verifier(ParsedPublicKey);

impl std::fmt::Debug for Rs256Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rs256Verifier")
    }
}

impl VerifiesRs256 for Rs256Verifier {
    fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}

impl RsaPublicKey {
    pub fn from_pem(pem: &str) -> Result<RsaPublicKey, KeyError> {
        let pem = pem.trim();
        if pem.contains("PRIVATE KEY") {
            return Err(KeyError::PrivateKey);
        }
        let (label, body) = pem_body(pem).ok_or(KeyError::NotPem)?;
        let der = STANDARD.decode(body).map_err(|_| KeyError::Base64)?;
        match label {
            "PUBLIC KEY" => parse_spki(&der),
            "RSA PUBLIC KEY" => parse_pkcs1(&der),
            _ => Err(KeyError::NotPem),
        }
    }

    /// RFC 7638 JWK SHA-256 thumbprint, base64url without padding (43 characters).
    pub fn thumbprint(&self) -> String {
        let jwk = format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            URL_SAFE_NO_PAD.encode(&self.e),
            URL_SAFE_NO_PAD.encode(&self.n)
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(jwk.as_bytes()))
    }

    /// Verifies an RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature.
    pub fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        RsaPublicKeyComponents {
            n: self.n.as_slice(),
            e: self.e.as_slice(),
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
        .is_ok()
    }

    /// The key made ready for many verifications.
    pub fn verifier(&self) -> Result<Rs256Verifier, KeyError> {
        let pkcs1 = der_seq(&[der_int(&self.n), der_int(&self.e)]);
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pkcs1)
            .map(Rs256Verifier)
            .map_err(|_| KeyError::NotRsa)
    }

    /// The key as a SubjectPublicKeyInfo PEM, for display and download.
    pub fn to_pem(&self) -> String {
        let pkcs1 = der_seq(&[der_int(&self.n), der_int(&self.e)]);
        let mut bitstring = vec![0u8];
        bitstring.extend_from_slice(&pkcs1);
        let alg = der_seq(&[der(0x06, RSA_ENCRYPTION_OID), der(0x05, &[])]);
        let spki = der_seq(&[alg, der(0x03, &bitstring)]);
        let b64 = STANDARD.encode(spki);
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }
}

fn pem_body(pem: &str) -> Option<(&str, String)> {
    let first = pem.lines().next()?.trim();
    let label = first.strip_prefix("-----BEGIN ")?.strip_suffix("-----")?;
    let end = format!("-----END {label}-----");
    let inner = pem.strip_prefix(first)?.trim_end();
    let inner = inner.strip_suffix(end.as_str())?;
    let body: String = inner.split_whitespace().collect();
    Some((label, body))
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn der_int(unsigned: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(unsigned.len() + 1);
    if unsigned.first().is_none_or(|b| b & 0x80 != 0) {
        c.push(0);
    }
    c.extend_from_slice(unsigned);
    der(0x02, &c)
}

fn der_seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
    use proptest::prelude::*;

    /// A fresh key pair and its public key as SPKI PEM.
    pub fn key_pair() -> (KeyPair, String) {
        let kp = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs1 = kp.public_key().as_ref().to_vec();
        let key = parse_pkcs1(&pkcs1).unwrap();
        (kp, key.to_pem())
    }

    pub fn sign(kp: &KeyPair, msg: &[u8]) -> Vec<u8> {
        let mut sig = vec![0; kp.public_modulus_len()];
        kp.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            msg,
            &mut sig,
        )
        .unwrap();
        sig
    }

    #[test]
    fn a_parsed_verifier_agrees_with_the_key() {
        let (kp, pem) = key_pair();
        let key = RsaPublicKey::from_pem(&pem).unwrap();
        let verifier = key.verifier().unwrap();
        let sig = sign(&kp, b"message");
        assert!(VerifiesRs256::verify_rs256(&verifier, b"message", &sig));
        assert!(!VerifiesRs256::verify_rs256(&verifier, b"massage", &sig));
        let (_, other) = key_pair();
        let other = RsaPublicKey::from_pem(&other).unwrap().verifier().unwrap();
        assert!(!VerifiesRs256::verify_rs256(&other, b"message", &sig));
    }

    #[test]
    fn pem_forms_thumbprint_and_verification() {
        let (kp, pem) = key_pair();
        let key = RsaPublicKey::from_pem(&pem).unwrap();
        assert_eq!(key.to_pem(), pem, "SPKI round-trips");
        let pkcs1_pem = format!(
            "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
            STANDARD.encode(kp.public_key().as_ref())
        );
        assert_eq!(RsaPublicKey::from_pem(&pkcs1_pem).unwrap(), key);
        assert_eq!(key.thumbprint().len(), 43);
        let sig = sign(&kp, b"payload");
        assert!(key.verify_rs256(b"payload", &sig));
        assert!(!key.verify_rs256(b"payload!", &sig));
        let private = kp.as_der().unwrap();
        let private_pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
            STANDARD.encode(private.as_ref())
        );
        assert_eq!(
            RsaPublicKey::from_pem(&private_pem),
            Err(KeyError::PrivateKey)
        );
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // The example key of RFC 7638 section 3.1.
        let n = URL_SAFE_NO_PAD.decode("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw").unwrap();
        let key = RsaPublicKey {
            n,
            e: vec![1, 0, 1],
        };
        assert_eq!(
            key.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn garbage_is_refused() {
        // A zero modulus (so an empty one once leading zeros go).
        let zero = "-----BEGIN RSA PUBLIC KEY-----\nMAYCAQACAQM=\n-----END RSA PUBLIC KEY-----";
        assert_eq!(RsaPublicKey::from_pem(zero), Err(KeyError::NotRsa));
        for bad in [
            "",
            "hello",
            "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        ] {
            assert!(RsaPublicKey::from_pem(bad).is_err(), "{bad}");
        }
    }

    /// A real key's PKCS#1 and SPKI DER, made once (key generation is slow).
    fn real_ders() -> &'static (Vec<u8>, Vec<u8>) {
        static DERS: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
        DERS.get_or_init(|| {
            use base64::Engine;
            let (kp, pem) = key_pair();
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let spki = base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap();
            (kp.public_key().as_ref().to_vec(), spki)
        })
    }

    proptest! {
        #[test]
        fn der_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_spki(&bytes);
            let _ = parse_pkcs1(&bytes);
        }

        /// Random bytes fail at the first tag; a real key's DER with bytes changed
        /// reaches the length, integer and algorithm checks deep inside, and a
        /// cut-short one (any proper prefix) is always refused.
        #[test]
        fn mutated_real_keys_never_panic_and_truncated_ones_are_refused(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let (pkcs1, spki) = real_ders();
            prop_assert!(parse_pkcs1(pkcs1).is_ok() && parse_spki(spki).is_ok());
            for (der, parse) in [(pkcs1, parse_pkcs1 as fn(&[u8]) -> _), (spki, parse_spki)] {
                let mut changed = der.clone();
                for (at, b) in &edits {
                    let i = at.index(changed.len());
                    changed[i] = *b;
                }
                let _ = parse(&changed);
                // Changing a byte of the header's first few bytes (the structure)
                // is where the interesting checks are; also try it there.
                let mut head = der.clone();
                let i = edits[0].0.index(12);
                head[i] ^= edits[0].1 | 1;
                let _ = parse(&head);
                let prefix = &der[..cut.index(der.len())];
                prop_assert!(parse(prefix).is_err(), "a prefix of {} bytes parsed", prefix.len());
            }
        }
    }
}
