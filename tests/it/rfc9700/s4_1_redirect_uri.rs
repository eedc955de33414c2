//! RFC 9700 §4.1 Insufficient Redirect URI Validation. An attacker sends the victim
//! an authorization link whose `redirect_uri` is close to a registered one but leads
//! elsewhere, to collect the code. Buckle compares the URI with the registered ones
//! byte for byte (no prefix, case, slash, port or encoding leeway), before signing
//! in, and answers a mismatch with its own error page, never a redirect; the consent
//! form re-checks the URI it posts back.

use super::{consent_page, signed_in, web_app};
use crate::oauth::{CALLBACK, authorize_url, code_for, exchange};
use crate::testkit::*;
use serde_json::json;

/// Near misses of `http://127.0.0.1:9/callback` and `https://good.example/cb`.
const NEAR_MISSES: &[&str] = &[
    "http://127.0.0.1:9/callback/extra",
    "http://127.0.0.1:9/callback/",
    "http://127.0.0.1:9/callback?next=https://evil.example",
    "http://127.0.0.1:9/callback#frag",
    "http://127.0.0.1:9/Callback",
    "http://127.0.0.1:90/callback",
    "http://127.0.0.1/callback",
    "https://127.0.0.1:9/callback",
    "http://localhost:9/callback",
    "http://127.0.0.1:9@evil.example/callback",
    "http://127.0.0.1:9/%63allback",
    "http://127.0.0.1:9/callback/../callback",
    "http://127.0.0.1:9/./callback",
    "http://127.0.0.1:9/callback%00",
    " http://127.0.0.1:9/callback",
    "http://127.0.0.1:9/callback ",
    "https://GOOD.example/cb",
    "https://good.example@evil.example/cb",
    "https://good.example.evil.example/cb",
    "https://evil.example/?https://good.example/cb",
    "https://good.example:443/cb",
    "https://good.example:8443/cb",
    "http://good.example/cb",
    "https://good.example/cb/",
    "https://good.example/CB",
    "https://good.example/cb?x=1",
    "https://good.example/%2e/cb",
    "https://good.example\\@evil.example/cb",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_miss_redirect_uris_are_refused_without_redirecting() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let id = a
        .post(
            "/api/manage/apps",
            json!({"name": "Two Callbacks", "app_type": "normal", "client_type": "web",
                   "permissions": ["Account.readProfile"],
                   "redirect_uris": [CALLBACK, "https://good.example/cb"]}),
        )
        .await
        .ok()["app_id"]
        .as_str()
        .unwrap()
        .to_string();
    let anonymous = Browser::new(&s.base);
    let b = signed_in(&s, &alice).await;
    for wrong in NEAR_MISSES {
        for (who, browser) in [("signed out", &anonymous), ("signed in", &b)] {
            let r = browser.get(&authorize_url(&id, wrong, "")).await;
            assert_eq!(r.status(), 400, "{who}: {wrong}");
            assert!(location(&r).is_none(), "{who}: never redirected to {wrong}");
            let page = r.text().await.unwrap();
            assert!(page.contains("not registered"), "{who}: {wrong}: {page}");
            assert!(!page.contains("evil.example\""), "no link to it either");
        }
    }
    // Both registered URIs still work, exactly as registered.
    for good in [CALLBACK, "https://good.example/cb"] {
        let r = b.get(&authorize_url(&id, good, "")).await;
        assert_eq!(r.status(), 200, "{good}");
    }
    let code = code_for(&s, &alice, &id, "").await;
    assert!(code.starts_with("code_"));
}

/// The consent form is the victim's own, but its fields come back from the browser:
/// a forged `redirect_uri` there is judged like the authorize request's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_consent_form_cannot_change_the_redirect_uri() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, secret) = web_app(&a, "Forged Form").await;
    let b = signed_in(&s, &alice).await;
    let page = consent_page(&b, &id, "").await;
    let csrf = form_field(&page, "csrf").unwrap();
    for wrong in [
        "http://evil.example/callback",
        "http://127.0.0.1:9/callback/x",
    ] {
        let r = b
            .post_form(
                "/api/permission/oauth2/consent",
                &[
                    ("client_id", id.as_str()),
                    ("redirect_uri", wrong),
                    ("state", "st-1"),
                    ("csrf", csrf.as_str()),
                    ("decision", "approve"),
                    ("edition", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 400, "{wrong}");
        assert!(location(&r).is_none(), "{wrong}");
    }
    // The genuine form still goes through, and its code redeems.
    let r = b.consent(&page, "approve", "").await;
    let to = location(&r).unwrap();
    assert!(to.starts_with(CALLBACK), "{to}");
    let code = query_params(&to)["code"].clone();
    exchange(&s, &id, Some(&secret), &code, json!({}))
        .await
        .token();
}
