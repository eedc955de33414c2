//! Conversations are kept apart by the token's `session_name`: invisible (404/4200,
//! as a missing one) to a token with another session name or none, visible to
//! another token with the same one.

use crate::oauth::{TOKEN, app, claims, header, jwt_token};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(conversations_are_kept_apart_by_session_name);

/// A service app of `session`'s account holding the conversation points, with a key,
/// authorized in the personal edition.
pub(crate) async fn conversation_app(session: &Session, name: &str) -> (String, ServiceKey) {
    let svc = app(
        session,
        name,
        "service",
        &["Conversation.create", "Conversation.list", "Bot.list"],
    )
    .await;
    let id = svc["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    session
        .post(
            &format!("/api/manage/apps/{id}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await
        .ok();
    session
        .post(
            &format!("/api/manage/apps/{id}/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await
        .ok();
    (id, key)
}

/// A fresh JWT token of the app, with `extra` claims (session_name, session_context).
pub(crate) async fn app_token(s: &Server, id: &str, key: &ServiceKey, extra: Value) -> String {
    let mut c = claims(s, id);
    if let Value::Object(m) = extra {
        for (k, v) in m {
            c[k] = v;
        }
    }
    let t = jwt_token(s, TOKEN, &key.sign(&header(key), &c), json!({})).await;
    t.token()["access_token"].as_str().unwrap().to_string()
}

async fn conversations_are_kept_apart_by_session_name(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, key) = conversation_app(&a, "Chat Service").await;
    let first_a = app_token(&s, &id, &key, json!({"session_name": "user-a"})).await;
    let second_a = app_token(&s, &id, &key, json!({"session_name": "user-a"})).await;
    let b = app_token(&s, &id, &key, json!({"session_name": "user-b"})).await;
    let none = app_token(&s, &id, &key, json!({})).await;

    let made = s
        .bearer(&first_a)
        .post(
            "/v1/conversation/create",
            json!({"meta_data": {"topic": "shoes"}, "messages": []}),
        )
        .await;
    let conv = made.ok()["id"].as_str().unwrap().to_string();
    assert_eq!(made.ok()["meta_data"], json!({"topic": "shoes"}));
    let path = format!("/v1/conversation/retrieve?conversation_id={conv}");

    // Another token of the same session name sees it.
    let seen = s.bearer(&second_a).get(&path).await;
    assert_eq!(seen.ok()["id"], json!(conv));
    assert_eq!(seen.ok()["meta_data"], json!({"topic": "shoes"}));
    // Another session name, no session name, and the owner's own PAT: as if missing.
    let pat = a
        .simple_pat(&["Conversation.create", "Conversation.list"])
        .await;
    for other in [&b, &none, &pat] {
        let r = s.bearer(other).get(&path).await;
        let msg = r.fails(404, 4200).to_string();
        assert_eq!(msg, "Conversation not found.");
    }
    let missing = s
        .bearer(&first_a)
        .get("/v1/conversation/retrieve?conversation_id=1234567890123456789")
        .await;
    assert_eq!(missing.fails(404, 4200), "Conversation not found.");

    // Without a session name, the conversations are the account's own: its PAT sees
    // one made by the app's session-less token, and a session token does not.
    let plain = s
        .bearer(&none)
        .post("/v1/conversation/create", json!({}))
        .await
        .ok()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let plain_path = format!("/v1/conversation/retrieve?conversation_id={plain}");
    s.bearer(&pat).get(&plain_path).await.ok();
    s.bearer(&first_a).get(&plain_path).await.fails(404, 4200);

    // Another person's token never sees alice's conversations.
    let bob = s.user("bob").await;
    let bob_pat = s
        .login(&bob)
        .await
        .simple_pat(&["Conversation.create", "Conversation.list"])
        .await;
    s.bearer(&bob_pat).get(&plain_path).await.fails(404, 4200);

    // The points are required; a malformed id is 400.
    let no_point = a.simple_pat(&["Bot.list"]).await;
    s.bearer(&no_point)
        .post("/v1/conversation/create", json!({}))
        .await
        .fails(403, 4101);
    s.bearer(&first_a)
        .get("/v1/conversation/retrieve?conversation_id=abc")
        .await
        .fails(400, 4000);
    // A bot the token cannot reach is refused; one it reaches is recorded.
    s.bearer(&first_a)
        .post(
            "/v1/conversation/create",
            json!({"bot_id": "1234567890123456789"}),
        )
        .await
        .fails(404, 4200);
}
