//! A personal access token made in the console, in a real browser, and used with
//! the official Python SDK; then deleted after the confirmation page.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_token_in_the_console_and_use_it_with_cozepy() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut b = Chromium::start(&s, ENGLISH).await;
    b.goto("/console/tokens").await;
    b.wait_for_path("/login").await;
    b.sign_in(&alice).await;
    b.wait_for_path("/console/tokens").await;
    b.screenshot_wide_and_narrow("tokens-empty").await;

    b.click("a[href='/console/tokens/new']").await;
    b.wait_for_path("/console/tokens/new").await;
    b.screenshot_wide_and_narrow("tokens-new").await;
    b.fill("input[name=name]", "my laptop").await;
    b.select("select[name=expires_in]", "7d").await;
    b.click("input[name=permissions][value='Account.readProfile']")
        .await;
    b.click("form button.primary").await;
    b.wait_for("#secret").await;
    b.screenshot_wide_and_narrow("tokens-created").await;
    let secret = b.text("#secret").await;
    assert!(secret.starts_with("pat_"), "{secret}");

    let me = crate::sdk::cozepy(&s.base, &secret, "users.me").await;
    assert_eq!(me["ok"], json!(true), "{me}");
    assert_eq!(me["user_name"], json!("alice"));

    b.goto("/console/tokens").await;
    let body = b.body_text().await;
    assert!(body.contains("my laptop"), "{body}");
    assert!(!body.contains(&secret), "the list never shows the secret");
    b.screenshot_wide_and_narrow("tokens-list").await;
    b.click("a[href$='/delete']").await;
    b.wait_for("button.danger").await;
    b.screenshot_wide_and_narrow("tokens-delete").await;
    b.click("button.danger").await;
    b.wait_for_path("/console/tokens").await;
    let gone = crate::sdk::cozepy(&s.base, &secret, "users.me").await;
    assert_eq!(gone["code"], json!(4100), "{gone}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_pages_in_chinese() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut b = Chromium::start(&s, CHINESE).await;
    b.goto("/login").await;
    b.sign_in(&alice).await;
    b.goto("/console/tokens/new").await;
    assert_eq!(b.text("h1").await, t("zh-CN", "tokens.new_title"));
    // A name of spaces: the error shows under the field, in Chinese.
    b.fill("input[name=name]", "   ").await;
    b.click("form button.primary").await;
    b.wait_for("#name-error").await;
    assert_eq!(b.text("#name-error").await, t("zh-CN", "field.name"));
    b.screenshot_wide_and_narrow("tokens-error").await;
}
