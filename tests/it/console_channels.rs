//! The console's channels page (`console/channels.rs`): creating a channel (with
//! its name's error next to the field), binding a channel app, publishing and
//! unpublishing a bot, deleting through a confirmation page, each checked through
//! the management API; a form without the session's CSRF token changes nothing; a
//! member of a team sees the channels but no actions and is refused them; the
//! page speaks English and Chinese.

use crate::testkit::*;
use buckle_server::web::i18n::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PAGE: &str = "/console/channels";

pub(crate) async fn html(b: &Browser, path: &str) -> (StatusCode, String) {
    let r = b.get(path).await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// Posts a form with this session's CSRF token: the status and where it leads.
pub(crate) async fn submit(
    b: &Browser,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let (_, home) = html(b, "/").await;
    let token = form_field(&home, "csrf").expect("a csrf field");
    let mut fields = form.to_vec();
    fields.push(("csrf", &token));
    let r = b.post_form(path, &fields).await;
    let (status, to) = (r.status(), location(&r));
    (status, to, r.text().await.unwrap())
}

fn only_channel(list: &Value) -> Value {
    let all = list.as_array().unwrap();
    assert_eq!(all.len(), 1, "{list}");
    all[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_page_manages_channels() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let api = s.login(&alice).await;
    let b = Browser::new(&s.base);
    b.sign_in(&alice).await;

    let (status, page) = html(&b, PAGE).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("href=\"/console/channels\""),
        "in the navigation"
    );
    assert!(page.contains(Lang::En.t("channels.create")), "{page}");

    // A name is required; the error stands next to the field.
    let (status, _, page) = submit(&b, PAGE, &[("name", "  ")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("id=\"name-error\""), "{page}");
    // Without this session's CSRF token nothing is made.
    let r = b
        .post_form(PAGE, &[("name", "Forged"), ("csrf", "not-the-token")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        api.get("/api/manage/channels")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );

    let (status, to, _) = submit(&b, PAGE, &[("name", "Partner")]).await;
    assert_eq!((status, to.as_deref()), (StatusCode::SEE_OTHER, Some(PAGE)));
    let ch = only_channel(api.get("/api/manage/channels").await.ok());
    let id = ch["channel_id"].as_str().unwrap().to_string();
    let (_, page) = html(&b, PAGE).await;
    assert!(page.contains("Partner") && page.contains(&id), "{page}");
    assert!(
        page.contains(Lang::En.t("channels.no_channel_apps")),
        "{page}"
    );

    // Bind a channel app, offered in the list.
    let app = api
        .post(
            "/api/manage/apps",
            json!({"name": "Partner App", "app_type": "channel", "client_type": "service", "permissions": ["Bot.read"]}),
        )
        .await;
    let client_id = app.ok()["app_id"].as_str().unwrap().to_string();
    let (_, page) = html(&b, PAGE).await;
    assert!(
        page.contains(&format!("<option value=\"{client_id}\">")),
        "{page}"
    );
    let (status, _, _) = submit(&b, &format!("{PAGE}/{id}/app"), &[("app_id", &client_id)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let got = api.get(&format!("/api/manage/channels/{id}")).await;
    assert_eq!(got.ok()["app_id"], json!(client_id));

    // Publish a bot, then unpublish it.
    let pat = api.simple_pat(&["Bot.create"]).await;
    let bot = s
        .bearer(&pat)
        .post(
            "/v1/bot/create",
            json!({"space_id": alice.personal_workspace.to_string(), "name": "helper"}),
        )
        .await;
    let bot = bot.ok()["bot_id"].as_str().unwrap().to_string();
    let (status, _, _) = submit(&b, &format!("{PAGE}/{id}/bots"), &[("bot_id", &bot)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let got = api.get(&format!("/api/manage/channels/{id}")).await;
    assert_eq!(got.ok()["bots"][0]["bot_id"], json!(bot));
    let (_, page) = html(&b, PAGE).await;
    assert!(page.contains(&format!("<code>{bot}</code>")), "{page}");
    // An unknown bot is refused on a page of its own.
    let (status, _, _) = submit(&b, &format!("{PAGE}/{id}/bots"), &[("bot_id", "12345")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = submit(&b, &format!("{PAGE}/{id}/bots/{bot}/unpublish"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let got = api.get(&format!("/api/manage/channels/{id}")).await;
    assert_eq!(got.ok()["bots"], json!([]));
    let (status, _, _) = submit(&b, &format!("{PAGE}/{id}/unbind"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let got = api.get(&format!("/api/manage/channels/{id}")).await;
    assert_eq!(got.ok()["app_id"], Value::Null);

    // In Chinese.
    let r = b.get("/lang/zh-CN?next=/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = html(&b, PAGE).await;
    assert!(page.contains(Lang::ZhCn.t("channels.title")), "{page}");
    assert!(page.contains(Lang::ZhCn.t("channels.create")), "{page}");

    // Deleting asks first.
    let (status, page) = html(&b, &format!("{PAGE}/{id}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Partner"), "{page}");
    assert!(api.get(&format!("/api/manage/channels/{id}")).await.code() == 0);
    let (status, _, _) = submit(&b, &format!("{PAGE}/{id}/delete"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    api.get(&format!("/api/manage/channels/{id}"))
        .await
        .fails(404, 4200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_team_channels_without_actions() {
    let s = Server::start(Db::Sqlite).await;
    let admin = s.user("admin1").await;
    let member = s.user("member1").await;
    let api = s.login(&admin).await;
    let org = api.team("Channel Team").await;
    api.add_member(&org, &member.name, "member").await.ok();
    let made = api
        .post(
            "/api/manage/channels",
            json!({"name": "Team Channel", "organization_id": org}),
        )
        .await;
    let id = made.ok()["channel_id"].as_str().unwrap().to_string();

    let b = Browser::new(&s.base);
    b.sign_in(&member).await;
    let here = |path: &str| format!("{path}?org={org}");
    let (status, page) = html(&b, &here(PAGE)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Team Channel"), "{page}");
    assert!(page.contains(Lang::En.t("channels.admins_only")), "{page}");
    assert!(!page.contains(Lang::En.t("channels.create")), "{page}");
    let (status, _, _) = submit(&b, &here(PAGE), &[("name", "Mine")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = html(&b, &here(&format!("{PAGE}/{id}/delete"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = submit(&b, &here(&format!("{PAGE}/{id}/delete")), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let list = api
        .get(&format!("/api/manage/channels?organization_id={org}"))
        .await;
    assert_eq!(list.ok().as_array().unwrap().len(), 1);
}
