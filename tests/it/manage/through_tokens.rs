//! The management API called with a bearer token instead of a session: each area needs
//! its `Manage.*` point, and a token grants only what it holds.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    management_through_tokens,
    profile_edit_through_a_token_needs_a_manage_point,
);

async fn management_through_tokens(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let tokens = "/api/manage/personal_access_tokens";
    let manager = s.bearer(
        &a.simple_pat(&["Manage.tokens", "Account.readProfile"])
            .await,
    );

    // No cookie, no CSRF header: the bearer token is the credential.
    let r = manager
        .post(
            tokens,
            json!({"name": "made by a token", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1h"}),
        )
        .await;
    let child = r.ok()["token"].as_str().unwrap().to_string();
    assert!(child.starts_with("pat_") && child.len() == 68);
    let child_id = r.ok()["id"].as_str().unwrap().to_string();
    let me = s.bearer(&child).get("/v1/users/me").await;
    assert_eq!(
        me.ok()["user_id"],
        json!(alice.id.to_string()),
        "the new token is Alice's"
    );
    let listed = manager.get(tokens).await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 2);
    assert!(ids_of(a.get(tokens).await.ok()).contains(&child_id));
    manager
        .call(Method::DELETE, &format!("{tokens}/{child_id}"), None)
        .await
        .ok();
    s.bearer(&child).get("/v1/users/me").await.fails(401, 4100);
    // A token grants only what it holds: no upgrade by minting or editing.
    let refused = manager
        .post(
            tokens,
            json!({"name": "upgrade", "permissions": ["Manage.apps"], "all_workspaces": true, "expires_in": "1h"}),
        )
        .await;
    assert!(refused.fails(403, 4101).contains("Manage.apps"));
    let (own_id, _) = a
        .pat(json!({"name": "to edit", "permissions": ["Account.readProfile"], "expires_in": "1h"}))
        .await;
    manager
        .call(
            Method::PATCH,
            &format!("{tokens}/{own_id}"),
            Some(json!({"permissions": ["Manage.workspaces"]})),
        )
        .await
        .fails(403, 4101);
    // Nor through an app and its AppAuth token.
    let app_maker = s.bearer(&a.simple_pat(&["Manage.apps"]).await);
    app_maker
        .post(
            "/api/manage/apps",
            json!({"name": "upgrade app", "app_type": "normal", "client_type": "service", "permissions": ["Bot.list"], "redirect_uris": []}),
        )
        .await
        .fails(403, 4101);
    // A token made in a team does not act as the whole account.
    let team = a.team("token team").await;
    let (_, team_pat) = a
        .pat(json!({"name": "team", "organization_id": team, "permissions": ["Manage.tokens"], "expires_in": "1d"}))
        .await;
    s.bearer(&team_pat).get(tokens).await.fails(403, 4101);
    // The token reaches token management only.
    manager
        .post("/api/manage/workspaces", json!({"name": "w"}))
        .await
        .fails(403, 4101);
    manager
        .post(
            "/api/manage/organizations",
            json!({"name": "t", "kind": "team"}),
        )
        .await
        .fails(403, 4101);

    // A token without the point gets 403/4101, and makes nothing.
    let plain = s.bearer(&a.simple_pat(&["Account.readProfile"]).await);
    plain
        .post(
            tokens,
            json!({"name": "x", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1h"}),
        )
        .await
        .fails(403, 4101);
    plain.get(tokens).await.fails(403, 4101);
    plain.get("/api/manage/workspaces").await.fails(403, 4101);
    assert_eq!(
        a.get(tokens).await.ok().as_array().unwrap().len(),
        4,
        "manager, \"to edit\", the app maker, plain"
    );

    // Other areas with their own points.
    let ws_manager = s.bearer(&a.simple_pat(&["Manage.workspaces"]).await);
    let w = ws_manager
        .post("/api/manage/workspaces", json!({"name": "via token"}))
        .await;
    assert_eq!(w.ok()["owner_user_id"], json!(alice.id.to_string()));
    ws_manager.get(tokens).await.fails(403, 4101);
    let org_manager = s.bearer(&a.simple_pat(&["Manage.organizations"]).await);
    let team = org_manager
        .post(
            "/api/manage/organizations",
            json!({"name": "via token", "kind": "team"}),
        )
        .await;
    let team = team.ok()["id"].as_str().unwrap().to_string();

    // Installation administration through a root token with Manage.accounts.
    let rs = s.login(&root).await;
    let accounts = s.bearer(&rs.simple_pat(&["Manage.accounts"]).await);
    let made = accounts
        .post(
            "/api/manage/accounts",
            json!({"user_name": "newbie", "password": "long enough"}),
        )
        .await;
    assert_eq!(made.ok()["user_name"], json!("newbie"));
    let root_plain = s.bearer(&rs.simple_pat(&["Manage.tokens"]).await);
    root_plain
        .post(
            "/api/manage/accounts",
            json!({"user_name": "other", "password": "long enough"}),
        )
        .await
        .fails(403, 4101);

    // Service access tokens never use the management API.
    let sat = a
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let sat = s.bearer(sat.ok()["token"].as_str().unwrap());
    sat.get(tokens).await.fails(403, 4101);
    sat.get("/api/manage/session").await.fails(403, 4101);
    sat.post(
        tokens,
        json!({"name": "x", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1h"}),
    )
    .await
    .fails(403, 4101);

    // Bad bearer strings are 401/4100 on the management API as well.
    s.bearer("pat_nope").get(tokens).await.fails(401, 4100);
    s.bearer(&format!("pat_{}", "a".repeat(64)))
        .get(tokens)
        .await
        .fails(401, 4100);
}

/// The management API admits a token only with the area's `Manage.*` point
/// (manage/mod.rs). `PATCH /api/manage/accounts/me` checks no point at all, so any
/// token, even one granted only `Bot.list`, can rewrite its owner's profile.
async fn profile_edit_through_a_token_needs_a_manage_point(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let narrow = s.bearer(&a.simple_pat(&["Bot.list"]).await);
    narrow
        .call(
            Method::PATCH,
            "/api/manage/accounts/me",
            Some(json!({"nick_name": "pwned", "avatar_url": "https://evil.example/x.png"})),
        )
        .await
        .fails(403, 4101);
    let me = a.get("/api/manage/accounts/me").await;
    assert_eq!(me.ok()["nick_name"], json!("alice"));
    assert_eq!(me.ok()["avatar_url"], json!(""));
}
