//! RFC 9700 §4.11 Open Redirection. §4.11.1 (client as open redirector) is the
//! client's concern; for Buckle's own redirects: the sign-in page's `next` goes
//! only to a local path (never `//host`, `/\host` or an absolute URL). §4.11.2
//! (authorization server as open redirector): a request whose client or redirect
//! URI is not known good gets Buckle's error page, never a redirect; and since an
//! attacker can register an app with a phishing page as its redirect URI, no
//! redirect to an app happens, even with an error, before the person has signed in.

use super::{signed_in, web_app};
use crate::oauth::{CALLBACK, authorize_url};
use crate::testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_next_stays_on_this_origin() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    for evil in [
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\r\nLocation: https://evil.example",
        " //evil.example",
    ] {
        let b = Browser::new(&s.base);
        let page = b
            .get(&format!(
                "/login?next={}",
                buckle_core::redirect::encode(evil)
            ))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(form_field(&page, "next").as_deref(), Some("/"), "{evil:?}");
        // A forged form posting the bad `next` directly is no better.
        let csrf = form_field(&page, "csrf").unwrap();
        let r = b
            .post_form(
                "/login",
                &[
                    ("user_name", alice.name.as_str()),
                    ("password", alice.password.as_str()),
                    ("next", evil),
                    ("csrf", csrf.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{evil:?}");
        assert_eq!(location(&r).as_deref(), Some("/"), "{evil:?}");
    }
    // A local path survives the round trip.
    let b = Browser::new(&s.base);
    let (status, _) = b.open_as("/oauth/device", &alice).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_never_redirect_to_an_unproven_or_unannounced_place() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mallory = s.user("mallory").await;
    let m = s.login(&mallory).await;
    // Mallory registers an app whose redirect URI is her phishing page.
    let phish = "https://phish.example/login";
    let evil = m
        .post(
            "/api/manage/apps",
            json!({"name": "Evil Web", "app_type": "normal", "client_type": "web",
                   "permissions": ["Account.readProfile"], "redirect_uris": [phish]}),
        )
        .await
        .ok()["app_id"]
        .as_str()
        .unwrap()
        .to_string();
    let anonymous = Browser::new(&s.base);
    // Errors that would go back to that URI without anyone signing in: an
    // unsupported response type, a malformed PKCE method.
    for broken in [
        authorize_url(&evil, phish, "").replace("response_type=code", "response_type=token"),
        authorize_url(&evil, phish, "").replace("response_type=code&", ""),
        authorize_url(
            &evil,
            phish,
            "&code_challenge=abc&code_challenge_method=S512",
        ),
    ] {
        let r = anonymous.get(&broken).await;
        assert_eq!(r.status(), 303, "{broken}");
        let to = location(&r).unwrap();
        assert!(to.starts_with("/login?next="), "sign in first, not {to}");
        // Once signed in, the person is sent on with the error.
        let (status, _) = Browser::new(&s.base).open_as(&broken, &alice).await;
        assert_eq!(status, 303, "{broken}");
    }
    let b = signed_in(&s, &alice).await;
    let r = b
        .get(&authorize_url(&evil, phish, "").replace("response_type=code", "response_type=token"))
        .await;
    let to = location(&r).unwrap();
    assert!(to.starts_with(phish), "{to}");
    assert_eq!(query_params(&to)["error"], "unsupported_response_type");

    // Not known good: Buckle's page, signed in or not, never a redirect.
    let a = s.login(&alice).await;
    let (disabled, _) = web_app(&a, "Disabled Web").await;
    a.post(&format!("/api/manage/apps/{disabled}/disable"), json!({}))
        .await
        .ok();
    for (what, url) in [
        (
            "unknown client",
            authorize_url("nope.app.buckle", CALLBACK, ""),
        ),
        ("no client", authorize_url("", CALLBACK, "")),
        (
            "no redirect_uri",
            authorize_url(&evil, phish, "").replace("&redirect_uri=", "&x="),
        ),
        (
            "unregistered redirect_uri",
            authorize_url(&evil, "https://phish.example/other", ""),
        ),
        ("disabled app", authorize_url(&disabled, CALLBACK, "")),
        (
            "unregistered redirect with an error",
            authorize_url(&evil, "https://evil.example/", "")
                .replace("response_type=code", "response_type=token"),
        ),
    ] {
        for browser in [&anonymous, &b] {
            let r = browser.get(&url).await;
            assert!(location(&r).is_none(), "{what}: {:?}", location(&r));
            assert_eq!(r.status(), 400, "{what}");
        }
    }
}
