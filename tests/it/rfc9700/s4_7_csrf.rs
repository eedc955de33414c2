//! RFC 9700 §4.7 Cross-Site Request Forgery. Against the authorization server, a
//! forged consent POST would approve an app in the victim's name, and a forged
//! sign-in would sign the victim into the attacker's account. Buckle's consent form
//! carries a token bound to the session (compared in constant time) and its sign-in
//! form a double-submit cookie; a forgery gets a page, no redirect and no code.
//! For the client's side, `state` goes back byte for byte.

use super::{consent_page, signed_in, web_app};
use crate::oauth::{CALLBACK, authorize_url};
use crate::testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_consent_and_sign_in_are_refused_and_state_round_trips() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let mallory = s.user("mallory").await;
    let a = s.login(&alice).await;
    let (id, _) = web_app(&a, "Csrf Target").await;
    let victim = signed_in(&s, &alice).await;
    let page = consent_page(&victim, &id, "").await;
    let real_csrf = form_field(&page, "csrf").unwrap();
    // The attacker's own session has its own token, which does not fit the victim's.
    let attacker = signed_in(&s, &mallory).await;
    let mallorys = form_field(&consent_page(&attacker, &id, "").await, "csrf").unwrap();
    assert_ne!(mallorys, real_csrf);
    let wrong_length = format!("{real_csrf}x");
    let truncated = &real_csrf[..real_csrf.len() - 1];
    for (what, csrf) in [
        ("no token", None),
        ("empty token", Some("")),
        ("another session's token", Some(mallorys.as_str())),
        ("a longer token", Some(wrong_length.as_str())),
        ("a shorter token", Some(truncated)),
    ] {
        let mut form = vec![
            ("client_id", id.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "st-1"),
            ("decision", "approve"),
            ("edition", ""),
        ];
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let r = victim
            .post_form("/api/permission/oauth2/consent", &form)
            .await;
        assert!(
            matches!(r.status().as_u16(), 400 | 403),
            "{what}: {}",
            r.status()
        );
        assert!(location(&r).is_none(), "{what}: no redirect, no code");
    }
    // No session at all (a cross-site POST without cookies) is refused too.
    let r = Browser::new(&s.base)
        .post_form(
            "/api/permission/oauth2/consent",
            &[
                ("client_id", id.as_str()),
                ("redirect_uri", CALLBACK),
                ("csrf", real_csrf.as_str()),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    assert!(location(&r).is_none());
    // The genuine form still works, and an unusual state comes back unchanged.
    let odd_state = "a b&c=d/é?#%41+\"'><script>x</script>";
    let url = authorize_url(&id, CALLBACK, "").replace(
        "state=st-1",
        &format!("state={}", buckle_core::redirect::encode(odd_state)),
    );
    let page = victim.get(&url).await.text().await.unwrap();
    assert!(
        !page.contains("<script>"),
        "the state is escaped in the page"
    );
    let to = location(&victim.consent(&page, "approve", "").await).unwrap();
    assert_eq!(query_params(&to)["state"], odd_state);
    assert!(query_params(&to).contains_key("code"));

    // Sign-in CSRF: a forged sign-in form without the double-submit cookie.
    let fresh = Browser::new(&s.base);
    let r = fresh
        .post_form(
            "/login",
            &[
                ("user_name", mallory.name.as_str()),
                ("password", mallory.password.as_str()),
                ("csrf", "attacker-chosen"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    for c in r.headers().get_all("set-cookie") {
        let c = c.to_str().unwrap();
        assert!(c.starts_with("buckle_login="), "no session cookie: {c}");
    }
    assert!(location(&r).is_none());
}
