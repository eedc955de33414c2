//! Service access tokens: an organization's admins make them, they reach only the
//! organization's workspaces, and they outlive their creator's membership.

use super::*;
use crate::on_both_databases;

on_both_databases!(service_access_tokens);

async fn service_access_tokens(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .admin("carol")
        .super_admin("erin")
        .workspace("team ws")
        .create()
        .await;
    let (alice, a) = acme.member("alice");
    let (_, b) = acme.member("bob");
    let (_, c) = acme.member("carol");
    let (_, e) = acme.member("erin");
    let (team, team_ws) = (acme.id.clone(), acme.workspace("team ws"));
    let d = s.login(&s.user("dave").await).await;
    let other_team = d.team("other").await;
    let other_ws = d.workspace("other ws", Some(&other_team)).await;
    let sats = format!("/api/manage/organizations/{team}/service_access_tokens");
    let good = json!({"name": "svc", "permissions": ["Bot.list", "Bot.read"], "all_workspaces": true, "expires_in": "permanent"});

    // Only admins; outsiders do not see the team.
    b.post(&sats, good.clone()).await.fails(403, 4101);
    b.get(&sats).await.fails(403, 4101);
    d.post(&sats, good.clone()).await.fails(404, 4200);
    d.get(&sats).await.fails(404, 4200);

    // No account-level points: a service is nobody's account.
    for perms in [
        json!(["Account.readProfile"]),
        json!(["Bot.list", "Conversation.create"]),
    ] {
        a.post(
            &sats,
            json!({"name": "svc", "permissions": perms, "all_workspaces": true, "expires_in": "1d"}),
        )
        .await
        .fails(400, 4000);
    }
    // Only the team's own workspaces.
    for ws in [alice.personal_workspace, other_ws] {
        a.post(
            &sats,
            json!({"name": "svc", "permissions": ["Bot.list"], "workspace_ids": [ws.to_string()], "expires_in": "1d"}),
        )
        .await
        .fails(400, 4000);
    }
    a.post(
        &sats,
        json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true}),
    )
    .await
    .fails(400, 4000);

    // Permanent is allowed.
    let r = a.post(&sats, good.clone()).await;
    let made = r.ok().clone();
    let secret = made["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("sat_"), "{secret}");
    assert_eq!(secret.len(), 68);
    assert_eq!(made["kind"], json!("sat"));
    assert_eq!(made["expires_at"], Value::Null);
    assert_eq!(made["organization_id"], json!(team));
    assert_eq!(made["last_chars"], json!(&secret[64..]));
    let sat_id = made["id"].as_str().unwrap().to_string();
    let one = format!("/api/manage/service_access_tokens/{sat_id}");
    // An admin made in the team may add one too.
    let r = c
        .post(
            &sats,
            json!({"name": "limited", "permissions": ["Bot.list"], "workspace_ids": [team_ws.to_string()], "expires_in": "30d"}),
        )
        .await;
    assert_eq!(r.ok()["workspace_ids"], json!([team_ws.to_string()]));

    let list = c.get(&sats).await;
    assert_eq!(list.ok().as_array().unwrap().len(), 2);
    assert!(!list.body.to_string().contains(&secret));
    assert!(
        list.ok()
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none())
    );
    let got = a.get(&one).await;
    assert_eq!(got.ok()["name"], json!("svc"));
    assert!(got.ok().get("token").is_none());
    b.get(&one).await.fails(403, 4101);
    d.get(&one).await.fails(404, 4200);
    d.delete(&one).await.fails(404, 4200);
    // SATs are not personal tokens.
    a.get(&format!("/api/manage/personal_access_tokens/{sat_id}"))
        .await
        .fails(404, 4200);

    // The SAT reaches the team's workspaces without being a member of any.
    let builder = acme.pat("alice", &["Bot.create"]).await;
    let bot = s
        .bearer(&builder)
        .post(
            "/v1/bot/create",
            json!({"space_id": team_ws.to_string(), "name": "helper"}),
        )
        .await;
    let bot_id = bot.ok()["bot_id"].as_str().unwrap().to_string();
    let sat = s.bearer(&secret);
    let bots = format!("/v1/bots?workspace_id={team_ws}");
    let listed = sat.get(&bots).await;
    assert_eq!(listed.ok()["total"], json!(1));
    assert_eq!(listed.ok()["items"][0]["id"], json!(bot_id));
    sat.get(&format!("/v1/bots/{bot_id}")).await.ok();
    sat.get(&format!(
        "/v1/bots?workspace_id={}",
        alice.personal_workspace
    ))
    .await
    .fails(403, 4101);
    sat.get(&format!("/v1/bots?workspace_id={other_ws}"))
        .await
        .fails(403, 4101);
    sat.get("/v1/users/me").await.fails(403, 4101);

    // It survives its creator leaving the team.
    e.delete(&format!(
        "/api/manage/organizations/{team}/members/{}",
        alice.id
    ))
    .await
    .ok();
    s.bearer(&builder).get(&bots).await.fails(401, 4100);
    assert_eq!(sat.get(&bots).await.ok()["total"], json!(1));
    a.get(&one).await.fails(404, 4200);
    assert_eq!(e.get(&one).await.ok()["name"], json!("svc"));

    // Edits by an admin apply at once.
    let r = e.patch(&one, json!({"permissions": ["Bot.read"]})).await;
    assert_eq!(r.ok()["permissions"], json!(["Bot.read"]));
    sat.get(&bots).await.fails(403, 4101);
    e.patch(&one, json!({"permissions": ["Account.readProfile"]}))
        .await
        .fails(400, 4000);
    e.patch(&one, json!({"permissions": ["Bot.list"]}))
        .await
        .ok();
    sat.get(&bots).await.ok();

    // Deleting it ends it.
    b.delete(&one).await.fails(403, 4101);
    e.delete(&one).await.ok();
    sat.get(&bots).await.fails(401, 4100);
    e.get(&one).await.fails(404, 4200);
    assert_eq!(e.get(&sats).await.ok().as_array().unwrap().len(), 1);
}
