//! The OAuth app pages in a real browser: create a service app in two steps,
//! authorize it in the personal edition, click "Create key" so the browser makes
//! the key pair with WebCrypto and downloads `private_key.pem`, then use that
//! file with `cozepy`'s JWT flow and call `/v1/users/me` with the token; disable
//! the app and see the token refused. Every app page is screenshotted wide and
//! narrow, in English and Chinese.

use super::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// Waits (polling) until the browser has written `file` completely.
async fn downloaded(file: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(file)
            && text.trim_end().ends_with("-----END PRIVATE KEY-----")
        {
            return text;
        }
        assert!(
            start.elapsed() < WAIT,
            "{} was not downloaded",
            file.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `cozepy`'s JWT flow with a private key file; the access token it gets.
async fn cozepy_jwt(s: &Server, client_id: &str, kid: &str, key_file: &Path) -> String {
    let python = std::env::var("BUCKLE_TEST_PYTHON").expect(
        "BUCKLE_TEST_PYTHON must name a Python with cozepy installed (bash .ci/run makes one)",
    );
    let script = "import json, os\n\
        from cozepy import JWTOAuthApp\n\
        app = JWTOAuthApp(client_id=os.environ['BUCKLE_CLIENT_ID'],\n\
            private_key=open(os.environ['BUCKLE_KEY_FILE']).read(),\n\
            public_key_id=os.environ['BUCKLE_KID'], base_url=os.environ['BUCKLE_BASE_URL'])\n\
        print(json.dumps({'token': app.get_access_token().access_token}))\n";
    let out = tokio::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .env("BUCKLE_CLIENT_ID", client_id)
        .env("BUCKLE_KEY_FILE", key_file)
        .env("BUCKLE_KID", kid)
        .env("BUCKLE_BASE_URL", &s.base)
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cozepy failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(stdout.trim()).unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// The app's client id, from its page.
async fn client_id(c: &Chromium) -> String {
    c.wait_for("#client-id").await;
    c.text("#client-id").await.trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_made_in_the_browser_signs_cozepys_jwts() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut c = Chromium::start(&s, ENGLISH).await;
    let downloads = tempfile::tempdir().unwrap();
    c.cdp(
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.path()}),
    )
    .await;
    c.sign_in(&alice).await;

    c.goto("/console/apps").await;
    c.wait_for_text("p.notice", t("en", "apps.empty")).await;
    c.screenshot_wide_and_narrow("apps-list-empty-en").await;
    c.click("a.button.primary").await;
    c.wait_for_path("/console/apps/new").await;
    c.fill("#name", "Browser signer").await;
    c.click("#client_type-service").await;
    c.screenshot_wide_and_narrow("apps-new-en").await;
    c.click("form button.primary").await;
    c.wait_for("#perm-Account\\.readProfile").await;
    c.screenshot_wide_and_narrow("apps-configure-service-en")
        .await;
    c.click("#perm-Account\\.readProfile").await;
    c.click("form button.primary").await;
    let id = client_id(&c).await;
    assert!(id.ends_with(".app.buckle"), "{id}");

    // The owner authorizes their own app in the personal edition, from its page.
    c.click("form[action$='/authorize'] button.primary").await;
    c.wait_for_text(".notice.ok", t("en", "apps.auth.authorized_here"))
        .await;
    c.screenshot_wide_and_narrow("apps-app-service-en").await;

    // "Create key": the pair is made here, the private key downloaded, the key id shown.
    c.goto(&format!("/console/apps/{id}/keys")).await;
    c.wait_for("#create-key").await;
    c.screenshot_wide_and_narrow("apps-keys-en").await;
    c.click("#create-key").await;
    c.wait_for("#added-key").await;
    let kid = c.text("#added-key").await.trim().to_string();
    c.screenshot_wide_and_narrow("apps-keys-added-en").await;
    let key_file = downloads.path().join("private_key.pem");
    let pem = downloaded(&key_file).await;
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
    // Only the public key reached the server, and its id is the one shown.
    let app = s.state.store.app_by_client_id(&id).await.unwrap().unwrap();
    let keys = s.state.store.app_keys(app.id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].fingerprint, kid);
    assert!(keys[0].public_pem.contains("PUBLIC KEY"));

    // cozepy's JWT flow with the downloaded file gets a token that works.
    let token = cozepy_jwt(&s, &id, &kid, &key_file).await;
    assert!(token.starts_with("czs_"), "{token}");
    let me = s.bearer(&token).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_name"], json!("alice"));

    // Disabling the app (after its confirmation) refuses the token.
    c.goto(&format!("/console/apps/{id}")).await;
    c.click(&format!("a[href='/console/apps/{id}/disable']"))
        .await;
    c.wait_for("button.danger").await;
    c.screenshot_wide_and_narrow("apps-confirm-disable-en")
        .await;
    c.click("button.danger").await;
    c.wait_for_text(".notice.warn", t("en", "apps.disabled_note"))
        .await;
    s.bearer(&token).get("/v1/users/me").await.fails(401, 4100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_app_page_in_chinese() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut c = Chromium::start(&s, CHINESE).await;
    c.sign_in(&alice).await;
    let lang = "zh-CN";

    // Step 1 refused by the server (a channel app must be a service app).
    c.goto("/console/apps/new").await;
    c.fill("#name", "渠道应用").await;
    c.click("#app_type-channel").await;
    c.click("#client_type-web").await;
    c.click("form button.primary").await;
    c.wait_for_text("#client_type-error", t(lang, "apps.channel_is_service"))
        .await;
    c.screenshot_wide_and_narrow("apps-new-errors-zh").await;

    // A web app: step 2 with a refused redirect URI, then its secret shown once.
    c.click("#app_type-normal").await;
    c.click("form button.primary").await;
    c.wait_for("#redirect_uris").await;
    c.fill("#redirect_uris", "https://example.com/cb#frag")
        .await;
    c.click("#perm-Bot\\.list").await;
    c.click("form button.primary").await;
    c.wait_for("#redirect_uris-error").await;
    c.screenshot_wide_and_narrow("apps-configure-web-errors-zh")
        .await;
    c.fill("#redirect_uris", "https://example.com/cb").await;
    c.click("form button.primary").await;
    c.wait_for("#client-secret").await;
    c.screenshot_wide_and_narrow("apps-secret-zh").await;
    c.click("a.button.primary").await;
    let id = client_id(&c).await;
    c.screenshot_wide_and_narrow("apps-app-web-zh").await;
    for (page, name) in [
        ("secret", "apps-confirm-secret-zh"),
        ("delete", "apps-confirm-delete-zh"),
        ("disable", "apps-confirm-disable-zh"),
    ] {
        c.goto(&format!("/console/apps/{id}/{page}")).await;
        c.wait_for("button.danger").await;
        c.screenshot_wide_and_narrow(name).await;
    }

    // A service app with an uploaded key and its authorization.
    let sess = s.login(&alice).await;
    let (svc, key) = crate::oauth::service_app(&s, &sess, "服务应用").await;
    c.goto(&format!("/console/apps/{svc}")).await;
    c.wait_for("#share-link").await;
    c.screenshot_wide_and_narrow("apps-app-service-zh").await;
    c.goto(&format!("/console/apps/{svc}/keys")).await;
    c.wait_for(".key-id").await;
    c.screenshot_wide_and_narrow("apps-keys-zh").await;
    c.goto(&format!("/console/apps/{svc}/keys/{}/delete", key.kid()))
        .await;
    c.wait_for("button.danger").await;
    c.screenshot_wide_and_narrow("apps-confirm-key-delete-zh")
        .await;
    let app = s.state.store.app_by_client_id(&svc).await.unwrap().unwrap();
    let grant = s.state.store.grants_of_app(app.id).await.unwrap()[0].id;
    c.goto(&format!(
        "/console/apps/{svc}/authorizations/{grant}/delete"
    ))
    .await;
    c.wait_for("button.danger").await;
    c.screenshot_wide_and_narrow("apps-confirm-revoke-zh").await;
    c.goto("/console/apps").await;
    c.wait_for(".table").await;
    c.screenshot_wide_and_narrow("apps-list-zh").await;
}
