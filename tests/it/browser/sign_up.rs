//! Signing up where the operator allows it, in Chinese: from the sign-in page's
//! link, an error under its field, then the console home signed in.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_in_chinese_from_the_sign_in_page() {
    let s = Server::start_configured(|s| s.allow_sign_up = true).await;
    let mut b = Chromium::start(&s, CHINESE).await;
    b.goto("/").await;
    b.wait_for_path("/login").await;
    b.click("a[href='/signup']").await;
    b.wait_for_path("/signup").await;
    assert_eq!(b.text("h1").await, t("zh-CN", "sign_up.title"));
    b.screenshot_wide_and_narrow("sign-up").await;

    // Two different passwords: the error under the second, the name kept.
    b.fill("#user_name", "erin").await;
    b.fill("#password", "erin's long password").await;
    b.fill("#password_again", "something else entirely").await;
    b.click("form[action='/signup'] button[type=submit]").await;
    b.wait_for("#password_again-error").await;
    assert_eq!(
        b.text("#password_again-error").await,
        t("zh-CN", "sign_up.mismatch")
    );
    assert_eq!(b.value("#user_name").await, "erin");
    b.screenshot_wide_and_narrow("sign-up-error").await;

    b.fill("#password", "erin's long password").await;
    b.fill("#password_again", "erin's long password").await;
    b.click("form[action='/signup'] button[type=submit]").await;
    b.wait_for_path("/").await;
    assert!(b.text("header").await.contains("erin"));
}
