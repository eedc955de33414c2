//! RFC 9700 §4.6 Access Token Injection. An attacker injects a stolen access token
//! into a legitimate client, impersonating the victim there. The attack needs the
//! implicit grant, which Buckle does not offer (`response_type=token` is refused);
//! a resource server holding a token can still tell whose client it was issued to
//! through introspection, and Buckle's kinds of token do not stand in for each other.

use super::{signed_in, web_app};
use crate::oauth::{CALLBACK, TOKEN, authorize_url, code_for, exchange};
use crate::testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_name_their_client_and_do_not_stand_in_for_each_other() {
    let s = Server::start(Db::Sqlite).await;
    let root = s.super_admin("root").await;
    let introspector = s.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (a_id, a_secret) = web_app(&a, "Client A").await;
    let (b_id, b_secret) = web_app(&a, "Client B").await;

    // No implicit grant: no way to receive a token in the front channel.
    let b = signed_in(&s, &alice).await;
    let r = b
        .get(
            &authorize_url(&a_id, CALLBACK, "")
                .replace("response_type=code", "response_type=token"),
        )
        .await;
    let to = location(&r).unwrap();
    assert_eq!(query_params(&to)["error"], "unsupported_response_type");
    assert!(!to.contains("access_token"));

    let code = code_for(&s, &alice, &a_id, "").await;
    let t = exchange(&s, &a_id, Some(&a_secret), &code, json!({})).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    let refresh = t.token()["refresh_token"].as_str().unwrap().to_string();

    // Client B's resource server learns the token is client A's.
    let r = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/introspect"))
        .bearer_auth(&introspector)
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    let got: serde_json::Value = r.json().await.unwrap();
    assert_eq!(got["active"], json!(true));
    assert_eq!(got["client_id"], json!(a_id));
    assert_ne!(got["client_id"], json!(b_id));
    assert_eq!(got["sub"], json!(alice.id.to_string()));

    // An access token is no refresh token (for its own client or another), and a
    // refresh token or code is no access token.
    for (id, secret) in [(&a_id, &a_secret), (&b_id, &b_secret)] {
        oauth_post(
            &s.base,
            TOKEN,
            Some(secret),
            json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": access}),
        )
        .await
        .error(400, "invalid_grant");
        exchange(&s, id, Some(secret), &access, json!({}))
            .await
            .error(400, "invalid_grant");
    }
    s.bearer(&refresh)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    s.bearer(&code).get("/v1/users/me").await.fails(401, 4100);
    // None of that used anything up.
    s.bearer(&access).get("/v1/users/me").await.ok();
    oauth_post(
        &s.base,
        TOKEN,
        Some(&a_secret),
        json!({"client_id": a_id, "grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await
    .token();
}
