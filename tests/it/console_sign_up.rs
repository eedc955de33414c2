//! Sign-up, where the operator enables it: off by default (the page does not
//! exist), on with `allow_sign_up`; a new account is an ordinary one, signed in at
//! once; errors stand under their field in the page's language; one address cannot
//! mint accounts in bulk.

use crate::testkit::*;
use reqwest::StatusCode;

async fn open_sign_up() -> Server {
    Server::start_configured(|s| s.allow_sign_up = true).await
}

fn error_of(page: &str, field: &str) -> Option<String> {
    let open = format!("id=\"{field}-error\">");
    let at = page.find(&open)? + open.len();
    Some(page[at..at + page[at..].find('<')?].to_string())
}

/// Posts the sign-up form from a fresh visit of the page (its CSRF cookie and token).
async fn sign_up(b: &Browser, user_name: &str, password: &str, again: &str) -> reqwest::Response {
    let page = b.get("/signup").await.text().await.unwrap();
    let csrf = form_field(&page, "csrf").expect("the form's CSRF token");
    b.post_form(
        "/signup",
        &[
            ("csrf", &csrf),
            ("user_name", user_name),
            ("password", password),
            ("password_again", again),
            ("next", "/"),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_is_off_unless_the_operator_enables_it() {
    let s = Server::start(Db::Sqlite).await;
    let b = Browser::new(&s.base);
    let login = b.get("/login").await.text().await.unwrap();
    assert!(!login.contains("/signup"), "no way to sign up: {login}");
    assert_eq!(b.get("/signup").await.status(), StatusCode::NOT_FOUND);
    let r = b
        .post_form(
            "/signup",
            &[
                ("csrf", "x"),
                ("user_name", "mallory"),
                ("password", "long enough password"),
                ("password_again", "long enough password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let n = s
        .state
        .store
        .account_by_name("mallory")
        .await
        .unwrap()
        .is_some();
    assert!(!n, "no account was made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_up_lands_on_the_console_and_signs_in_again_later() {
    let s = open_sign_up().await;
    let b = Browser::new(&s.base);
    let login = b.get("/login").await.text().await.unwrap();
    assert!(login.contains("href=\"/signup\""), "{login}");

    let r = sign_up(
        &b,
        "carol",
        "carol's long password",
        "carol's long password",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r).as_deref(), Some("/"));
    let home = b.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.unwrap().contains("carol"));

    // An ordinary account: no super admin powers, its own personal workspace.
    let carol = s
        .state
        .store
        .account_by_name("carol")
        .await
        .unwrap()
        .unwrap();
    assert!(!carol.is_super_admin);
    let workspaces = s.state.store.workspaces_of(carol.id, None).await.unwrap();
    assert_eq!(workspaces.len(), 1, "a personal workspace");

    // The new password works on the sign-in page, from another browser.
    let later = Browser::new(&s.base);
    let page = later.get("/login").await.text().await.unwrap();
    let csrf = form_field(&page, "csrf").unwrap();
    let r = later
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("user_name", "carol"),
                ("password", "carol's long password"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The audit log says who signed up.
    let admin = s.super_admin("root").await;
    let events = s
        .login(&admin)
        .await
        .get("/api/manage/audit_events?kind=signed_up")
        .await;
    let events = events.ok().as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["actor_user_id"], carol.id.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_errors_stand_under_their_field_in_both_languages_and_keep_the_name() {
    let s = open_sign_up().await;
    s.user("taken").await;
    for (lang, taken, mismatch, short) in [
        (
            "en",
            "That user name is taken; choose another.",
            "The two passwords differ.",
            "Use 8 to 256 characters.",
        ),
        (
            "zh-CN",
            "该用户名已被占用，请换一个。",
            "两次输入的密码不一致。",
            "请使用 8 到 256 个字符。",
        ),
    ] {
        let b = Browser::new(&s.base);
        b.get(&format!("/lang/{lang}?next=/signup")).await;
        let long = "a long enough password";

        let r = sign_up(&b, "taken", long, long).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let page = r.text().await.unwrap();
        assert_eq!(
            error_of(&page, "user_name").as_deref(),
            Some(taken),
            "{page}"
        );
        assert!(page.contains("value=\"taken\""), "the typed name stays");
        assert!(!page.contains(long), "a password is never shown back");

        let r = sign_up(&b, "dave", long, "another long password").await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert_eq!(error_of(&page, "password_again").as_deref(), Some(mismatch));

        let r = sign_up(&b, "dave", "short", "short").await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert_eq!(error_of(&page, "password").as_deref(), Some(short));

        let r = sign_up(&b, "dave smith", long, long).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert!(error_of(&page, "user_name").is_some(), "{page}");

        // A form from elsewhere (no matching cookie) makes nothing.
        let r = Browser::new(&s.base)
            .post_form(
                "/signup",
                &[
                    ("csrf", "forged"),
                    ("user_name", "dave"),
                    ("password", long),
                    ("password_again", long),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let made = s.state.store.account_by_name("dave").await.unwrap();
        assert!(made.is_none(), "nothing was made");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_mint_accounts_in_bulk() {
    let s = open_sign_up().await;
    let b = Browser::new(&s.base);
    let long = "a long enough password";
    for i in 0..5 {
        let r = sign_up(&b, &format!("bulk{i}"), long, long).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "sign-up {i} goes through"
        );
    }
    let r = sign_up(&b, "bulk5", long, long).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let made = s.state.store.account_by_name("bulk5").await.unwrap();
    assert!(made.is_none());
}
