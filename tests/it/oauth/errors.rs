//! Every mistake on the OAuth endpoints is answered in the OAuth error shape.

use super::*;

#[tokio::test]
async fn oauth_endpoints_answer_every_mistake_in_the_oauth_shape() {
    let s = Server::start(Db::Sqlite).await;
    let client = reqwest::Client::new();
    let r = client.get(s.url(TOKEN)).send().await.unwrap();
    let reply = OAuthReply::of(r).await;
    reply.error(400, "invalid_request");
    let big = "x".repeat(300 * 1024);
    let r = client
        .post(s.url(TOKEN))
        .header("content-type", "application/json")
        .body(format!("{{\"grant_type\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    let reply = OAuthReply::of(r).await;
    assert_eq!(reply.error(400, "invalid_request"), "invalid request: body");
    let r = client
        .post(s.url("/api/permission/oauth2/account/%FF/token"))
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
        .send()
        .await
        .unwrap();
    let reply = OAuthReply::of(r).await;
    reply.error(400, "invalid_request");
    let r = client
        .post(s.url("/api/permission/oauth2/device/code"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let reply = OAuthReply::of(r).await;
    reply.error(400, "invalid_request");
}
