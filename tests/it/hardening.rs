//! Low-severity hardening: response headers on secret-bearing responses, the
//! SQLite files' permissions.

use crate::testkit::*;
use reqwest::header::HeaderMap;
use serde_json::json;

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1), and `nosniff`.
#[track_caller]
fn uncached(what: &str, h: &HeaderMap) {
    assert_eq!(
        h.get("cache-control").map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "{what}"
    );
    assert_eq!(
        h.get("pragma").map(|v| v.to_str().unwrap()),
        Some("no-cache"),
        "{what}"
    );
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carrying_secrets_are_never_cached() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let raw = reqwest::Client::new();

    // Sign-in, through the API and through the page.
    let r = raw
        .post(s.url("/api/manage/session"))
        .json(&json!({"user_name": "alice", "password": alice.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    uncached("sign-in", r.headers());
    let r = raw.get(s.url("/login")).send().await.unwrap();
    uncached("sign-in page", r.headers());

    let a = s.login(&alice).await;
    let post = |path: &str, body: serde_json::Value| {
        a.client
            .post(s.url(path))
            .header("x-csrf-token", &a.csrf)
            .json(&body)
            .send()
    };
    let r = post(
        "/api/manage/personal_access_tokens",
        json!({"name": "t", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    uncached("token creation", r.headers());

    let r = post(
        "/api/manage/apps",
        json!({"name": "web", "app_type": "normal", "client_type": "web",
               "permissions": ["Account.readProfile"], "redirect_uris": ["https://app.example.com/cb"]}),
    )
    .await
    .unwrap();
    uncached("app creation with a secret", r.headers());
    let web: serde_json::Value = r.json().await.unwrap();
    let web_id = web["data"]["app_id"].as_str().unwrap();
    let r = post(&format!("/api/manage/apps/{web_id}/secret"), json!({}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    uncached("client secret reset", r.headers());

    let dev = a
        .post(
            "/api/manage/apps",
            json!({"name": "dev", "app_type": "normal", "client_type": "device",
                   "permissions": ["Account.readProfile"], "redirect_uris": []}),
        )
        .await;
    let dev_id = dev.ok()["app_id"].as_str().unwrap().to_string();
    let r = raw
        .post(s.url("/api/permission/oauth2/device/code"))
        .json(&json!({"client_id": dev_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    uncached("device code", r.headers());
    let device: serde_json::Value = r.json().await.unwrap();

    // The token endpoint, answering and refusing.
    let r = raw
        .post(s.url("/api/permission/oauth2/token"))
        .json(
            &json!({"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                      "client_id": dev_id, "device_code": device["device_code"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    uncached("token endpoint error", r.headers());
    let svc = a
        .post(
            "/api/manage/apps",
            json!({"name": "svc", "app_type": "normal", "client_type": "service",
                   "permissions": ["Account.readProfile"], "redirect_uris": []}),
        )
        .await;
    let svc_id = svc.ok()["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    a.post(
        &format!("/api/manage/apps/{svc_id}/keys"),
        json!({"public_key": key.public_pem}),
    )
    .await
    .ok();
    a.post(
        &format!("/api/manage/apps/{svc_id}/authorizations"),
        json!({"all_workspaces": true}),
    )
    .await
    .ok();
    let now = s.state.clock.now();
    let jwt = key.sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()}),
        &json!({"iss": svc_id, "aud": s.base.trim_start_matches("http://"), "iat": now,
                "exp": now + 600, "jti": "j1"}),
    );
    let r = raw
        .post(s.url("/api/permission/oauth2/token"))
        .bearer_auth(jwt)
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    uncached("token endpoint success", r.headers());

    // nosniff on everything, uncached or not.
    for path in [
        "/openapi.json",
        "/healthz",
        "/no/such/route",
        "/v1/users/me",
    ] {
        let r = raw.get(s.url(path)).send().await.unwrap();
        assert_eq!(
            r.headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{path}"
        );
    }
}

/// The database holds password and token hashes: only Buckle's user reads it.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("fresh").join("data");
    let db = data.join("buckle.db");
    let (d, f) = (data.clone(), db.clone());
    let s = Server::start_configured(move |c| {
        c.data_dir = d;
        c.database_url = buckle::sqlite_url(&f);
    })
    .await;
    // Writes, so the WAL and its index exist.
    s.user("alice").await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data directory");
    assert_eq!(mode(&db), 0o600, "database file");
    for suffix in ["-wal", "-shm"] {
        let p = data.join(format!("buckle.db{suffix}"));
        assert!(p.exists(), "{suffix}");
        assert_eq!(mode(&p), 0o600, "{suffix}");
    }

    // A database left world-readable by an older Buckle is tightened on start.
    drop(s);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let f = db.clone();
    let d = data.clone();
    let _s = Server::start_configured(move |c| {
        c.data_dir = d;
        c.database_url = buckle::sqlite_url(&f);
    })
    .await;
    assert_eq!(mode(&db), 0o600, "database file after restart");
}
