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
use buckle_server::credential_broadcast::{self, CHANNEL};
use buckle_server::credential_cache::{CacheLimits, CredentialCache, Stored};
use buckle_server::credential_change::CredentialChange;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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

/// What a bearer call answered: success, or the HTTP status and envelope code
/// of its failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Ok,
    Fails(u16, i64),
}

/// An invalid, expired or revoked token.
const REFUSED: Answer = Answer::Fails(401, 4100);
/// A valid token that may not do this.
const DENIED: Answer = Answer::Fails(403, 4101);

async fn answer(node: &Server, token: &str, path: &str) -> Answer {
    let r = node.bearer(token).get(path).await;
    if r.status == 200 && r.code() == 0 {
        Answer::Ok
    } else {
        Answer::Fails(r.status.as_u16(), r.code())
    }
}

/// Probes `node` every [`POLL`] until it gives `to`; until then it must give
/// `from`. How long that took since `since`.
async fn turns<T, F, Fut>(node: &Server, probe: F, from: &T, to: &T, since: Instant) -> Duration
where
    T: PartialEq + std::fmt::Debug,
    F: Fn() -> Fut,
    Fut: Future<Output = T>,
{
    loop {
        let got = probe().await;
        if got == *to {
            return since.elapsed();
        }
        assert_eq!(
            got, *from,
            "{} gives neither the state before the change nor after it",
            node.base
        );
        assert!(
            since.elapsed() < DEADLINE,
            "{} still gives {from:?} {DEADLINE:?} after the change",
            node.base
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Calls `path` with `token` on `node` until it is refused as an invalid
/// token (it succeeds until then); how long that took since `since`.
async fn refused_on(node: &Server, token: &str, path: &str, since: Instant) -> Duration {
    let probe = || answer(node, token, path);
    turns(node, probe, &Answer::Ok, &REFUSED, since).await
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

/// `token` answers `before` on every node, twice, so that each holds in
/// memory what the call read.
async fn seen_on_all(nodes: [&Server; 3], token: &str, path: &str, before: Answer) {
    for node in nodes.iter().chain(nodes.iter()) {
        assert_eq!(answer(node, token, path).await, before, "{}", node.base);
    }
}

/// Right after a change made through `nodes[0]`: it answers `after` at once,
/// and the other two within the deadline (answering `before` until then).
async fn reaches_all(
    nodes: [&Server; 3],
    token: &str,
    path: &str,
    before: Answer,
    after: Answer,
    what: &str,
) {
    let since = Instant::now();
    let [a, b, c] = nodes;
    assert_eq!(answer(a, token, path).await, after, "at once on {}", a.base);
    let (tb, tc) = tokio::join!(
        turns(b, || answer(b, token, path), &before, &after, since),
        turns(c, || answer(c, token, path), &before, &after, since),
    );
    eprintln!("{what} reached the other nodes in {:?}", [tb, tc]);
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

/// RFC 7009 revocation through one node: an access token alone (a JWT token
/// and a user token), then a refresh token's family.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oauth_revocation_on_one_node_reaches_the_others() {
    let (a, b, c) = three_nodes().await;
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    let revoke = |node: &Server, id: &str, secret: Option<&str>, token: &str| {
        let mut rb = reqwest::Client::new()
            .post(node.url("/api/permission/oauth2/revoke"))
            .form(&[("client_id", id), ("token", token)]);
        if let Some(secret) = secret {
            rb = rb.bearer_auth(secret);
        }
        async move { assert_eq!(rb.send().await.unwrap().status(), 200) }
    };
    let (sid, key) = service_app(&a, &session, "Svc").await;
    let jwt = key.sign(&header(&key), &claims(&a, &sid));
    let t = jwt_token(&a, TOKEN, &jwt, json!({})).await;
    let czs = t.token()["access_token"].as_str().unwrap().to_string();
    used_on_both(&b, &c, &czs, "/v1/users/me").await;
    revoke(&a, &sid, None, &czs).await;
    a.bearer(&czs).get("/v1/users/me").await.fails(401, 4100);
    let took = refused_on_both(&b, &c, &czs, "/v1/users/me", Instant::now()).await;
    eprintln!("access token revocation reached the other nodes in {took:?}");

    let f = web_flow(&a, &alice, &session, "Web", &["Account.readProfile"]).await;
    used_on_both(&b, &c, &f.access, "/v1/users/me").await;
    revoke(&a, &f.id, Some(&f.secret), &f.refresh).await;
    a.bearer(&f.access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    let took = refused_on_both(&b, &c, &f.access, "/v1/users/me", Instant::now()).await;
    eprintln!("refresh token revocation reached the other nodes in {took:?}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn editing_and_deleting_tokens_on_one_node_reach_the_others() {
    let (a, b, c) = three_nodes().await;
    let nodes = [&a, &b, &c];
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    let (id, pat) = session
        .pat(
            json!({"name": "t", "permissions": ["Account.readProfile", "Bot.list"],
                     "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    seen_on_all(nodes, &pat, "/v1/users/me", Answer::Ok).await;
    let path = format!("/api/manage/personal_access_tokens/{id}");
    session
        .patch(&path, json!({"permissions": ["Bot.list"]}))
        .await
        .ok();
    reaches_all(
        nodes,
        &pat,
        "/v1/users/me",
        Answer::Ok,
        DENIED,
        "narrowing a PAT's points",
    )
    .await;

    let acme = Org::build(&a, "acme")
        .owner("owner")
        .workspace("shared")
        .create()
        .await;
    let (_, owner) = acme.member("owner");
    let r = owner
        .post(
            &format!(
                "/api/manage/organizations/{}/service_access_tokens",
                acme.id
            ),
            json!({"name": "ci", "permissions": ["Bot.list", "Workspace.list"],
                   "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let (id, sat) = (
        r.ok()["id"].as_str().unwrap().to_string(),
        r.ok()["token"].as_str().unwrap().to_string(),
    );
    let bots = format!("/v1/bots?workspace_id={}", acme.workspace("shared"));
    seen_on_all(nodes, &sat, &bots, Answer::Ok).await;
    let path = format!("/api/manage/service_access_tokens/{id}");
    owner
        .patch(&path, json!({"permissions": ["Workspace.list"]}))
        .await
        .ok();
    reaches_all(
        nodes,
        &sat,
        &bots,
        Answer::Ok,
        DENIED,
        "narrowing a SAT's points",
    )
    .await;
    seen_on_all(nodes, &sat, "/v1/workspaces", Answer::Ok).await;
    owner.delete(&path).await.ok();
    reaches_all(
        nodes,
        &sat,
        "/v1/workspaces",
        Answer::Ok,
        REFUSED,
        "deleting a SAT",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn enabling_and_deleting_an_app_on_one_node_reach_the_others() {
    let (a, b, c) = three_nodes().await;
    let nodes = [&a, &b, &c];
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    let f = web_flow(&a, &alice, &session, "Web", &["Account.readProfile"]).await;
    let app_path = format!("/api/manage/apps/{}", f.id);
    session
        .post(&format!("{app_path}/disable"), json!({}))
        .await
        .ok();
    // Every node holds the token as its disabled app's.
    seen_on_all(nodes, &f.access, "/v1/users/me", REFUSED).await;
    session
        .post(&format!("{app_path}/enable"), json!({}))
        .await
        .ok();
    reaches_all(
        nodes,
        &f.access,
        "/v1/users/me",
        REFUSED,
        Answer::Ok,
        "enabling an app",
    )
    .await;
    seen_on_all(nodes, &f.access, "/v1/users/me", Answer::Ok).await;
    session.delete(&app_path).await.ok();
    reaches_all(
        nodes,
        &f.access,
        "/v1/users/me",
        Answer::Ok,
        REFUSED,
        "deleting an app",
    )
    .await;
}

/// The token endpoint keeps apps in memory too: a web app's new client secret
/// replaces the old one on every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_secret_reset_on_one_node_reaches_the_others() {
    let (a, b, c) = three_nodes().await;
    let alice = a.user("alice").await;
    let session = a.login(&alice).await;
    let f = web_flow(&a, &alice, &session, "Web", &["Account.readProfile"]).await;
    // A code that does not exist: the app and its secret are checked first, so
    // the answer tells whether the node takes the old secret. Nothing is used up.
    let probe = |node: &Server| {
        let (base, id, secret) = (node.base.clone(), f.id.clone(), f.secret.clone());
        async move {
            let r = oauth_post(
                &base,
                TOKEN,
                Some(&secret),
                json!({"client_id": id, "grant_type": "authorization_code", "code": "code_unknown", "redirect_uri": CALLBACK}),
            )
            .await;
            (
                r.status.as_u16(),
                r.body["error"].as_str().map(str::to_string),
            )
        }
    };
    let (before, after) = (
        (400, Some("invalid_grant".to_string())),
        (401, Some("invalid_client".to_string())),
    );
    for node in [&b, &c, &b, &c] {
        assert_eq!(probe(node).await, before, "{}", node.base);
    }
    session
        .post(&format!("/api/manage/apps/{}/secret", f.id), json!({}))
        .await
        .ok();
    let since = Instant::now();
    assert_eq!(probe(&a).await, after, "at once on {}", a.base);
    let (tb, tc) = tokio::join!(
        turns(&b, || probe(&b), &before, &after, since),
        turns(&c, || probe(&c), &before, &after, since),
    );
    eprintln!("a secret reset reached the other nodes in {:?}", [tb, tc]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn membership_changes_on_one_node_reach_the_others() {
    let (a, b, c) = three_nodes().await;
    let nodes = [&a, &b, &c];
    let acme = Org::build(&a, "acme")
        .owner("owner")
        .admin("carol")
        .member("bob")
        .member("dave")
        .workspace_with("shared", &["bob", "dave"])
        .workspace("second")
        .create()
        .await;
    let ((_, owner), (carol, _), (bob, _), (dave, _)) = (
        acme.member("owner"),
        acme.member("carol"),
        acme.member("bob"),
        acme.member("dave"),
    );
    let org = &acme.id;
    let (shared, second) = (acme.workspace("shared"), acme.workspace("second"));
    let in_shared = format!("/v1/bots?workspace_id={shared}");
    let in_second = format!("/v1/bots?workspace_id={second}");

    // An admin demoted loses an organization-level point.
    let carol_pat = acme.pat("carol", &["Organization.listMembers"]).await;
    seen_on_all(nodes, &carol_pat, "/v1/organization/members", Answer::Ok).await;
    owner
        .patch(
            &format!("/api/manage/organizations/{org}/members/{}", carol.id),
            json!({"role": "member"}),
        )
        .await
        .ok();
    reaches_all(
        nodes,
        &carol_pat,
        "/v1/organization/members",
        Answer::Ok,
        DENIED,
        "a demotion",
    )
    .await;

    // Added to a workspace, then removed from one.
    let bob_pat = acme.pat("bob", &["Bot.list"]).await;
    seen_on_all(nodes, &bob_pat, &in_second, DENIED).await;
    owner
        .add_workspace_member(second, "bob", "member")
        .await
        .ok();
    reaches_all(
        nodes,
        &bob_pat,
        &in_second,
        DENIED,
        Answer::Ok,
        "a workspace member added",
    )
    .await;
    seen_on_all(nodes, &bob_pat, &in_shared, Answer::Ok).await;
    owner
        .delete(&format!(
            "/api/manage/workspaces/{shared}/members/{}",
            bob.id
        ))
        .await
        .ok();
    reaches_all(
        nodes,
        &bob_pat,
        &in_shared,
        Answer::Ok,
        DENIED,
        "a workspace member removed",
    )
    .await;

    // Removed from the organization: their token there is gone.
    let dave_pat = acme.pat("dave", &["Bot.list"]).await;
    seen_on_all(nodes, &dave_pat, &in_shared, Answer::Ok).await;
    owner
        .delete(&format!(
            "/api/manage/organizations/{org}/members/{}",
            dave.id
        ))
        .await
        .ok();
    reaches_all(
        nodes,
        &dave_pat,
        &in_shared,
        Answer::Ok,
        REFUSED,
        "a member removed",
    )
    .await;
}

/// What introspection on `node` says `token` reaches now: whether it holds
/// `point`, and the workspaces it reaches.
async fn introspected(
    node: &Server,
    caller: &str,
    token: &str,
    point: &str,
) -> (bool, Vec<String>) {
    let r = reqwest::Client::new()
        .post(node.url("/api/permission/oauth2/introspect"))
        .bearer_auth(caller)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["active"], json!(true), "{body}");
    let points = body["permission_list"].as_array().unwrap();
    let mut workspaces: Vec<String> = body["workspace_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    workspaces.sort();
    (points.contains(&json!(point)), workspaces)
}

/// Introspection answers with a person's role and workspaces now, on every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn introspection_on_every_node_follows_membership_changes() {
    let (a, b, c) = three_nodes().await;
    let root = a.super_admin("resource-server").await;
    let caller = a.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let acme = Org::build(&a, "acme")
        .owner("owner")
        .admin("carol")
        .workspace_with("shared", &["carol"])
        .create()
        .await;
    let ((_, owner), (carol, _)) = (acme.member("owner"), acme.member("carol"));
    let shared = acme.workspace("shared");
    let token = acme
        .pat("carol", &["Organization.listMembers", "Bot.list"])
        .await;
    let point = "Organization.listMembers";
    let before = (true, vec![shared.to_string()]);
    for node in [&a, &b, &c, &a, &b, &c] {
        assert_eq!(introspected(node, &caller, &token, point).await, before);
    }
    owner
        .patch(
            &format!("/api/manage/organizations/{}/members/{}", acme.id, carol.id),
            json!({"role": "member"}),
        )
        .await
        .ok();
    owner
        .delete(&format!(
            "/api/manage/workspaces/{shared}/members/{}",
            carol.id
        ))
        .await
        .ok();
    let since = Instant::now();
    let after = (false, Vec::new());
    assert_eq!(introspected(&a, &caller, &token, point).await, after);
    // Between the two changes a node may have heard only the first.
    let halfway = (false, vec![shared.to_string()]);
    for node in [&b, &c] {
        let took = loop {
            let got = introspected(node, &caller, &token, point).await;
            if got == after {
                break since.elapsed();
            }
            assert!(got == before || got == halfway, "{}: {got:?}", node.base);
            assert!(
                since.elapsed() < DEADLINE,
                "{} still gives {got:?}",
                node.base
            );
            tokio::time::sleep(POLL).await;
        };
        eprintln!(
            "membership changes reached introspection on {} in {took:?}",
            node.base
        );
    }
}

/// A TCP relay to PostgreSQL that can make the connections that listen go
/// silent: they stay open, and nothing more passes either way, as when a
/// network path dies without a reset reaching either end.
struct SilencingRelay {
    /// The database URL through the relay.
    url: String,
    /// The silencing switch of each connection that sent `LISTEN`.
    listening: Arc<Mutex<Vec<Arc<AtomicBool>>>>,
}

impl SilencingRelay {
    async fn start(database_url: &str) -> SilencingRelay {
        let (scheme_and_user, rest) = database_url.rsplit_once('@').unwrap();
        let (upstream, database) = rest.split_once('/').unwrap();
        let upstream = upstream.to_string();
        let relay = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // In clear text, so that the relay sees which connection listens.
        let url = format!(
            "{scheme_and_user}@{}/{database}?sslmode=disable",
            relay.local_addr().unwrap()
        );
        let listening: Arc<Mutex<Vec<Arc<AtomicBool>>>> = Arc::default();
        let registry = listening.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = relay.accept().await {
                let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                let silenced = Arc::new(AtomicBool::new(false));
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(relay_bytes(
                    client_read,
                    server_write,
                    silenced.clone(),
                    Some(registry.clone()),
                ));
                tokio::spawn(relay_bytes(server_read, client_write, silenced, None));
            }
        });
        SilencingRelay { url, listening }
    }

    /// Silences every connection that listens; how many.
    fn silence_listeners(&self) -> usize {
        let listening = self.listening.lock().unwrap();
        for switch in listening.iter() {
            switch.store(true, Ordering::SeqCst);
        }
        listening.len()
    }
}

/// Copies bytes until either end closes, or forever holds both ends open and
/// passes nothing once `silenced`. Client-to-server copies (`registry`) note
/// a connection that sends `LISTEN`.
async fn relay_bytes(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    silenced: Arc<AtomicBool>,
    registry: Option<Arc<Mutex<Vec<Arc<AtomicBool>>>>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    let mut noted = false;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if silenced.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if let Some(registry) = &registry
            && !noted
            && buf[..n].windows(7).any(|w| w == b"LISTEN ")
        {
            noted = true;
            registry.lock().unwrap().push(silenced.clone());
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// A token row for the cache alone: no database holds it.
fn cached_row(id: i64) -> Stored {
    Stored::Access(buckle_store::AccessToken {
        id,
        kind: buckle_core::TokenKind::Personal,
        token_hash: format!("{id:064}"),
        hint: "pat_abc".into(),
        name: "t".into(),
        account_id: Some(buckle_core::AccountId(1)),
        org_id: None,
        created_by: buckle_core::AccountId(1),
        permissions: "Account.readProfile".into(),
        all_workspaces: true,
        workspace_ids: Vec::new(),
        created_at: 0,
        expires_at: None,
        last_used_at: None,
    })
}

/// Looks token 1 up in `cache`; whether that read the "database".
async fn read_again(cache: &CredentialCache) -> bool {
    let read = AtomicBool::new(false);
    let found = cache
        .lookup(&format!("{:064}", 1), async {
            read.store(true, Ordering::SeqCst);
            Ok(Some(cached_row(1)))
        })
        .await
        .unwrap();
    assert!(found.is_some());
    read.load(Ordering::SeqCst)
}

/// A listening connection that dies without a word is never reported by the
/// connection itself; the heartbeat notices it, the node listens again and
/// forgets what it cached meanwhile. A node with a heartbeat too slow to matter
/// here shows what would happen without one: it keeps its cached token and
/// never hears a revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_heartbeat_notices_a_listener_that_died_silently() {
    let database = fresh_postgres_database().await;
    let relay = SilencingRelay::start(&database).await;
    let limits = CacheLimits {
        ttl: Duration::from_secs(600),
        max_bytes: 1 << 20,
    };
    let mut nodes = Vec::new();
    for every in [Duration::from_millis(200), Duration::from_secs(3600)] {
        let store = buckle_store::Store::connect(&relay.url, 2).await.unwrap();
        let cache = Arc::new(CredentialCache::new(limits));
        let heartbeat = buckle_store::Heartbeat {
            every,
            within: Duration::from_millis(300),
        };
        let broadcast = credential_broadcast::start_with(&store, &cache, heartbeat)
            .await
            .expect("PostgreSQL: listening");
        assert!(read_again(&cache).await);
        assert!(!read_again(&cache).await, "held in memory");
        nodes.push((cache, broadcast));
    }
    let (watched, unwatched) = (&nodes[0].0, &nodes[1].0);
    assert_eq!(relay.silence_listeners(), 2);
    let direct = buckle_store::Store::connect(&database, 1).await.unwrap();
    let revoke = format!(
        "elsewhere {}",
        CredentialChange::AccessToken { id: 1 }.encode()
    );
    direct.notify(CHANNEL, &revoke).await.unwrap();
    let since = Instant::now();
    while !read_again(watched).await {
        assert!(
            since.elapsed() < DEADLINE,
            "the silent death went unnoticed"
        );
        tokio::time::sleep(POLL).await;
    }
    eprintln!(
        "the heartbeat noticed a silently dead listener in {:?}",
        since.elapsed()
    );
    assert!(
        !read_again(unwatched).await,
        "without a heartbeat, nothing tells a node its listener died"
    );
    // Listening again, on a connection of its own: it hears changes once more.
    direct.notify(CHANNEL, &revoke).await.unwrap();
    let since = Instant::now();
    while !read_again(watched).await {
        assert!(since.elapsed() < DEADLINE, "listening again hears nothing");
        tokio::time::sleep(POLL).await;
    }
}

/// A workspace moved into a team through one node: on every node, the owner's
/// personal token no longer reaches it and their team token does, although
/// every node held the workspace's old edition in memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_workspace_moved_on_one_node_changes_edition_on_the_others() {
    let (a, b, c) = three_nodes().await;
    let nodes = [&a, &b, &c];
    let acme = Org::build(&a, "acme").owner("ann").create().await;
    let (_, ann) = acme.member("ann");
    let moving = ann.workspace("moving", None).await;
    let in_moving = format!("/v1/bots?workspace_id={moving}");
    let personal = ann.simple_pat(&["Bot.list"]).await;
    let team = acme.pat("ann", &["Bot.list"]).await;
    seen_on_all(nodes, &personal, &in_moving, Answer::Ok).await;
    seen_on_all(nodes, &team, &in_moving, DENIED).await;

    ann.post(
        &format!("/api/manage/workspaces/{moving}/move"),
        json!({"organization_id": acme.id}),
    )
    .await
    .ok();
    tokio::join!(
        reaches_all(
            nodes,
            &personal,
            &in_moving,
            Answer::Ok,
            DENIED,
            "a move (personal token)"
        ),
        reaches_all(
            nodes,
            &team,
            &in_moving,
            DENIED,
            Answer::Ok,
            "a move (team token)"
        ),
    );
}
