//! RFC 9700 §4.9 Access Token Leakage at the Resource Server. A counterfeit or
//! compromised resource server replays the tokens it receives. Buckle limits what
//! a leaked token is worth: OAuth access tokens live 15 minutes and carry only the
//! points the app asked for; tokens are taken from the `Authorization` header only
//! (never a URL, where logs and history keep them); introspection, which would tell
//! a stranger what a token reaches, needs a caller holding `Token.introspect`.

use super::web_app;
use crate::oauth::{code_for, exchange};
use crate::testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaked_token_is_narrow_and_only_read_from_the_header() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, secret) = web_app(&a, "Leaky Rs").await;
    let code = code_for(&s, &alice, &id, "").await;
    let t = exchange(&s, &id, Some(&secret), &code, json!({})).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    let expires = t.token()["expires_in"].as_i64().unwrap();
    assert!(expires <= s.state.clock.now() + 900, "short-lived");

    // In a URL or a form body, the token is not a credential.
    let http = reqwest::Client::new();
    for url in [
        format!("/v1/users/me?access_token={access}"),
        format!("/v1/users/me?token={access}"),
    ] {
        let r = Reply::of(http.get(s.url(&url)).send().await.unwrap()).await;
        r.fails(401, 4100);
    }
    let r = http
        .post(s.url("/v1/bot/create"))
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Only what the app asked for: a profile reader cannot list workspaces.
    s.bearer(&access)
        .get("/v1/workspaces")
        .await
        .fails(403, 4101);
    s.bearer(&access).get("/v1/users/me").await.ok();

    // A stranger (here: the token itself, or no caller) cannot introspect it.
    for caller in [None, Some(access.as_str())] {
        let mut rb = http
            .post(s.url("/api/permission/oauth2/introspect"))
            .form(&[("token", access.as_str())]);
        if let Some(c) = caller {
            rb = rb.bearer_auth(c);
        }
        let r = rb.send().await.unwrap();
        assert!(matches!(r.status().as_u16(), 401 | 403), "{caller:?}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("\"active\""), "{body}");
    }
    // After its 15 minutes, the token is worth nothing.
    s.state.clock.advance(901);
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
}
