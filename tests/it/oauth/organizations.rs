//! Authorizing in an organization: an app's tokens reach the team only once it is
//! installed, team-level points need an admin, and the share link lets an admin
//! authorize a service app for the team.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    organization_installation_gates_obo_tokens,
    shareable_link_lets_an_organization_admin_authorize,
);

async fn organization_installation_gates_obo_tokens(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("owner")
        .member("bob")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((owner, o), (bob, _)) = (acme.member("owner"), acme.member("bob"));
    let (team, ws) = (acme.id.clone(), acme.workspace("shared"));
    // A third party's app, not installed in the team.
    let d = s.login(&s.user("dev").await).await;
    let web = app(
        &d,
        "Third Party",
        "web",
        &["Account.readProfile", "Bot.list"],
    )
    .await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str().unwrap();
    // Bob authorizes it in the team: that is an install request.
    let b = Browser::new(&s.base);
    let (_, page) = b.open_as(&authorize_url(id, CALLBACK, ""), bob).await;
    assert!(page.contains("acme"), "the team is offered as a scope");
    let r = b.consent(&page, "approve", &team).await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let access = exchange(&s, id, Some(secret), &code, json!({}))
        .await
        .token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let bots = format!("/v1/bots?workspace_id={ws}");
    let msg = s
        .bearer(&access)
        .get(&bots)
        .await
        .fails(403, 4101)
        .to_string();
    assert!(msg.contains("installed"), "{msg}");
    // Introspection agrees: a token that reaches nothing is not active.
    let root = s.super_admin("root").await;
    let caller = s.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let introspect = |t: String| {
        let (url, caller) = (s.url("/api/permission/oauth2/introspect"), caller.clone());
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(caller)
                .form(&[("token", t)])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(introspect(access.clone()).await, json!({"active": false}));
    let list = o
        .get(&format!("/api/manage/organizations/{team}/installations"))
        .await;
    assert_eq!(list.ok()["not_installed_obo"][0]["app_id"], json!(id));
    // An admin installs it: the same token now reaches the team's workspace.
    o.post(
        &format!("/api/manage/organizations/{team}/installations/{id}"),
        json!({}),
    )
    .await
    .ok();
    s.bearer(&access).get(&bots).await.ok();
    let info = introspect(access.clone()).await;
    assert_eq!(info["active"], json!(true));
    assert_eq!(
        info["workspace_ids"],
        json!([ws.to_string()]),
        "what Bob reaches now"
    );
    // Uninstalling deletes every token the app holds in the team.
    o.delete(&format!(
        "/api/manage/organizations/{team}/installations/{id}"
    ))
    .await
    .ok();
    s.bearer(&access).get(&bots).await.fails(401, 4100);

    // Team-level points: a member cannot authorize, an admin can.
    let admin_app = app(&d, "Org Reader", "web", &["Organization.listMembers"]).await;
    let aid = admin_app["app_id"].as_str().unwrap();
    let (_, page) = b.open_as(&authorize_url(aid, CALLBACK, ""), bob).await;
    let r = b.consent(&page, "approve", &team).await;
    assert_eq!(r.status(), 403);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("only a super admin or admin of the team/enterprise can authorize it"),
        "{text}"
    );
    let ob = Browser::new(&s.base);
    let (_, page) = ob.open_as(&authorize_url(aid, CALLBACK, ""), owner).await;
    let r = ob.consent(&page, "approve", &team).await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let t = exchange(
        &s,
        aid,
        admin_app["client_secret"].as_str(),
        &code,
        json!({}),
    )
    .await;
    let org_token = t.token()["access_token"].as_str().unwrap();
    // The admin's consent installed it; the token reads the team's members.
    s.bearer(org_token)
        .get("/v1/organization/members")
        .await
        .ok();
}

async fn shareable_link_lets_an_organization_admin_authorize(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, key) = service_app(&s, &a, "Shared Service").await;
    let link = a.get(&format!("/api/manage/apps/{id}/share_link")).await;
    let url = link.ok()["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/oauth/authorize-app?client_id=", s.base)),
        "{url}"
    );
    let bobs = Org::build(&s, "bob's team")
        .owner("bob")
        .member("carol")
        .create()
        .await;
    let ((bob, b), (carol, _)) = (bobs.member("bob"), bobs.member("carol"));
    let team = bobs.id.clone();
    let path = format!("/api/permission/oauth2/enterprise_id/{team}/token");
    jwt_token(
        &s,
        &path,
        &key.sign(&header(&key), &claims(&s, &id)),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    // A plain member cannot use the link.
    let cb = Browser::new(&s.base);
    let (status, _) = cb.open_as(&url, carol).await;
    assert_eq!(status, 403);
    // The team's super admin opens it, signs in, and authorizes.
    let bb = Browser::new(&s.base);
    let (status, page) = bb.open_as(&url, bob).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Shared Service") && page.contains("bob&#39;s team"));
    let csrf = form_field(&page, "csrf").unwrap();
    let r = bb
        .post_form(
            "/oauth/authorize-app",
            &[
                ("client_id", id.as_str()),
                ("organization_id", team.as_str()),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    jwt_token(
        &s,
        &path,
        &key.sign(&header(&key), &claims(&s, &id)),
        json!({}),
    )
    .await
    .token();
    let installed = b
        .get(&format!("/api/manage/organizations/{team}/installations"))
        .await;
    assert_eq!(installed.ok()["installed_appauth"][0]["app_id"], json!(id));
    // A forged form (no session CSRF) does nothing.
    let r = bb
        .post_form(
            "/oauth/authorize-app",
            &[
                ("client_id", id.as_str()),
                ("organization_id", team.as_str()),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}
