//! RFC 9700 §4.15 Client Impersonating Resource Owner. A client that can pick its
//! own `client_id` (or a claim of its JWT) could pick a person's identifier and be
//! taken for them. In Buckle client ids are made by the server
//! (`<32 hex>.app.buckle`) and never look like an account id; a service app's JWT
//! cannot name the account it acts for (a `sub` claim is ignored, and the account
//! path needs that account's own authorization of the app); introspection tells
//! resource servers the `sub` and the `client_id` apart.

use crate::oauth::{TOKEN, claims, header, jwt_token, service_app};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::json;

on_both_databases!(a_service_app_cannot_pass_for_a_person);

async fn a_service_app_cannot_pass_for_a_person(s: Server) {
    let root = s.super_admin("root").await;
    let introspector = s.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let alice = s.user("alice").await;
    let mallory = s.user("mallory").await;
    let m = s.login(&mallory).await;

    // The client id cannot be chosen, so it cannot be made to equal an account id.
    let chosen = m
        .post(
            "/api/manage/apps",
            json!({"name": "Chosen Id", "app_type": "normal", "client_type": "service",
                   "permissions": ["Account.readProfile"], "redirect_uris": [],
                   "app_id": alice.id.to_string()}),
        )
        .await;
    if chosen.status == 200 {
        assert_ne!(chosen.ok()["app_id"], json!(alice.id.to_string()));
    } else {
        chosen.fails(400, 4000);
    }
    let (id, key) = service_app(&s, &m, "Impostor").await;
    assert!(id.ends_with(".app.buckle"));
    assert!(
        buckle_core::ids::parse_id(&id).is_none(),
        "not an account id"
    );

    // A JWT claiming to be Alice gets a token for Mallory's own authorization.
    let mut c = claims(&s, &id);
    c["sub"] = json!(alice.id.to_string());
    c["account_id"] = json!(alice.id.to_string());
    let t = jwt_token(&s, TOKEN, &key.sign(&header(&key), &c), json!({})).await;
    let token = t.token()["access_token"].as_str().unwrap().to_string();
    let me = s.bearer(&token).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_id"], json!(mallory.id.to_string()));
    // Asking for Alice's authority by path: she never authorized the app.
    let path = format!("/api/permission/oauth2/account/{}/token", alice.id);
    let jwt = key.sign(&header(&key), &claims(&s, &id));
    jwt_token(&s, &path, &jwt, json!({}))
        .await
        .error(403, "access_deny");

    // A resource server sees whose token it is and which client holds it.
    let r = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/introspect"))
        .bearer_auth(&introspector)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    let got: serde_json::Value = r.json().await.unwrap();
    assert_eq!(got["active"], json!(true));
    assert_eq!(got["sub"], json!(mallory.id.to_string()));
    assert_eq!(got["client_id"], json!(id));
    assert_ne!(got["sub"], got["client_id"]);
}
