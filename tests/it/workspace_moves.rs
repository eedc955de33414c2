//! Moving a personal workspace into a team or enterprise (issue 11, points 1-3):
//! the preview, the move and its refusals, what reaches the workspace afterwards,
//! and the switch that lets an organization PAT or AppAuth authorization reach its
//! admin's own personal account-level resources.

use crate::oauth::{TOKEN, claims, header, jwt_token, service_app, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    a_preview_tells_what_stops_and_what_covers_then_the_move_makes_it_so,
    a_move_is_refused_clearly_and_changes_nothing,
    the_personal_account_switch_lets_organization_credentials_reach_conversations,
    the_console_switches_a_team_token_and_refuses_moves_it_may_not_make,
);

fn preview_path(ws: i64, org: &str) -> String {
    format!("/api/manage/workspaces/{ws}/move?organization_id={org}")
}

fn move_path(ws: i64) -> String {
    format!("/api/manage/workspaces/{ws}/move")
}

/// `(kind, name)` of each credential in one list of a preview, sorted.
fn listed(preview: &Value, list: &str) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = preview[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    items.sort();
    items
}

/// A `czs_` token of a service app, through the default path (personal) or an
/// organization's.
async fn app_token(s: &Server, client_id: &str, key: &ServiceKey, org: Option<&str>) -> String {
    let path = match org {
        Some(org) => format!("/api/permission/oauth2/enterprise_id/{org}/token"),
        None => TOKEN.to_string(),
    };
    let jwt = key.sign(&header(key), &claims(s, client_id));
    jwt_token(s, &path, &jwt, json!({})).await.token()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_preview_tells_what_stops_and_what_covers_then_the_move_makes_it_so(s: Server) {
    let acme = Org::build(&s, "acme").owner("ann").create().await;
    let (ann, a) = acme.member("ann");
    let org = acme.id.clone();
    let moving = a.workspace("moving", None).await;
    let staying = a.workspace("staying", None).await;
    let in_moving = format!("/v1/bots?workspace_id={moving}");
    let in_staying = format!("/v1/bots?workspace_id={staying}");

    // Personal credentials: one PAT on all workspaces, one listing only the
    // moving workspace, one listing only another; an OBO app; an AppAuth app.
    let all_pat = a
        .pat(json!({"name": "all of them", "permissions": ["Bot.list", "Bot.create", "Conversation.create", "Conversation.list"],
                     "all_workspaces": true, "expires_in": "1d"}))
        .await
        .1;
    a.pat(json!({"name": "just moving", "permissions": ["Bot.list"],
                 "workspace_ids": [moving.to_string()], "expires_in": "1d"}))
        .await;
    a.pat(json!({"name": "just staying", "permissions": ["Bot.list"],
                 "workspace_ids": [staying.to_string()], "expires_in": "1d"}))
        .await;
    let obo = web_flow(&s, ann, a, "Ann's web app", &["Bot.list"]).await;
    let (svc, key) = service_app(&s, a, "Ann's service").await;
    let personal_czs = app_token(&s, &svc, &key, None).await;

    // Organization credentials: ann's PAT on all workspaces, a SAT on all, and
    // the service app authorized for the team on all workspaces.
    let org_pat = acme.pat("ann", &["Bot.list"]).await;
    a.post(
        &format!("/api/manage/organizations/{org}/service_access_tokens"),
        json!({"name": "team robot", "permissions": ["Bot.list"],
               "all_workspaces": true, "expires_in": "1d"}),
    )
    .await
    .ok();
    a.post(
        &format!("/api/manage/apps/{svc}/authorizations"),
        json!({"organization_id": org, "all_workspaces": true}),
    )
    .await
    .ok();
    let org_czs = app_token(&s, &svc, &key, Some(&org)).await;

    // A bot in the workspace, and a conversation made with the personal PAT.
    let bot = s
        .bearer(&all_pat)
        .post(
            "/v1/bot/create",
            json!({"space_id": moving.to_string(), "name": "helper"}),
        )
        .await;
    let bot_id = bot.ok()["bot_id"].as_str().unwrap().to_string();
    let conversation = s
        .bearer(&all_pat)
        .post("/v1/conversation/create", json!({}))
        .await;
    let conversation_id = conversation.ok()["id"].as_str().unwrap().to_string();
    let retrieve = format!("/v1/conversation/retrieve?conversation_id={conversation_id}");

    // Before: the personal credentials reach it; the organization's do not yet.
    for t in [&all_pat, &obo.access, &personal_czs] {
        s.bearer(t).get(&in_moving).await.ok();
    }
    for t in [&org_pat, &org_czs] {
        s.bearer(t).get(&in_moving).await.fails(403, 4101);
    }

    let preview = a.get(&preview_path(moving, &org)).await;
    let p = preview.ok();
    assert_eq!(p["workspace_id"], json!(moving.to_string()));
    assert_eq!(p["workspace_name"], json!("moving"));
    assert_eq!(p["organization_id"], json!(org));
    assert_eq!(p["organization_name"], json!("acme"));
    assert_eq!(
        listed(p, "stop_reaching"),
        [
            ("app_auth", "Ann's service"),
            ("obo", "Ann's web app"),
            ("personal_access_token", "all of them"),
            ("personal_access_token", "just moving"),
        ]
        .map(|(k, n)| (k.to_string(), n.to_string()))
    );
    assert_eq!(
        listed(p, "already_covering"),
        [
            ("app_auth", "Ann's service"),
            ("personal_access_token", "team token"),
            ("service_access_token", "team robot"),
        ]
        .map(|(k, n)| (k.to_string(), n.to_string()))
    );
    // A preview changes nothing.
    s.bearer(&all_pat).get(&in_moving).await.ok();

    let moved = a
        .post(&move_path(moving), json!({"organization_id": org}))
        .await;
    assert_eq!(moved.ok()["organization_id"], json!(org));

    // After: every personal-edition credential gets 4101 for it, and only for it.
    for t in [&all_pat, &obo.access, &personal_czs] {
        s.bearer(t).get(&in_moving).await.fails(403, 4101);
        s.bearer(t).get(&in_staying).await.ok();
    }
    // The organization's credentials reach it now.
    for t in [&org_pat, &org_czs] {
        let bots = s.bearer(t).get(&in_moving).await;
        let listed = bots.ok().to_string();
        assert!(
            listed.contains(&bot_id),
            "the bot stayed with the workspace: {listed}"
        );
    }
    // The conversation (account level) stayed with the person.
    let again = s.bearer(&all_pat).get(&retrieve).await;
    assert_eq!(again.ok()["id"], json!(conversation_id));
    // The workspace is listed in the team's edition, no longer in the personal one.
    let team_list = a
        .get(&format!("/api/manage/workspaces?organization_id={org}"))
        .await;
    assert!(team_list.ok().to_string().contains(&moving.to_string()));
    let personal_list = a.get("/api/manage/workspaces").await;
    assert!(!personal_list.ok().to_string().contains(&moving.to_string()));
    // Its owner is still its owner.
    let members = a
        .get(&format!("/api/manage/workspaces/{moving}/members"))
        .await;
    assert_eq!(members.ok()[0]["role"], json!("owner"));

    // One audit record of the move, in the team, naming the workspace.
    let audit = a
        .get(&format!(
            "/api/manage/audit_events?kind=workspace_moved&organization_id={org}"
        ))
        .await;
    let events = audit.ok();
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["target"], json!(moving.to_string()));
}

async fn a_move_is_refused_clearly_and_changes_nothing(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .member("bob")
        .admin("carol")
        .workspace("team space")
        .create()
        .await;
    let ((_, a), (bob, b), (_, c)) = (acme.member("ann"), acme.member("bob"), acme.member("carol"));
    let org = acme.id.clone();
    let other = Org::build(&s, "other").owner("olga").create().await;
    let bobs = b.workspace("bob's", None).await;
    let anns = a.workspace("ann's", None).await;
    let bob_pat = b.simple_pat(&["Bot.list"]).await;
    let in_bobs = format!("/v1/bots?workspace_id={bobs}");

    // A plain member of the team may not move their workspace into it.
    let r = b.get(&preview_path(bobs, &org)).await;
    r.fails(403, 4101);
    b.post(&move_path(bobs), json!({"organization_id": org}))
        .await
        .fails(403, 4101);
    // Someone else's personal workspace is not found, even for an admin.
    c.get(&preview_path(bob.personal_workspace, &org))
        .await
        .fails(404, 4200);
    c.post(
        &move_path(bob.personal_workspace),
        json!({"organization_id": org}),
    )
    .await
    .fails(404, 4200);
    // An organization one does not belong to is not found.
    a.post(&move_path(anns), json!({"organization_id": other.id}))
        .await
        .fails(404, 4200);
    a.post(
        &move_path(anns),
        json!({"organization_id": "no such team!"}),
    )
    .await
    .fails(404, 4200);
    // A workspace already in an organization cannot move again.
    a.get(&preview_path(acme.workspace("team space"), &org))
        .await
        .fails(409, 4000);
    // Malformed input is the client's mistake.
    a.post(&move_path(anns), json!({})).await.fails(400, 4000);
    a.post(
        "/api/manage/workspaces/not-a-number/move",
        json!({"organization_id": org}),
    )
    .await
    .fails(400, 4000);
    // Nothing moved: bob's token still reaches his workspace.
    s.bearer(&bob_pat).get(&in_bobs).await.ok();

    // Moved once, it cannot move twice.
    a.post(&move_path(anns), json!({"organization_id": org}))
        .await
        .ok();
    a.post(&move_path(anns), json!({"organization_id": org}))
        .await
        .fails(409, 4000);
    // A token moves only with Manage.workspaces, from the personal edition.
    let narrow = a.simple_pat(&["Bot.list"]).await;
    let mine = a.workspace("mine", None).await;
    s.bearer(&narrow)
        .post(&move_path(mine), json!({"organization_id": org}))
        .await
        .fails(403, 4101);
}

async fn the_personal_account_switch_lets_organization_credentials_reach_conversations(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .member("bob")
        .create()
        .await;
    let ((ann, a), (_, b)) = (acme.member("ann"), acme.member("bob"));
    let org = acme.id.clone();
    let points = [
        "Account.readProfile",
        "Conversation.create",
        "Conversation.list",
    ];
    let personal = a.simple_pat(&points).await;
    let made = s
        .bearer(&personal)
        .post("/v1/conversation/create", json!({}))
        .await;
    let conversation = made.ok()["id"].as_str().unwrap().to_string();
    let retrieve = format!("/v1/conversation/retrieve?conversation_id={conversation}");

    // An organization PAT: by default its conversations are the team's, not ann's own.
    let (team_pat_id, team_pat) = a
        .pat(
            json!({"name": "team", "organization_id": org, "permissions": points,
                     "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    s.bearer(&team_pat).get(&retrieve).await.fails(404, 4200);
    let switch =
        format!("/api/manage/personal_access_tokens/{team_pat_id}/personal_account_access");
    assert_eq!(a.get(&switch).await.ok()["enabled"], json!(false));
    a.call(
        reqwest::Method::PUT,
        &switch,
        Some(json!({"enabled": true})),
    )
    .await
    .ok();
    assert_eq!(a.get(&switch).await.ok()["enabled"], json!(true));
    s.bearer(&team_pat).get(&retrieve).await.ok();
    a.call(
        reqwest::Method::PUT,
        &switch,
        Some(json!({"enabled": false})),
    )
    .await
    .ok();
    s.bearer(&team_pat).get(&retrieve).await.fails(404, 4200);
    // A personal-edition token has nothing to switch.
    let (personal_id, _) = a
        .pat(
            json!({"name": "p", "permissions": points, "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    a.call(
        reqwest::Method::PUT,
        &format!("/api/manage/personal_access_tokens/{personal_id}/personal_account_access"),
        Some(json!({"enabled": true})),
    )
    .await
    .fails(400, 4000);
    // A plain member may not turn it on for their team token.
    let (bob_pat_id, _) = b
        .pat(
            json!({"name": "bob team", "organization_id": org, "permissions": points,
                     "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    b.call(
        reqwest::Method::PUT,
        &format!("/api/manage/personal_access_tokens/{bob_pat_id}/personal_account_access"),
        Some(json!({"enabled": true})),
    )
    .await
    .fails(403, 4101);

    // An app authorized for the team acts as itself: no account until an admin
    // lets it reach theirs, then it acts for that admin on account-level points.
    let (svc, key) = service_app(&s, a, "Ann's service").await;
    a.patch(
        &format!("/api/manage/apps/{svc}"),
        json!({"permissions": ["Account.readProfile", "Bot.list", "Conversation.list"]}),
    )
    .await
    .ok();
    a.post(
        &format!("/api/manage/apps/{svc}/authorizations"),
        json!({"organization_id": org, "all_workspaces": true}),
    )
    .await
    .ok();
    let czs = app_token(&s, &svc, &key, Some(&org)).await;
    s.bearer(&czs).get("/v1/users/me").await.fails(403, 4101);
    s.bearer(&czs).get(&retrieve).await.fails(404, 4200);
    let app_switch = format!("/api/manage/apps/{svc}/authorizations/personal_account_access");
    b.call(
        reqwest::Method::PUT,
        &app_switch,
        Some(json!({"organization_id": org, "enabled": true})),
    )
    .await
    .fails(403, 4101);
    a.call(
        reqwest::Method::PUT,
        &app_switch,
        Some(json!({"organization_id": org, "enabled": true})),
    )
    .await
    .ok();
    let me = s.bearer(&czs).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_id"], json!(ann.id.to_string()));
    s.bearer(&czs).get(&retrieve).await.ok();
    // Account-level points only: it still may not create conversations (not
    // among its points), nor reach a personal workspace.
    s.bearer(&czs)
        .post("/v1/conversation/create", json!({}))
        .await
        .fails(403, 4101);
    s.bearer(&czs)
        .get(&format!("/v1/bots?workspace_id={}", ann.personal_workspace))
        .await
        .fails(403, 4101);
    // Off again: back to acting as itself.
    a.call(
        reqwest::Method::PUT,
        &app_switch,
        Some(json!({"organization_id": org, "enabled": false})),
    )
    .await
    .ok();
    s.bearer(&czs).get("/v1/users/me").await.fails(403, 4101);
    // An app not authorized for the team has no switch there.
    let (other, _) = service_app(&s, a, "Not in the team").await;
    a.call(
        reqwest::Method::PUT,
        &format!("/api/manage/apps/{other}/authorizations/personal_account_access"),
        Some(json!({"organization_id": org, "enabled": true})),
    )
    .await
    .fails(404, 4200);

    // The switch holds only while its admin is an admin: carol, demoted, loses it.
    let carol = s.user("carol").await;
    a.add_member(&org, "carol", "admin").await.ok();
    let c = s.login(&carol).await;
    let carols = c.simple_pat(&points).await;
    let hers = s
        .bearer(&carols)
        .post("/v1/conversation/create", json!({}))
        .await;
    let her_retrieve = format!(
        "/v1/conversation/retrieve?conversation_id={}",
        hers.ok()["id"].as_str().unwrap()
    );
    let (carol_team_id, carol_team) = c
        .pat(
            json!({"name": "carol team", "organization_id": org, "permissions": points,
                     "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    c.call(
        reqwest::Method::PUT,
        &format!("/api/manage/personal_access_tokens/{carol_team_id}/personal_account_access"),
        Some(json!({"enabled": true})),
    )
    .await
    .ok();
    s.bearer(&carol_team).get(&her_retrieve).await.ok();
    a.patch(
        &format!("/api/manage/organizations/{org}/members/{}", carol.id),
        json!({"role": "member"}),
    )
    .await
    .ok();
    s.bearer(&carol_team)
        .get(&her_retrieve)
        .await
        .fails(404, 4200);
}

async fn the_console_switches_a_team_token_and_refuses_moves_it_may_not_make(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .member("bob")
        .create()
        .await;
    let ((ann, a), (bob, b)) = (acme.member("ann"), acme.member("bob"));
    let org = acme.id.clone();
    let points = ["Conversation.create", "Conversation.list"];
    let personal = a.simple_pat(&points).await;
    let made = s
        .bearer(&personal)
        .post("/v1/conversation/create", json!({}))
        .await;
    let retrieve = format!(
        "/v1/conversation/retrieve?conversation_id={}",
        made.ok()["id"].as_str().unwrap()
    );
    let (team_id, team) = a
        .pat(
            json!({"name": "team", "organization_id": org, "permissions": points,
                     "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    s.bearer(&team).get(&retrieve).await.fails(404, 4200);

    let console = Browser::new(&s.base);
    console.sign_in(ann).await;
    let list = console.get(&format!("/console/tokens?org={org}")).await;
    let html = list.text().await.unwrap();
    let action = format!("/console/tokens/{team_id}/personal-access?org={org}");
    assert!(html.contains(&action), "{html}");
    let csrf = form_field(&html, "csrf").unwrap();
    // Without the session's CSRF token nothing changes.
    let r = console
        .post_form(&action, &[("enabled", "true"), ("csrf", "not-the-token")])
        .await;
    assert_eq!(r.status(), 403);
    s.bearer(&team).get(&retrieve).await.fails(404, 4200);
    let r = console
        .post_form(&action, &[("enabled", "true"), ("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 303);
    s.bearer(&team).get(&retrieve).await.ok();
    let html = console
        .get(&format!("/console/tokens?org={org}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("personal-access"), "{html}");
    let r = console
        .post_form(&action, &[("enabled", "false"), ("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 303);
    s.bearer(&team).get(&retrieve).await.fails(404, 4200);
    // In the personal edition there is no switch.
    let html = console.get("/console/tokens").await.text().await.unwrap();
    assert!(!html.contains("/personal-access"), "{html}");

    // The same switch for an app authorized for the team, on the installations page.
    let (svc, key) = service_app(&s, a, "Ann's service").await;
    a.patch(
        &format!("/api/manage/apps/{svc}"),
        json!({"permissions": ["Account.readProfile", "Conversation.list"]}),
    )
    .await
    .ok();
    a.post(
        &format!("/api/manage/apps/{svc}/authorizations"),
        json!({"organization_id": org, "all_workspaces": true}),
    )
    .await
    .ok();
    let czs = app_token(&s, &svc, &key, Some(&org)).await;
    s.bearer(&czs).get(&retrieve).await.fails(404, 4200);
    let html = console
        .get(&format!("/console/installations?org={org}"))
        .await
        .text()
        .await
        .unwrap();
    let app_action = format!("/console/installations/{svc}/personal-access?org={org}");
    assert!(html.contains(&app_action), "{html}");
    let r = console
        .post_form(&app_action, &[("enabled", "true"), ("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 303);
    s.bearer(&czs).get(&retrieve).await.ok();
    let r = console
        .post_form(&app_action, &[("enabled", "false"), ("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 303);
    s.bearer(&czs).get(&retrieve).await.fails(404, 4200);

    // A member of the team sees no switch, and no team to move into.
    let member = Browser::new(&s.base);
    member.sign_in(bob).await;
    let (bob_team, _) = b
        .pat(
            json!({"name": "bob team", "organization_id": org, "permissions": points,
                     "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let html = member
        .get(&format!("/console/tokens?org={org}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains(&format!("/console/tokens/{bob_team}/personal-access")),
        "{html}"
    );
    let choose = member
        .get(&format!(
            "/console/workspaces/{}/move",
            bob.personal_workspace
        ))
        .await;
    assert_eq!(choose.status(), 200);
    assert!(choose.text().await.unwrap().contains("id=\"no-admin\""));
    // Choosing the team anyway is refused; another person's workspace is not found.
    let refused = member
        .get(&format!(
            "/console/workspaces/{}/move?to={org}",
            bob.personal_workspace
        ))
        .await;
    assert_eq!(refused.status(), 403);
    let other = member
        .get(&format!(
            "/console/workspaces/{}/move",
            ann.personal_workspace
        ))
        .await;
    assert_eq!(other.status(), 404);
}
