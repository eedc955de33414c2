//! The pages' browser layer (`crates/server/src/web`): one language per page,
//! chosen by the switch cookie, then `Accept-Language`, then English; the strict
//! CSP on every page; template escaping of hostile names; and the sign-in page's
//! throttling message with `Retry-After`.

use crate::oauth::{CALLBACK, app, authorize_url};
use crate::rfc9700::every_page;
use crate::testkit::*;
use buckle_core::throttle::ACCOUNT;
use reqwest::StatusCode;
use std::collections::HashMap;

const CSP: &str = "default-src 'self'; frame-ancestors 'none'";

/// The catalogs as the server compiles them in.
fn en() -> HashMap<&'static str, &'static str> {
    buckle_server::web::i18n::parse(buckle_server::web::i18n::EN_SOURCE)
}

fn zh() -> HashMap<&'static str, &'static str> {
    buckle_server::web::i18n::parse(buckle_server::web::i18n::ZH_CN_SOURCE)
}

/// A text as the templates print it (askama's HTML escaping).
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The `lang` of a page's `<html>`.
fn html_lang(page: &str) -> &str {
    let start = page.find("<html lang=\"").expect("an html lang") + 12;
    let end = page[start..].find('"').unwrap() + start;
    &page[start..end]
}

async fn sign_in_page(b: &Browser, accept_language: Option<&str>) -> String {
    let mut req = b.client.get(format!("{}/login", b.base));
    if let Some(al) = accept_language {
        req = req.header("accept-language", al);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// Switches `b`'s language with the link every page carries.
async fn switch(b: &Browser, tag: &str) {
    let r = b.get(&format!("/lang/{tag}?next=/login")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r).as_deref(), Some("/login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_by_cookie_then_accept_language_then_english() {
    let s = Server::start(Db::Sqlite).await;
    let (en, zh) = (en(), zh());
    let b = Browser::new(&s.base);

    // Nothing said: English.
    let page = sign_in_page(&b, None).await;
    assert_eq!(html_lang(&page), "en");
    assert!(page.contains(en["sign_in.user_name"]), "{page}");
    // Unsupported languages only: English.
    let page = sign_in_page(&b, Some("fr-FR, de;q=0.9, zh-TW;q=0.8")).await;
    assert_eq!(html_lang(&page), "en");

    // Accept-Language, q-values honoured, zh and zh-Hans meaning Simplified Chinese.
    for al in [
        "zh-CN,zh;q=0.9,en;q=0.8",
        "en;q=0.3, zh;q=0.8",
        "zh-Hans",
        "zh",
    ] {
        let page = sign_in_page(&b, Some(al)).await;
        assert_eq!(html_lang(&page), "zh-CN", "{al}");
        assert!(page.contains(zh["sign_in.user_name"]), "{al}: {page}");
    }
    let page = sign_in_page(&b, Some("zh;q=0.2, en-GB;q=0.7")).await;
    assert_eq!(html_lang(&page), "en");

    // The switch on every page links to the other language, coming back here.
    assert!(page.contains("href=\"/lang/zh-CN?next="), "{page}");
    // An explicit choice beats the browser's languages, both ways.
    switch(&b, "zh-CN").await;
    let page = sign_in_page(&b, Some("en")).await;
    assert_eq!(html_lang(&page), "zh-CN");
    assert!(page.contains("href=\"/lang/en?next="), "{page}");
    switch(&b, "en").await;
    let page = sign_in_page(&b, Some("zh-CN")).await;
    assert_eq!(html_lang(&page), "en");

    // The switch goes back only to a local page, and ignores unknown languages.
    let r = b.get("/lang/zh-CN?next=https://evil.example/").await;
    assert_eq!(location(&r).as_deref(), Some("/"));
    let r = b.get("/lang/xx?next=/login").await;
    assert_eq!(location(&r).as_deref(), Some("/login"));
    assert!(r.headers().get("set-cookie").is_none());
}

/// The catalog texts of `other` that must not appear on a page in `lang`: every
/// text except the switch's own label and templates with placeholders.
fn foreign<'a>(
    other: &'a HashMap<&'static str, &'static str>,
    mine: &'a HashMap<&'static str, &'static str>,
) -> impl Iterator<Item = (&'static str, &'static str)> + 'a {
    other
        .iter()
        .filter(|(k, v)| !k.starts_with("lang.") && !v.contains('{') && mine[*k] != **v)
        .map(|(k, v)| (*k, *v))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_speaks_one_language() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    a.team("acme").await;
    let web = app(&a, "Web One", "web", &["Account.readProfile"]).await;
    let web_id = web["app_id"].as_str().unwrap().to_string();
    let svc = app(&a, "Svc One", "service", &["Account.readProfile"]).await;
    let svc_id = svc["app_id"].as_str().unwrap().to_string();
    let (en, zh) = (en(), zh());

    for (lang, mine, other) in [("en", &en, &zh), ("zh-CN", &zh, &en)] {
        let b = Browser::new(&s.base);
        b.get(&format!("/lang/{lang}?next=/")).await;
        let sign_in = b.get("/login").await.text().await.unwrap();
        b.sign_in(&alice).await;
        let pages = [
            (
                "sign-in",
                sign_in,
                vec!["sign_in.title", "sign_in.user_name", "sign_in.password"],
            ),
            (
                "home",
                b.get("/").await.text().await.unwrap(),
                vec!["home.title", "home.next", "nav.tokens", "home.tokens_text"],
            ),
            (
                "consent",
                b.get(&authorize_url(&web_id, CALLBACK, ""))
                    .await
                    .text()
                    .await
                    .unwrap(),
                vec![
                    "consent.title",
                    "consent.asks",
                    "consent.authorize_in",
                    "consent.personal_edition",
                    "common.permissions",
                    "common.authorize",
                    "common.deny",
                    "common.signed_in_as",
                ],
            ),
            (
                "device",
                b.get("/oauth/device").await.text().await.unwrap(),
                vec!["device.title", "device.enter_code", "common.continue"],
            ),
            (
                "unknown device code",
                b.get("/oauth/device?user_code=ABCD-EFGH")
                    .await
                    .text()
                    .await
                    .unwrap(),
                vec!["device.unknown_code"],
            ),
            (
                "share link",
                b.get(&format!("/oauth/authorize-app?client_id={svc_id}"))
                    .await
                    .text()
                    .await
                    .unwrap(),
                // Alice owns the app: her personal edition is offered too.
                vec![
                    "share.title",
                    "share.asks_owner",
                    "share.edition",
                    "share.personal",
                ],
            ),
            (
                "bad request",
                b.get("/oauth/device?user_code=a&user_code=b")
                    .await
                    .text()
                    .await
                    .unwrap(),
                vec!["bad_request.title", "bad_request.text"],
            ),
        ];
        for (what, page, keys) in pages {
            assert_eq!(html_lang(&page), lang, "{what}");
            for key in keys {
                assert!(
                    page.contains(&escaped(mine[key])),
                    "{lang} {what}: {key}: {page}"
                );
            }
            for (key, text) in foreign(other, mine) {
                assert!(
                    !page.contains(&escaped(text)),
                    "{lang} {what} has {key} ({text}): {page}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_has_the_strict_csp_and_nothing_inline() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mut pages = every_page(&s, &alice).await;
    let b = crate::rfc9700::signed_in(&s, &alice).await;
    pages.push(("home page".to_string(), b.get("/").await));
    pages.push((
        "language-switched sign-in page".to_string(),
        b.client
            .get(format!("{}/login", s.base))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap(),
    ));
    let mut stylesheet = None;
    for (what, r) in pages {
        let h = r.headers();
        assert_eq!(h["content-security-policy"], CSP, "{what}");
        let page = r.text().await.unwrap();
        for inline in ["<style", "style=", " onclick=", " onload=", " onsubmit="] {
            assert!(!page.contains(inline), "{what} has {inline}: {page}");
        }
        // Scripts only as files of this origin, never with a body.
        for (at, _) in page.match_indices("<script") {
            let tag = &page[at..];
            assert!(
                tag.starts_with("<script src=\"/static/") && tag.contains("></script>"),
                "{what} has an inline script: {page}"
            );
            let end = tag.find('>').unwrap();
            assert!(tag[end..].starts_with("></script>"), "{what}: {page}");
        }
        let at = page.find("<link rel=\"stylesheet\" href=\"").unwrap() + 29;
        let href = &page[at..at + page[at..].find('"').unwrap()];
        assert!(href.starts_with("/static/buckle.") && href.ends_with(".css"));
        stylesheet = Some(href.to_string());
    }
    // The stylesheet's fingerprinted name is cached for long, its plain one briefly.
    let r = b.get(&stylesheet.unwrap()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(content_type(&r).as_deref(), Some("text/css; charset=utf-8"));
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let r = b.get("/static/buckle.css").await;
    assert_eq!(r.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(b.get("/static/other.js").await.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_are_escaped_on_the_consent_and_share_pages() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let hostile = "<script>alert(1)</script>\"'&";
    let escaped = "&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;";
    a.team("<img src=x onerror=alert(2)>").await;
    let web = app(
        &a,
        &format!("{hostile} web"),
        "web",
        &["Account.readProfile"],
    )
    .await;
    let svc = app(
        &a,
        &format!("{hostile} svc"),
        "service",
        &["Account.readProfile"],
    )
    .await;
    let b = crate::rfc9700::signed_in(&s, &alice).await;
    for (what, url) in [
        (
            "consent",
            authorize_url(
                web["app_id"].as_str().unwrap(),
                CALLBACK,
                "&code_challenge_method=plain",
            ),
        ),
        (
            "share link",
            format!(
                "/oauth/authorize-app?client_id={}",
                svc["app_id"].as_str().unwrap()
            ),
        ),
    ] {
        let r = b.get(&url).await;
        assert_eq!(r.status(), 200, "{what}");
        let page = r.text().await.unwrap();
        assert!(page.contains(escaped), "{what}: {page}");
        assert!(!page.contains("<script>"), "{what}: {page}");
        assert!(!page.contains("<img"), "{what}: {page}");
        assert!(
            page.contains("&#60;img src=x onerror=alert(2)&#62;"),
            "{what}: {page}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_throttled_sign_in_page_says_so_with_retry_after_in_its_language() {
    let s = Server::start(Db::Sqlite).await;
    s.state.clock.freeze();
    let alice = s.user("alice").await;
    let b = Browser::new(&s.base);
    let attempt = |b: &Browser, password: String| {
        let b = Browser {
            base: b.base.clone(),
            client: b.client.clone(),
        };
        async move {
            let page = b.get("/login").await.text().await.unwrap();
            let csrf = form_field(&page, "csrf").unwrap();
            b.post_form(
                "/login",
                &[
                    ("user_name", "alice"),
                    ("password", password.as_str()),
                    ("csrf", csrf.as_str()),
                ],
            )
            .await
        }
    };
    for i in 0..ACCOUNT.free_failures {
        let r = attempt(&b, format!("wrong-{i}")).await;
        assert_eq!(r.status(), 401);
        let page = r.text().await.unwrap();
        assert!(page.contains(en()["sign_in.wrong"]), "{page}");
        // What the person typed stays in the form.
        assert_eq!(form_field(&page, "user_name").as_deref(), Some("alice"));
    }
    let r = attempt(&b, "wrong-again".to_string()).await;
    assert_eq!(r.status(), 429);
    let wait = r.headers()["retry-after"].to_str().unwrap().to_string();
    assert_eq!(wait, ACCOUNT.first_delay.to_string());
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "Too many failed password attempts; try again in {wait} seconds."
        )),
        "{page}"
    );
    // The same refusal in Chinese, the right password included.
    b.get("/lang/zh-CN?next=/login").await;
    let r = attempt(&b, alice.password.clone()).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"].to_str().unwrap(), wait);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("密码错误次数过多，请在 {wait} 秒后重试。")),
        "{page}"
    );
    assert!(!page.contains("Too many"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_signs_in_at_login_and_lands_on_the_console_home() {
    let s = Server::start(Db::Sqlite).await;
    let user = s.user("newcomer").await;
    let b = Browser::new(&s.base);
    // Signed out, the console home sends the visitor to the sign-in page.
    let r = b.get("/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).unwrap().starts_with("/login"), "{r:?}");
    // `/login` is the sign-in page (HTML), also with a stale session cookie.
    for cookie in [None, Some("buckle_session=ses_stale")] {
        let mut req = b.client.get(format!("{}/login", s.base));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200, "{cookie:?}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{cookie:?}"
        );
        let page = r.text().await.unwrap();
        assert!(page.contains("<form method=\"post\" action=\"/login\">"));
        assert!(page.contains(en()["sign_in.user_name"]), "{page}");
    }
    let page = b.get("/login").await.text().await.unwrap();
    let csrf = form_field(&page, "csrf").unwrap();
    let typed = "Newcomer <the one>";
    // A wrong password keeps what the person typed as user name, never the password.
    let r = b
        .post_form(
            "/login",
            &[
                ("user_name", typed),
                ("password", "wrong password 123"),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains(en()["sign_in.wrong"]), "{page}");
    assert_eq!(form_field(&page, "user_name").as_deref(), Some(typed));
    assert!(!page.contains("wrong password 123"), "{page}");
    assert_eq!(form_field(&page, "password"), None, "{page}");
    // The right password, from the form the failure showed: the console home.
    let csrf = form_field(&page, "csrf").unwrap();
    let next = form_field(&page, "next").unwrap();
    assert_eq!(next, "/");
    let r = b
        .post_form(
            "/login",
            &[
                ("user_name", user.name.as_str()),
                ("password", user.password.as_str()),
                ("next", next.as_str()),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r).as_deref(), Some("/"));
    let r = b.get("/").await;
    assert_eq!(r.status(), 200);
    let home = r.text().await.unwrap();
    assert!(home.contains("newcomer"), "{home}");
}
