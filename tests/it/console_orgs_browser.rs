//! The organization pages in headless Chromium: an admin uninstalls an app
//! through the installation page and its confirmation, and the app's token stops
//! working; and every organization page, screenshotted wide and narrow in English
//! and Chinese (the harness asserts none scrolls sideways at 380 px).

use crate::console_orgs::requested_app;
use crate::oauth::web_flow;
use crate::testkit::*;
use buckle_server::web::i18n::Lang;
use serde_json::json;

fn lang_of(accept_language: &str) -> Lang {
    if accept_language.starts_with("zh") {
        Lang::ZhCn
    } else {
        Lang::En
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uninstall_an_app_in_an_organization() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .member("bob")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((ann, ann_api), (bob, _)) = (acme.member("ann"), acme.member("bob"));
    let org = acme.id.clone();
    // Bob's consent in acme is an install request; the admin installs it through
    // the management API, and Bob's token reaches acme.
    let (client_id, token) = requested_app(&s, &org, bob, "Third Party").await;
    ann_api
        .post(
            &format!("/api/manage/organizations/{org}/installations/{client_id}"),
            json!({}),
        )
        .await
        .ok();
    s.bearer(&token).get("/v1/users/me").await.ok();
    let bots = format!("/v1/bots?workspace_id={}", acme.workspace("shared"));
    s.bearer(&token).get(&bots).await.ok();

    let b = Chromium::start(&s, ENGLISH).await;
    b.goto(&format!("/console/installations?org={org}")).await;
    b.sign_in(ann).await;
    b.wait_for_path("/console/installations").await;
    let installed = b.text("#installed-obo").await;
    assert!(installed.contains("Third Party"), "{installed}");
    b.click(&format!("#installed-obo a.danger[href*='{client_id}']"))
        .await;
    b.wait_for_path(&format!("/console/installations/{client_id}/delete"))
        .await;
    let body = b.body_text().await;
    assert!(
        body.contains(Lang::En.t("orgs.uninstall_warning")),
        "{body}"
    );
    // Looking at the confirmation changes nothing.
    s.bearer(&token).get("/v1/users/me").await.ok();
    b.click("main form button.danger").await;
    b.wait_for_path("/console/installations").await;
    assert!(
        !b.exists("#installed-obo").await,
        "nothing is installed any more"
    );
    s.bearer(&token).get("/v1/users/me").await.fails(401, 4100);
    s.bearer(&token).get(&bots).await.fails(401, 4100);
    let left = ann_api
        .get(&format!("/api/manage/organizations/{org}/installations"))
        .await;
    assert_eq!(left.ok()["installed_obo"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_organization_page_wide_and_narrow_in_both_languages() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "Acme Robotics")
        .owner("ann")
        .admin("al")
        .member("bob")
        .workspace_with("Design and research", &["bob", "al"])
        .create()
        .await;
    let ((ann, ann_api), (bob, _)) = (acme.member("ann"), acme.member("bob"));
    let org = acme.id.clone();
    let ws = acme.workspace("Design and research");
    // Something on every page: a pending invitation, an install request and an
    // installed app, an app Ann authorized, an invitation for Ann.
    s.user("dora").await;
    ann_api.invite(&org, "dora", "admin").await.ok();
    let (installed, _) = requested_app(&s, &org, bob, "Calendar Sync for Teams").await;
    ann_api
        .post(
            &format!("/api/manage/organizations/{org}/installations/{installed}"),
            json!({}),
        )
        .await
        .ok();
    let (requested, _) = requested_app(&s, &org, bob, "Expense Reports").await;
    let dev = s.login(&s.user("dev").await).await;
    let flow = web_flow(&s, ann, &dev, "Photo Printer", &["Account.readProfile"]).await;
    let other = s.login(&s.user("olga").await).await;
    let beta = other.team("Beta Partners").await;
    other.invite(&beta, "ann", "member").await.ok();
    let here = |path: &str| format!("{path}?org={org}");

    for accept_language in [ENGLISH, CHINESE] {
        let lang = lang_of(accept_language);
        let mut b = Chromium::start(&s, accept_language).await;
        b.goto("/console/organizations").await;
        b.sign_in(ann).await;
        b.wait_for_path("/console/organizations").await;
        assert_eq!(b.page_lang().await, lang.tag());
        assert_eq!(b.text("h1").await, lang.t("orgs.title"));
        b.screenshot_wide_and_narrow("orgs-organizations").await;
        // A form error, shown next to its field.
        b.fill("#org-name", "   ").await;
        b.click("#create + form button.primary").await;
        b.wait_for("#name-error").await;
        assert_eq!(b.text("#name-error").await, lang.t("field.name"));
        b.screenshot_wide_and_narrow("orgs-organizations-error")
            .await;

        let pages = [
            ("orgs-members", here("/console/members")),
            (
                "orgs-members-remove",
                here(&format!("/console/members/{}/delete", bob.id)),
            ),
            ("orgs-workspaces", here("/console/workspaces")),
            (
                "orgs-workspace-members",
                here(&format!("/console/workspaces/{ws}")),
            ),
            (
                "orgs-workspace-member-remove",
                here(&format!(
                    "/console/workspaces/{ws}/members/{}/delete",
                    bob.id
                )),
            ),
            ("orgs-installations", here("/console/installations")),
            (
                "orgs-uninstall",
                here(&format!("/console/installations/{installed}/delete")),
            ),
            (
                "orgs-refuse-request",
                here(&format!("/console/installations/{requested}/delete")),
            ),
            (
                "orgs-authorized-apps",
                "/console/authorized-apps".to_string(),
            ),
            (
                "orgs-revoke",
                format!("/console/authorized-apps/{}/delete", flow.id),
            ),
        ];
        for (name, path) in pages {
            b.goto(&path).await;
            assert_eq!(b.page_lang().await, lang.tag(), "{name}");
            assert!(b.exists("main h1").await, "{name}");
            b.screenshot_wide_and_narrow(name).await;
        }
        // The invite form's error next to its field.
        b.goto(&here("/console/members")).await;
        b.fill("#invite-user", "no spaces please").await;
        b.click("#invite + p + form button.primary").await;
        b.wait_for("#user_name-error").await;
        assert_eq!(
            b.text("#user_name-error").await,
            lang.t("orgs.field.user_name")
        );
        b.screenshot_wide_and_narrow("orgs-members-error").await;

        // What a member sees.
        let mut m = Chromium::start(&s, accept_language).await;
        m.goto(&here("/console/members")).await;
        m.sign_in(bob).await;
        m.wait_for_path("/console/members").await;
        assert!(!m.exists("#invite").await);
        m.screenshot_wide_and_narrow("orgs-members-as-member").await;
        m.goto(&here("/console/installations")).await;
        assert!(!m.exists("#install-client").await);
        m.screenshot_wide_and_narrow("orgs-installations-as-member")
            .await;
    }
}
