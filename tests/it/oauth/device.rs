//! The device authorization flow: codes, polling (pending, slow down), approval and
//! denial on the verification page, expiry, and device apps only.

use super::*;
use crate::on_both_databases;

on_both_databases!(device_flow);

async fn device_flow(s: Server) {
    // The clock stands still, so only `advance` moves time past a polling interval.
    s.state.clock.freeze();
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = app(&a, "Tv One", "device", &["Account.readProfile"]).await;
    let id = dev["app_id"].as_str().unwrap();
    let d = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": id}),
    )
    .await;
    let d = d.token().clone();
    let user_code = d["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert_eq!(
        d["verification_uri"],
        json!(format!("{}/oauth/device", s.base))
    );
    assert_eq!(d["expires_in"], json!(300));
    assert_eq!(d["interval"], json!(1));
    let device_code = d["device_code"].as_str().unwrap();
    let poll = || {
        oauth_post(
            &s.base,
            TOKEN,
            None,
            json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code}),
        )
    };
    poll().await.error(400, "authorization_pending");
    poll().await.error(400, "slow_down");
    s.state.clock.advance(1);
    poll().await.error(400, "authorization_pending");
    // The page accepts ?user_code= (lowercase, no dash too) and signs in first.
    let b = Browser::new(&s.base);
    let typed = user_code.replace('-', "").to_lowercase();
    let (status, page) = b
        .open_as(&format!("/oauth/device?user_code={typed}"), &alice)
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Tv One"));
    let (status, done) = b.device_decision(user_code, &alice, "approve", "").await;
    assert_eq!(status, 200, "{done}");
    // Approval answers at once, however fast the poll.
    let t = poll().await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    s.bearer(&access).get("/v1/users/me").await.ok();
    poll().await.error(400, "invalid_grant");
    // The approved code cannot be decided again.
    let (status, _) = b
        .open_as(&format!("/oauth/device?user_code={user_code}"), &alice)
        .await;
    assert_eq!(status, 404);

    // Denied.
    let d = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": id}),
    )
    .await;
    let code2 = d.token()["device_code"].as_str().unwrap().to_string();
    let user2 = d.token()["user_code"].as_str().unwrap().to_string();
    b.device_decision(&user2, &alice, "deny", "").await;
    let r = oauth_post(&s.base, TOKEN, None, json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": code2})).await;
    r.error(400, "access_denied");

    // Expired.
    let expired = buckle_core::TokenKind::DeviceCode.generate();
    let now = buckle_core::now_unix();
    let app_row = s.state.store.app_by_client_id(id).await.unwrap().unwrap();
    s.state
        .store
        .insert_device_code(&buckle_store::DeviceCode {
            device_code_hash: buckle_core::secret::hash_secret(&expired),
            user_code: "BBBB-CCCC".into(),
            app_id: app_row.id,
            workspace_id: None,
            status: buckle_core::DeviceStatus::Pending,
            grant_id: None,
            account_id: None,
            poll_interval: 1,
            last_poll_at_ms: None,
            created_at: now - 400,
            expires_at: now - 100,
            used_at: None,
        })
        .await
        .unwrap();
    let r = oauth_post(&s.base, TOKEN, None, json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": expired})).await;
    r.error(400, "expired_token");
    // Device codes are for device apps only.
    let web = app(&a, "Web Seven", "web", &["Account.readProfile"]).await;
    let msg = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": web["app_id"]}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "invalid app type");
    oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({}),
    )
    .await
    .error(400, "invalid_request");
}
