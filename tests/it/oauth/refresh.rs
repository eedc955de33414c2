//! Refresh tokens rotate on use, and presenting a used one revokes the whole chain.

use super::*;
use crate::on_both_databases;

on_both_databases!(refresh_rotation_and_chain_revocation);

async fn refresh_rotation_and_chain_revocation(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Web Six", &["Account.readProfile"]).await;
    let (id, secret, r1) = (f.id.as_str(), f.secret.as_str(), f.refresh.clone());
    let refresh = |rt: String, secret: Option<&'static str>| {
        let base = s.base.clone();
        let id = id.to_string();
        async move {
            oauth_post(
                &base,
                TOKEN,
                secret,
                json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": rt}),
            )
            .await
        }
    };
    let secret_static: &'static str = Box::leak(secret.to_string().into_boxed_str());
    refresh(r1.clone(), None).await.error(401, "invalid_client");
    let t2 = refresh(r1.clone(), Some(secret_static)).await;
    let a2 = t2.token()["access_token"].as_str().unwrap().to_string();
    let r2 = t2.token()["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    s.bearer(&a2).get("/v1/users/me").await.ok();
    // The used refresh token no longer works, and presenting it revokes the chain.
    let msg = refresh(r1.clone(), Some(secret_static))
        .await
        .error(400, "invalid_grant");
    assert!(msg.contains("revoked"), "{msg}");
    s.bearer(&a2).get("/v1/users/me").await.fails(401, 4100);
    refresh(r2, Some(secret_static))
        .await
        .error(400, "invalid_grant");
    refresh("x".repeat(72), Some(secret_static))
        .await
        .error(400, "invalid_grant");
}
