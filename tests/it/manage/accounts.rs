//! Accounts: installation super admins create them, names and passwords are checked,
//! and profile edits show on the OpenAPI.

use super::*;
use crate::on_both_databases;

on_both_databases!(accounts);

async fn accounts(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let r = s.login(&root).await;
    let a = s.login(&alice).await;
    let accounts = "/api/manage/accounts";
    let newbie = json!({"user_name": "newbie", "password": "long enough", "nick_name": "New Bie"});

    a.post(accounts, newbie.clone()).await.fails(403, 4101);
    a.get(accounts).await.fails(403, 4101);
    r.post(
        accounts,
        json!({"user_name": "newbie", "password": "short"}),
    )
    .await
    .fails(400, 4000);
    let long = "x".repeat(65);
    for bad in ["bad name", "bad/name", "", "名字", long.as_str()] {
        r.post(
            accounts,
            json!({"user_name": bad, "password": "long enough"}),
        )
        .await
        .fails(400, 4000);
    }
    r.post(
        accounts,
        json!({"user_name": "alice", "password": "long enough"}),
    )
    .await
    .fails(409, 4000);
    // Refused attempts left nothing behind.
    sign_in(&s, "newbie", "long enough").await.fails(401, 4100);

    let made = r.post(accounts, newbie).await;
    let m = made.ok().clone();
    assert_eq!(m["user_name"], json!("newbie"));
    assert_eq!(m["nick_name"], json!("New Bie"));
    assert_eq!(m["is_super_admin"], json!(false));
    assert!(made.body.get("password").is_none() && !made.body.to_string().contains("long enough"));
    r.post(
        accounts,
        json!({"user_name": "newbie", "password": "long enough"}),
    )
    .await
    .fails(409, 4000);
    let signed = sign_in(&s, "newbie", "long enough").await;
    assert_eq!(signed.ok()["account"]["user_id"], m["user_id"]);
    // A new account has its own personal workspace.
    let nb = s
        .login(&User {
            id: m["user_id"].as_str().unwrap().parse().unwrap(),
            name: "newbie".into(),
            password: "long enough".into(),
            personal_workspace: 0,
        })
        .await;
    assert_eq!(
        nb.get("/api/manage/workspaces")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Only installation super admins may create them.
    nb.post(
        accounts,
        json!({"user_name": "x", "password": "long enough"}),
    )
    .await
    .fails(403, 4101);

    let names: Vec<String> = r
        .get(&format!("{accounts}?page_size=100"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["user_name"].as_str().unwrap().to_string())
        .collect();
    for n in ["root", "alice", "newbie"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
    r.get(&format!("{accounts}?page_size=0"))
        .await
        .fails(400, 4000);

    // Profile edits show on the OpenAPI.
    let me = a.get("/api/manage/accounts/me").await;
    assert_eq!(me.ok()["user_name"], json!("alice"));
    assert_eq!(me.ok()["is_super_admin"], json!(false));
    let r2 = a
        .patch(
            "/api/manage/accounts/me",
            json!({"nick_name": "Alice A.", "avatar_url": "https://example.com/a.png"}),
        )
        .await;
    assert_eq!(r2.ok()["nick_name"], json!("Alice A."));
    let pat = a.simple_pat(&["Account.readProfile"]).await;
    let v1 = s.bearer(&pat).get("/v1/users/me").await;
    assert_eq!(v1.ok()["nick_name"], json!("Alice A."));
    assert_eq!(v1.ok()["avatar_url"], json!("https://example.com/a.png"));
    assert_eq!(v1.ok()["user_name"], json!("alice"));
    for bad in [
        json!({"nick_name": ""}),
        json!({"nick_name": "x".repeat(65)}),
        json!({"avatar_url": "javascript:alert(1)"}),
        json!({"user_name": "mallory"}),
        json!({"is_super_admin": true}),
    ] {
        a.patch("/api/manage/accounts/me", bad)
            .await
            .fails(400, 4000);
    }
    let me = a.get("/api/manage/accounts/me").await;
    assert_eq!(me.ok()["nick_name"], json!("Alice A."));
    assert_eq!(me.ok()["is_super_admin"], json!(false));
}
