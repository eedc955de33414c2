//! The OpenAPI enforcement layer: every 4100 and 4101 case, the envelope, and
//! Buckle's own `/v1` resources.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

on_both_databases!(
    users_me_returns_the_account_in_the_envelope,
    unauthenticated_requests_get_4100,
    expired_and_deleted_tokens_get_4100,
    missing_permission_gets_4101,
    workspace_list_and_all_workspaces_rules,
    live_membership_bounds_tokens,
    personal_tokens_do_not_reach_organization_workspaces,
    organization_level_points_follow_the_current_role,
    bot_registry,
    workspaces_list_matches_the_sdk_shape,
    unknown_routes_and_bad_ids_use_the_envelope,
    service_tokens_list_their_organization_workspaces,
);

async fn users_me_returns_the_account_in_the_envelope(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let pat = session.simple_pat(&["Account.readProfile"]).await;
    let r = reqwest::Client::new()
        .get(s.url("/v1/users/me"))
        .bearer_auth(&pat)
        .header("User-Agent", "cozepy/0.20.0 python/3.11")
        .header(
            "X-Coze-Client-User-Agent",
            r#"{"version":"0.20.0","lang":"python"}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let reply = Reply::of(r).await;
    let d = reply.ok();
    assert_eq!(d["user_id"], json!(alice.id.to_string()));
    assert_eq!(d["user_name"], json!("alice"));
    assert_eq!(d["nick_name"], json!("alice"));
    assert_eq!(d["avatar_url"], json!(""));
    assert_eq!(reply.body["msg"], json!(""));
    let logid = reply.logid_header.clone().expect("x-tt-logid header");
    assert!(!logid.is_empty());
    assert_eq!(reply.body["detail"]["logid"], json!(logid));
}

async fn unauthenticated_requests_get_4100(s: Server) {
    let client = reqwest::Client::new();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("basic scheme", Some("Basic YWxpY2U6cHc=".into())),
        ("malformed token", Some("Bearer pat_short".into())),
        (
            "well-formed unknown token",
            Some(format!("Bearer pat_{}", "a".repeat(64))),
        ),
        (
            "unknown prefix",
            Some(format!("Bearer xyz_{}", "a".repeat(64))),
        ),
    ];
    for (what, header) in cases {
        let mut rb = client.get(s.url("/v1/users/me"));
        if let Some(h) = header {
            rb = rb.header("Authorization", h);
        }
        let r = Reply::of(rb.send().await.unwrap()).await;
        r.fails(401, 4100);
        assert!(
            r.body.get("data").is_none() || r.body["data"].is_null(),
            "{what}"
        );
    }
    // A personal access token presented with another kind's prefix is unknown too.
    let bob = s.user("bob").await;
    let pat = s
        .login(&bob)
        .await
        .simple_pat(&["Account.readProfile"])
        .await;
    let disguised = format!("sat_{}", &pat[4..]);
    s.bearer(&disguised)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    s.bearer(&pat).get("/v1/users/me").await.ok();
}

async fn expired_and_deleted_tokens_get_4100(s: Server) {
    // The clock stands still, so the token's lifetime ends exactly when it is moved.
    s.state.clock.freeze();
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let (_, short) = session
        .pat(json!({"name": "short", "permissions": ["Account.readProfile"], "expires_in": "2s"}))
        .await;
    s.bearer(&short).get("/v1/users/me").await.ok();
    s.state.clock.advance(1);
    s.bearer(&short).get("/v1/users/me").await.ok();
    s.state.clock.advance(1);
    let msg = s
        .bearer(&short)
        .get("/v1/users/me")
        .await
        .fails(401, 4100)
        .to_string();
    assert!(msg.contains("expired"), "{msg}");

    let (id, doomed) = session
        .pat(json!({"name": "doomed", "permissions": ["Account.readProfile"], "expires_in": "1d"}))
        .await;
    s.bearer(&doomed).get("/v1/users/me").await.ok();
    session
        .delete(&format!("/api/manage/personal_access_tokens/{id}"))
        .await
        .ok();
    s.bearer(&doomed).get("/v1/users/me").await.fails(401, 4100);
}

async fn missing_permission_gets_4101(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let pat = session.simple_pat(&["Workspace.list"]).await;
    let msg = s
        .bearer(&pat)
        .get("/v1/users/me")
        .await
        .fails(403, 4101)
        .to_string();
    assert!(msg.contains("Account.readProfile"), "{msg}");
    let ws = alice.personal_workspace;
    s.bearer(&pat)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .fails(403, 4101);
    s.bearer(&pat)
        .post(
            "/v1/bot/create",
            json!({"space_id": ws.to_string(), "name": "b"}),
        )
        .await
        .fails(403, 4101);
    s.bearer(&pat).get("/v1/workspaces").await.ok();
}

async fn workspace_list_and_all_workspaces_rules(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let first = alice.personal_workspace;
    let second = session.workspace("second", None).await;
    let listed = session
        .pat(json!({
            "name": "listed", "permissions": ["Bot.list", "Bot.create", "Workspace.list"],
            "workspace_ids": [first.to_string()], "expires_in": "1d"
        }))
        .await
        .1;
    let all = session
        .pat(json!({
            "name": "all", "permissions": ["Bot.list", "Bot.create", "Workspace.list"],
            "all_workspaces": true, "expires_in": "1d"
        }))
        .await
        .1;
    let bots = |ws: i64| format!("/v1/bots?workspace_id={ws}");
    s.bearer(&listed).get(&bots(first)).await.ok();
    let msg = s
        .bearer(&listed)
        .get(&bots(second))
        .await
        .fails(403, 4101)
        .to_string();
    assert!(msg.contains("workspace"), "{msg}");
    s.bearer(&all).get(&bots(second)).await.ok();

    // A workspace created after the tokens: "all workspaces" includes it, a list does not.
    let later = session.workspace("later", None).await;
    s.bearer(&all).get(&bots(later)).await.ok();
    s.bearer(&listed).get(&bots(later)).await.fails(403, 4101);
    s.bearer(&all)
        .post(
            "/v1/bot/create",
            json!({"space_id": later.to_string(), "name": "late bot"}),
        )
        .await
        .ok();

    // /v1/workspaces lists exactly what each token reaches.
    let ids = |r: &Reply| -> Vec<String> {
        r.ok()["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap().to_string())
            .collect()
    };
    let r = s.bearer(&listed).get("/v1/workspaces").await;
    assert_eq!(ids(&r), vec![first.to_string()]);
    let r = s.bearer(&all).get("/v1/workspaces").await;
    let mut got = ids(&r);
    got.sort();
    let mut want = vec![first.to_string(), second.to_string(), later.to_string()];
    want.sort();
    assert_eq!(got, want);
}

async fn live_membership_bounds_tokens(s: Server) {
    let owner = s.user("owner").await;
    let bob = s.user("bob").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    o.add_member(&team, "bob", "member").await.ok();
    let ws = o.workspace("shared", Some(&team)).await;
    o.add_workspace_member(ws, "bob", "member").await.ok();
    let b = s.login(&bob).await;
    let pat = b
        .pat(json!({
            "name": "bob team", "organization_id": team, "permissions": ["Bot.list", "Workspace.listMembers"],
            "all_workspaces": true, "expires_in": "30d"
        }))
        .await
        .1;
    s.bearer(&pat)
        .get(&format!("/v1/workspaces/{ws}/members"))
        .await
        .ok();
    // Bob leaves the workspace (but stays in the team): the same token loses it at once.
    b.delete(&format!("/api/manage/workspaces/{ws}/members/{}", bob.id))
        .await
        .ok();
    let msg = s
        .bearer(&pat)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .fails(403, 4101)
        .to_string();
    assert!(msg.contains("member"), "{msg}");
    // Adding him back restores it: reach is decided at call time.
    o.add_workspace_member(ws, "bob", "member").await.ok();
    s.bearer(&pat)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .ok();
}

async fn personal_tokens_do_not_reach_organization_workspaces(s: Server) {
    let owner = s.user("owner").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    let team_ws = o.workspace("team space", Some(&team)).await;
    let personal = o.simple_pat(&["Bot.list"]).await;
    s.bearer(&personal)
        .get(&format!(
            "/v1/bots?workspace_id={}",
            owner.personal_workspace
        ))
        .await
        .ok();
    s.bearer(&personal)
        .get(&format!("/v1/bots?workspace_id={team_ws}"))
        .await
        .fails(403, 4101);
    // And the team's token does not reach the personal workspace.
    let team_pat = o
        .pat(json!({"name": "t", "organization_id": team, "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "30d"}))
        .await
        .1;
    s.bearer(&team_pat)
        .get(&format!("/v1/bots?workspace_id={team_ws}"))
        .await
        .ok();
    s.bearer(&team_pat)
        .get(&format!(
            "/v1/bots?workspace_id={}",
            owner.personal_workspace
        ))
        .await
        .fails(403, 4101);
}

async fn organization_level_points_follow_the_current_role(s: Server) {
    let owner = s.user("owner").await;
    let carol = s.user("carol").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    o.add_member(&team, "carol", "admin").await.ok();
    let c = s.login(&carol).await;
    let pat = c
        .pat(json!({"name": "c", "organization_id": team, "permissions": ["Organization.listMembers"], "expires_in": "30d"}))
        .await
        .1;
    let r = s.bearer(&pat).get("/v1/organization/members").await;
    let d = r.ok();
    assert_eq!(d["organization_id"], json!(team));
    assert_eq!(d["total_count"], json!(2));
    // Demoted to member: the token keeps its points but loses what they need.
    o.patch(
        &format!("/api/manage/organizations/{team}/members/{}", carol.id),
        json!({"role": "member"}),
    )
    .await
    .ok();
    s.bearer(&pat)
        .get("/v1/organization/members")
        .await
        .fails(403, 4101);
    // A personal-edition token cannot hold team-level reach at all.
    let personal = o.simple_pat(&["Account.readProfile"]).await;
    s.bearer(&personal)
        .get("/v1/organization/members")
        .await
        .fails(403, 4101);
}

async fn bot_registry(s: Server) {
    let alice = s.user("alice").await;
    let mallory = s.user("mallory").await;
    let a = s.login(&alice).await;
    let pat = a.simple_pat(&["Bot.create", "Bot.list", "Bot.read"]).await;
    let ws = alice.personal_workspace;
    let created = s
        .bearer(&pat)
        .post(
            "/v1/bot/create",
            json!({"space_id": ws.to_string(), "name": "  Helper  ", "description": "answers"}),
        )
        .await;
    let bot_id = created.ok()["bot_id"].as_str().unwrap().to_string();
    let got = s.bearer(&pat).get(&format!("/v1/bots/{bot_id}")).await;
    let d = got.ok();
    assert_eq!(d["name"], json!("Helper"));
    assert_eq!(d["description"], json!("answers"));
    assert_eq!(d["workspace_id"], json!(ws.to_string()));
    assert_eq!(d["owner_user_id"], json!(alice.id.to_string()));

    for i in 0..3 {
        s.bearer(&pat)
            .post(
                "/v1/bot/create",
                json!({"space_id": ws.to_string(), "name": format!("b{i}")}),
            )
            .await
            .ok();
    }
    let page = s
        .bearer(&pat)
        .get(&format!(
            "/v1/bots?workspace_id={ws}&page_size=3&page_index=2"
        ))
        .await;
    let d = page.ok();
    assert_eq!(d["total"], json!(4));
    assert_eq!(d["items"].as_array().unwrap().len(), 1);

    // Someone else's token reaches neither the workspace nor the bot.
    let other = s
        .login(&mallory)
        .await
        .simple_pat(&["Bot.create", "Bot.list", "Bot.read"])
        .await;
    s.bearer(&other)
        .get(&format!("/v1/bots/{bot_id}"))
        .await
        .fails(403, 4101);
    s.bearer(&other)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .fails(403, 4101);
    s.bearer(&other)
        .post(
            "/v1/bot/create",
            json!({"space_id": ws.to_string(), "name": "intruder"}),
        )
        .await
        .fails(403, 4101);

    // Bad input is 400/4000; missing things are 404/4200.
    s.bearer(&pat)
        .post(
            "/v1/bot/create",
            json!({"space_id": ws.to_string(), "name": "  "}),
        )
        .await
        .fails(400, 4000);
    s.bearer(&pat)
        .post("/v1/bot/create", json!({"space_id": "abc", "name": "x"}))
        .await
        .fails(400, 4000);
    s.bearer(&pat)
        .post("/v1/bot/create", json!({"name": "no space"}))
        .await
        .fails(400, 4000);
    s.bearer(&pat)
        .get(&format!("/v1/bots/{}", 1_000_000_000_000_000_123i64))
        .await
        .fails(404, 4200);
    s.bearer(&pat)
        .get(&format!(
            "/v1/bots?workspace_id={}",
            1_000_000_000_000_000_123i64
        ))
        .await
        .fails(404, 4200);
    s.bearer(&pat)
        .get(&format!("/v1/bots?workspace_id={ws}&page_size=0"))
        .await
        .fails(400, 4000);
}

async fn workspaces_list_matches_the_sdk_shape(s: Server) {
    let owner = s.user("owner").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    let team_ws = o.workspace("team space", Some(&team)).await;
    let pat = o
        .pat(json!({"name": "t", "organization_id": team, "permissions": ["Workspace.list"], "all_workspaces": true, "expires_in": "30d"}))
        .await
        .1;
    let r = s
        .bearer(&pat)
        .get("/v1/workspaces?page_num=1&page_size=20")
        .await;
    let d = r.ok();
    assert_eq!(d["total_count"], json!(1));
    let w = &d["workspaces"][0];
    assert_eq!(w["id"], json!(team_ws.to_string()));
    assert_eq!(w["name"], json!("team space"));
    assert_eq!(w["role_type"], json!("owner"));
    assert_eq!(w["workspace_type"], json!("team"));
    assert_eq!(w["enterprise_id"], json!(team));
    assert_eq!(w["icon_url"], json!(""));
    // Paging past the end is empty, not an error.
    let r = s
        .bearer(&pat)
        .get("/v1/workspaces?page_num=2&page_size=20")
        .await;
    assert_eq!(r.ok()["workspaces"], json!([]));
    s.bearer(&pat)
        .get("/v1/workspaces?page_num=0")
        .await
        .fails(400, 4000);
    s.bearer(&pat)
        .get("/v1/workspaces?page_num=1&page_num=2")
        .await
        .fails(400, 4000);
}

async fn unknown_routes_and_bad_ids_use_the_envelope(s: Server) {
    let alice = s.user("alice").await;
    let pat = s
        .login(&alice)
        .await
        .simple_pat(&["Workspace.listMembers", "Bot.read"])
        .await;
    s.bearer(&pat)
        .get("/v1/no/such/thing")
        .await
        .fails(404, 4200);
    s.bearer(&pat)
        .get("/v1/workspaces/not-a-number/members")
        .await
        .fails(400, 4000);
    s.bearer(&pat)
        .get("/v1/workspaces/99999999999999999999999/members")
        .await
        .fails(400, 4000);
    s.bearer(&pat)
        .get(&format!(
            "/v1/workspaces/{}/members",
            alice.personal_workspace
        ))
        .await
        .ok();
    let r = s
        .bearer(&pat)
        .call(reqwest::Method::DELETE, "/v1/users/me", None)
        .await;
    r.fails(400, 4000);
}

async fn service_tokens_list_their_organization_workspaces(s: Server) {
    let owner = s.user("owner").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    let first = o.workspace("first", Some(&team)).await;
    let second = o.workspace("second", Some(&team)).await;
    let sat = o
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "lister", "permissions": ["Workspace.list"], "workspace_ids": [second.to_string()], "expires_in": "permanent"}),
        )
        .await;
    let token = sat.ok()["token"].as_str().unwrap().to_string();
    let r = s.bearer(&token).get("/v1/workspaces").await;
    let d = r.ok();
    assert_eq!(d["total_count"], json!(1));
    assert_eq!(d["workspaces"][0]["id"], json!(second.to_string()));
    assert_eq!(d["workspaces"][0]["enterprise_id"], json!(team));
    assert_ne!(d["workspaces"][0]["id"], json!(first.to_string()));
}

/// Browser pages answer a form or query they cannot read with their own HTML
/// 400 page, never axum's plain-text 415/422 (schemathesis found those).
#[tokio::test]
async fn unreadable_page_forms_and_queries_get_the_html_400_page() {
    let s = Server::start(Db::Sqlite).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html_400 = |r: reqwest::Response, what: &str| {
        assert_eq!(r.status(), 400, "{what}");
        assert_eq!(
            content_type(&r).as_deref(),
            Some("text/html; charset=utf-8"),
            "{what}"
        );
    };
    for path in [
        "/login",
        "/api/permission/oauth2/consent",
        "/oauth/device",
        "/oauth/authorize-app",
    ] {
        let r = client
            .post(s.url(path))
            .json(&json!({"csrf": "x"}))
            .send()
            .await
            .unwrap();
        html_400(r, &format!("JSON to {path}"));
        let r = client.post(s.url(path)).send().await.unwrap();
        html_400(r, &format!("no body to {path}"));
    }
    for url in [
        "/login?next=/a&next=/b",
        "/api/permission/oauth2/authorize?client_id=a&client_id=b",
        "/api/permission/oauth2/workspace_id/1/authorize?state=a&state=b",
        "/oauth/device?user_code=a&user_code=b",
        "/oauth/authorize-app?client_id=a&client_id=b",
    ] {
        let r = client.get(s.url(url)).send().await.unwrap();
        html_400(r, url);
    }
}

/// `/healthz` says the process is up and never reads the database (a slow
/// database must not get a healthy process restarted); `/readyz` fails (503) when
/// the database does not answer, so a load balancer can take the node out.
#[tokio::test]
async fn healthz_is_liveness_and_readyz_needs_the_database() {
    let s = Server::start(Db::Sqlite).await;
    for path in ["/healthz", "/readyz"] {
        let r = reqwest::get(s.url(path)).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    s.state.store.close().await;
    let r = reqwest::get(s.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
    let r = reqwest::get(s.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.text().await.unwrap(), "database unavailable");
}

/// The document names every status an operation answers with and the shape of
/// each, so a client (and schemathesis) can hold Buckle to it.
#[tokio::test]
async fn the_document_describes_errors_and_non_envelope_answers() {
    let s = Server::start(Db::Sqlite).await;
    let doc: serde_json::Value = reqwest::get(s.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schema = |path: &str, method: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .map(str::to_string)
    };
    let me = Bearer {
        base: s.base.clone(),
        token: "pat_nothing".into(),
    }
    .get("/v1/users/me")
    .await;
    me.fails(401, 4100);
    assert_eq!(
        schema("/v1/users/me", "get", "401").as_deref(),
        Some("#/components/schemas/ErrorEnvelope")
    );
    let token = oauth_post(&s.base, "/api/permission/oauth2/token", None, json!({})).await;
    token.error(400, "invalid_request");
    assert_eq!(
        schema("/api/permission/oauth2/token", "post", "400").as_deref(),
        Some("#/components/schemas/OAuthError")
    );
    assert_eq!(
        schema("/api/permission/oauth2/token", "post", "200").as_deref(),
        Some("#/components/schemas/TokenResponse")
    );
    let login = &doc["paths"]["/login"]["post"];
    assert!(login["responses"]["303"]["headers"]["Location"].is_object());
    assert!(login["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            let expected_5xx = if path == "/readyz" { 1 } else { 0 };
            assert_eq!(
                statuses.iter().filter(|s| s.starts_with('5')).count(),
                expected_5xx,
                "{method} {path}: a 5xx is a bug, never documented (but /readyz's 503)"
            );
            assert!(statuses.iter().any(|s| *s == "200"), "{method} {path}");
        }
    }
}

/// The (method, path) pairs the application's router serves, read from the router
/// itself: axum prints each route's path and its `Allow` methods in `Debug`. Only
/// the path router is read (the fallback router holds no documented routes).
fn routed_operations(router: &impl std::fmt::Debug) -> BTreeSet<(String, String)> {
    let dump = format!("{router:?}");
    let dump = dump
        .split("fallback_router:")
        .next()
        .expect("the router prints its path router first");
    // `paths: {RouteId(7): "/v1/bots", ...}`
    let mut paths = BTreeMap::new();
    let listing = dump
        .split("paths: {")
        .nth(1)
        .expect("the path router prints its paths");
    for entry in listing.split("RouteId(").skip(1) {
        let (id, rest) = entry.split_once("): \"").expect("RouteId(n): \"path\"");
        let path = rest.split('"').next().unwrap();
        paths.insert(id.to_string(), path.to_string());
    }
    // `RouteId(7): MethodRouter(MethodRouter { get: ..., allow_header: Bytes(b"GET,HEAD") })`
    let mut routed = BTreeSet::new();
    for entry in dump.split("RouteId(").skip(1) {
        let Some((id, rest)) = entry.split_once("): MethodRouter(") else {
            continue;
        };
        let allow = rest
            .split("allow_header: Bytes(b\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .unwrap_or_else(|| panic!("route {id} prints its Allow methods: {rest}"));
        let path = &paths[id];
        for method in allow.split(',') {
            // axum answers HEAD wherever it answers GET; the document lists GET.
            if method != "HEAD" {
                routed.insert((method.to_lowercase(), path.clone()));
            }
        }
    }
    routed
}

fn documented_operations(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect()
}

/// Every routed path and method is in the generated document, and every
/// documented one is routed: the two cannot drift apart.
#[tokio::test]
async fn every_routed_operation_is_documented_and_every_documented_one_is_routed() {
    let s = Server::start(Db::Sqlite).await;
    let routed = routed_operations(&buckle_server::router(s.state.clone()));
    let doc: serde_json::Value = reqwest::get(s.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(&doc, buckle_server::api_doc::document());
    let documented = documented_operations(&doc);
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not documented: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
    // The reading of the router found the whole application, not a part of it.
    assert!(routed.len() >= 84, "{} routed operations", routed.len());
    assert!(routed.contains(&("post".into(), "/api/permission/oauth2/token".into())));
    assert!(routed.contains(&("get".into(), "/openapi.json".into())));
}

/// The router answers every documented operation itself (not with its "no such
/// endpoint" or "method not allowed" fallbacks): checked over HTTP, independently
/// of how the routes were read above.
#[tokio::test]
async fn openapi_document_describes_every_route_that_exists() {
    let s = Server::start(Db::Sqlite).await;
    let doc: serde_json::Value = reqwest::get(s.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let client = reqwest::Client::new();
    let mut checked = 0;
    for (method, path) in documented_operations(&doc) {
        let concrete = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "1000000000000000001"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let r = client
            .request(method.to_uppercase().parse().unwrap(), s.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        // The router's fallbacks say "No such endpoint." (path unrouted) or "does not
        // accept that HTTP method" (method unrouted).
        assert!(
            !body.contains("No such endpoint")
                && !body.contains("does not accept that HTTP method"),
            "{method} {path} is documented but not routed: {status} {body}"
        );
        checked += 1;
    }
    assert!(checked >= 84);
}

/// The schemas come from the types: request bodies keep the server's rules
/// (required fields, unknown fields refused, bounds), and each enveloped answer's
/// `data` is the handler's own response type.
#[tokio::test]
async fn the_document_is_generated_from_the_wire_types() {
    let doc = buckle_server::api_doc::document();
    let schemas = &doc["components"]["schemas"];
    let body_schema = |path: &str, method: &str| {
        let content = &doc["paths"][path][method]["requestBody"]["content"];
        let (_, media) = content.as_object().unwrap().iter().next().unwrap();
        let name = media["schema"]["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        schemas[&name].clone()
    };
    let app = body_schema("/api/manage/apps", "post");
    assert_eq!(app["additionalProperties"], json!(false));
    let mut required: Vec<&str> = app["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort();
    assert_eq!(required, ["app_type", "client_type", "name", "permissions"]);
    assert_eq!(app["properties"]["redirect_uris"]["maxItems"], json!(10));
    let org = body_schema("/api/manage/organizations/{org_id}", "patch");
    assert_eq!(org["properties"]["token_max_days"]["minimum"], json!(1));
    assert_eq!(org["properties"]["token_max_days"]["maximum"], json!(365));
    let consent = &doc["paths"]["/api/permission/oauth2/consent"]["post"]["requestBody"]["content"];
    assert!(consent["application/x-www-form-urlencoded"].is_object());

    // `GET /api/manage/accounts/me` answers the envelope around an AccountOut.
    let ok = doc["paths"]["/api/manage/accounts/me"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let envelope = &schemas[ok];
    for field in ["code", "msg", "data", "detail"] {
        assert!(
            envelope["required"]
                .as_array()
                .unwrap()
                .contains(&json!(field)),
            "{field}"
        );
    }
    let data = &envelope["properties"]["data"];
    assert!(
        data["required"]
            .as_array()
            .unwrap()
            .contains(&json!("is_super_admin")),
        "{data}"
    );
    assert_eq!(envelope["properties"]["code"]["maximum"], json!(0));

    // Every operation has a unique id and says how it authenticates.
    let mut ids = BTreeSet::new();
    for (method, path) in documented_operations(doc) {
        let op = &doc["paths"][&path][&method];
        assert!(
            ids.insert(op["operationId"].as_str().unwrap().to_string()),
            "{method} {path}"
        );
        assert!(op["security"].is_array(), "{method} {path} has no security");
    }
    let manage = &doc["paths"]["/api/manage/apps"]["post"]["security"];
    assert_eq!(
        manage,
        &json!([{"session": [], "csrf": []}, {"bearer": []}])
    );
    for scheme in ["bearer", "session", "csrf", "client"] {
        assert!(
            doc["components"]["securitySchemes"][scheme].is_object(),
            "{scheme}"
        );
    }
}

/// Every type deriving `ToSchema` in the workspace's sources, with the schema name
/// it publishes (`#[schema(as = ...)]`, or its own name) and where it is.
fn schema_types() -> Vec<(String, String)> {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // The attributes above an item, each joined onto one line.
        let mut attributes: Vec<String> = Vec::new();
        let mut open = 0i32;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            if open > 0 || t.starts_with("#[") {
                if open == 0 {
                    attributes.push(String::new());
                }
                attributes.last_mut().unwrap().push_str(t);
                open += t.matches('[').count() as i32 - t.matches(']').count() as i32;
                continue;
            }
            if t.starts_with("//") || t.is_empty() {
                continue;
            }
            let item = t
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            let ident = item
                .strip_prefix("struct ")
                .or_else(|| item.strip_prefix("enum "))
                .map(|rest| {
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap()
                        .to_string()
                });
            let derives_schema = attributes
                .iter()
                .any(|a| a.contains("derive(") && a.contains("ToSchema"));
            if let (Some(ident), true) = (ident, derives_schema) {
                let renamed = attributes.iter().find_map(|a| {
                    let rest = &a[a.find("schema(")?..];
                    let name = rest[rest.find("as = ")? + 5..]
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()?;
                    Some(name.to_string())
                });
                let at = format!("{}:{}", file.strip_prefix(root).unwrap().display(), n + 1);
                found.push((renamed.unwrap_or(ident), at));
            }
            attributes.clear();
        }
    }
    found
}

/// utoipa keys the document's schemas by name and keeps one of two types that
/// publish the same name, silently: the other's operations then describe the wrong
/// body. So no two types may publish one name, and every schema of the document
/// must come from a type found here (or be a generic one's instance, like
/// `Success_AccountOut`), so that the search cannot miss one.
#[test]
fn no_two_types_publish_the_same_schema_name() {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, at) in schema_types() {
        by_name.entry(name).or_default().push(at);
    }
    let collisions: Vec<_> = by_name.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(
        collisions.is_empty(),
        "schema names published by more than one type: {collisions:?}"
    );
    let doc = buckle_server::api_doc::document();
    let components = doc["components"]["schemas"].as_object().unwrap();
    let unexplained: Vec<_> = components
        .keys()
        .filter(|c| {
            !by_name.contains_key(*c) && !by_name.keys().any(|n| c.starts_with(&format!("{n}_")))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "schemas whose type the search did not find: {unexplained:?}"
    );
    // The search found the document's request bodies, including those in core.
    for name in ["TokenRequest", "DeviceCodeRequest", "SignIn", "Success"] {
        assert!(by_name.contains_key(name), "{name} not found");
    }
}
