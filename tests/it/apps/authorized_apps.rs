//! The apps a person authorized: listed per edition, and revoking one ends its
//! authorizations and tokens for that person only.

use super::*;
use crate::on_both_databases;

on_both_databases!(authorized_apps_list_and_revoke);

async fn authorized_apps_list_and_revoke(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let d = s.login(&dave).await;
    let team = a.team("acme").await;
    let web = create(&d, web_app("dave's web")).await;
    let pkce = create(
        &d,
        json!({"name": "dave's pkce", "app_type": "normal", "client_type": "pkce", "permissions": ["Account.readProfile"], "redirect_uris": ["com.dave.app:/cb"]}),
    )
    .await;
    let web_id = stored_app(&s, &web).await.id;
    let pkce_id = stored_app(&s, &pkce).await.id;

    // Alice authorized the web app personally and in acme, and the PKCE app; Bob the web app.
    let personal = obo_grant(web_id, alice.id, "");
    let personal_id = s.state.store.upsert_grant(&personal).await.unwrap();
    let in_team = obo_grant(web_id, alice.id, &team);
    s.state.store.upsert_grant(&in_team).await.unwrap();
    let pkce_grant = obo_grant(pkce_id, alice.id, "");
    s.state.store.upsert_grant(&pkce_grant).await.unwrap();
    let bobs = obo_grant(web_id, bob.id, "");
    let bobs_id = s.state.store.upsert_grant(&bobs).await.unwrap();
    let alice_token = buckle_core::secret::hash_secret("czu_alice");
    let bob_token = buckle_core::secret::hash_secret("czu_bob");
    s.state
        .store
        .insert_oauth_token(&oauth_token(&personal, &alice_token))
        .await
        .unwrap();
    s.state
        .store
        .insert_oauth_token(&oauth_token(&bobs, &bob_token))
        .await
        .unwrap();

    let list = a.get("/api/manage/authorized_apps").await;
    let l = list.ok().as_array().unwrap().clone();
    assert_eq!(l.len(), 3);
    let web_items: Vec<&Value> = l.iter().filter(|x| x["app_id"] == web["app_id"]).collect();
    assert_eq!(web_items.len(), 2);
    assert!(web_items.iter().all(|x| x["name"] == json!("dave's web")
        && x["client_type"] == json!("web")
        && x["authorized_at"].as_i64().unwrap() > 0));
    let orgs: Vec<Value> = web_items
        .iter()
        .map(|x| x["organization_id"].clone())
        .collect();
    assert!(orgs.contains(&Value::Null) && orgs.contains(&json!(team)));
    assert!(
        l.iter()
            .any(|x| x["app_id"] == pkce["app_id"] && x["client_type"] == json!("pkce"))
    );
    assert_eq!(
        b.get("/api/manage/authorized_apps")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(d.get("/api/manage/authorized_apps").await.ok(), &json!([]));

    // Revoking removes every authorization of that app for Alice, and its tokens.
    let revoke = format!(
        "/api/manage/authorized_apps/{}",
        web["app_id"].as_str().unwrap()
    );
    a.delete(&revoke).await.ok();
    a.delete(&revoke).await.fails(404, 4200);
    d.delete(&revoke).await.fails(404, 4200);
    a.delete("/api/manage/authorized_apps/00000000000000000000000000000000.app.buckle")
        .await
        .fails(404, 4200);
    assert!(s.state.store.grant(personal_id).await.unwrap().is_none());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&alice_token)
            .await
            .unwrap()
            .is_none()
    );
    let l = a.get("/api/manage/authorized_apps").await.ok().clone();
    assert_eq!(
        names(&l, "app_id"),
        vec![pkce["app_id"].as_str().unwrap().to_string()]
    );
    // Bob's authorization and token are untouched.
    assert!(s.state.store.grant(bobs_id).await.unwrap().is_some());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&bob_token)
            .await
            .unwrap()
            .is_some()
    );
}
