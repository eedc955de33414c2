//! RFC 9700 §4.14 Refresh Token Protection. A stolen refresh token would give lasting
//! access. Buckle binds it to its client (a confidential client must authenticate,
//! and a wrong secret or another client leaves the token untouched) and rotates it
//! for every client, public ones included: each use returns a new one, and a used
//! one presented again revokes the whole chain, live access token included. The
//! concurrent-reuse races are in `oauth_reuse`, the other-client rounds in
//! `oauth_binding`.

use crate::oauth::{TOKEN, app, code_for, exchange, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use buckle_core::pkce::s256;
use serde_json::{Value, json};

on_both_databases!(
    a_confidential_clients_refresh_token_needs_its_secret,
    a_public_clients_refresh_token_rotates_and_replay_revokes
);

async fn refresh(s: &Server, id: &str, secret: Option<&str>, token: &str) -> OAuthReply {
    oauth_post(
        &s.base,
        TOKEN,
        secret,
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": token}),
    )
    .await
}

fn pair(t: &OAuthReply) -> (String, String) {
    let b: &Value = t.token();
    (
        b["access_token"].as_str().unwrap().to_string(),
        b["refresh_token"].as_str().unwrap().to_string(),
    )
}

async fn a_confidential_clients_refresh_token_needs_its_secret(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Refresh Web", &["Account.readProfile"]).await;
    let other = app(&a, "Other Web", "web", &["Account.readProfile"]).await;
    for (what, secret) in [
        ("no secret", None),
        ("a wrong secret", Some("wrong-secret")),
        ("another app's secret", other["client_secret"].as_str()),
        (
            "the secret with a byte more",
            Some(&*format!("{}x", f.secret)),
        ),
    ] {
        let r = refresh(&s, &f.id, secret, &f.refresh).await;
        assert_eq!(r.status, 401, "{what}: {r:?}");
    }
    // Untouched: the access token lives, and the owner rotates normally.
    s.bearer(&f.access).get("/v1/users/me").await.ok();
    let (access, next) = pair(&refresh(&s, &f.id, Some(&f.secret), &f.refresh).await);
    assert_ne!(next, f.refresh);
    s.bearer(&access).get("/v1/users/me").await.ok();
    pair(&refresh(&s, &f.id, Some(&f.secret), &next).await);
}

async fn a_public_clients_refresh_token_rotates_and_replay_revokes(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let spa = app(&a, "Refresh Spa", "pkce", &["Account.readProfile"]).await;
    let id = spa["app_id"].as_str().unwrap();
    let verifier = "public-client-verifier-with-enough-characters-1";
    let extra = format!(
        "&code_challenge={}&code_challenge_method=S256",
        s256(verifier)
    );
    let code = code_for(&s, &alice, id, &extra).await;
    let (_, r1) = pair(&exchange(&s, id, None, &code, json!({"code_verifier": verifier})).await);
    // The rightful client rotates...
    let (a2, r2) = pair(&refresh(&s, id, None, &r1).await);
    assert_ne!(r1, r2);
    s.bearer(&a2).get("/v1/users/me").await.ok();
    // ... the thief replays the old token: refused, and the whole chain dies.
    let msg = refresh(&s, id, None, &r1).await.error(400, "invalid_grant");
    assert!(msg.contains("revoked"), "{msg}");
    s.bearer(&a2).get("/v1/users/me").await.fails(401, 4100);
    refresh(&s, id, None, &r2).await.error(400, "invalid_grant");
    // The person authorizes again and gets a fresh, working chain.
    let code = code_for(&s, &alice, id, &extra).await;
    let (a3, r3) = pair(&exchange(&s, id, None, &code, json!({"code_verifier": verifier})).await);
    s.bearer(&a3).get("/v1/users/me").await.ok();
    pair(&refresh(&s, id, None, &r3).await);
}
