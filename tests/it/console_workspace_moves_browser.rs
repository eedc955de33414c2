//! The workspace move in headless Chromium, in English and Chinese: from the
//! workspace's page to the choice of team, the preview (what stops, what already
//! covers it), screenshotted wide and narrow, then the move; afterwards the
//! personal token gets 4101 for the workspace and the team's token reaches it.

use crate::testkit::*;
use buckle_server::web::i18n::Lang;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_a_workspace_through_the_preview_page_in_both_languages() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "Acme Robotics").owner("ann").create().await;
    let (ann, a) = acme.member("ann");
    let org = acme.id.clone();
    let team_token = acme.pat("ann", &["Bot.list"]).await;

    for (accept_language, lang) in [(ENGLISH, Lang::En), (CHINESE, Lang::ZhCn)] {
        let ws = a.workspace("Research notes", None).await;
        let in_ws = format!("/v1/bots?workspace_id={ws}");
        let personal = a
            .pat(json!({"name": "laptop script", "permissions": ["Bot.list"],
                        "workspace_ids": [ws.to_string()], "expires_in": "1d"}))
            .await
            .1;
        s.bearer(&personal).get(&in_ws).await.ok();
        s.bearer(&team_token).get(&in_ws).await.fails(403, 4101);

        let mut b = Chromium::start(&s, accept_language).await;
        b.goto(&format!("/console/workspaces/{ws}")).await;
        b.sign_in(ann).await;
        b.wait_for_path(&format!("/console/workspaces/{ws}")).await;
        assert_eq!(b.text("#move-link").await, lang.t("orgs.move_link"));
        b.click("#move-link").await;
        b.wait_for_path(&format!("/console/workspaces/{ws}/move"))
            .await;
        assert_eq!(b.text("h1").await, lang.t("orgs.move_title"));
        b.select("#move-to", &org).await;
        b.click("#preview").await;
        b.wait_for("#stop-reaching").await;
        let stops = b.text("#stop-reaching").await;
        assert!(stops.contains("laptop script"), "{stops}");
        assert!(stops.contains(lang.t("orgs.move_kind_pat")), "{stops}");
        let covers = b.text("#already-covering").await;
        assert!(covers.contains("team token"), "{covers}");
        b.screenshot_wide_and_narrow("workspace-move-preview").await;
        // Looking changes nothing.
        s.bearer(&personal).get(&in_ws).await.ok();

        b.click("#move").await;
        b.wait_for_path(&format!("/console/workspaces/{ws}")).await;
        assert!(b.current_url().await.contains(&format!("org={org}")));
        assert!(!b.exists("#move-link").await, "it cannot move again");
        s.bearer(&personal).get(&in_ws).await.fails(403, 4101);
        s.bearer(&team_token).get(&in_ws).await.ok();
    }
}
