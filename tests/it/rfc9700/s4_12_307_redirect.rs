//! RFC 9700 §4.12 307 Redirect. A 307 (or 308) answer to a POST makes the browser
//! post the same body, the person's password or consent form, to the next site.
//! Every redirect Buckle answers a form with is a 303 See Other, which turns the
//! next request into a GET without the body: after sign-in, after consent (approve
//! or deny), and on the way to the sign-in page.

use super::{consent_page, web_app};
use crate::oauth::{CALLBACK, authorize_url};
use crate::testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_answers_redirect_with_303_only() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, _) = web_app(&a, "No 307").await;
    let b = Browser::new(&s.base);
    let to_login = b.get(&authorize_url(&id, CALLBACK, "")).await;
    assert_eq!(to_login.status(), 303);
    let login = location(&to_login).unwrap();
    let page = b.get(&login).await.text().await.unwrap();
    let r = b
        .post_form(
            "/login",
            &[
                ("user_name", alice.name.as_str()),
                ("password", alice.password.as_str()),
                ("next", form_field(&page, "next").unwrap().as_str()),
                ("csrf", form_field(&page, "csrf").unwrap().as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "after the password form");
    for decision in ["approve", "deny"] {
        let page = consent_page(&b, &id, "").await;
        let r = b.consent(&page, decision, "").await;
        assert_eq!(r.status(), 303, "after the consent form ({decision})");
        assert!(location(&r).unwrap().starts_with(CALLBACK));
    }
}
