//! Device usage (enterprise only): calls of tokens carrying device info are counted
//! per app, device and custom consumer per UTC day, exactly, across a clean
//! shutdown and restart; quotas refuse calls over them with 429/4013; personal
//! edition tokens are not counted.

use crate::conversations::app_token;
use crate::oauth::{app, claims, header, jwt_token};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    usage_is_exact_under_load_across_a_restart,
    quotas_refuse_calls_over_them,
    personal_edition_usage_is_not_counted,
);

/// An enterprise made by the installation's super admin, and a service app of it
/// authorized there: (admin session, enterprise id, client id, key, admin).
pub(crate) async fn enterprise_app(s: &Server) -> (Session, String, String, ServiceKey, User) {
    let root = s.super_admin("root").await;
    let r = s.login(&root).await;
    let ent = r
        .post(
            "/api/manage/organizations",
            json!({"name": "Volcano", "kind": "enterprise"}),
        )
        .await
        .ok()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let made = r
        .post(
            "/api/manage/apps",
            json!({"name": "Kiosk Service", "app_type": "normal", "client_type": "service",
                   "organization_id": ent, "permissions": ["Workspace.list"], "redirect_uris": []}),
        )
        .await;
    let id = made.ok()["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    r.post(
        &format!("/api/manage/apps/{id}/keys"),
        json!({"public_key": key.public_pem}),
    )
    .await
    .ok();
    r.post(
        &format!("/api/manage/apps/{id}/authorizations"),
        json!({"organization_id": ent, "all_workspaces": true}),
    )
    .await
    .ok();
    (r, ent, id, key, root)
}

/// A token of the enterprise's app carrying this device info.
pub(crate) async fn device_token(
    s: &Server,
    ent: &str,
    id: &str,
    key: &ServiceKey,
    device: Option<&str>,
    consumer: Option<&str>,
) -> String {
    let mut c = claims(s, id);
    let mut info = json!({});
    if let Some(d) = device {
        info["device_id"] = json!(d);
    }
    if let Some(k) = consumer {
        info["custom_consumer"] = json!(k);
    }
    c["session_context"] = json!({"device_info": info});
    let path = format!("/api/permission/oauth2/enterprise_id/{ent}/token");
    let t = jwt_token(s, &path, &key.sign(&header(key), &c), json!({})).await;
    t.token()["access_token"].as_str().unwrap().to_string()
}

/// Today's calls per (device_id, custom_consumer) as the management API reports them.
async fn today(r: &Session, id: &str) -> Vec<(String, String, i64)> {
    let u = r
        .get(&format!("/api/manage/apps/{id}/device_usage?days=1"))
        .await;
    let days = u.ok()["days"].as_array().unwrap().clone();
    assert_eq!(days.len(), 1, "{days:?}");
    let mut rows: Vec<(String, String, i64)> = days[0]["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["device_id"].as_str().unwrap().to_string(),
                d["custom_consumer"].as_str().unwrap().to_string(),
                d["calls"].as_i64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

async fn usage_is_exact_under_load_across_a_restart(s: Server) {
    let (_, ent, id, key, root) = enterprise_app(&s).await;
    // Flushes only at shutdown, so that the restart below proves none is lost there.
    let s = s
        .restart_configured(|c| c.device_usage_flush_seconds = 3_600)
        .await;
    let devices: [(Option<&str>, Option<&str>); 3] = [
        (Some("dev-1"), Some("shop-1")),
        (Some("dev-2"), Some("shop-1")),
        (Some("dev-3"), None),
    ];
    let mut tokens = Vec::new();
    for (d, c) in devices {
        tokens.push(device_token(&s, &ent, &id, &key, d, c).await);
    }
    // Many tasks at once: 48 tasks of 75 calls, spread over the three tokens.
    const TASKS: usize = 48;
    const CALLS: usize = 75;
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let token = tokens[t % 3].clone();
        let url = s.url("/v1/workspaces");
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..CALLS {
                let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    drop(client);
    let per_token = (TASKS / 3 * CALLS) as i64;
    let app_id = s
        .state
        .store
        .app_by_client_id(&id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let day = buckle_server::device_usage::day_of(buckle_core::now_unix());
    let stored = s
        .state
        .store
        .device_usage_of_app(app_id, day, day)
        .await
        .unwrap();
    assert!(
        stored.is_empty(),
        "counted in memory only until then: {stored:?}"
    );
    // A clean shutdown flushes what is still in memory; the restarted server reads it.
    let s = s.restart().await;
    let r = s.login(&root).await;
    assert_eq!(
        today(&r, &id).await,
        vec![
            ("dev-1".to_string(), "shop-1".to_string(), per_token),
            ("dev-2".to_string(), "shop-1".to_string(), per_token),
            ("dev-3".to_string(), String::new(), per_token),
        ]
    );
    let u = r.get(&format!("/api/manage/apps/{id}/device_usage")).await;
    let body = u.ok();
    assert_eq!(body["days"].as_array().unwrap().len(), 7);
    assert_eq!(body["days"][6]["calls"], json!(3 * per_token));
    assert_eq!(body["top_devices"][0]["calls"], json!(per_token));

    // After the restart, the quota counts the calls flushed before it: dev-1 has 5 left.
    r.call(
        reqwest::Method::PUT,
        &format!("/api/manage/apps/{id}/device_quotas"),
        Some(json!({"kind": "device", "subject": "dev-1", "calls_per_day": per_token + 5})),
    )
    .await
    .ok();
    for _ in 0..5 {
        s.bearer(&tokens[0]).get("/v1/workspaces").await.ok();
    }
    let msg = s
        .bearer(&tokens[0])
        .get("/v1/workspaces")
        .await
        .fails(429, 4013)
        .to_string();
    assert!(msg.contains("quota"), "{msg}");
    // The refused call is not counted.
    assert_eq!(today(&r, &id).await[0].2, per_token + 5);
}

async fn quotas_refuse_calls_over_them(s: Server) {
    let (r, ent, id, key, _) = enterprise_app(&s).await;
    let shop_a = device_token(&s, &ent, &id, &key, Some("dev-a"), Some("shop")).await;
    let shop_b = device_token(&s, &ent, &id, &key, Some("dev-b"), Some("shop")).await;
    let other = device_token(&s, &ent, &id, &key, Some("dev-c"), Some("mall")).await;
    let quotas = format!("/api/manage/apps/{id}/device_quotas");
    let set = |body: Value| r.call(reqwest::Method::PUT, &quotas, Some(body));
    set(json!({"kind": "consumer", "subject": "shop", "calls_per_day": 3}))
        .await
        .ok();
    set(json!({"kind": "device", "subject": "dev-c", "calls_per_day": 1}))
        .await
        .ok();
    // Bad quotas are refused.
    set(json!({"kind": "planet", "subject": "x", "calls_per_day": 1}))
        .await
        .fails(400, 4000);
    set(json!({"kind": "device", "subject": "x", "calls_per_day": -1}))
        .await
        .fails(400, 4000);
    let listed = r.get(&quotas).await;
    assert_eq!(listed.ok()["items"].as_array().unwrap().len(), 2);

    // The consumer's quota spans its devices.
    s.bearer(&shop_a).get("/v1/workspaces").await.ok();
    s.bearer(&shop_b).get("/v1/workspaces").await.ok();
    s.bearer(&shop_a).get("/v1/workspaces").await.ok();
    for t in [&shop_a, &shop_b] {
        let msg = s
            .bearer(t)
            .get("/v1/workspaces")
            .await
            .fails(429, 4013)
            .to_string();
        assert!(msg.contains("custom consumer"), "{msg}");
    }
    s.bearer(&other).get("/v1/workspaces").await.ok();
    let msg = s
        .bearer(&other)
        .get("/v1/workspaces")
        .await
        .fails(429, 4013)
        .to_string();
    assert!(msg.contains("device"), "{msg}");
    // Retry-After: at most until the next UTC midnight.
    let refused = reqwest::Client::new()
        .get(s.url("/v1/workspaces"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    let wait: i64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&wait), "{wait}");

    // Clearing a quota lets calls through again; clearing it twice is 404.
    r.delete(&format!("{quotas}/consumer/shop")).await.ok();
    r.delete(&format!("{quotas}/consumer/shop"))
        .await
        .fails(404, 4200);
    s.bearer(&shop_a).get("/v1/workspaces").await.ok();
    // Raising a quota does too.
    set(json!({"kind": "device", "subject": "dev-c", "calls_per_day": 2}))
        .await
        .ok();
    s.bearer(&other).get("/v1/workspaces").await.ok();

    // Only the app's administrators see it.
    let mallory = s.user("mallory").await;
    let m = s.login(&mallory).await;
    m.get(&quotas).await.fails(404, 4200);
}

async fn personal_edition_usage_is_not_counted(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let made = app(&a, "Home Service", "service", &["Workspace.list"]).await;
    let id = made["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    a.post(
        &format!("/api/manage/apps/{id}/keys"),
        json!({"public_key": key.public_pem}),
    )
    .await
    .ok();
    a.post(
        &format!("/api/manage/apps/{id}/authorizations"),
        json!({"all_workspaces": true}),
    )
    .await
    .ok();
    let token = app_token(
        &s,
        &id,
        &key,
        json!({"session_context": {"device_info": {"device_id": "dev-1", "custom_consumer": "me"}}}),
    )
    .await;
    for _ in 0..5 {
        s.bearer(&token).get("/v1/workspaces").await.ok();
    }
    // The management API is for enterprises' apps only.
    let msg = a
        .get(&format!("/api/manage/apps/{id}/device_usage"))
        .await
        .fails(403, 4101)
        .to_string();
    assert!(msg.contains("enterprise"), "{msg}");
    a.call(
        reqwest::Method::PUT,
        &format!("/api/manage/apps/{id}/device_quotas"),
        Some(json!({"kind": "device", "subject": "dev-1", "calls_per_day": 1})),
    )
    .await
    .fails(403, 4101);
    // Nothing was stored, after a flush.
    let now = buckle_core::now_unix();
    s.state
        .device_usage
        .flush(&s.state.store, now)
        .await
        .unwrap();
    let app_id = s
        .state
        .store
        .app_by_client_id(&id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let day = buckle_server::device_usage::day_of(now);
    let stored = s
        .state
        .store
        .device_usage_of_app(app_id, day - 1, day)
        .await
        .unwrap();
    assert!(stored.is_empty(), "{stored:?}");
}
