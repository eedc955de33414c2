//! Three Buckle processes on one PostgreSQL behave as one (issue 9, point 4):
//! a change made through one reaches the credential caches of the others
//! (`LISTEN/NOTIFY`), and what is single use stays single use across them.
//!
//! Every token is used on the other nodes first, so they hold it in memory for
//! the cache's lifetime (10 s by default); the refusal they then give within the
//! deadline (5 s, shorter than that lifetime) can only come from the change
//! reaching them. The issue asks for one second; how long it took is printed,
//! never asserted.

use crate::oauth::{CALLBACK, TOKEN, app, authorize_url, claims, code_for, exchange, header};
use crate::oauth::{jwt_token, service_app, web_flow};
use crate::testkit::*;
use serde_json::json;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(50);

/// Node A and two more on its database.
async fn three_nodes() -> (Server, Server, Server) {
    let a = Server::start(Db::Postgres).await;
    let b = a.start_beside().await;
    let c = a.start_beside().await;
    (a, b, c)
}

/// Calls `path` with `token` on `node` every [`POLL`] until it is refused as an
/// invalid token; how long that took since `since`.
async fn refused_on(node: &Server, token: &str, path: &str, since: Instant) -> Duration {
    loop {
        let r = node.bearer(token).get(path).await;
        if r.status == 401 {
            r.fails(401, 4100);
            return since.elapsed();
        }
        r.ok();
        assert!(
            since.elapsed() < DEADLINE,
            "{} still accepts the token {DEADLINE:?} after the change",
            node.base
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Both other nodes refuse `token`: how long each took.
async fn refused_on_both(
    b: &Server,
    c: &Server,
    token: &str,
    path: &str,
    since: Instant,
) -> [Duration; 2] {
    let (tb, tc) = tokio::join!(
        refused_on(b, token, path, since),
        refused_on(c, token, path, since)
    );
    [tb, tc]
}

/// `token` works on `b` and `c` (twice, so both hold it in memory).
async fn used_on_both(b: &Server, c: &Server, token: &str, path: &str) {
    for node in [b, c, b, c] {
        node.bearer(token).get(path).await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_revoked_on_one_node_is_refused_on_the_others() {
    let (a, b, c) = three_nodes().await;
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    let mut took = Vec::new();
    for _ in 0..7 {
        let (id, token) = session
            .pat(json!({"name": "t", "permissions": ["Account.readProfile"],
                         "all_workspaces": true, "expires_in": "1d"}))
            .await;
        used_on_both(&b, &c, &token, "/v1/users/me").await;
        session
            .delete(&format!("/api/manage/personal_access_tokens/{id}"))
            .await
            .ok();
        let since = Instant::now();
        a.bearer(&token).get("/v1/users/me").await.fails(401, 4100);
        took.extend(refused_on_both(&b, &c, &token, "/v1/users/me", since).await);
    }
    took.sort();
    eprintln!(
        "revocation reached the other nodes in: min {:?}, median {:?}, max {:?} ({} observations, polled every {POLL:?})",
        took[0],
        took[took.len() / 2],
        took[took.len() - 1],
        took.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn disabling_an_app_on_one_node_reaches_its_tokens_on_the_others() {
    let (a, b, c) = three_nodes().await;
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    let f = web_flow(&a, &alice, &session, "Web", &["Account.readProfile"]).await;
    used_on_both(&b, &c, &f.access, "/v1/users/me").await;
    session
        .post(&format!("/api/manage/apps/{}/disable", f.id), json!({}))
        .await
        .ok();
    let took = refused_on_both(&b, &c, &f.access, "/v1/users/me", Instant::now()).await;
    eprintln!("app disabling reached the other nodes in {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uninstalling_an_app_on_one_node_reaches_its_tokens_on_the_others() {
    let (a, b, c) = three_nodes().await;
    let acme = Org::build(&a, "acme")
        .owner("owner")
        .member("bob")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((_, owner), (bob, _)) = (acme.member("owner"), acme.member("bob"));
    let team = acme.id.clone();
    let dev = a.login(&a.user("dev").await).await;
    let web = app(&dev, "Third Party", "web", &["Bot.list"]).await;
    let (id, secret) = (
        web["app_id"].as_str().unwrap(),
        web["client_secret"].as_str().unwrap(),
    );
    let browser = Browser::new(&a.base);
    let (_, page) = browser.open_as(&authorize_url(id, CALLBACK, ""), bob).await;
    let r = browser.consent(&page, "approve", &team).await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let access = exchange(&a, id, Some(secret), &code, json!({}))
        .await
        .token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let installation = format!("/api/manage/organizations/{team}/installations/{id}");
    owner.post(&installation, json!({})).await.ok();
    let bots = format!("/v1/bots?workspace_id={}", acme.workspace("shared"));
    used_on_both(&b, &c, &access, &bots).await;
    owner.delete(&installation).await.ok();
    let took = refused_on_both(&b, &c, &access, &bots, Instant::now()).await;
    eprintln!("uninstalling reached the other nodes in {took:?}");
}

/// A node whose listening connection is cut listens again, and forgets what it
/// held, since changes made meanwhile were never told to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_whose_listener_was_cut_still_sees_changes() {
    let (a, b, c) = three_nodes().await;
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    let (id, token) = session
        .pat(json!({"name": "t", "permissions": ["Account.readProfile"],
                     "all_workspaces": true, "expires_in": "1d"}))
        .await;
    used_on_both(&b, &c, &token, "/v1/users/me").await;
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&a.database_url)
        .await
        .unwrap();
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN %' \
         AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert_eq!(cut, 3, "each node listens on a connection of its own");
    // Made while the nodes may not listen yet: each either hears it or, on
    // listening again, forgets everything.
    session
        .delete(&format!("/api/manage/personal_access_tokens/{id}"))
        .await
        .ok();
    let took = refused_on_both(&b, &c, &token, "/v1/users/me", Instant::now()).await;
    eprintln!("with the listeners cut, revocation reached the other nodes in {took:?}");
}

/// Enforced by the database, not the caches: each is used on node A, then
/// refused on node B.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jtis_codes_and_refresh_tokens_are_single_use_across_nodes() {
    let (a, b, _c) = three_nodes().await;
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    // A JWT's `jti` (B accepts A's name as audience, as one deployment's nodes do).
    let (sid, key) = service_app(&a, &session, "Service").await;
    let jwt = key.sign(&header(&key), &claims(&a, &sid));
    jwt_token(&a, TOKEN, &jwt, json!({})).await.token();
    jwt_token(&b, TOKEN, &jwt, json!({}))
        .await
        .error(400, "invalid_grant");
    // An authorization code.
    let f = web_flow(&a, &alice, &session, "Web", &["Account.readProfile"]).await;
    let code = code_for(&a, &alice, &f.id, "").await;
    exchange(&a, &f.id, Some(&f.secret), &code, json!({}))
        .await
        .token();
    exchange(&b, &f.id, Some(&f.secret), &code, json!({}))
        .await
        .error(400, "invalid_grant");
    // A refresh token.
    let body =
        json!({"client_id": f.id, "grant_type": "refresh_token", "refresh_token": f.refresh});
    oauth_post(&a.base, TOKEN, Some(&f.secret), body.clone())
        .await
        .token();
    oauth_post(&b.base, TOKEN, Some(&f.secret), body)
        .await
        .error(400, "invalid_grant");
}
