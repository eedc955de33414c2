//! The keyboard alone: Tab to each field, type, Enter.

use super::*;
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_the_keyboard_alone() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut b = Chromium::start(&s, ENGLISH).await;

    b.goto("/login").await;
    b.tab_to("input[name=user_name]").await;
    b.type_text(&alice.name).await;
    b.tab_to("input[name=password]").await;
    b.type_text(&alice.password).await;
    b.screenshot_wide_and_narrow("sign-in-keyboard").await;
    b.press_enter().await;
    b.wait_for_path("/").await;
    assert_eq!(b.text("h1").await, t("en", "home.title"));

    // Tab reaches the sign-in button too, and Enter on it submits.
    let bob = s.user("bob").await;
    let b = Chromium::start(&s, ENGLISH).await;
    b.goto("/login").await;
    b.tab_to("input[name=user_name]").await;
    b.type_text(&bob.name).await;
    b.tab_to("input[name=password]").await;
    b.type_text(&bob.password).await;
    b.tab_to("form[action='/login'] button[type=submit]").await;
    b.press([char::from(Key::Enter)]).await;
    b.wait_for_path("/").await;
    let welcome = t("en", "home.welcome").replace("{name}", &bob.name);
    assert!(b.body_text().await.contains(&welcome));
}
