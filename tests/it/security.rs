//! Cross-cutting protections: password guessing, sessions, stored secrets.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::json;

on_both_databases!(
    repeated_wrong_passwords_are_throttled,
    only_hashes_of_secrets_are_stored
);

/// Past a few free failures an account is slowed down (429 with a wait), not
/// locked: once the wait passes the right password works, and a device that
/// signed in before is never held up by failures made elsewhere.
async fn repeated_wrong_passwords_are_throttled(s: Server) {
    s.state.clock.freeze();
    let victim = s.user("victim").await;
    // The owner's own browser, which signed in before.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let known = reqwest::Client::builder()
        .cookie_provider(jar)
        .build()
        .unwrap();
    let r = known
        .post(s.url("/api/manage/session"))
        .json(&json!({"user_name": "victim", "password": victim.password}))
        .send()
        .await
        .unwrap();
    Reply::of(r).await.ok();
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
    let free = buckle_core::throttle::ACCOUNT.free_failures;
    for i in 0..free {
        attempt(format!("guess-{i}")).await.fails(401, 4100);
    }
    // Even the right password is refused from an unknown device while it must wait.
    let msg = attempt(victim.password.clone())
        .await
        .fails(429, 4013)
        .to_string();
    assert!(msg.contains("try again in 2 seconds"), "{msg}");
    // The owner's known device is not held up.
    let r = known
        .post(s.url("/api/manage/session"))
        .json(&json!({"user_name": "victim", "password": victim.password}))
        .send()
        .await
        .unwrap();
    Reply::of(r).await.ok();
    // Other accounts are unaffected.
    let other = s.user("other").await;
    s.login(&other).await;
    // Not a lock: once the wait has passed, the right password works anywhere.
    s.state.clock.advance(2);
    attempt(victim.password.clone()).await.ok();
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
        .account_by_id(buckle_core::AccountId(alice.id))
        .await
        .unwrap()
        .unwrap();
    assert!(account.password_hash.starts_with("$argon2id$"));
    assert!(!account.password_hash.contains(&alice.password));
}

on_both_databases!(nul_bytes_and_odd_methods_are_client_errors);

/// PostgreSQL refuses NUL in text: that is the client's mistake (4xx), never a 500.
async fn nul_bytes_and_odd_methods_are_client_errors(s: Server) {
    let client = reqwest::Client::new();
    let cases = [
        (
            "/api/manage/session",
            json!({"user_name": "a\u{0}b", "password": "whatever1"}),
        ),
        (
            "/api/permission/oauth2/token",
            json!({"grant_type": "authorization_code", "client_id": "\u{0}", "code": "c", "redirect_uri": "x"}),
        ),
        (
            "/api/permission/oauth2/device/code",
            json!({"client_id": "x\u{0}"}),
        ),
    ];
    for (path, body) in cases {
        let r = client.post(s.url(path)).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
    }
    let r = client
        .post(s.url("/api/permission/oauth2/enterprise_id/%00/token"))
        .json(&json!({"grant_type": "refresh_token", "client_id": "x", "refresh_token": "y"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    // SQLite finds nothing (404/4200); PostgreSQL refuses the text (400/4000).
    let r = a.get("/api/manage/organizations/%00").await;
    assert!(
        matches!((r.status.as_u16(), r.code()), (404, 4200) | (400, 4000)),
        "{r:?}"
    );
    // A made-up HTTP method does not become a metrics label.
    let odd = reqwest::Method::from_bytes(b"FOO123").unwrap();
    client.request(odd, s.url("/healthz")).send().await.unwrap();
    let metrics = reqwest::get(s.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("FOO123"));
    assert!(metrics.contains("method=\"OTHER\""), "{metrics}");
}
