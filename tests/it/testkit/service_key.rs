//! An RSA key pair for service apps, which signs the JWTs of the JWT bearer grant.

use serde_json::Value;

/// An RSA key pair for service apps: the signer and its public key PEM.
pub struct ServiceKey {
    pub pair: aws_lc_rs::rsa::KeyPair,
    pub public_pem: String,
    pub private_pem: String,
}

impl ServiceKey {
    pub fn new() -> ServiceKey {
        ServiceKey::of(aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap())
    }

    /// The key of a PKCS#8 private key PEM (as `private_pem` writes it).
    pub fn from_private_pem(pem: &str) -> ServiceKey {
        use base64::Engine;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        ServiceKey::of(aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).unwrap())
    }

    fn of(pair: aws_lc_rs::rsa::KeyPair) -> ServiceKey {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let pem = |label: &str, der: &[u8]| {
            let body = b64.encode(der);
            let lines: Vec<&str> = body
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                lines.join("\n")
            )
        };
        let public_pem = pem("RSA PUBLIC KEY", pair.public_key().as_ref());
        let private_pem = pem("PRIVATE KEY", pair.as_der().unwrap().as_ref());
        ServiceKey {
            pair,
            public_pem,
            private_pem,
        }
    }

    pub fn kid(&self) -> String {
        buckle_core::rsa_key::RsaPublicKey::from_pem(&self.public_pem)
            .unwrap()
            .thumbprint()
    }

    /// Signs a JWT with this key: `header` and `claims` as given.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let input = format!(
            "{}.{}",
            b64.encode(serde_json::to_vec(header).unwrap()),
            b64.encode(serde_json::to_vec(claims).unwrap())
        );
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .unwrap();
        format!("{input}.{}", b64.encode(sig))
    }
}

/// A personal service app made through `api` (a token holding `Manage.apps`)
/// with one key, and authorized for every workspace through `console`: an
/// authorization outlives any token, so the grant policy lets only a console
/// session make it. Its id and key.
pub async fn authorized_service_app(
    api: &crate::testkit::Bearer,
    console: &crate::testkit::Session,
    name: &str,
) -> (String, ServiceKey) {
    let made = api
        .post(
            "/api/manage/apps",
            serde_json::json!({"name": name, "app_type": "normal", "client_type": "service",
                   "permissions": ["Account.readProfile"], "redirect_uris": []}),
        )
        .await;
    let id = made.ok()["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    api.post(
        &format!("/api/manage/apps/{id}/keys"),
        serde_json::json!({"public_key": key.public_pem}),
    )
    .await
    .ok();
    console
        .post(
            &format!("/api/manage/apps/{id}/authorizations"),
            serde_json::json!({"all_workspaces": true}),
        )
        .await
        .ok();
    (id, key)
}
