//! The language switch on every page: a browser that asks for English sees the
//! console in Chinese after one click, on every page after, and back again.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switch_language_with_the_page_switch() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut b = Chromium::start(&s, ENGLISH).await;

    b.goto("/login").await;
    b.sign_in(&alice).await;
    b.wait_for_path("/").await;
    assert_eq!(b.page_lang().await, "en");
    assert_eq!(b.text("h1").await, t("en", "home.title"));
    // The switch names the other language in that language.
    let switch = "a[href^='/lang/']";
    assert_eq!(b.text(switch).await, t("en", "lang.switch"));

    b.click(switch).await;
    b.wait_for_lang("zh-CN").await;
    assert_eq!(
        b.current_path().await,
        "/",
        "the switch comes back to the page"
    );
    assert_eq!(b.text("h1").await, t("zh-CN", "home.title"));
    let body = b.body_text().await;
    assert!(body.contains(t("zh-CN", "home.tokens_text")), "{body}");
    assert!(!body.contains(t("en", "home.tokens_text")), "{body}");
    b.screenshot_wide_and_narrow("home-switched").await;

    // The choice holds on other pages, whatever the browser asks for.
    b.goto("/oauth/device").await;
    assert_eq!(b.page_lang().await, "zh-CN");
    assert_eq!(b.text("h1").await, t("zh-CN", "device.title"));
    b.screenshot_wide_and_narrow("device-entry-switched").await;

    // And switches back.
    b.click(switch).await;
    b.wait_for_lang("en").await;
    assert_eq!(b.current_path().await, "/oauth/device");
    assert_eq!(b.text("h1").await, t("en", "device.title"));
}
