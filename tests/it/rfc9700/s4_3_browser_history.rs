//! RFC 9700 §4.3 Credential Leakage via Browser History. URLs stay in history (and
//! caches); a code or token there can be replayed by the next user of the device.
//! Buckle never puts a token in a URL: the token endpoint reads only the POST body
//! (credentials in its query string are ignored) and no `response_mode` moves the
//! code into a fragment or a page; the code in the redirect is single-use and
//! short-lived (expiry: `oauth_expiry`); every page and token answer is `no-store`.

use super::{consent_page, signed_in, web_app};
use crate::oauth::{CALLBACK, TOKEN, exchange};
use crate::testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_and_tokens_stay_out_of_urls_and_caches() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, secret) = web_app(&a, "History").await;
    let b = signed_in(&s, &alice).await;

    // Whatever response_mode asks (fragment, form_post, web_message), the code
    // comes back in the query of a redirect, never a fragment or a page body.
    for mode in ["fragment", "form_post", "web_message", "query.jwt"] {
        let page = consent_page(&b, &id, &format!("&response_mode={mode}")).await;
        let r = b.consent(&page, "approve", "").await;
        assert_eq!(r.status(), 303, "{mode}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{mode}");
        let to = location(&r).unwrap();
        assert!(!to.contains('#'), "{mode}: {to}");
        assert!(query_params(&to).contains_key("code"), "{mode}: {to}");
        assert!(r.text().await.unwrap().is_empty(), "{mode}: no body");
    }

    // Credentials in the token endpoint's URL are not read at all...
    let page = consent_page(&b, &id, "").await;
    let code =
        query_params(&location(&b.consent(&page, "approve", "").await).unwrap())["code"].clone();
    let in_url = format!(
        "{}?client_id={id}&grant_type=authorization_code&code={code}&redirect_uri={}",
        s.url(TOKEN),
        buckle_core::redirect::encode(CALLBACK)
    );
    let r = reqwest::Client::new()
        .post(&in_url)
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    OAuthReply::of(r).await.error(400, "invalid_request");
    let r = reqwest::Client::new()
        .get(&in_url)
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    let msg = OAuthReply::of(r).await.error(400, "invalid_request");
    assert!(
        msg.contains("HTTP method"),
        "no GET on the token endpoint: {msg}"
    );
    // ... so that code was not used up: the rightful POST redeems it, uncached.
    let t = exchange(&s, &id, Some(&secret), &code, json!({})).await;
    t.token();
    let r = reqwest::Client::new()
        .post(s.url(TOKEN))
        .bearer_auth(&secret)
        .json(&json!({"client_id": id, "grant_type": "refresh_token",
                      "refresh_token": t.body["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["pragma"], "no-cache");
}
