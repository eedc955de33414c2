//! What a token may be granted: known points, workspaces of its own edition, team-level
//! points only for organization admins, operator-only points only for installation
//! super admins.

use super::*;
use crate::on_both_databases;

on_both_databases!(grant_validation, team_level_and_operator_points);

async fn grant_validation(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let tokens = "/api/manage/personal_access_tokens";
    let team = a.team("acme").await;
    let team_ws = a.workspace("team ws", Some(&team)).await;
    let mine = a.workspace("second", None).await;
    let base = |extra: Value| {
        let mut b = json!({"name": "t", "permissions": ["Bot.list"], "expires_in": "1d"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for bad in [
        json!({"permissions": ["Bot.fly"]}),
        json!({"permissions": ["Bot.list", "bot.list"]}),
        json!({"permissions": []}),
        json!({"all_workspaces": true, "workspace_ids": [mine.to_string()]}),
        // Bob's workspace is not Alice's.
        json!({"workspace_ids": [bob.personal_workspace.to_string()]}),
        // A workspace of the team is not one of the personal edition.
        json!({"workspace_ids": [team_ws.to_string()]}),
        json!({"workspace_ids": ["not-a-number"]}),
        json!({"workspace_ids": ["999999999"]}),
        json!({"name": "   ", "all_workspaces": true}),
        json!({"name": "x".repeat(101), "all_workspaces": true}),
    ] {
        a.post(tokens, base(bad.clone())).await.fails(400, 4000);
    }
    // A team token cannot name a personal workspace either.
    a.post(
        tokens,
        json!({"name": "t", "organization_id": team, "permissions": ["Bot.list"], "workspace_ids": [mine.to_string()], "expires_in": "1d"}),
    )
    .await
    .fails(400, 4000);
    // Teams one is not in are invisible.
    let b = s.login(&bob).await;
    b.post(tokens, team_pat(&team, &["Bot.list"], "1d"))
        .await
        .fails(404, 4200);
    b.post(tokens, team_pat("123456789", &["Bot.list"], "1d"))
        .await
        .fails(404, 4200);
    assert_eq!(a.get(tokens).await.ok().as_array().unwrap().len(), 0);

    // What is allowed: own workspaces of the edition, duplicates folded.
    let r = a
        .post(
            tokens,
            base(json!({"workspace_ids": [mine.to_string(), alice.personal_workspace.to_string(), mine.to_string()]})),
        )
        .await;
    let mut got: Vec<String> = r.ok()["workspace_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = vec![mine.to_string(), alice.personal_workspace.to_string()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(r.ok()["all_workspaces"], json!(false));
    let r = a
        .post(
            tokens,
            json!({"name": "t", "organization_id": team, "permissions": ["Bot.list"], "workspace_ids": [team_ws.to_string()], "expires_in": "1d"}),
        )
        .await;
    assert_eq!(r.ok()["workspace_ids"], json!([team_ws.to_string()]));
    // A token without workspaces is an account-level token.
    let r = a
        .post(
            tokens,
            json!({"name": "t", "permissions": ["Account.readProfile"], "expires_in": "1d"}),
        )
        .await;
    assert_eq!(r.ok()["all_workspaces"], json!(false));
    assert_eq!(r.ok()["workspace_ids"], json!([]));
}

async fn team_level_and_operator_points(s: Server) {
    let r = s.login(&s.super_admin("root").await).await;
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .admin("carol")
        .create()
        .await;
    let ((_, a), (_, b)) = (acme.member("alice"), acme.member("bob"));
    let team = acme.id.clone();
    let tokens = "/api/manage/personal_access_tokens";

    let refused = b
        .post(tokens, team_pat(&team, &["Organization.listMembers"], "1d"))
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    let refused = b
        .post(
            tokens,
            team_pat(&team, &["Bot.list", "Organization.listWorkspaces"], "1d"),
        )
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    // In the personal edition nobody is an admin of anything.
    let refused = a
        .post(
            tokens,
            json!({"name": "t", "permissions": ["Organization.listMembers"], "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    let team_tokens = format!("{tokens}?organization_id={team}");
    assert_eq!(b.get(&team_tokens).await.ok().as_array().unwrap().len(), 0);

    // Admins and super admins may, and the token then works on the OpenAPI.
    let admin_pat = acme.pat("carol", &["Organization.listMembers"]).await;
    let owner_pat = acme.pat("alice", &["Organization.listMembers"]).await;
    for pat in [&admin_pat, &owner_pat] {
        let m = s.bearer(pat).get("/v1/organization/members").await;
        assert_eq!(m.ok()["organization_id"], json!(team));
        assert_eq!(m.ok()["total_count"], json!(3));
    }
    // A member's team token with workspace points is fine.
    b.post(tokens, team_pat(&team, &["Bot.list"], "1d"))
        .await
        .ok();

    // Operator-only points need an installation super admin, whatever the team role.
    for point in ["Token.introspect", "Manage.accounts"] {
        let body = json!({"name": "op", "permissions": [point], "expires_in": "1d"});
        b.post(tokens, body.clone()).await.fails(403, 4101);
        a.post(tokens, body.clone()).await.fails(403, 4101);
        let mut in_team = body.clone();
        in_team["organization_id"] = json!(team);
        a.post(tokens, in_team).await.fails(403, 4101);
        let made = r.post(tokens, body).await;
        assert_eq!(made.ok()["permissions"], json!([point]));
    }
    assert_eq!(a.get(tokens).await.ok().as_array().unwrap().len(), 0);
}
