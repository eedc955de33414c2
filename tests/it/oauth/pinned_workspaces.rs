//! Workspace-pinned authorizations (`/workspace_id/{id}/...`): the token reaches that
//! workspace only, its name shows only to members, and a holder who leaves the
//! organization gets nothing more.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    workspace_scoped_authorization_pins_one_workspace,
    pinned_workspace_names_show_only_to_members,
    workspace_scoped_device_flow_and_leaving_the_organization,
);

async fn workspace_scoped_authorization_pins_one_workspace(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let other = a.workspace("other", None).await;
    let pinned = a.workspace("pinned", None).await;
    let web = app(&a, "Web Eleven", "web", &["Bot.list", "Workspace.list"]).await;
    let id = web["app_id"].as_str().unwrap();
    let b = Browser::new(&s.base);
    let url = authorize_url(id, CALLBACK, "").replace(
        "/api/permission/oauth2/authorize",
        &format!("/api/permission/oauth2/workspace_id/{pinned}/authorize"),
    );
    let (status, page) = b.open_as(&url, &alice).await;
    assert_eq!(status, 200);
    assert!(page.contains("pinned"), "the page names the workspace");
    let r = b.consent(&page, "approve", "").await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let t = exchange(&s, id, web["client_secret"].as_str(), &code, json!({})).await;
    let access = t.token()["access_token"].as_str().unwrap();
    s.bearer(access)
        .get(&format!("/v1/bots?workspace_id={pinned}"))
        .await
        .ok();
    s.bearer(access)
        .get(&format!("/v1/bots?workspace_id={other}"))
        .await
        .fails(403, 4101);
    let listed = s.bearer(access).get("/v1/workspaces").await;
    assert_eq!(listed.ok()["total_count"], json!(1));
}

/// The workspace-pinned pages name the workspace only to its members; to anyone
/// else an existing workspace looks exactly like an unknown id.
async fn pinned_workspace_names_show_only_to_members(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let bs = s.login(&bob).await;
    let secret_ws = a.workspace("Secret Plans", None).await;
    let web = app(&bs, "Web Nosy", "web", &["Bot.list"]).await;
    let id = web["app_id"].as_str().unwrap();
    let pinned = |ws: &str| {
        authorize_url(id, CALLBACK, "").replace(
            "/api/permission/oauth2/authorize",
            &format!("/api/permission/oauth2/workspace_id/{ws}/authorize"),
        )
    };
    let b = Browser::new(&s.base);
    let (status, page) = b.open_as(&pinned(&secret_ws.to_string()), &bob).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("Secret Plans"), "{page}");
    let (unknown_status, unknown_page) = b.open_as(&pinned("987654321"), &bob).await;
    assert_eq!((unknown_status, unknown_page), (status, page.clone()));
    assert!(page.contains("not a member"), "{page}");
    // A member sees the name.
    let m = Browser::new(&s.base);
    let (status, page) = m.open_as(&pinned(&secret_ws.to_string()), &alice).await;
    assert_eq!(status, 200);
    assert!(page.contains("Secret Plans"));

    // The device page too: a code pinned to Alice's workspace, opened by Bob.
    let dev = app(&bs, "Tv Nosy", "device", &["Bot.list"]).await;
    let d = oauth_post(
        &s.base,
        &format!("/api/permission/oauth2/workspace_id/{secret_ws}/device/code"),
        None,
        json!({"client_id": dev["app_id"]}),
    )
    .await;
    let user_code = d.token()["user_code"].as_str().unwrap().to_string();
    let (status, page) = b
        .open_as(&format!("/oauth/device?user_code={user_code}"), &bob)
        .await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("Secret Plans"), "{page}");
    assert!(page.contains("not a member"), "{page}");
    let (status, page) = m
        .open_as(&format!("/oauth/device?user_code={user_code}"), &alice)
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Secret Plans"));
}

async fn workspace_scoped_device_flow_and_leaving_the_organization(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("owner")
        .member("bob")
        .workspace_with("pinned", &["bob"])
        .workspace_with("other", &["bob"])
        .create()
        .await;
    let ((_, o), (bob, _)) = (acme.member("owner"), acme.member("bob"));
    let team = acme.id.clone();
    let (pinned, other) = (acme.workspace("pinned"), acme.workspace("other"));
    // The team's own device app: installed there by definition.
    let dev = o
        .post(
            "/api/manage/apps",
            json!({"name": "Team Tv", "app_type": "normal", "client_type": "device", "organization_id": team,
                   "permissions": ["Bot.list"], "redirect_uris": []}),
        )
        .await;
    let id = dev.ok()["app_id"].as_str().unwrap().to_string();
    let d = oauth_post(
        &s.base,
        &format!("/api/permission/oauth2/workspace_id/{pinned}/device/code"),
        None,
        json!({"client_id": id}),
    )
    .await;
    let device_code = d.token()["device_code"].as_str().unwrap().to_string();
    let user_code = d.token()["user_code"].as_str().unwrap().to_string();
    let b = Browser::new(&s.base);
    let (_, page) = b
        .open_as(&format!("/oauth/device?user_code={user_code}"), bob)
        .await;
    assert!(
        page.contains("pinned"),
        "the page names the pinned workspace"
    );
    let (status, _) = b.device_decision(&user_code, bob, "approve", "").await;
    assert_eq!(status, 200);
    let t = oauth_post(&s.base, TOKEN, None, json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code})).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    let refresh = t.token()["refresh_token"].as_str().unwrap().to_string();
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={pinned}"))
        .await
        .ok();
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={other}"))
        .await
        .fails(403, 4101);
    oauth_post(
        &s.base,
        &format!(
            "/api/permission/oauth2/workspace_id/{}/device/code",
            1_000_000_000_000_000_001i64
        ),
        None,
        json!({"client_id": id}),
    )
    .await
    .error(400, "invalid_request");
    // A grant whose holder is no longer in its organization issues nothing more.
    // (Removal through the API deletes the grant as well; this state is made by hand.)
    s.sql(&format!(
        "DELETE FROM organization_members WHERE org_id = '{team}' AND account_id = {}",
        bob.id
    ))
    .await;
    let msg = oauth_post(
        &s.base,
        TOKEN,
        None,
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "login session invalid");
    // Bob is back, then removed through the API: his OBO tokens in the team die.
    o.add_member(&team, "bob", "member").await.ok();
    let bots = format!("/v1/bots?workspace_id={pinned}");
    s.bearer(&access).get(&bots).await.ok();
    o.delete(&format!(
        "/api/manage/organizations/{team}/members/{}",
        bob.id
    ))
    .await
    .ok();
    s.bearer(&access).get(&bots).await.fails(401, 4100);
}
