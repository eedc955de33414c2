//! Console sessions: signing in sets an HttpOnly cookie and hands out a CSRF token that
//! every mutation needs; sign-in throttling is per account; signing out or changing the
//! password ends sessions (but not access tokens).

use super::*;
use crate::on_both_databases;

on_both_databases!(
    sign_in_cookie_csrf_and_sign_out,
    sign_in_throttling_is_per_account,
    changing_the_password_ends_sessions,
);

async fn sign_in_cookie_csrf_and_sign_out(s: Server) {
    let alice = s.user("alice").await;
    let wrong = sign_in(&s, "alice", "not-the-password").await;
    assert_eq!(wrong.fails(401, 4100), "Wrong user name or password.");
    let unknown = sign_in(&s, "nobody", "whatever-password").await;
    assert_eq!(unknown.fails(401, 4100), "Wrong user name or password.");

    let resp = reqwest::Client::new()
        .post(s.url("/api/manage/session"))
        .json(&json!({"user_name": "alice", "password": alice.password}))
        .send()
        .await
        .unwrap();
    let set_cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("buckle_session="))
        .expect("a buckle_session cookie");
    let attrs: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{set_cookie}");
    assert!(attrs.contains(&"SameSite=Lax"), "{set_cookie}");
    assert!(attrs.contains(&"Path=/"), "{set_cookie}");
    let session = attrs[0]
        .strip_prefix("buckle_session=")
        .unwrap()
        .to_string();
    assert!(session.len() >= 32, "{set_cookie}");
    let login = Reply::of(resp).await;
    let d = login.ok();
    let csrf = d["csrf_token"].as_str().unwrap().to_string();
    assert!(!csrf.is_empty());
    assert_ne!(csrf, session, "the CSRF token is not the cookie");
    assert!(
        !login.body.to_string().contains(&session),
        "the body never repeats the cookie"
    );
    assert_eq!(d["account"]["user_id"], json!(alice.id.to_string()));
    assert_eq!(d["account"]["user_name"], json!("alice"));

    // Reads need the cookie only.
    let cur = raw(
        &s,
        Method::GET,
        "/api/manage/session",
        Some(&session),
        None,
        None,
    )
    .await;
    assert_eq!(cur.ok()["account"]["user_id"], json!(alice.id.to_string()));
    assert_eq!(cur.ok()["csrf_token"], json!(csrf));
    raw(&s, Method::GET, "/api/manage/session", None, None, None)
        .await
        .fails(401, 4100);
    raw(&s, Method::GET, "/api/manage/workspaces", None, None, None)
        .await
        .fails(401, 4100);
    raw(
        &s,
        Method::GET,
        "/api/manage/session",
        Some("not-a-session"),
        None,
        None,
    )
    .await
    .fails(401, 4100);

    // Mutations also need the CSRF header, and the right one.
    let ws = json!({"name": "csrf probe"});
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        None,
        Some(ws.clone()),
    )
    .await
    .fails(403, 4101);
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some("wrong"),
        Some(ws.clone()),
    )
    .await
    .fails(403, 4101);
    let bob = s.user("bob").await;
    let bobs = s.login(&bob).await;
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some(&bobs.csrf),
        Some(ws.clone()),
    )
    .await
    .fails(403, 4101);
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        None,
        Some(&csrf),
        Some(ws.clone()),
    )
    .await
    .fails(401, 4100);
    let created = raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some(&csrf),
        Some(ws),
    )
    .await;
    assert_eq!(created.ok()["name"], json!("csrf probe"));
    // Only the accepted request made a workspace.
    let list = raw(
        &s,
        Method::GET,
        "/api/manage/workspaces",
        Some(&session),
        None,
        None,
    )
    .await;
    let probes = list
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["name"] == json!("csrf probe"))
        .count();
    assert_eq!(probes, 1);

    // Signing out needs the header too, then ends the session for good.
    raw(
        &s,
        Method::DELETE,
        "/api/manage/session",
        Some(&session),
        None,
        None,
    )
    .await
    .fails(403, 4101);
    let out = reqwest::Client::new()
        .delete(s.url("/api/manage/session"))
        .header("cookie", format!("buckle_session={session}"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    let cleared = out
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("buckle_session="))
        .expect("sign-out clears the cookie");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    Reply::of(out).await.ok();
    raw(
        &s,
        Method::GET,
        "/api/manage/session",
        Some(&session),
        None,
        None,
    )
    .await
    .fails(401, 4100);
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some(&csrf),
        Some(json!({"name": "late"})),
    )
    .await
    .fails(401, 4100);
    // Bob's session is untouched.
    bobs.get("/api/manage/session").await.ok();
}

/// User names are case-sensitive (`alice` and `ALICE` are two accounts; the
/// lookup and the UNIQUE constraint compare exactly), and so is the sign-in
/// throttle: guessing one account's password neither slows down, nor is reset by
/// a success of, another account.
async fn sign_in_throttling_is_per_account(s: Server) {
    s.state.clock.freeze();
    let lower = s.user("alice").await;
    let upper = s.user("ALICE").await;
    for i in 0..buckle_core::throttle::ACCOUNT.free_failures {
        sign_in(&s, "alice", &format!("guess-{i}"))
            .await
            .fails(401, 4100);
    }
    sign_in(&s, "alice", &lower.password).await.fails(429, 4013);
    // Another account, whose password nobody guessed, signs in.
    let other = sign_in(&s, "ALICE", &upper.password).await;
    assert_eq!(
        other.ok()["account"]["user_id"],
        json!(upper.id.to_string())
    );
    // And its success does not lift the wait of the first one.
    sign_in(&s, "alice", &lower.password).await.fails(429, 4013);
}

async fn changing_the_password_ends_sessions(s: Server) {
    let alice = s.user("alice").await;
    let first = s.login(&alice).await;
    let second = s.login(&alice).await;
    let pat = first.simple_pat(&["Account.readProfile"]).await;
    let path = "/api/manage/accounts/me/password";

    first
        .post(
            path,
            json!({"current_password": "wrong password", "new_password": "brand new secret"}),
        )
        .await
        .fails(403, 4101);
    first
        .post(
            path,
            json!({"current_password": alice.password, "new_password": "short"}),
        )
        .await
        .fails(400, 4000);
    // A token cannot change the password, even with management points.
    let manager = first.simple_pat(&["Manage.tokens"]).await;
    s.bearer(&manager)
        .post(
            path,
            json!({"current_password": alice.password, "new_password": "brand new secret"}),
        )
        .await
        .fails(403, 4101);
    // Nothing changed so far.
    second.get("/api/manage/session").await.ok();
    sign_in(&s, "alice", &alice.password).await.ok();

    first
        .post(
            path,
            json!({"current_password": alice.password, "new_password": "brand new secret"}),
        )
        .await
        .ok();
    first.get("/api/manage/session").await.fails(401, 4100);
    second.get("/api/manage/session").await.fails(401, 4100);
    second
        .post("/api/manage/workspaces", json!({"name": "w"}))
        .await
        .fails(401, 4100);
    sign_in(&s, "alice", &alice.password).await.fails(401, 4100);
    let again = sign_in(&s, "alice", "brand new secret").await;
    assert_eq!(
        again.ok()["account"]["user_id"],
        json!(alice.id.to_string())
    );
    // Access tokens are not sessions: they keep working.
    s.bearer(&pat).get("/v1/users/me").await.ok();
}
