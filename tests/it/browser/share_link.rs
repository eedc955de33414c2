//! The share link of a service app: an organization's admin opens it, signs in,
//! picks the organization and authorizes the app, which then shows among the
//! organization's installed apps.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_authorizes_a_service_app_through_its_share_link() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "acme").owner("alice").create().await;
    let (alice, admin) = acme.member("alice");
    let dave = s.login(&s.user("dave").await).await;
    let app: Value = dave
        .post(
            "/api/manage/apps",
            json!({"name": "Nightly Report", "app_type": "normal", "client_type": "service",
                   "permissions": ["Bot.list", "Account.readProfile"], "redirect_uris": []}),
        )
        .await
        .ok()
        .clone();
    let client_id = app["app_id"].as_str().unwrap();
    let link = dave
        .get(&format!("/api/manage/apps/{client_id}/share_link"))
        .await;
    let link = link.ok()["url"].as_str().unwrap().to_string();

    let mut b = Chromium::start(&s, ENGLISH).await;
    b.goto(&link).await;
    b.wait_for_path("/login").await;
    b.sign_in(alice).await;

    b.wait_for_path("/oauth/authorize-app").await;
    assert_eq!(b.text("h1").await, t("en", "share.title"));
    let body = b.body_text().await;
    assert!(body.contains("Nightly Report"), "{body}");
    assert!(body.contains(t("en", "share.asks")), "{body}");
    assert!(body.contains("acme"), "the organization to choose: {body}");
    b.screenshot_wide_and_narrow("share-link").await;

    b.select("select[name=organization_id]", &acme.id).await;
    b.click("form[action='/oauth/authorize-app'] button[type=submit]")
        .await;
    b.wait_for_text("h1", t("en", "share.done_title")).await;
    let done = t("en", "share.done_text").replace("{app}", "Nightly Report");
    assert!(b.body_text().await.contains(&done));
    b.screenshot_wide_and_narrow("share-link-done").await;

    let installed = admin
        .get(&format!(
            "/api/manage/organizations/{}/installations",
            acme.id
        ))
        .await;
    let apps: Vec<&str> = installed.ok()["installed_appauth"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["app_id"].as_str().unwrap())
        .collect();
    assert_eq!(apps, vec![client_id]);
}
