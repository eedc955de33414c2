//! The account page: changing the password with the current one, errors next to
//! their field in the page's language, and every session ended afterwards.

use crate::testkit::*;
use reqwest::StatusCode;

async fn signed_in(s: &Server, user: &User, lang: &str) -> Browser {
    let b = Browser::new(&s.base);
    b.get(&format!("/lang/{lang}?next=/")).await;
    b.sign_in(user).await;
    b
}

fn error_of(page: &str, field: &str) -> String {
    let open = format!("id=\"{field}-error\">");
    let at = page
        .find(&open)
        .unwrap_or_else(|| panic!("{field}: {page}"))
        + open.len();
    page[at..at + page[at..].find('<').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_changes_their_password_and_signs_in_again() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let b = signed_in(&s, &alice, "en").await;
    let page = b.get("/console/account").await.text().await.unwrap();
    assert!(page.contains("<strong>alice</strong>"), "{page}");
    let csrf = form_field(&page, "csrf").unwrap();
    let new = "a much longer new passphrase 42";

    // A forged form changes nothing.
    let r = b
        .post_form(
            "/console/account/password",
            &[
                ("csrf", "forged"),
                ("current_password", &alice.password),
                ("new_password", new),
                ("new_password_again", new),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = b
        .post_form(
            "/console/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", &alice.password),
                ("new_password", new),
                ("new_password_again", new),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r).as_deref(), Some("/login?next=/"));
    // This session ended with the others.
    let r = b.get("/console/account").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let again = Browser::new(&s.base);
    again
        .sign_in(&User {
            id: alice.id,
            name: alice.name.clone(),
            password: new.to_string(),
            personal_workspace: alice.personal_workspace,
        })
        .await;
    assert_eq!(again.get("/console/account").await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_errors_stand_under_their_field_in_both_languages() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    for (lang, mismatch, wrong) in [
        (
            "en",
            "The two new passwords differ.",
            "The current password is wrong.",
        ),
        ("zh-CN", "两次输入的新密码不一致。", "当前密码不正确。"),
    ] {
        let b = signed_in(&s, &alice, lang).await;
        let page = b.get("/console/account").await.text().await.unwrap();
        let csrf = form_field(&page, "csrf").unwrap();
        let r = b
            .post_form(
                "/console/account/password",
                &[
                    ("csrf", &csrf),
                    ("current_password", &alice.password),
                    ("new_password", "a much longer new passphrase 42"),
                    ("new_password_again", "something else entirely 42"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{lang}");
        assert_eq!(
            error_of(&r.text().await.unwrap(), "new_password_again"),
            mismatch
        );
        let r = b
            .post_form(
                "/console/account/password",
                &[
                    ("csrf", &csrf),
                    ("current_password", "not the password"),
                    ("new_password", "a much longer new passphrase 42"),
                    ("new_password_again", "a much longer new passphrase 42"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{lang}");
        assert_eq!(
            error_of(&r.text().await.unwrap(), "current_password"),
            wrong
        );
        // The old password still works: nothing changed.
        assert_eq!(b.get("/console/account").await.status(), StatusCode::OK);
    }
}
