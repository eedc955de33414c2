//! Approving a device code on the verification page: the device shows a code
//! and an address; the person opens it, signs in, types the code, approves, and
//! the device's next poll gets a working token.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_a_device_code_in_english() {
    approve_a_device_code(ENGLISH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_a_device_code_in_chinese() {
    approve_a_device_code(CHINESE).await;
}

async fn approve_a_device_code(accept_language: &str) {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let tv: Value = s
        .login(&alice)
        .await
        .post(
            "/api/manage/apps",
            json!({"name": "Living Room TV", "app_type": "normal", "client_type": "device",
                   "permissions": ["Account.readProfile"], "redirect_uris": []}),
        )
        .await
        .ok()
        .clone();
    let client_id = tv["app_id"].as_str().unwrap();
    let started = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": client_id}),
    )
    .await;
    let started = started.token();
    let user_code = started["user_code"].as_str().unwrap();
    let device_code = started["device_code"].as_str().unwrap();
    let poll = || {
        oauth_post(
            &s.base,
            "/api/permission/oauth2/token",
            None,
            json!({"client_id": client_id, "device_code": device_code,
                   "grant_type": "urn:ietf:params:oauth:grant-type:device_code"}),
        )
    };
    poll().await.error(400, "authorization_pending");

    let lang = lang_of(accept_language);
    let mut b = Chromium::start(&s, accept_language).await;
    b.goto(started["verification_uri"].as_str().unwrap()).await;
    b.wait_for_path("/login").await;
    b.sign_in(&alice).await;

    // The entry page asks for the code.
    b.wait_for_path("/oauth/device").await;
    assert_eq!(b.page_lang().await, lang);
    assert_eq!(b.text("h1").await, t(lang, "device.title"));
    b.screenshot_wide_and_narrow("device-entry").await;
    b.fill("input[name=user_code]", user_code).await;
    b.click("form[action='/oauth/device'] button[type=submit]")
        .await;

    // The confirmation names the app and the code.
    b.wait_for("button[name=decision][value=approve]").await;
    let body = b.body_text().await;
    assert!(body.contains("Living Room TV"), "{body}");
    assert!(body.contains(user_code), "{body}");
    b.screenshot_wide_and_narrow("device-confirm").await;
    b.click("button[name=decision][value=approve]").await;
    b.wait_for_text("h1", t(lang, "device.connected_title"))
        .await;
    assert!(
        b.body_text()
            .await
            .contains(t(lang, "device.connected_text"))
    );
    b.screenshot_wide_and_narrow("device-connected").await;

    // The device's next poll gets a token that acts for Alice.
    let token = poll().await;
    let access = token.token()["access_token"].as_str().unwrap().to_string();
    let me = s.bearer(&access).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_id"], json!(alice.id.to_string()));
}
