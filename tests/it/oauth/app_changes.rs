//! What happens to issued tokens when the app changes: disabling suspends them,
//! enabling restores them, deleting or narrowing the app or revoking it ends them.
//! A new client secret replaces the old one at once, though the app was just used.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    disabling_suspends_and_deleting_revokes,
    a_reset_client_secret_stops_working_at_once,
    obo_tokens_follow_the_app_and_the_user,
);

async fn disabling_suspends_and_deleting_revokes(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Web Nine", &["Account.readProfile"]).await;
    let (id, secret, access, refresh) = (
        f.id.as_str(),
        f.secret.as_str(),
        f.access.clone(),
        f.refresh.clone(),
    );
    s.bearer(&access).get("/v1/users/me").await.ok();
    a.post(&format!("/api/manage/apps/{id}/disable"), json!({}))
        .await
        .ok();
    let msg = s
        .bearer(&access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100)
        .to_string();
    assert!(msg.contains("deactivated"), "{msg}");
    let msg = oauth_post(
        &s.base,
        TOKEN,
        Some(secret),
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "app: Web Nine is currently deactivated by the owner");
    a.post(&format!("/api/manage/apps/{id}/enable"), json!({}))
        .await
        .ok();
    s.bearer(&access).get("/v1/users/me").await.ok();

    let (sid, key) = service_app(&s, &a, "Service Three").await;
    let jwt = key.sign(&header(&key), &claims(&s, &sid));
    let czs = jwt_token(&s, TOKEN, &jwt, json!({})).await.token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    a.post(&format!("/api/manage/apps/{sid}/disable"), json!({}))
        .await
        .ok();
    s.bearer(&czs).get("/v1/users/me").await.fails(401, 4100);
    let msg = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, &sid)),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(
        msg,
        "app: Service Three is currently deactivated by the owner"
    );
    a.post(&format!("/api/manage/apps/{sid}/enable"), json!({}))
        .await
        .ok();
    s.bearer(&czs).get("/v1/users/me").await.ok();

    // Deleting is irreversible: tokens die, refresh fails, JWTs name no app.
    a.delete(&format!("/api/manage/apps/{id}")).await.ok();
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
    a.delete(&format!("/api/manage/apps/{sid}")).await.ok();
    s.bearer(&czs).get("/v1/users/me").await.fails(401, 4100);
    jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, &sid)),
        json!({}),
    )
    .await
    .error(401, "invalid_client");
}

async fn obo_tokens_follow_the_app_and_the_user(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let second = a.workspace("second", None).await;
    let f = web_flow(
        &s,
        &alice,
        &a,
        "Web Ten",
        &["Account.readProfile", "Bot.list"],
    )
    .await;
    let (id, access) = (f.id.as_str(), f.access.clone());
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={second}"))
        .await
        .ok();
    // The app stops asking for Bot.list: its tokens lose it at once.
    a.patch(
        &format!("/api/manage/apps/{id}"),
        json!({"permissions": ["Account.readProfile"]}),
    )
    .await
    .ok();
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={second}"))
        .await
        .fails(403, 4101);
    s.bearer(&access).get("/v1/users/me").await.ok();
    // The person revokes the app among their authorized apps: its tokens die.
    a.delete(&format!("/api/manage/authorized_apps/{id}"))
        .await
        .ok();
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
}

async fn a_reset_client_secret_stops_working_at_once(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    // The flow's code exchange, and this refresh, leave the app in memory.
    let f = web_flow(&s, &alice, &a, "Web Ten", &["Account.readProfile"]).await;
    let refresh = |secret: String, token: String| {
        let (base, id) = (s.base.clone(), f.id.clone());
        async move {
            oauth_post(
                &base,
                TOKEN,
                Some(&secret),
                json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": token}),
            )
            .await
        }
    };
    let t = refresh(f.secret.clone(), f.refresh.clone()).await;
    let next = t.token()["refresh_token"].as_str().unwrap().to_string();

    let reset = a
        .post(&format!("/api/manage/apps/{}/secret", f.id), json!({}))
        .await
        .ok()
        .clone();
    let new_secret = reset["client_secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, f.secret);
    let msg = refresh(f.secret.clone(), next.clone())
        .await
        .error(401, "invalid_client");
    assert_eq!(msg, "the client secret is wrong");
    // Refused as a client, the refresh token was not used up.
    refresh(new_secret, next).await.token();
}
