//! Signing in: a signed-out visitor is sent to the sign-in page in the
//! browser's language, a wrong password keeps the typed user name, and a
//! successful sign-in lands on the console home.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_in_english() {
    sign_in_lands_on_the_console_home(ENGLISH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_in_chinese() {
    sign_in_lands_on_the_console_home(CHINESE).await;
}

async fn sign_in_lands_on_the_console_home(accept_language: &str) {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let lang = lang_of(accept_language);
    let mut b = Chromium::start(&s, accept_language).await;

    // The console's address, signed out: the sign-in page, in the browser's language.
    b.goto("/").await;
    b.wait_for_path("/login").await;
    assert_eq!(b.page_lang().await, lang);
    assert_eq!(b.text("h1").await, t(lang, "sign_in.title"));
    assert!(!b.exists(".error").await, "no error before any attempt");
    b.screenshot_wide_and_narrow("sign-in").await;

    // A wrong password: the error in the page's language, the user name kept.
    b.fill("input[name=user_name]", &alice.name).await;
    b.fill("input[name=password]", "not-the-password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for(".error").await;
    assert_eq!(b.text(".error").await, t(lang, "sign_in.wrong"));
    assert_eq!(b.value("input[name=user_name]").await, alice.name);
    assert_eq!(b.value("input[name=password]").await, "");
    b.screenshot_wide_and_narrow("sign-in-wrong-password").await;

    // The right one lands on the console home, signed in.
    b.sign_in(&alice).await;
    b.wait_for_path("/").await;
    assert_eq!(b.page_lang().await, lang);
    assert_eq!(b.text("h1").await, t(lang, "home.title"));
    let welcome = t(lang, "home.welcome").replace("{name}", &alice.name);
    assert!(
        b.body_text().await.contains(&welcome),
        "{welcome:?} on the home page"
    );
    b.screenshot_wide_and_narrow("home").await;
}
