//! The account page in a real browser: changing the password with the keyboard's
//! form and signing in again with the new one.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_the_password_in_chinese() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut b = Chromium::start(&s, CHINESE).await;
    b.goto("/console/account").await;
    b.wait_for_path("/login").await;
    b.sign_in(&alice).await;
    b.wait_for_path("/console/account").await;
    assert_eq!(b.text("h1").await, t("zh-CN", "account.title"));
    b.screenshot_wide_and_narrow("account").await;
    let new = "a much longer new passphrase 42";
    b.fill("#current_password", &alice.password).await;
    b.fill("#new_password", new).await;
    b.fill("#new_password_again", new).await;
    b.click("form[action='/console/account/password'] button.primary")
        .await;
    b.wait_for_path("/login").await;
    b.sign_in(&User {
        id: alice.id,
        name: alice.name.clone(),
        password: new.to_string(),
        personal_workspace: alice.personal_workspace,
    })
    .await;
    b.wait_for_path("/").await;
}
