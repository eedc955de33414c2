//! The client address behind a trusted reverse proxy (`trusted_proxies`): the
//! proxy's `X-Forwarded-For` decides whose failures are counted, so clients behind
//! one proxy are throttled separately, and a client that is not a trusted proxy
//! cannot escape its own count by forging the header.

use crate::testkit::*;
use buckle_core::forwarded::TrustedProxies;
use buckle_core::throttle::ADDRESS;
use reqwest::Client;
use serde_json::json;
use std::net::IpAddr;

/// A client connecting from `address` (any 127.x.y.z reaches the loopback server).
fn client_from(address: &str) -> Client {
    let ip: IpAddr = address.parse().unwrap();
    Client::builder().local_address(ip).build().unwrap()
}

async fn sign_in(
    s: &Server,
    client: &Client,
    forwarded_for: Option<&str>,
    user_name: &str,
    password: &str,
) -> Reply {
    let mut rb = client
        .post(s.url("/api/manage/session"))
        .json(&json!({"user_name": user_name, "password": password}));
    if let Some(xff) = forwarded_for {
        rb = rb.header("x-forwarded-for", xff);
    }
    Reply::of(rb.send().await.unwrap()).await
}

async fn throttling_follows_the_forwarded_address(db: Db) {
    // 127.0.0.1 is the proxy; 127.0.0.2 is a client connecting directly.
    let s = Server::start_on_configured(db, |settings| {
        settings.trusted_proxies = TrustedProxies::parse(&["127.0.0.1/32"]).unwrap();
    })
    .await;
    s.state.clock.freeze();
    let carol = s.user("carol").await;
    let proxy = client_from("127.0.0.1");

    // One client behind the proxy sprays names; it forges a different leftmost
    // entry each time, which must not give it a new address.
    for i in 0..ADDRESS.free_failures {
        let xff = format!("198.51.100.{i}, 203.0.113.7");
        sign_in(&s, &proxy, Some(&xff), &format!("name-{i}"), "123456")
            .await
            .fails(401, 4100);
    }
    sign_in(
        &s,
        &proxy,
        Some("192.0.2.99, 203.0.113.7"),
        "carol",
        &carol.password,
    )
    .await
    .fails(429, 4013);
    // Another client behind the same proxy is not slowed, nor is the proxy
    // itself (a request without the header).
    sign_in(&s, &proxy, Some("203.0.113.8"), "carol", &carol.password)
        .await
        .ok();
    sign_in(&s, &proxy, None, "carol", &carol.password)
        .await
        .ok();

    // A client that is not a trusted proxy: its header is ignored, so a new
    // forged address each time does not save it.
    let spoofer = client_from("127.0.0.2");
    for i in 0..ADDRESS.free_failures {
        let xff = format!("198.51.100.{}", 100 + i);
        sign_in(&s, &spoofer, Some(&xff), &format!("other-{i}"), "123456")
            .await
            .fails(401, 4100);
    }
    sign_in(
        &s,
        &spoofer,
        Some("203.0.113.200"),
        "carol",
        &carol.password,
    )
    .await
    .fails(429, 4013);
    // Nor did its forged addresses count against the clients it named.
    sign_in(&s, &proxy, Some("198.51.100.100"), "carol", &carol.password)
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_follows_the_forwarded_address_sqlite() {
    throttling_follows_the_forwarded_address(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_follows_the_forwarded_address_postgres() {
    throttling_follows_the_forwarded_address(Db::Postgres).await;
}
