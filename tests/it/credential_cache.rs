//! The token check answers from memory once a token was used, and every change
//! to a credential made through this server reaches the very next call: each
//! test uses a token first (so it is cached), changes it, and calls again.

use crate::oauth::{CALLBACK, TOKEN, app, authorize_url, claims, exchange, header, jwt_token};
use crate::oauth::{service_app, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::json;

on_both_databases!(
    a_cached_token_is_checked_without_the_database,
    a_token_is_read_with_its_person,
    unknown_tokens_are_remembered_and_still_refused,
    a_cached_token_that_expires_is_refused_at_once,
    editing_and_deleting_a_personal_token_reach_its_cached_copy,
    editing_and_deleting_a_service_token_reach_its_cached_copy,
    app_edits_disabling_enabling_and_deletion_reach_cached_oauth_tokens,
    revoked_authorizations_reach_cached_oauth_tokens,
    a_replayed_code_revokes_the_cached_tokens_of_its_family,
    installing_and_uninstalling_reach_cached_obo_tokens,
    leaving_an_organization_reaches_cached_tokens,
    role_and_workspace_changes_reach_cached_tokens,
    a_profile_edit_reaches_users_me,
    introspection_reads_memberships_from_memory,
    introspection_follows_membership_changes_at_once,
);

/// With the database closed, a token used before still gets `users.me` (its
/// check and the profile come from memory), and so does the refusal of an
/// unknown token seen before; a token never seen cannot be checked.
async fn a_cached_token_is_checked_without_the_database(s: Server) {
    let alice = s.user("alice").await;
    let token = s
        .login(&alice)
        .await
        .simple_pat(&["Account.readProfile"])
        .await;
    let unknown = format!("pat_{}", "0".repeat(64));
    s.bearer(&token).get("/v1/users/me").await.ok();
    s.bearer(&unknown)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    s.state.store.close().await;
    for _ in 0..3 {
        let me = s.bearer(&token).get("/v1/users/me").await;
        assert_eq!(me.ok()["user_name"], json!("alice"));
        s.bearer(&unknown)
            .get("/v1/users/me")
            .await
            .fails(401, 4100);
    }
    let never_seen = format!("pat_{}", "1".repeat(64));
    let r = s.bearer(&never_seen).get("/v1/users/me").await;
    assert_eq!(
        r.status, 500,
        "the database is closed for what is not cached"
    );
}

/// The statement that reads a token reads the person it acts for too: after a
/// call that shows no profile, `users.me` answers with the database closed.
async fn a_token_is_read_with_its_person(s: Server) {
    let alice = s.user("alice").await;
    let token = s
        .login(&alice)
        .await
        .simple_pat(&["Account.readProfile"])
        .await;
    // Checked (and kept), then refused: it holds no point for bots.
    s.bearer(&token)
        .get("/v1/bots?workspace_id=1")
        .await
        .fails(403, 4101);
    s.state.store.close().await;
    let me = s.bearer(&token).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_name"], json!("alice"));
}

async fn unknown_tokens_are_remembered_and_still_refused(s: Server) {
    for i in 0..5 {
        let unknown = format!("pat_{}{i}", "a".repeat(63));
        for _ in 0..2 {
            s.bearer(&unknown)
                .get("/v1/users/me")
                .await
                .fails(401, 4100);
        }
    }
    let (entries, _) = s.state.credentials.unknown_size();
    assert_eq!(entries, 5);
    // A malformed token never reaches the cache.
    s.bearer("pat_short")
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    assert_eq!(s.state.credentials.unknown_size().0, 5);
}

async fn a_cached_token_that_expires_is_refused_at_once(s: Server) {
    s.state.clock.freeze();
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (_, token) = a
        .pat(
            json!({"name": "short", "permissions": ["Account.readProfile"],
                    "all_workspaces": true, "expires_in": "1h"}),
        )
        .await;
    s.bearer(&token).get("/v1/users/me").await.ok();
    s.state.clock.advance(3599);
    s.bearer(&token).get("/v1/users/me").await.ok();
    s.state.clock.advance(1);
    let msg = s
        .bearer(&token)
        .get("/v1/users/me")
        .await
        .fails(401, 4100)
        .to_string();
    assert!(msg.contains("expired"), "{msg}");
}

async fn editing_and_deleting_a_personal_token_reach_its_cached_copy(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let second = a.workspace("second", None).await;
    let (id, token) = a
        .pat(
            json!({"name": "t", "permissions": ["Account.readProfile", "Bot.list"],
                    "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let t = s.bearer(&token);
    let bots_in_second = format!("/v1/bots?workspace_id={second}");
    t.get("/v1/users/me").await.ok();
    t.get(&bots_in_second).await.ok();
    let path = format!("/api/manage/personal_access_tokens/{id}");
    a.patch(&path, json!({"permissions": ["Bot.list"]}))
        .await
        .ok();
    t.get("/v1/users/me").await.fails(403, 4101);
    t.get(&bots_in_second).await.ok();
    a.patch(
        &path,
        json!({"all_workspaces": false, "workspace_ids": [alice.personal_workspace.to_string()]}),
    )
    .await
    .ok();
    t.get(&bots_in_second).await.fails(403, 4101);
    t.get(&format!(
        "/v1/bots?workspace_id={}",
        alice.personal_workspace
    ))
    .await
    .ok();
    a.delete(&path).await.ok();
    t.get(&format!(
        "/v1/bots?workspace_id={}",
        alice.personal_workspace
    ))
    .await
    .fails(401, 4100);
}

async fn editing_and_deleting_a_service_token_reach_its_cached_copy(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("owner")
        .workspace("shared")
        .create()
        .await;
    let (_, o) = acme.member("owner");
    let r = o
        .post(
            &format!(
                "/api/manage/organizations/{}/service_access_tokens",
                acme.id
            ),
            json!({"name": "ci", "permissions": ["Bot.list", "Workspace.list"],
                   "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let (id, token) = (
        r.ok()["id"].as_str().unwrap().to_string(),
        r.ok()["token"].as_str().unwrap().to_string(),
    );
    let bots = format!("/v1/bots?workspace_id={}", acme.workspace("shared"));
    s.bearer(&token).get(&bots).await.ok();
    let path = format!("/api/manage/service_access_tokens/{id}");
    o.patch(&path, json!({"permissions": ["Workspace.list"]}))
        .await
        .ok();
    s.bearer(&token).get(&bots).await.fails(403, 4101);
    s.bearer(&token).get("/v1/workspaces").await.ok();
    o.delete(&path).await.ok();
    s.bearer(&token)
        .get("/v1/workspaces")
        .await
        .fails(401, 4100);
}

async fn app_edits_disabling_enabling_and_deletion_reach_cached_oauth_tokens(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Web", &["Account.readProfile", "Bot.list"]).await;
    let t = s.bearer(&f.access);
    let app_path = format!("/api/manage/apps/{}", f.id);
    t.get("/v1/users/me").await.ok();
    // The token does what its app asks for now.
    a.patch(&app_path, json!({"permissions": ["Bot.list"]}))
        .await
        .ok();
    t.get("/v1/users/me").await.fails(403, 4101);
    a.patch(
        &app_path,
        json!({"permissions": ["Account.readProfile", "Bot.list"]}),
    )
    .await
    .ok();
    t.get("/v1/users/me").await.ok();
    a.post(&format!("{app_path}/disable"), json!({})).await.ok();
    let msg = t.get("/v1/users/me").await.fails(401, 4100).to_string();
    assert!(msg.contains("deactivated"), "{msg}");
    a.post(&format!("{app_path}/enable"), json!({})).await.ok();
    t.get("/v1/users/me").await.ok();
    a.delete(&app_path).await.ok();
    t.get("/v1/users/me").await.fails(401, 4100);
}

async fn revoked_authorizations_reach_cached_oauth_tokens(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    // OBO: the person revokes the app.
    let f = web_flow(&s, &alice, &a, "Web", &["Account.readProfile"]).await;
    s.bearer(&f.access).get("/v1/users/me").await.ok();
    a.delete(&format!("/api/manage/authorized_apps/{}", f.id))
        .await
        .ok();
    s.bearer(&f.access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    // AppAuth: the owner removes the authorization.
    let (sid, key) = service_app(&s, &a, "Service").await;
    let jwt = key.sign(&header(&key), &claims(&s, &sid));
    let czs = jwt_token(&s, TOKEN, &jwt, json!({})).await.token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    s.bearer(&czs).get("/v1/users/me").await.ok();
    let auths = a
        .get(&format!("/api/manage/apps/{sid}/authorizations"))
        .await;
    let aid = auths.ok()[0]["authorization_id"]
        .as_str()
        .unwrap()
        .to_string();
    a.delete(&format!("/api/manage/apps/{sid}/authorizations/{aid}"))
        .await
        .ok();
    s.bearer(&czs).get("/v1/users/me").await.fails(401, 4100);
}

async fn a_replayed_code_revokes_the_cached_tokens_of_its_family(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Web", &["Account.readProfile"]).await;
    s.bearer(&f.access).get("/v1/users/me").await.ok();
    exchange(&s, &f.id, Some(&f.secret), &f.code, json!({}))
        .await
        .error(400, "invalid_grant");
    s.bearer(&f.access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
}

async fn installing_and_uninstalling_reach_cached_obo_tokens(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("owner")
        .member("bob")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((_, o), (bob, _)) = (acme.member("owner"), acme.member("bob"));
    let team = acme.id.clone();
    let d = s.login(&s.user("dev").await).await;
    let web = app(&d, "Third Party", "web", &["Bot.list"]).await;
    let (id, secret) = (
        web["app_id"].as_str().unwrap(),
        web["client_secret"].as_str().unwrap(),
    );
    // Bob's consent in the team is an install request: his token reaches nothing yet.
    let b = Browser::new(&s.base);
    let (_, page) = b.open_as(&authorize_url(id, CALLBACK, ""), bob).await;
    let r = b.consent(&page, "approve", &team).await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let access = exchange(&s, id, Some(secret), &code, json!({}))
        .await
        .token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let bots = format!("/v1/bots?workspace_id={}", acme.workspace("shared"));
    s.bearer(&access).get(&bots).await.fails(403, 4101);
    let installation = format!("/api/manage/organizations/{team}/installations/{id}");
    o.post(&installation, json!({})).await.ok();
    s.bearer(&access).get(&bots).await.ok();
    o.delete(&installation).await.ok();
    s.bearer(&access).get(&bots).await.fails(401, 4100);
}

async fn leaving_an_organization_reaches_cached_tokens(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("owner")
        .member("bob")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((_, o), (bob, _)) = (acme.member("owner"), acme.member("bob"));
    let token = acme.pat("bob", &["Bot.list"]).await;
    let bots = format!("/v1/bots?workspace_id={}", acme.workspace("shared"));
    s.bearer(&token).get(&bots).await.ok();
    o.delete(&format!(
        "/api/manage/organizations/{}/members/{}",
        acme.id, bob.id
    ))
    .await
    .ok();
    s.bearer(&token).get(&bots).await.fails(401, 4100);
}

/// Roles and workspace membership are cached, and every change to them is
/// forgotten: it shows at once on a token in use.
async fn role_and_workspace_changes_reach_cached_tokens(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("owner")
        .admin("carol")
        .member("bob")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((_, o), (carol, _), (bob, _)) = (
        acme.member("owner"),
        acme.member("carol"),
        acme.member("bob"),
    );
    let admin_token = acme.pat("carol", &["Organization.listMembers"]).await;
    s.bearer(&admin_token)
        .get("/v1/organization/members")
        .await
        .ok();
    o.patch(
        &format!("/api/manage/organizations/{}/members/{}", acme.id, carol.id),
        json!({"role": "member"}),
    )
    .await
    .ok();
    s.bearer(&admin_token)
        .get("/v1/organization/members")
        .await
        .fails(403, 4101);
    let ws = acme.workspace("shared");
    let token = acme.pat("bob", &["Bot.list"]).await;
    let bots = format!("/v1/bots?workspace_id={ws}");
    s.bearer(&token).get(&bots).await.ok();
    o.delete(&format!("/api/manage/workspaces/{ws}/members/{}", bob.id))
        .await
        .ok();
    s.bearer(&token).get(&bots).await.fails(403, 4101);
    o.add_workspace_member(ws, "bob", "member").await.ok();
    s.bearer(&token).get(&bots).await.ok();
    // An admin again: the organization-level point is back.
    o.patch(
        &format!("/api/manage/organizations/{}/members/{}", acme.id, carol.id),
        json!({"role": "admin"}),
    )
    .await
    .ok();
    s.bearer(&admin_token)
        .get("/v1/organization/members")
        .await
        .ok();
}

async fn a_profile_edit_reaches_users_me(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let token = a.simple_pat(&["Account.readProfile"]).await;
    let me = s.bearer(&token).get("/v1/users/me").await;
    assert_eq!(me.ok()["nick_name"], json!("alice"));
    a.patch(
        "/api/manage/accounts/me",
        json!({"nick_name": "Alice A.", "avatar_url": "https://example.com/a.png"}),
    )
    .await
    .ok();
    let me = s.bearer(&token).get("/v1/users/me").await;
    assert_eq!(me.ok()["nick_name"], json!("Alice A."));
    assert_eq!(me.ok()["avatar_url"], json!("https://example.com/a.png"));
}

/// What introspection says `token` reaches now: whether it holds `point`, and
/// the workspaces it reaches.
async fn introspected(s: &Server, caller: &str, token: &str, point: &str) -> (bool, Vec<String>) {
    let r = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/introspect"))
        .bearer_auth(caller)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["active"], json!(true), "{body}");
    let points = body["permission_list"].as_array().unwrap();
    let workspaces = body["workspace_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    (points.contains(&json!(point)), workspaces)
}

/// An organization with an admin (carol) in one workspace, a super admin's
/// introspection token, and carol's token with an organization-level point.
async fn carol_in_acme(s: &Server) -> (Org, String, String) {
    let root = s.super_admin("resource-server").await;
    let caller = s.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let acme = Org::build(s, "acme")
        .owner("owner")
        .admin("carol")
        .workspace_with("shared", &["carol"])
        .create()
        .await;
    let token = acme
        .pat("carol", &["Organization.listMembers", "Bot.list"])
        .await;
    (acme, caller, token)
}

/// With the database closed, introspecting a token introspected before
/// answers in full from memory: the person's role (an organization-level
/// point kept) and their workspaces. (Either read failing would drop them.)
async fn introspection_reads_memberships_from_memory(s: Server) {
    let (acme, caller, token) = carol_in_acme(&s).await;
    let shared = acme.workspace("shared").to_string();
    let point = "Organization.listMembers";
    let before = introspected(&s, &caller, &token, point).await;
    assert_eq!(before, (true, vec![shared]));
    s.state.store.close().await;
    for _ in 0..2 {
        assert_eq!(introspected(&s, &caller, &token, point).await, before);
    }
}

async fn introspection_follows_membership_changes_at_once(s: Server) {
    let (acme, caller, token) = carol_in_acme(&s).await;
    let ((_, owner), (carol, _)) = (acme.member("owner"), acme.member("carol"));
    let shared = acme.workspace("shared");
    let point = "Organization.listMembers";
    assert_eq!(
        introspected(&s, &caller, &token, point).await,
        (true, vec![shared.to_string()])
    );
    owner
        .patch(
            &format!("/api/manage/organizations/{}/members/{}", acme.id, carol.id),
            json!({"role": "member"}),
        )
        .await
        .ok();
    assert_eq!(
        introspected(&s, &caller, &token, point).await,
        (false, vec![shared.to_string()])
    );
    owner
        .delete(&format!(
            "/api/manage/workspaces/{shared}/members/{}",
            carol.id
        ))
        .await
        .ok();
    assert_eq!(
        introspected(&s, &caller, &token, point).await,
        (false, Vec::new())
    );
    let second = owner.workspace("second", Some(&acme.id)).await;
    owner
        .add_workspace_member(second, "carol", "member")
        .await
        .ok();
    assert_eq!(
        introspected(&s, &caller, &token, point).await,
        (false, vec![second.to_string()])
    );
}
