//! The channels and device usage pages of an enterprise in a real browser: an
//! admin creates a channel, binds the channel app and publishes a bot; then reads
//! the usage chart of a service app whose devices called, and sets a quota with
//! the page's form; in English and in Chinese, every page screenshotted.

use super::*;
use crate::device_usage::{device_token, enterprise_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_admin_publishes_and_watches_usage() {
    let s = Server::start(Db::Sqlite).await;
    let (api, ent, id, key, root) = enterprise_app(&s).await;
    let made = api
        .post(
            "/api/manage/apps",
            json!({"name": "Partner Channel App", "app_type": "channel", "client_type": "service",
                   "organization_id": ent, "permissions": ["Workspace.list"], "redirect_uris": []}),
        )
        .await;
    let channel_app = made.ok()["app_id"].as_str().unwrap().to_string();
    // A bot in a workspace of the enterprise, to publish.
    let made = api
        .post(
            "/api/manage/workspaces",
            json!({"name": "Stores", "organization_id": ent}),
        )
        .await;
    let space = made.ok()["id"].as_str().unwrap().to_string();
    let (_, pat) = api
        .pat(
            json!({"name": "bots", "organization_id": ent, "permissions": ["Bot.create"],
                    "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let made = s
        .bearer(&pat)
        .post(
            "/v1/bot/create",
            json!({"space_id": space, "name": "helper"}),
        )
        .await;
    let bot = made.ok()["bot_id"].as_str().unwrap().to_string();
    for (device, calls) in [("kiosk-1", 5), ("kiosk-2", 2), ("kiosk-3", 1)] {
        let token = device_token(&s, &ent, &id, &key, Some(device), Some("shop")).await;
        for _ in 0..calls {
            s.bearer(&token).get("/v1/workspaces").await.ok();
        }
    }

    for accept in [ENGLISH, CHINESE] {
        let lang = lang_of(accept);
        let mut b = Chromium::start(&s, accept).await;
        b.goto("/login").await;
        b.sign_in(&root).await;
        b.wait_to_leave("/login").await;

        // Channels: create one, bind the channel app, publish a bot.
        b.goto(&format!("/console/channels?org={ent}")).await;
        assert_eq!(b.text("h1").await, t(lang, "channels.title"));
        let name = format!("Storefront {lang}");
        b.fill("#channel-name", &name).await;
        b.click("form[action^='/console/channels?'] button.primary")
            .await;
        b.wait_for_text("section.channel h2", &name).await;
        b.select("section.channel select[name=app_id]", &channel_app)
            .await;
        b.click("section.channel form[action*='/app?'] button")
            .await;
        b.wait_for("section.channel form[action*='/unbind?']").await;
        assert!(
            b.text("section.channel")
                .await
                .contains("Partner Channel App")
        );
        b.fill("section.channel input[name=bot_id]", &bot).await;
        b.click("section.channel form[action*='/bots?'] button.primary")
            .await;
        b.wait_for_text("section.channel table tbody code", &bot)
            .await;
        b.screenshot_wide_and_narrow("channels-enterprise").await;
        // Delete it again, so the Chinese round starts the same.
        b.click("section.channel a.button.danger").await;
        b.wait_for("button.danger").await;
        b.click("button.danger").await;
        b.wait_for_path("/console/channels").await;

        // Device usage: reached from the navigation.
        b.goto(&format!("/?org={ent}")).await;
        b.click("nav a[href^='/console/device-usage']").await;
        b.select("#usage-app", &id).await;
        b.click("form.usage-choice button").await;
        b.wait_for("#usage-chart").await;
        assert_eq!(b.text("h1").await, t(lang, "usage.title"));
        assert_eq!(b.text("#usage-total").await, "8");
        let drawn = b
            .script("return document.querySelectorAll('#usage-chart rect').length")
            .await;
        assert_eq!(drawn, json!(3), "one piece per device today");
        let first = b.text("#top-devices tbody tr td").await;
        assert_eq!(first, "kiosk-1");
        b.screenshot_wide_and_narrow("device-usage").await;

        b.select("#quota-kind", "consumer").await;
        b.fill("#quota-subject", "shop").await;
        b.fill("#quota-calls", "100").await;
        b.click("#set-quota button.primary").await;
        b.wait_for("#usage-quotas").await;
        assert!(b.text("#usage-quotas").await.contains("shop"));
        b.screenshot_wide_and_narrow("device-usage-quota").await;
        b.click("#usage-quotas button").await;
        b.wait_for("#set-quota").await;
        assert!(!b.exists("#usage-quotas").await);
    }
}
