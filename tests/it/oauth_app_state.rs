//! A disabled app is refused at every door of the OAuth flows (the authorize page
//! and consent, the code exchange, the device code request, the device page and
//! device polling), and enabling it again resumes where it stopped; a deleted app's
//! refresh token is dead.

use crate::oauth::{CALLBACK, TOKEN, app, authorize_url, code_for, exchange, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(
    a_disabled_web_app_is_refused_at_the_authorize_page_and_the_code_exchange,
    a_disabled_device_app_is_refused_at_every_device_step,
    a_deleted_apps_refresh_token_is_dead,
);

const DEVICE_CODE: &str = "/api/permission/oauth2/device/code";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn a_disabled_web_app_is_refused_at_the_authorize_page_and_the_code_exchange(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Web Off", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str();
    let code = code_for(&s, &alice, id, "").await;
    let b = Browser::new(&s.base);
    let (status, consent_page) = b.open_as(&authorize_url(id, CALLBACK, ""), &alice).await;
    assert_eq!(status, 200);

    a.post(&format!("/api/manage/apps/{id}/disable"), json!({}))
        .await
        .ok();
    let msg = exchange(&s, id, secret, &code, json!({}))
        .await
        .error(403, "access_deny");
    assert_eq!(msg, "app: Web Off is currently deactivated by the owner");
    // The authorize page shows the refusal and sends the browser nowhere.
    let r = b.get(&authorize_url(id, CALLBACK, "")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(location(&r).is_none());
    assert!(r.text().await.unwrap().contains("deactivated"));
    // A consent form opened before the app was disabled issues no code.
    let r = b.consent(&consent_page, "approve", "").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(location(&r).is_none());

    // Enabled again, the code refused while it was disabled still works.
    a.post(&format!("/api/manage/apps/{id}/enable"), json!({}))
        .await
        .ok();
    let t = exchange(&s, id, secret, &code, json!({})).await;
    s.bearer(t.token()["access_token"].as_str().unwrap())
        .get("/v1/users/me")
        .await
        .ok();
}

async fn a_disabled_device_app_is_refused_at_every_device_step(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = app(&a, "Tv Off", "device", &["Account.readProfile"]).await;
    let id = dev["app_id"].as_str().unwrap();
    let set_enabled = |on: bool| {
        let path = format!(
            "/api/manage/apps/{id}/{}",
            if on { "enable" } else { "disable" }
        );
        let a = &a;
        async move { a.post(&path, json!({})).await.ok().clone() }
    };
    let poll = |device_code: String| {
        oauth_post(
            &s.base,
            TOKEN,
            None,
            json!({"client_id": id, "grant_type": DEVICE_GRANT, "device_code": device_code}),
        )
    };

    set_enabled(false).await;
    let msg = oauth_post(&s.base, DEVICE_CODE, None, json!({"client_id": id}))
        .await
        .error(403, "access_deny");
    assert_eq!(msg, "app: Tv Off is currently deactivated by the owner");

    set_enabled(true).await;
    let d = oauth_post(&s.base, DEVICE_CODE, None, json!({"client_id": id})).await;
    let device_code = d.token()["device_code"].as_str().unwrap().to_string();
    let user_code = d.token()["user_code"].as_str().unwrap().to_string();
    let b = Browser::new(&s.base);
    // The verification page refuses to approve for a disabled app.
    set_enabled(false).await;
    let (status, _) = b.device_decision(&user_code, &alice, "approve", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    set_enabled(true).await;
    let (status, page) = b.device_decision(&user_code, &alice, "approve", "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // Approved, but disabled before the device polls: refused, and nothing used up.
    set_enabled(false).await;
    let msg = poll(device_code.clone()).await.error(403, "access_deny");
    assert_eq!(msg, "app: Tv Off is currently deactivated by the owner");
    set_enabled(true).await;
    let t = poll(device_code).await;
    s.bearer(t.token()["access_token"].as_str().unwrap())
        .get("/v1/users/me")
        .await
        .ok();
}

async fn a_deleted_apps_refresh_token_is_dead(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Web Gone", &["Account.readProfile"]).await;
    let other = app(&a, "Web Stays", "web", &["Account.readProfile"]).await;
    a.delete(&format!("/api/manage/apps/{}", w.id)).await.ok();
    oauth_post(
        &s.base,
        TOKEN,
        Some(&w.secret),
        json!({"client_id": w.id, "grant_type": "refresh_token", "refresh_token": w.refresh}),
    )
    .await
    .error(401, "invalid_client");
    // Under a surviving app's id the token is simply unknown: nothing of it is left.
    let msg = oauth_post(
        &s.base,
        TOKEN,
        other["client_secret"].as_str(),
        json!({"client_id": other["app_id"], "grant_type": "refresh_token", "refresh_token": w.refresh}),
    )
    .await
    .error(400, "invalid_grant");
    assert_eq!(msg, "the refresh token is invalid");
    s.bearer(&w.access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
}
