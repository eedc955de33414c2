//! Authorizing a web app through the consent page: a signed-out person opens
//! the app's authorize address, signs in, approves, and the browser arrives at
//! the app's redirect with a code that the app exchanges for a working token.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_a_web_app_in_english() {
    authorize_a_web_app(ENGLISH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_a_web_app_in_chinese() {
    authorize_a_web_app(CHINESE).await;
}

async fn authorize_a_web_app(accept_language: &str) {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let (client_id, secret) = web_app(&s, &s.login(&alice).await, "Photo Printer").await;
    let lang = lang_of(accept_language);
    let mut b = Chromium::start(&s, accept_language).await;

    let authorize = format!(
        "/api/permission/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=st-42",
        buckle_core::redirect::encode(&client_id),
        buckle_core::redirect::encode(&callback(&s)),
    );
    b.goto(&authorize).await;
    b.wait_for_path("/login").await;
    b.sign_in(&alice).await;

    // The consent page names the app and what it asks for, in the browser's language.
    b.wait_for_path("/api/permission/oauth2/authorize").await;
    assert_eq!(b.page_lang().await, lang);
    assert_eq!(b.text("h1").await, t(lang, "consent.title"));
    let body = b.body_text().await;
    assert!(body.contains("Photo Printer"), "{body}");
    assert!(body.contains("Account.readProfile"), "{body}");
    assert!(body.contains(t(lang, "consent.asks")), "{body}");
    b.screenshot_wide_and_narrow("consent").await;

    b.click("button[name=decision][value=approve]").await;
    b.wait_for_path("/callback").await;
    let back = query_params(&b.current_url().await);
    assert_eq!(back["state"], "st-42");
    assert_eq!(back["iss"], s.base, "the issuer rides along");
    let code = &back["code"];

    // The app trades the code for a token that acts for Alice.
    let t = oauth_post(
        &s.base,
        "/api/permission/oauth2/token",
        Some(&secret),
        json!({"client_id": client_id, "grant_type": "authorization_code",
               "code": code, "redirect_uri": callback(&s)}),
    )
    .await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    let me = s.bearer(&access).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_id"], json!(alice.id.to_string()));
}
