//! Expiry of OAuth credentials, with the server's clock moved forward (no sleeps):
//! `czu_` and `czs_` access tokens, authorization codes and refresh tokens each
//! work until their lifetime is over and are refused after.

use crate::oauth::{TOKEN, claims, code_for, exchange, header, jwt_token, service_app, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::json;

on_both_databases!(
    a_user_access_token_expires,
    an_app_access_token_expires,
    an_authorization_code_expires,
    a_refresh_token_expires,
);

/// The lifetime of an authorization code (10 minutes, as Coze's).
const CODE_TTL: i64 = 600;

async fn a_user_access_token_expires(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Web Clock", &["Account.readProfile"]).await;
    let ttl = s.state.config.user_token_ttl;
    s.state.clock.advance(ttl - 30);
    s.bearer(&w.access).get("/v1/users/me").await.ok();
    s.state.clock.advance(60);
    s.bearer(&w.access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    // Its refresh token still makes a working one.
    let r = oauth_post(
        &s.base,
        TOKEN,
        Some(&w.secret),
        json!({"client_id": w.id, "grant_type": "refresh_token", "refresh_token": w.refresh}),
    )
    .await;
    let access = r.token()["access_token"].as_str().unwrap();
    s.bearer(access).get("/v1/users/me").await.ok();
}

async fn an_app_access_token_expires(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (sid, key) = service_app(&s, &a, "Service Clock").await;
    let jwt = key.sign(&header(&key), &claims(&s, &sid));
    let r = jwt_token(&s, TOKEN, &jwt, json!({"duration_seconds": 600})).await;
    let czs = r.token()["access_token"].as_str().unwrap().to_string();
    assert!(czs.starts_with("czs_"));
    s.state.clock.advance(570);
    s.bearer(&czs).get("/v1/users/me").await.ok();
    s.state.clock.advance(60);
    s.bearer(&czs).get("/v1/users/me").await.fails(401, 4100);
}

async fn an_authorization_code_expires(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = crate::oauth::app(&a, "Web Clock", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str();
    let early = code_for(&s, &alice, id, "").await;
    let late = code_for(&s, &alice, id, "").await;
    s.state.clock.advance(CODE_TTL - 30);
    exchange(&s, id, secret, &early, json!({})).await.token();
    s.state.clock.advance(60);
    let msg = exchange(&s, id, secret, &late, json!({}))
        .await
        .error(400, "invalid_grant");
    assert!(msg.contains("expired"), "{msg}");
}

async fn a_refresh_token_expires(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Web Clock", &["Account.readProfile"]).await;
    let ttl = s.state.config.refresh_token_ttl;
    let refresh = |token: String| {
        oauth_post(
            &s.base,
            TOKEN,
            Some(&w.secret),
            json!({"client_id": w.id, "grant_type": "refresh_token", "refresh_token": token}),
        )
    };
    // Just before its end it still rotates; its successor lives a full lifetime.
    s.state.clock.advance(ttl - 60);
    let r = refresh(w.refresh.clone()).await;
    let next = r.token()["refresh_token"].as_str().unwrap().to_string();
    s.state.clock.advance(ttl - 60);
    let r = refresh(next).await;
    let last = r.token()["refresh_token"].as_str().unwrap().to_string();
    s.state.clock.advance(ttl + 1);
    let msg = refresh(last).await.error(400, "invalid_grant");
    assert!(msg.contains("expired"), "{msg}");
}
