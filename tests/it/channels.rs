//! Custom publish channels: the management API (create, list, get, rename, delete,
//! bind an app, publish and unpublish bots, who may do what), and channel apps'
//! JWT tokens: refused while unbound, reaching only the channel's published bots,
//! narrowed by the scope object (anything wider refused naming the entry),
//! unpublishing taking effect at the next call, and introspection's `bot_ids`.

use crate::oauth::{TOKEN, claims, header, jwt_token, service_app};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_databases!(
    channel_tokens_reach_published_bots,
    scope_narrows_channel_tokens,
    channel_management_rules,
);

const CHANNELS: &str = "/api/manage/channels";

/// A bot in `workspace`, made with a PAT of `session`'s account.
async fn bot(s: &Server, pat: &str, workspace: i64, name: &str) -> String {
    let r = s
        .bearer(pat)
        .post(
            "/v1/bot/create",
            json!({"space_id": workspace.to_string(), "name": name}),
        )
        .await;
    r.ok()["bot_id"].as_str().unwrap().to_string()
}

/// A personal channel app of `session`'s account with one key, authorized for
/// all its workspaces; returns its client id and key.
async fn channel_app(session: &Session, name: &str, points: &[&str]) -> (String, ServiceKey) {
    let made = session
        .post(
            "/api/manage/apps",
            json!({"name": name, "app_type": "channel", "client_type": "service", "permissions": points}),
        )
        .await;
    let id = made.ok()["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    session
        .post(
            &format!("/api/manage/apps/{id}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await
        .ok();
    session
        .post(
            &format!("/api/manage/apps/{id}/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await
        .ok();
    (id, key)
}

async fn channel(session: &Session, name: &str, org: Option<&str>) -> String {
    let r = session
        .post(CHANNELS, json!({"name": name, "organization_id": org}))
        .await;
    r.ok()["channel_id"].as_str().unwrap().to_string()
}

async fn publish(session: &Session, channel: &str, bot: &str) -> Value {
    session
        .post(
            &format!("{CHANNELS}/{channel}/bots"),
            json!({"bot_id": bot}),
        )
        .await
        .ok()
        .clone()
}

/// A token of the channel app, asking with `body` (scope, duration).
async fn token(s: &Server, app: &str, key: &ServiceKey, body: Value) -> OAuthReply {
    jwt_token(s, TOKEN, &key.sign(&header(key), &claims(s, app)), body).await
}

/// A resource server's token for introspection.
async fn introspector(s: &Server) -> String {
    let root = s.super_admin("resource-server").await;
    s.login(&root).await.simple_pat(&["Token.introspect"]).await
}

async fn introspected_bots(s: &Server, caller: &str, token: &str) -> Value {
    let r = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/introspect"))
        .bearer_auth(caller)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["active"], json!(true), "{body}");
    body["bot_ids"].clone()
}

/// The ids of a workspace's bots as a token lists them; the total agrees.
async fn bots_listed(c: &Bearer, ws: i64) -> BTreeSet<String> {
    let r = c.get(&format!("/v1/bots?workspace_id={ws}")).await;
    let d = r.ok();
    let ids: Vec<Value> = d["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].clone())
        .collect();
    assert_eq!(d["total"], json!(ids.len()), "{d}");
    id_set(&json!(ids))
}

fn id_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("a list: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

async fn channel_tokens_reach_published_bots(s: Server) {
    let rs = introspector(&s).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let pat = a.simple_pat(&["Bot.create"]).await;
    let ws = alice.personal_workspace;
    let (b1, b2, b3) = (
        bot(&s, &pat, ws, "one").await,
        bot(&s, &pat, ws, "two").await,
        bot(&s, &pat, ws, "three").await,
    );
    let (app, key) = channel_app(
        &a,
        "Partner App",
        &["Bot.read", "Bot.list", "Connector.botChat"],
    )
    .await;
    // Unbound: refused as the Coze docs say.
    let msg = token(&s, &app, &key, json!({}))
        .await
        .error(403, "access_deny");
    assert_eq!(msg, "connector app should bind connector id");

    let ch = channel(&a, "Partner", None).await;
    let bound = a
        .post(&format!("{CHANNELS}/{ch}/app"), json!({"app_id": app}))
        .await;
    assert_eq!(bound.ok()["app_id"], json!(app));
    publish(&a, &ch, &b1).await;
    let listed = publish(&a, &ch, &b2).await;
    assert_eq!(
        id_set(&json!(
            listed["bots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["bot_id"].clone())
                .collect::<Vec<_>>()
        )),
        BTreeSet::from([b1.clone(), b2.clone()])
    );

    // Without a scope: every published bot, and no other.
    let t = token(&s, &app, &key, json!({"scope": null})).await;
    let all = t.token()["access_token"].as_str().unwrap().to_string();
    assert!(all.starts_with("czs_"));
    let c = s.bearer(&all);
    assert_eq!(c.get(&format!("/v1/bots/{b1}")).await.ok()["id"], json!(b1));
    c.get(&format!("/v1/bots/{b2}")).await.ok();
    let msg = c.get(&format!("/v1/bots/{b3}")).await;
    assert!(msg.fails(403, 4101).contains("bot"), "{msg:?}");
    assert_eq!(
        id_set(&introspected_bots(&s, &rs, &all).await),
        BTreeSet::from([b1.clone(), b2.clone()])
    );

    // Listing a workspace's bots shows only the token's published ones.
    assert_eq!(
        bots_listed(&c, ws).await,
        BTreeSet::from([b1.clone(), b2.clone()])
    );

    // Unpublishing takes effect at the token's next call, though it is cached.
    a.delete(&format!("{CHANNELS}/{ch}/bots/{b1}")).await.ok();
    assert_eq!(bots_listed(&c, ws).await, BTreeSet::from([b2.clone()]));
    let msg = c.get(&format!("/v1/bots/{b1}")).await;
    assert!(
        msg.fails(403, 4101).contains("no longer published"),
        "{msg:?}"
    );
    c.get(&format!("/v1/bots/{b2}")).await.ok();
    // Unpublishing again: nothing to unpublish.
    a.delete(&format!("{CHANNELS}/{ch}/bots/{b1}"))
        .await
        .fails(404, 4200);
    // Publishing again does not widen old tokens beyond their own list, but the
    // bot they were minted for works again.
    publish(&a, &ch, &b1).await;
    c.get(&format!("/v1/bots/{b1}")).await.ok();
    publish(&a, &ch, &b3).await;
    c.get(&format!("/v1/bots/{b3}")).await.fails(403, 4101);

    // Unbinding the app cuts its tokens off and its JWTs get no new token.
    a.delete(&format!("{CHANNELS}/{ch}/app")).await.ok();
    c.get(&format!("/v1/bots/{b2}")).await.fails(403, 4101);
    let msg = token(&s, &app, &key, json!({}))
        .await
        .error(403, "access_deny");
    assert_eq!(msg, "connector app should bind connector id");

    // Each change is in the audit log, naming the channel.
    let events = a.get("/api/manage/audit_events?limit=100").await;
    let seen: Vec<(String, String)> = events
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == json!(ch))
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["detail"].to_string(),
            )
        })
        .collect();
    for kind in [
        "channel_created",
        "channel_app_bound",
        "bot_published",
        "bot_unpublished",
    ] {
        assert!(seen.iter().any(|(k, _)| k == kind), "{kind}: {seen:?}");
    }
    assert!(
        seen.iter()
            .any(|(k, d)| k == "bot_unpublished" && d.contains(&b1)),
        "{seen:?}"
    );

    // A normal service app's token has no bots limit, ignores any scope, and
    // introspects with bot_ids null.
    let (svc, svc_key) = service_app(&s, &a, "Plain Service").await;
    let wider = json!({"scope": {"account_permission": {"permission_list": ["Bot.create"]}}});
    let plain = token(&s, &svc, &svc_key, wider).await;
    let plain = plain.token()["access_token"].as_str().unwrap().to_string();
    assert_eq!(introspected_bots(&s, &rs, &plain).await, Value::Null);
}

async fn scope_narrows_channel_tokens(s: Server) {
    let rs = introspector(&s).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let pat = a.simple_pat(&["Bot.create"]).await;
    let ws = alice.personal_workspace;
    let (b1, b2, b3) = (
        bot(&s, &pat, ws, "one").await,
        bot(&s, &pat, ws, "two").await,
        bot(&s, &pat, ws, "three").await,
    );
    let (app, key) = channel_app(&a, "Scoped App", &["Bot.read", "Connector.botChat"]).await;
    let ch = channel(&a, "Scoped", None).await;
    a.post(&format!("{CHANNELS}/{ch}/app"), json!({"app_id": app}))
        .await
        .ok();
    publish(&a, &ch, &b1).await;
    publish(&a, &ch, &b2).await;

    // The Python SDK's Scope.build_bot_chat shape: one bot, one point.
    let scope = |points: Value, bots: Value| {
        json!({"scope": {"account_permission": {"permission_list": points},
            "attribute_constraint": {"connector_bot_chat_attribute": {"bot_id_list": bots}}}})
    };
    let t = token(&s, &app, &key, scope(json!(["Bot.read"]), json!([b1]))).await;
    let one = t.token()["access_token"].as_str().unwrap().to_string();
    let c = s.bearer(&one);
    c.get(&format!("/v1/bots/{b1}")).await.ok();
    let msg = c.get(&format!("/v1/bots/{b2}")).await;
    assert!(msg.fails(403, 4101).contains("bot"), "{msg:?}");
    assert_eq!(
        id_set(&introspected_bots(&s, &rs, &one).await),
        BTreeSet::from([b1.clone()])
    );
    // Without Bot.read the same bot is refused for the point.
    let t = token(
        &s,
        &app,
        &key,
        scope(json!(["Connector.botChat"]), json!([b1])),
    )
    .await;
    let chat_only = t.token()["access_token"].as_str().unwrap().to_string();
    let msg = s.bearer(&chat_only).get(&format!("/v1/bots/{b1}")).await;
    assert!(msg.fails(403, 4101).contains("Bot.read"), "{msg:?}");
    // attribute_constraint null: all the channel's bots.
    let t = token(
        &s,
        &app,
        &key,
        json!({"scope": {"account_permission": {"permission_list": ["Bot.read"]}, "attribute_constraint": null}}),
    )
    .await;
    let every = t.token()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        id_set(&introspected_bots(&s, &rs, &every).await),
        BTreeSet::from([b1.clone(), b2.clone()])
    );

    // Anything wider is invalid_request naming the entry.
    let refused = |body: Value| {
        let s = &s;
        let app = &app;
        let key = &key;
        async move { token(s, app, key, body).await.error(400, "invalid_request") }
    };
    let msg = refused(scope(json!(["Bot.read", "Bot.create"]), json!([b1]))).await;
    assert!(
        msg.starts_with("invalid request: scope.account_permission.permission_list[1]")
            && msg.contains("Bot.create"),
        "{msg}"
    );
    let msg = refused(scope(json!(["Bot.read"]), json!([b1, b3]))).await;
    assert!(
        msg.starts_with(
            "invalid request: scope.attribute_constraint.connector_bot_chat_attribute.bot_id_list[1]"
        ) && msg.contains(&b3),
        "{msg}"
    );
    // Unknown and malformed members are named, not ignored.
    let msg = refused(json!({"scope": {"account_permission": {"permission_list": ["Bot.read"]}, "bot_scope": {}}})).await;
    assert!(msg.contains("scope.bot_scope"), "{msg}");
    let msg = refused(scope(json!(["Bot.read"]), json!(["not-an-id"]))).await;
    assert!(msg.contains("bot_id_list[0]"), "{msg}");
    // The Go SDK's workspace_permission narrows workspaces; workflow access is refused.
    let t = token(
        &s,
        &app,
        &key,
        json!({"scope": {"workspace_permission": {"workspace_id_list": ["12345"], "permission_list": ["Bot.read"]}}}),
    )
    .await;
    let elsewhere = t.token()["access_token"].as_str().unwrap().to_string();
    let msg = s.bearer(&elsewhere).get(&format!("/v1/bots/{b2}")).await;
    assert!(msg.fails(403, 4101).contains("workspace"), "{msg:?}");
    let t = token(
        &s,
        &app,
        &key,
        json!({"scope": {"workspace_permission": {"workspace_id_list": [ws.to_string()], "permission_list": ["Bot.read"]}}}),
    )
    .await;
    let in_ws = t.token()["access_token"].as_str().unwrap().to_string();
    s.bearer(&in_ws).get(&format!("/v1/bots/{b2}")).await.ok();
    let msg = refused(json!({"scope": {"workflow_permission": {"workflow_id_list": ["1"]}}})).await;
    assert!(msg.contains("scope.workflow_permission"), "{msg}");
    // A form body carries the scope as JSON text.
    let form = reqwest::Client::new()
        .post(s.url(TOKEN))
        .bearer_auth(key.sign(&header(&key), &claims(&s, &app)))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            (
                "scope",
                &json!({"attribute_constraint": {"connector_bot_chat_attribute": {"bot_id_list": [b2]}}})
                    .to_string(),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let body: Value = form.json().await.unwrap();
    let via_form = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        id_set(&introspected_bots(&s, &rs, &via_form).await),
        BTreeSet::from([b2.clone()])
    );
}

async fn channel_management_rules(s: Server) {
    let admin = s.user("admin1").await;
    let member = s.user("member1").await;
    let outsider = s.user("outsider").await;
    let ad = s.login(&admin).await;
    let org = ad.team("Channel Team").await;
    ad.add_member(&org, &member.name, "member").await.ok();
    let m = s.login(&member).await;
    let o = s.login(&outsider).await;

    let ch = channel(&ad, "Team channel", Some(&org)).await;
    // Members see the organization's channels; only admins change them.
    let listed = m.get(&format!("{CHANNELS}?organization_id={org}")).await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 1);
    m.get(&format!("{CHANNELS}/{ch}")).await.ok();
    m.post(CHANNELS, json!({"name": "Mine", "organization_id": org}))
        .await
        .fails(403, 4101);
    m.patch(&format!("{CHANNELS}/{ch}"), json!({"name": "Renamed"}))
        .await
        .fails(403, 4101);
    m.delete(&format!("{CHANNELS}/{ch}")).await.fails(403, 4101);
    // Outsiders learn nothing.
    o.get(&format!("{CHANNELS}/{ch}")).await.fails(404, 4200);
    o.get(&format!("{CHANNELS}/not-an-id"))
        .await
        .fails(404, 4200);
    o.get(&format!("{CHANNELS}?organization_id={org}"))
        .await
        .fails(404, 4200);
    // The owner's personal list does not hold the team's channel.
    assert_eq!(ad.get(CHANNELS).await.ok().as_array().unwrap().len(), 0);

    let renamed = ad
        .patch(&format!("{CHANNELS}/{ch}"), json!({"name": "Renamed"}))
        .await;
    assert_eq!(renamed.ok()["name"], json!("Renamed"));
    ad.patch(&format!("{CHANNELS}/{ch}"), json!({"name": ""}))
        .await
        .fails(400, 4000);
    ad.post(CHANNELS, json!({"name": "x", "extra": 1}))
        .await
        .fails(400, 4000);

    // Binding: a channel app of the same owner, one channel per app.
    let team_app = |name: &str, app_type: &str| {
        json!({"name": name, "app_type": app_type, "client_type": "service",
               "organization_id": org, "permissions": ["Bot.read"]})
    };
    let normal = ad
        .post("/api/manage/apps", team_app("Team Normal", "normal"))
        .await;
    let normal = normal.ok()["app_id"].as_str().unwrap().to_string();
    let chan_app = ad
        .post("/api/manage/apps", team_app("Team Channel", "channel"))
        .await;
    let chan_app = chan_app.ok()["app_id"].as_str().unwrap().to_string();
    let bind = |ch: String, app: String| {
        let ad = &ad;
        async move {
            ad.post(&format!("{CHANNELS}/{ch}/app"), json!({"app_id": app}))
                .await
        }
    };
    let msg = bind(ch.clone(), normal.clone()).await;
    assert!(msg.fails(400, 4000).contains("channel app"), "{msg:?}");
    let (personal_app, _) = channel_app(&ad, "Personal Channel App", &["Bot.read"]).await;
    let msg = bind(ch.clone(), personal_app.clone()).await;
    assert!(msg.fails(400, 4000).contains("same"), "{msg:?}");
    bind(ch.clone(), chan_app.clone()).await.ok();
    m.post(&format!("{CHANNELS}/{ch}/app"), json!({"app_id": chan_app}))
        .await
        .fails(403, 4101);
    let second = channel(&ad, "Second", Some(&org)).await;
    let msg = bind(second.clone(), chan_app.clone()).await;
    assert!(msg.fails(409, 4000).contains("another channel"), "{msg:?}");

    // Publishing: only bots of the channel's edition.
    let pat = ad.simple_pat(&["Bot.create"]).await;
    let personal_bot = bot(&s, &pat, admin.personal_workspace, "personal").await;
    ad.post(
        &format!("{CHANNELS}/{ch}/bots"),
        json!({"bot_id": personal_bot}),
    )
    .await
    .fails(404, 4200);
    ad.post(&format!("{CHANNELS}/{ch}/bots"), json!({"bot_id": "12345"}))
        .await
        .fails(404, 4200);
    let mine = channel(&ad, "Personal", None).await;
    publish(&ad, &mine, &personal_bot).await;
    let got = ad.get(&format!("{CHANNELS}/{mine}")).await;
    assert_eq!(got.ok()["bots"][0]["bot_id"], json!(personal_bot));
    m.post(
        &format!("{CHANNELS}/{mine}/bots"),
        json!({"bot_id": personal_bot}),
    )
    .await
    .fails(404, 4200);

    // Deleting the channel frees its app for another one.
    m.delete(&format!("{CHANNELS}/{ch}")).await.fails(403, 4101);
    ad.delete(&format!("{CHANNELS}/{ch}")).await.ok();
    ad.get(&format!("{CHANNELS}/{ch}")).await.fails(404, 4200);
    bind(second, chan_app).await.ok();
}
