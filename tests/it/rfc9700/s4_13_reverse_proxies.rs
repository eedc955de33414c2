//! RFC 9700 §4.13 TLS Terminating Reverse Proxies. Behind a proxy, headers such as
//! `X-Forwarded-For` or `X-Forwarded-Host` carry security-relevant facts, and a
//! server that believes them when a client sends them can be fooled. Buckle trusts
//! none: the addresses it publishes come from its configured public URL (not
//! `Host` or `X-Forwarded-Host`), and throttling counts the TCP peer, so a forged
//! `X-Forwarded-For` neither escapes nor frames another address.

use crate::oauth::app;
use crate::testkit::*;
use buckle_core::throttle::ADDRESS;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_headers_sent_by_a_client_are_not_believed() {
    let s = Server::start(Db::Sqlite).await;
    s.state.clock.freeze();
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = app(&a, "Proxy Tv", "device", &["Account.readProfile"]).await;
    let r = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/device/code"))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "for=1.2.3.4;host=evil.example;proto=https")
        .json(&json!({"client_id": dev["app_id"]}))
        .send()
        .await
        .unwrap();
    let d = OAuthReply::of(r).await;
    assert_eq!(
        d.token()["verification_uri"],
        json!(format!("{}/oauth/device", s.base))
    );

    // A sprayer claiming a new X-Forwarded-For on every try is still one address.
    let sprayer = reqwest::Client::new();
    let try_sign_in = |i: u32, user: &str, password: &str| {
        sprayer
            .post(s.url("/api/manage/session"))
            .header(
                "x-forwarded-for",
                format!("10.0.{}.{}", i / 250, i % 250 + 1),
            )
            .header("x-real-ip", format!("10.1.0.{}", i % 250 + 1))
            .json(&json!({"user_name": user, "password": password}))
            .send()
    };
    for i in 0..ADDRESS.free_failures {
        Reply::of(
            try_sign_in(i, &format!("name-{i}"), "123456")
                .await
                .unwrap(),
        )
        .await
        .fails(401, 4100);
    }
    Reply::of(try_sign_in(9999, "alice", &alice.password).await.unwrap())
        .await
        .fails(429, 4013);
}
