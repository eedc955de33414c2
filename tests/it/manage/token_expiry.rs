//! How long a token may live: the personal edition's fixed choices up to 30 days, and an
//! organization's `token_max_days` policy, set by its admins.

use super::*;
use crate::on_both_databases;

on_both_databases!(personal_edition_expiry_rules, organization_expiry_policy);

async fn personal_edition_expiry_rules(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let body = |extra: Value| {
        let mut b =
            json!({"name": "t", "permissions": ["Account.readProfile"], "all_workspaces": true});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (choice, secs) in [
        ("1h", 3_600),
        ("1d", 86_400),
        ("7d", 7 * 86_400),
        ("30d", 30 * 86_400),
    ] {
        let r = a
            .post(
                "/api/manage/personal_access_tokens",
                body(json!({"expires_in": choice})),
            )
            .await;
        let d = r.ok();
        assert_eq!(
            d["expires_at"].as_i64().unwrap() - d["created_at"].as_i64().unwrap(),
            secs,
            "{choice}"
        );
    }
    let at = now() + 10 * 86_400;
    let r = a
        .post(
            "/api/manage/personal_access_tokens",
            body(json!({"expires_at": at})),
        )
        .await;
    assert_eq!(r.ok()["expires_at"], json!(at));

    let path = "/api/manage/personal_access_tokens";
    for bad in [
        json!({"expires_in": "31d"}),
        json!({"expires_in": "permanent"}),
        json!({"expires_in": "never"}),
        json!({"expires_in": "1w"}),
        json!({"expires_in": "0d"}),
        json!({"expires_at": now() - 10}),
        json!({"expires_at": now() + 31 * 86_400}),
        json!({"expires_in": "1d", "expires_at": now() + 3_600}),
        json!({}),
    ] {
        a.post(path, body(bad.clone())).await.fails(400, 4000);
    }
    // Only the five good ones were made.
    assert_eq!(a.get(path).await.ok().as_array().unwrap().len(), 5);
}

async fn organization_expiry_policy(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .create()
        .await;
    let ((_, a), (_, b)) = (acme.member("alice"), acme.member("bob"));
    let c = s.login(&s.user("carol").await).await;
    let team = acme.id.clone();
    let org_path = format!("/api/manage/organizations/{team}");
    assert_eq!(a.get(&org_path).await.ok()["token_max_days"], json!(365));

    let tokens = "/api/manage/personal_access_tokens";
    a.post(tokens, team_pat(&team, &["Bot.list"], "366d"))
        .await
        .fails(400, 4000);
    a.post(tokens, team_pat(&team, &["Bot.list"], "permanent"))
        .await
        .fails(400, 4000);
    let r = a.post(tokens, team_pat(&team, &["Bot.list"], "365d")).await;
    let d = r.ok();
    assert_eq!(
        d["expires_at"].as_i64().unwrap() - d["created_at"].as_i64().unwrap(),
        365 * 86_400
    );
    assert_eq!(d["organization_id"], json!(team));
    // Members have the same policy as admins.
    b.post(tokens, team_pat(&team, &["Bot.list"], "366d"))
        .await
        .fails(400, 4000);
    b.post(tokens, team_pat(&team, &["Bot.list"], "365d"))
        .await
        .ok();

    // Only admins set the policy; outsiders do not even see the team.
    b.patch(&org_path, json!({"token_max_days": null}))
        .await
        .fails(403, 4101);
    c.patch(&org_path, json!({"token_max_days": null}))
        .await
        .fails(404, 4200);
    for bad in [json!(400), json!(0), json!(-1), json!(366)] {
        a.patch(&org_path, json!({"token_max_days": bad}))
            .await
            .fails(400, 4000);
    }
    assert_eq!(a.get(&org_path).await.ok()["token_max_days"], json!(365));

    let r = a.patch(&org_path, json!({"token_max_days": null})).await;
    assert_eq!(r.ok()["token_max_days"], Value::Null);
    assert_eq!(b.get(&org_path).await.ok()["token_max_days"], Value::Null);
    let r = b
        .post(tokens, team_pat(&team, &["Bot.list"], "permanent"))
        .await;
    assert_eq!(r.ok()["expires_at"], Value::Null);
    let permanent = r.ok()["token"].as_str().unwrap().to_string();
    // The personal edition keeps its own 30-day cap.
    b.post(
        tokens,
        json!({"name": "p", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "permanent"}),
    )
    .await
    .fails(400, 4000);

    // A shorter policy applies to new tokens.
    let r = a.patch(&org_path, json!({"token_max_days": 30})).await;
    assert_eq!(r.ok()["token_max_days"], json!(30));
    a.post(tokens, team_pat(&team, &["Bot.list"], "31d"))
        .await
        .fails(400, 4000);
    a.post(tokens, team_pat(&team, &["Bot.list"], "permanent"))
        .await
        .fails(400, 4000);
    a.post(tokens, team_pat(&team, &["Bot.list"], "30d"))
        .await
        .ok();
    // An absent field changes nothing.
    assert_eq!(
        a.patch(&org_path, json!({})).await.ok()["token_max_days"],
        json!(30)
    );
    // The permanent token made earlier still works.
    let ws = a.workspace("team ws", Some(&team)).await;
    let members = format!("/api/manage/workspaces/{ws}/members");
    a.post(&members, json!({"user_name": "bob", "role": "member"}))
        .await
        .ok();
    s.bearer(&permanent)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .ok();
}
