//! Issue 6, hole 1: nothing a credential makes, edits or deletes reaches more
//! (points, workspaces, edition) or lives longer than the credential itself.
//! Each attack starts from a personal access token limited to one workspace and
//! one hour that holds `Manage.tokens` and `Manage.apps`.

use crate::on_both_databases;
use crate::testkit::*;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    a_token_cannot_mint_a_stronger_token,
    a_token_cannot_widen_or_remove_a_stronger_token,
    a_token_cannot_act_in_an_organization,
    a_token_cannot_authorize_or_change_apps_beyond_itself
);

struct Attacker {
    session: Session,
    token: Bearer,
    token_id: String,
    expires_at: i64,
    workspace: i64,
    other_workspace: i64,
}

const POINTS: [&str; 4] = [
    "Manage.tokens",
    "Manage.apps",
    "Bot.list",
    "Account.readProfile",
];

async fn attacker(s: &Server) -> Attacker {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let other_workspace = session.workspace("second", None).await;
    let r = session
        .post(
            "/api/manage/personal_access_tokens",
            json!({"name": "narrow", "permissions": POINTS,
                   "workspace_ids": [alice.personal_workspace.to_string()], "expires_in": "1h"}),
        )
        .await;
    let d = r.ok().clone();
    Attacker {
        token: s.bearer(d["token"].as_str().unwrap()),
        token_id: d["id"].as_str().unwrap().to_string(),
        expires_at: d["expires_at"].as_i64().unwrap(),
        workspace: alice.personal_workspace,
        other_workspace,
        session,
    }
}

async fn send(b: &Bearer, method: Method, path: &str, body: Option<Value>) -> Reply {
    b.call(method, path, body).await
}

#[track_caller]
fn refused(r: &Reply, words: &str) {
    let msg = r.fails(403, 4101);
    assert!(msg.contains(words), "{words:?} not in {msg:?}");
}

async fn a_token_cannot_mint_a_stronger_token(s: Server) {
    let a = attacker(&s).await;
    let ws = a.workspace.to_string();
    let create = |body: Value| {
        let t = &a.token;
        async move { t.post("/api/manage/personal_access_tokens", body).await }
    };
    // All workspaces for 30 days: wider and longer.
    let r = create(
        json!({"name": "x", "permissions": ["Bot.list"], "all_workspaces": true,
                          "expires_at": a.expires_at}),
    )
    .await;
    refused(&r, "cannot grant all workspaces");
    let r = create(json!({"name": "x", "permissions": ["Bot.list"],
                          "workspace_ids": [ws, a.other_workspace.to_string()],
                          "expires_at": a.expires_at}))
    .await;
    refused(&r, &format!("({})", a.other_workspace));
    let r = create(
        json!({"name": "x", "permissions": ["Bot.list"], "workspace_ids": [ws],
                          "expires_in": "30d"}),
    )
    .await;
    refused(&r, "outlives it");
    let r = create(
        json!({"name": "x", "permissions": ["Bot.list"], "workspace_ids": [ws],
                          "expires_at": a.expires_at + 1}),
    )
    .await;
    refused(&r, "outlives it");
    let r = create(
        json!({"name": "x", "permissions": ["Workspace.list"], "workspace_ids": [ws],
                          "expires_at": a.expires_at}),
    )
    .await;
    refused(&r, "(Workspace.list)");
    // Within on every dimension: allowed, and the new token works.
    let r = create(json!({"name": "ok", "permissions": ["Account.readProfile"],
                          "workspace_ids": [ws], "expires_at": a.expires_at - 60}))
    .await;
    let minted = r.ok()["token"].as_str().unwrap().to_string();
    s.bearer(&minted).get("/v1/users/me").await.ok();
    // Nothing above was created: the session sees the attacker's token and the narrow one.
    let listed = a.session.get("/api/manage/personal_access_tokens").await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 2);
}

async fn a_token_cannot_widen_or_remove_a_stronger_token(s: Server) {
    let a = attacker(&s).await;
    let own = format!("/api/manage/personal_access_tokens/{}", a.token_id);
    // Widening itself.
    let r = send(
        &a.token,
        Method::PATCH,
        &own,
        Some(json!({"all_workspaces": true})),
    )
    .await;
    refused(&r, "all workspaces");
    let r = send(
        &a.token,
        Method::PATCH,
        &own,
        Some(json!({"workspace_ids": [a.workspace.to_string(), a.other_workspace.to_string()]})),
    )
    .await;
    refused(&r, "workspace");
    let r = send(
        &a.token,
        Method::PATCH,
        &own,
        Some(json!({"permissions": ["Manage.tokens", "Workspace.list"]})),
    )
    .await;
    refused(&r, "(Workspace.list)");
    let after = a.session.get(&own).await;
    assert_eq!(after.ok()["all_workspaces"], false);
    assert_eq!(
        after.ok()["permissions"].as_array().unwrap().len(),
        POINTS.len()
    );
    // Narrowing itself stays possible.
    send(
        &a.token,
        Method::PATCH,
        &own,
        Some(json!({"name": "renamed"})),
    )
    .await
    .ok();
    // A stronger token (all workspaces, 30 days) made in the console: the narrow
    // token may neither edit nor delete it.
    let (strong_id, strong) = a
        .session
        .pat(
            json!({"name": "strong", "permissions": ["Bot.list"], "all_workspaces": true,
                    "expires_in": "30d"}),
        )
        .await;
    let path = format!("/api/manage/personal_access_tokens/{strong_id}");
    let r = send(
        &a.token,
        Method::PATCH,
        &path,
        Some(json!({"name": "hijacked"})),
    )
    .await;
    refused(&r, "all workspaces");
    let r = send(&a.token, Method::DELETE, &path, None).await;
    refused(&r, "all workspaces");
    assert_eq!(a.session.get(&path).await.ok()["name"], "strong");
    let r = s.bearer(&strong).get("/v1/workspaces").await;
    assert_ne!(
        r.status.as_u16(),
        401,
        "the strong token still works: {r:?}"
    );
    // A weaker token it made itself can be deleted.
    let r = a
        .token
        .post(
            "/api/manage/personal_access_tokens",
            json!({"name": "weak", "permissions": ["Bot.list"],
                   "workspace_ids": [a.workspace.to_string()], "expires_at": a.expires_at}),
        )
        .await;
    let weak = r.ok()["id"].as_str().unwrap().to_string();
    send(
        &a.token,
        Method::DELETE,
        &format!("/api/manage/personal_access_tokens/{weak}"),
        None,
    )
    .await
    .ok();
}

async fn a_token_cannot_act_in_an_organization(s: Server) {
    let a = attacker(&s).await;
    // The token's owner administers a team (whose tokens may last 365 days).
    let team = a.session.team("acme").await;
    let r = a
        .token
        .post(
            "/api/manage/personal_access_tokens",
            json!({"name": "team", "organization_id": team, "permissions": ["Bot.list"],
                   "all_workspaces": true, "expires_in": "365d"}),
        )
        .await;
    refused(&r, "another edition");
    let r = a
        .token
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true,
                   "expires_in": "permanent"}),
        )
        .await;
    refused(&r, "another edition");
    // A service token made in the console cannot be deleted or edited by the token.
    let r = a
        .session
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true,
                   "expires_in": "permanent"}),
        )
        .await;
    let sat_id = r.ok()["id"].as_str().unwrap().to_string();
    let sat = r.ok()["token"].as_str().unwrap().to_string();
    let path = format!("/api/manage/service_access_tokens/{sat_id}");
    refused(
        &send(&a.token, Method::DELETE, &path, None).await,
        "another edition",
    );
    refused(
        &send(&a.token, Method::PATCH, &path, Some(json!({"name": "x"}))).await,
        "another edition",
    );
    let r = s.bearer(&sat).get("/v1/workspaces").await;
    assert_ne!(r.status.as_u16(), 401, "the service token survives: {r:?}");
    // Nor create an organization's app.
    let r = a
        .token
        .post(
            "/api/manage/apps",
            json!({"name": "team app", "app_type": "normal", "client_type": "service",
                   "organization_id": team, "permissions": ["Bot.list"]}),
        )
        .await;
    refused(&r, "another edition");
}

async fn a_token_cannot_authorize_or_change_apps_beyond_itself(s: Server) {
    let a = attacker(&s).await;
    // An app it holds every point of, made by the token itself.
    let r = a
        .token
        .post(
            "/api/manage/apps",
            json!({"name": "svc", "app_type": "normal", "client_type": "service",
                   "permissions": ["Bot.list"]}),
        )
        .await;
    let app = r.ok()["app_id"].as_str().unwrap().to_string();
    // Authorizing it for every workspace, for ever.
    let r = a
        .token
        .post(
            &format!("/api/manage/apps/{app}/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await;
    refused(&r, "all workspaces");
    // Even for its own workspace: an authorization outlives a one-hour token.
    let r = a
        .token
        .post(
            &format!("/api/manage/apps/{app}/authorizations"),
            json!({"workspace_ids": [a.workspace.to_string()]}),
        )
        .await;
    refused(&r, "outlives it");
    assert_eq!(
        a.session
            .get(&format!("/api/manage/apps/{app}/authorizations"))
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // An app made in the console holding a point the token lacks: the token
    // cannot edit, disable or delete it.
    let r = a
        .session
        .post(
            "/api/manage/apps",
            json!({"name": "strong app", "app_type": "normal", "client_type": "service",
                   "permissions": ["Bot.list", "Workspace.list"]}),
        )
        .await;
    let strong = r.ok()["app_id"].as_str().unwrap().to_string();
    let path = format!("/api/manage/apps/{strong}");
    refused(
        &send(
            &a.token,
            Method::PATCH,
            &path,
            Some(json!({"name": "mine"})),
        )
        .await,
        "(Workspace.list)",
    );
    refused(
        &send(
            &a.token,
            Method::POST,
            &format!("{path}/disable"),
            Some(json!({})),
        )
        .await,
        "(Workspace.list)",
    );
    refused(
        &send(&a.token, Method::DELETE, &path, None).await,
        "(Workspace.list)",
    );
    let still = a.session.get(&path).await;
    assert_eq!(still.ok()["name"], "strong app");
    assert_eq!(still.ok()["enabled"], true);
    // Its own app it may still change and delete.
    send(
        &a.token,
        Method::PATCH,
        &format!("/api/manage/apps/{app}"),
        Some(json!({"description": "narrow"})),
    )
    .await
    .ok();
    send(
        &a.token,
        Method::DELETE,
        &format!("/api/manage/apps/{app}"),
        None,
    )
    .await
    .ok();
}
