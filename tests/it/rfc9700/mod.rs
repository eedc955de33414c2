//! RFC 9700 (Best Current Practice for OAuth 2.0 Security, January 2025), section 4
//! "Attacks and Mitigations": one module per subsection that applies to Buckle. Each
//! test performs the attack against a real server and asserts it fails, and, where
//! it matters, that the rightful flow still works afterwards.
//!
//! Every subsection of section 4 (4.1 to 4.17) applies in some part and has a
//! module, except:
//! - 4.17 "Attacks on In-Browser Communication Flows": Buckle has no in-browser
//!   communication (no `postMessage`, no `response_mode=web_message`); its only
//!   authorization response is a redirect with query parameters, which
//!   `s4_3_browser_history` checks stays so whatever `response_mode` asks.
//!
//! The heavy race and client-binding tests live elsewhere: `oauth_reuse` (2-, 5-
//! and 20-way races on codes and refresh tokens) and `oauth_binding` (another client
//! presenting a code or refresh token). The modules here try smaller, focused
//! attacks and stay fast.

mod s4_10_stolen_token_misuse;
mod s4_11_open_redirection;
mod s4_12_307_redirect;
mod s4_13_reverse_proxies;
mod s4_14_refresh_token;
mod s4_15_client_impersonation;
mod s4_16_clickjacking;
mod s4_1_redirect_uri;
mod s4_2_referer;
mod s4_3_browser_history;
mod s4_4_mix_up;
mod s4_5_code_injection;
mod s4_6_access_token_injection;
mod s4_7_csrf;
mod s4_8_pkce_downgrade;
mod s4_9_resource_server_leakage;

use crate::oauth::{CALLBACK, app, authorize_url};
use crate::testkit::*;

/// A browser signed in as `user`.
pub(crate) async fn signed_in(s: &Server, user: &User) -> Browser {
    let b = Browser::new(&s.base);
    b.sign_in(user).await;
    b
}

/// A web app of `session`'s account: (client id, client secret).
pub(crate) async fn web_app(session: &Session, name: &str) -> (String, String) {
    let w = app(session, name, "web", &["Account.readProfile"]).await;
    (
        w["app_id"].as_str().unwrap().to_string(),
        w["client_secret"].as_str().unwrap().to_string(),
    )
}

/// The consent page of `client_id` for the signed-in browser.
pub(crate) async fn consent_page(b: &Browser, client_id: &str, extra: &str) -> String {
    let r = b.get(&authorize_url(client_id, CALLBACK, extra)).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// Every kind of HTML page Buckle serves, as a signed-in browser meets them:
/// (what it is, the response). Includes error pages and the unreadable-form page.
pub(crate) async fn every_page(s: &Server, user: &User) -> Vec<(String, reqwest::Response)> {
    let session = s.login(user).await;
    let (id, _) = web_app(&session, "Page Tour").await;
    let anonymous = Browser::new(&s.base);
    let b = signed_in(s, user).await;
    let mut pages = vec![
        ("sign-in page".to_string(), anonymous.get("/login").await),
        (
            "failed sign-in".to_string(),
            anonymous
                .post_form(
                    "/login",
                    &[("user_name", "x"), ("password", "y"), ("csrf", "z")],
                )
                .await,
        ),
        (
            "consent page".to_string(),
            b.get(&authorize_url(&id, CALLBACK, "")).await,
        ),
        (
            "authorize error page".to_string(),
            b.get(&authorize_url(&id, "http://evil.example/", "")).await,
        ),
        (
            "unreadable query page".to_string(),
            b.get("/api/permission/oauth2/authorize?client_id=a&client_id=b")
                .await,
        ),
        (
            "consent refusal page".to_string(),
            b.post_form(
                "/api/permission/oauth2/consent",
                &[
                    ("client_id", id.as_str()),
                    ("redirect_uri", CALLBACK),
                    ("csrf", "forged"),
                    ("decision", "approve"),
                ],
            )
            .await,
        ),
        ("device page".to_string(), b.get("/oauth/device").await),
        (
            "device page with a code".to_string(),
            b.get("/oauth/device?user_code=ABCD-EFGH").await,
        ),
        (
            "shareable link page".to_string(),
            b.get("/oauth/authorize-app?client_id=nope").await,
        ),
    ];
    for (what, r) in &pages {
        let html = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        assert!(html, "{what} is a page ({})", r.status());
    }
    pages.sort_by(|x, y| x.0.cmp(&y.0));
    pages
}
