//! Personal access tokens: the secret is shown once and only its hash is kept, use is
//! recorded, and edits and deletion take effect at once and only for their owner.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    personal_token_secret_is_shown_once,
    last_used_at_is_recorded_after_use,
    editing_a_token_takes_effect_at_once,
    deleting_a_token_and_other_users_tokens,
);

async fn personal_token_secret_is_shown_once(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let r = a
        .post(
            "/api/manage/personal_access_tokens",
            json!({
                "name": "ci token",
                "permissions": ["Bot.list", "Account.readProfile"],
                "all_workspaces": true,
                "expires_in": "7d",
            }),
        )
        .await;
    let d = r.ok().clone();
    let secret = d["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("pat_"), "{secret}");
    assert_eq!(secret.len(), 68);
    assert!(secret[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
    let id = d["id"].as_str().unwrap().to_string();
    assert!(id.parse::<i64>().is_ok(), "ids are numeric strings: {id}");
    assert_eq!(d["last_chars"], json!(&secret[64..]));
    assert_eq!(d["kind"], json!("pat"));
    assert_eq!(d["name"], json!("ci token"));
    assert_eq!(d["organization_id"], Value::Null);
    assert_eq!(d["permissions"], json!(["Account.readProfile", "Bot.list"]));
    assert_eq!(
        d["expires_at"].as_i64().unwrap() - d["created_at"].as_i64().unwrap(),
        7 * 86_400
    );
    assert_eq!(d["last_used_at"], Value::Null);

    // A second token, so the list has more than one entry to leak from.
    let (other_id, other_secret) = a
        .pat(json!({"name": "other", "permissions": ["Bot.list"], "workspace_ids": [alice.personal_workspace.to_string()], "expires_in": "1h"}))
        .await;

    let list = a.get("/api/manage/personal_access_tokens").await;
    let items = list.ok().as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let text = list.body.to_string();
    assert!(
        !text.contains(&secret) && !text.contains(&other_secret),
        "list leaks a secret"
    );
    for item in &items {
        assert!(item.get("token").is_none(), "{item}");
        for key in [
            "id",
            "name",
            "last_chars",
            "permissions",
            "all_workspaces",
            "workspace_ids",
            "created_at",
            "expires_at",
            "last_used_at",
        ] {
            assert!(item.get(key).is_some(), "{key} missing in {item}");
        }
    }
    let mine = items.iter().find(|t| t["id"] == json!(id)).unwrap();
    assert_eq!(mine["name"], json!("ci token"));
    assert_eq!(mine["last_chars"], json!(&secret[64..]));
    assert_eq!(
        mine["permissions"],
        json!(["Account.readProfile", "Bot.list"])
    );
    assert_eq!(mine["all_workspaces"], json!(true));
    assert_eq!(mine["workspace_ids"], json!([]));
    assert_eq!(mine["created_at"], d["created_at"]);
    assert_eq!(mine["expires_at"], d["expires_at"]);
    assert_eq!(mine["last_used_at"], Value::Null);
    let other = items.iter().find(|t| t["id"] == json!(other_id)).unwrap();
    assert_eq!(other["all_workspaces"], json!(false));
    assert_eq!(
        other["workspace_ids"],
        json!([alice.personal_workspace.to_string()])
    );
    assert_eq!(other["last_chars"], json!(&other_secret[64..]));

    let one = a
        .get(&format!("/api/manage/personal_access_tokens/{id}"))
        .await;
    let o = one.ok();
    assert!(o.get("token").is_none());
    assert!(!one.body.to_string().contains(&secret));
    assert_eq!(o["id"], json!(id));
    assert_eq!(o["last_chars"], json!(&secret[64..]));
    assert_eq!(o["name"], json!("ci token"));

    // Organization tokens are listed in their own edition, not in the personal one.
    let team = a.team("acme").await;
    let (team_id, _) = a.pat(team_pat(&team, &["Bot.list"], "1d")).await;
    let personal = a.get("/api/manage/personal_access_tokens").await;
    assert!(!ids_of(personal.ok()).contains(&team_id));
    let in_team = a
        .get(&format!(
            "/api/manage/personal_access_tokens?organization_id={team}"
        ))
        .await;
    assert_eq!(ids_of(in_team.ok()), vec![team_id]);
    assert_eq!(in_team.ok()[0]["organization_id"], json!(team));

    // The secret works on the OpenAPI.
    let me = s.bearer(&secret).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_id"], json!(alice.id.to_string()));
}

async fn last_used_at_is_recorded_after_use(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, secret) = a
        .pat(json!({"name": "t", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let path = format!("/api/manage/personal_access_tokens/{id}");
    let before = a.get(&path).await;
    assert_eq!(before.ok()["last_used_at"], Value::Null);
    let created_at = before.ok()["created_at"].as_i64().unwrap();
    s.bearer(&secret).get("/v1/users/me").await.ok();
    // The use is recorded in the background; give it a moment.
    let mut last_used = Value::Null;
    for _ in 0..20 {
        last_used = a.get(&path).await.ok()["last_used_at"].clone();
        if !last_used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let t = last_used
        .as_i64()
        .expect("last_used_at is set within 2 s of a use");
    assert!(t >= created_at && t <= now() + 1, "{t} vs {created_at}");
    // Another token of the same account stays unused.
    let (other, _) = a
        .pat(json!({"name": "u", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let o = a
        .get(&format!("/api/manage/personal_access_tokens/{other}"))
        .await;
    assert_eq!(o.ok()["last_used_at"], Value::Null);
}

async fn editing_a_token_takes_effect_at_once(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let second = a.workspace("second", None).await;
    let (id, secret) = a
        .pat(json!({"name": "t", "permissions": ["Account.readProfile", "Bot.list"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let path = format!("/api/manage/personal_access_tokens/{id}");
    let pat = s.bearer(&secret);
    let bots_home = format!("/v1/bots?workspace_id={}", alice.personal_workspace);
    let bots_second = format!("/v1/bots?workspace_id={second}");
    pat.get("/v1/users/me").await.ok();
    let before = a.get(&path).await.ok().clone();

    let r = a.patch(&path, json!({"name": "renamed"})).await;
    let d = r.ok();
    assert_eq!(d["name"], json!("renamed"));
    assert_eq!(d["permissions"], before["permissions"]);
    assert_eq!(d["all_workspaces"], json!(true));
    assert_eq!(
        d["expires_at"], before["expires_at"],
        "edits never extend a token"
    );
    assert_eq!(d["last_chars"], before["last_chars"]);
    assert!(d.get("token").is_none());

    let r = a.patch(&path, json!({"permissions": ["Bot.list"]})).await;
    assert_eq!(r.ok()["permissions"], json!(["Bot.list"]));
    assert_eq!(r.ok()["name"], json!("renamed"));
    pat.get("/v1/users/me").await.fails(403, 4101);
    pat.get(&bots_home).await.ok();

    let r = a
        .patch(
            &path,
            json!({"permissions": ["Account.readProfile", "Bot.list"]}),
        )
        .await;
    assert_eq!(
        r.ok()["permissions"],
        json!(["Account.readProfile", "Bot.list"])
    );
    pat.get("/v1/users/me").await.ok();

    // Narrow to one workspace, then widen again.
    let r = a
        .patch(&path, json!({"workspace_ids": [second.to_string()]}))
        .await;
    assert_eq!(r.ok()["all_workspaces"], json!(false));
    assert_eq!(r.ok()["workspace_ids"], json!([second.to_string()]));
    pat.get(&bots_home).await.fails(403, 4101);
    pat.get(&bots_second).await.ok();
    let r = a.patch(&path, json!({"all_workspaces": true})).await;
    assert_eq!(r.ok()["all_workspaces"], json!(true));
    assert_eq!(r.ok()["workspace_ids"], json!([]));
    pat.get(&bots_home).await.ok();
    pat.get(&bots_second).await.ok();

    // Edits are checked like creation, and a refused edit changes nothing.
    let without_use = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("last_used_at");
        v
    };
    let unchanged = without_use(a.get(&path).await.ok());
    for bad in [
        json!({"permissions": ["Bot.fly"]}),
        json!({"permissions": []}),
        json!({"name": ""}),
        json!({"all_workspaces": true, "workspace_ids": [second.to_string()]}),
        json!({"workspace_ids": ["42"]}),
        json!({"expires_in": "30d"}),
    ] {
        a.patch(&path, bad).await.fails(400, 4000);
    }
    let refused = a
        .patch(&path, json!({"permissions": ["Organization.listMembers"]}))
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    a.patch(&path, json!({"permissions": ["Token.introspect"]}))
        .await
        .fails(403, 4101);
    assert_eq!(without_use(a.get(&path).await.ok()), unchanged);
    pat.get("/v1/users/me").await.ok();
}

async fn deleting_a_token_and_other_users_tokens(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let (id, secret) = a
        .pat(json!({"name": "t", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let path = format!("/api/manage/personal_access_tokens/{id}");
    let pat = s.bearer(&secret);

    // Bob cannot tell Alice's token exists.
    assert_eq!(b.get(&path).await.fails(404, 4200), "Token not found.");
    b.patch(&path, json!({"name": "mine now"}))
        .await
        .fails(404, 4200);
    b.delete(&path).await.fails(404, 4200);
    assert!(
        b.get("/api/manage/personal_access_tokens")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(a.get(&path).await.ok()["name"], json!("t"));
    pat.get("/v1/users/me").await.ok();

    // Alice deletes it: it stops at once.
    a.delete(&path).await.ok();
    pat.get("/v1/users/me").await.fails(401, 4100);
    a.get(&path).await.fails(404, 4200);
    a.patch(&path, json!({"name": "x"})).await.fails(404, 4200);
    a.delete(&path).await.fails(404, 4200);
    assert!(
        a.get("/api/manage/personal_access_tokens")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    a.get("/api/manage/personal_access_tokens/123456789")
        .await
        .fails(404, 4200);
}
