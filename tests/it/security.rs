//! Cross-cutting protections: password guessing, sessions, stored secrets.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::json;

on_both_databases!(
    repeated_wrong_passwords_are_throttled,
    only_hashes_of_secrets_are_stored
);

async fn repeated_wrong_passwords_are_throttled(s: Server) {
    let victim = s.user("victim").await;
    let client = reqwest::Client::new();
    let attempt = |password: String| {
        let client = client.clone();
        let url = s.url("/api/manage/session");
        async move {
            Reply::of(
                client
                    .post(url)
                    .json(&json!({"user_name": "victim", "password": password}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    for i in 0..10 {
        attempt(format!("guess-{i}")).await.fails(401, 4100);
    }
    // Even the right password is refused while the name is throttled.
    let msg = attempt(victim.password.clone())
        .await
        .fails(429, 4013)
        .to_string();
    assert!(msg.contains("try again"), "{msg}");
    // Other accounts are unaffected.
    let other = s.user("other").await;
    s.login(&other).await;
}

async fn only_hashes_of_secrets_are_stored(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let (id, pat) = session
        .pat(json!({"name": "t", "permissions": ["Account.readProfile"], "expires_in": "1d"}))
        .await;
    let stored = s
        .state
        .store
        .token_by_id(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.token_hash, buckle_core::secret::hash_secret(&pat));
    assert_ne!(stored.token_hash, pat);
    assert_eq!(stored.hint, pat[pat.len() - 4..]);
    let account = s
        .state
        .store
        .account_by_id(alice.id)
        .await
        .unwrap()
        .unwrap();
    assert!(account.password_hash.starts_with("$argon2id$"));
    assert!(!account.password_hash.contains(&alice.password));
}

#[tokio::test]
async fn openapi_document_describes_every_route_that_exists() {
    let s = Server::start(Db::Sqlite).await;
    let doc: serde_json::Value = reqwest::get(s.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let client = reqwest::Client::new();
    let mut checked = 0;
    for (method, path) in buckle_server::openapi_doc::operations() {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
        let concrete = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "1000000000000000001"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let r = client
            .request(method.to_uppercase().parse().unwrap(), s.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        // The router's fallback says "No such endpoint."; a 405 means the method is unrouted.
        assert!(
            !body.contains("No such endpoint") && status != 405,
            "{method} {path} is documented but not routed: {status} {body}"
        );
        checked += 1;
    }
    assert!(checked >= 40);
}
