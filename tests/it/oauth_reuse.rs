//! Reuse detection under races (issue 6, hole 2): many rounds of 2-, 5- and 20-way
//! races presenting one refresh token or one authorization code. After every round,
//! whatever any racer received is dead: a detected reuse revokes the whole family,
//! tokens issued concurrently with the detection included, also when the racers
//! are spread over two Buckle processes on one database.

use crate::oauth::{CALLBACK, TOKEN, app, authorize_url, exchange, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};
use std::sync::Arc;

on_both_databases!(
    refresh_token_races_leave_no_survivor,
    code_races_leave_no_survivor,
    refresh_token_races_across_two_processes_leave_no_survivor,
    code_races_across_two_processes_leave_no_survivor,
    a_revoked_family_never_gets_tokens_again,
    the_purge_keeps_a_revoked_family_while_anything_refers_to_it,
    a_redemption_that_cannot_store_its_tokens_uses_nothing_up,
);

const ROUNDS: usize = 20;
const WAYS: [usize; 3] = [2, 5, 20];

/// Signs in once, then gets one code per call through the consent page.
struct CodeSource {
    browser: Browser,
    url: String,
}

impl CodeSource {
    fn new(s: &Server, client_id: &str) -> CodeSource {
        CodeSource {
            browser: Browser::new(&s.base),
            url: authorize_url(client_id, CALLBACK, ""),
        }
    }

    async fn code(&self, user: &User) -> String {
        let (status, page) = self.browser.open_as(&self.url, user).await;
        assert_eq!(status, 200, "{page}");
        let r = self.browser.consent(&page, "approve", "").await;
        assert_eq!(r.status(), 303);
        query_params(&location(&r).unwrap())["code"].clone()
    }
}

/// Sends `n` copies of one token request at once, spread over `servers` (Buckle
/// processes on one database); their answers.
async fn race(
    servers: &[&Server],
    client: &reqwest::Client,
    secret: &str,
    body: Value,
    n: usize,
) -> Vec<OAuthReply> {
    let start = Arc::new(tokio::sync::Barrier::new(n));
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, url, secret, body, start) = (
            client.clone(),
            servers[i % servers.len()].url(TOKEN),
            secret.to_string(),
            body.clone(),
            start.clone(),
        );
        racers.spawn(async move {
            start.wait().await;
            let r = client
                .post(url)
                .bearer_auth(secret)
                .json(&body)
                .send()
                .await
                .unwrap();
            OAuthReply::of(r).await
        });
    }
    racers.join_all().await
}

/// The tokens the winners of a race received; every loser got invalid_grant.
fn winners(replies: &[OAuthReply]) -> Vec<(String, String)> {
    let mut won = Vec::new();
    for r in replies {
        if r.status == 200 {
            won.push((
                r.body["access_token"].as_str().unwrap().to_string(),
                r.body["refresh_token"].as_str().unwrap().to_string(),
            ));
        } else {
            r.error(400, "invalid_grant");
        }
    }
    won
}

async fn refresh(s: &Server, id: &str, secret: &str, token: &str) -> OAuthReply {
    oauth_post(
        &s.base,
        TOKEN,
        Some(secret),
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": token}),
    )
    .await
}

/// How many of `access` still open `/v1/users/me` and of `refresh` still refresh;
/// every one that does not must be refused in the documented shape.
async fn survivors(
    s: &Server,
    id: &str,
    secret: &str,
    access: &[String],
    refreshes: &[String],
) -> usize {
    let mut alive = 0;
    for a in access {
        let r = s.bearer(a).get("/v1/users/me").await;
        if r.status == 200 {
            alive += 1;
        } else {
            r.fails(401, 4100);
        }
    }
    for rt in refreshes {
        let r = refresh(s, id, secret, rt).await;
        if r.status == 200 {
            alive += 1;
        } else {
            r.error(400, "invalid_grant");
        }
    }
    alive
}

async fn refresh_token_races_leave_no_survivor(s: Server) {
    refresh_token_races(&s, &[&s], &WAYS).await;
}

async fn refresh_token_races_across_two_processes_leave_no_survivor(s: Server) {
    let beside = s.start_beside().await;
    refresh_token_races(&s, &[&s, &beside], &[20]).await;
}

async fn code_races_leave_no_survivor(s: Server) {
    code_races(&s, &[&s], &WAYS).await;
}

async fn code_races_across_two_processes_leave_no_survivor(s: Server) {
    let beside = s.start_beside().await;
    code_races(&s, &[&s, &beside], &[20]).await;
}

async fn refresh_token_races(s: &Server, servers: &[&Server], ways: &[usize]) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Racer", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str().unwrap();
    let codes = CodeSource::new(s, id);
    let client = reqwest::Client::new();
    let mut failed = Vec::new();
    for &n in ways {
        for round in 0..ROUNDS {
            let code = codes.code(&alice).await;
            let first = exchange(s, id, Some(secret), &code, json!({})).await;
            let access0 = first.token()["access_token"].as_str().unwrap().to_string();
            let refresh0 = first.token()["refresh_token"].as_str().unwrap().to_string();
            let body =
                json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": refresh0});
            let won = winners(&race(servers, &client, secret, body, n).await);
            assert_eq!(won.len(), 1, "one racer consumes the refresh token");
            let mut access = vec![access0];
            access.extend(won.iter().map(|w| w.0.clone()));
            let mut refreshes: Vec<String> = won.iter().map(|w| w.1.clone()).collect();
            refreshes.push(refresh0);
            let alive = survivors(s, id, secret, &access, &refreshes).await;
            if alive > 0 {
                failed.push(format!("{n}-way round {round}: {alive} alive"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "tokens survived reuse detection in {} of {} rounds: {failed:?}",
        failed.len(),
        ROUNDS * ways.len()
    );
}

async fn code_races(s: &Server, servers: &[&Server], ways: &[usize]) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Racer", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str().unwrap();
    let codes = CodeSource::new(s, id);
    let client = reqwest::Client::new();
    let mut failed = Vec::new();
    for &n in ways {
        for round in 0..ROUNDS {
            let code = codes.code(&alice).await;
            let body = json!({"client_id": id, "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK});
            let won = winners(&race(servers, &client, secret, body, n).await);
            assert_eq!(won.len(), 1, "one racer consumes the code");
            let access: Vec<String> = won.iter().map(|w| w.0.clone()).collect();
            let refreshes: Vec<String> = won.iter().map(|w| w.1.clone()).collect();
            let alive = survivors(s, id, secret, &access, &refreshes).await;
            if alive > 0 {
                failed.push(format!("{n}-way round {round}: {alive} alive"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "tokens survived reuse detection in {} of {} rounds: {failed:?}",
        failed.len(),
        ROUNDS * ways.len()
    );
}

/// One number from the database (a count), read directly.
async fn number(s: &Server, sql: &'static str, family: i64) -> i64 {
    let (n,): (i64,) = if s.database_url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&s.database_url)
            .await
            .unwrap();
        sqlx::query_as(sql)
            .bind(family)
            .fetch_one(&mut c)
            .await
            .unwrap()
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&s.database_url)
            .await
            .unwrap();
        sqlx::query_as(sql)
            .bind(family)
            .fetch_one(&mut c)
            .await
            .unwrap()
    };
    n
}

const REVOKED: &str =
    "SELECT COUNT(*) FROM oauth_families WHERE family_id = $1 AND revoked_at IS NOT NULL";
const ACCESS_TOKENS: &str = "SELECT COUNT(*) FROM oauth_tokens WHERE family_id = $1";

async fn a_revoked_family_never_gets_tokens_again(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Web Family", &["Account.readProfile"]).await;
    let hash = buckle_core::secret::hash_secret(&w.refresh);
    let row = s.state.store.refresh_token(&hash).await.unwrap().unwrap();
    // The rightful client replays the code: the family is revoked.
    exchange(&s, &w.id, Some(&w.secret), &w.code, json!({}))
        .await
        .error(400, "invalid_grant");
    assert_eq!(number(&s, REVOKED, row.family_id).await, 1);
    assert_eq!(number(&s, ACCESS_TOKENS, row.family_id).await, 0);
    // A refresh token of the family written after the revocation (as one issued
    // by a request that raced it would be) gets nothing.
    let late = buckle_core::TokenKind::Refresh.generate();
    let now = s.state.clock.now();
    s.state
        .store
        .insert_refresh_token(&buckle_store::RefreshToken {
            token_hash: buckle_core::secret::hash_secret(&late),
            created_at: now,
            expires_at: now + 3600,
            used_at: None,
            ..row.clone()
        })
        .await
        .unwrap();
    let msg = refresh(&s, &w.id, &w.secret, &late)
        .await
        .error(400, "invalid_grant");
    assert!(msg.contains("revoked"), "{msg}");
    assert_eq!(number(&s, ACCESS_TOKENS, row.family_id).await, 0);
}

async fn the_purge_keeps_a_revoked_family_while_anything_refers_to_it(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Web Purge", &["Account.readProfile"]).await;
    let hash = buckle_core::secret::hash_secret(&w.refresh);
    let family = s
        .state
        .store
        .refresh_token(&hash)
        .await
        .unwrap()
        .unwrap()
        .family_id;
    exchange(&s, &w.id, Some(&w.secret), &w.code, json!({}))
        .await
        .error(400, "invalid_grant");
    // The used code still refers to the family: the mark stays.
    s.state
        .store
        .purge_expired_oauth(s.state.clock.now())
        .await
        .unwrap();
    assert_eq!(number(&s, REVOKED, family).await, 1);
    // Once the code has expired and been purged, nothing can be presented for the
    // family any more, and its row goes too.
    s.state.clock.advance(3600);
    s.state
        .store
        .purge_expired_oauth(s.state.clock.now())
        .await
        .unwrap();
    assert_eq!(number(&s, REVOKED, family).await, 0);
}

async fn a_redemption_that_cannot_store_its_tokens_uses_nothing_up(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Web Atomic", &["Account.readProfile"]).await;
    let hash = buckle_core::secret::hash_secret(&w.refresh);
    let row = s.state.store.refresh_token(&hash).await.unwrap().unwrap();
    let now = s.state.clock.now();
    // Successors naming an authorization deleted meanwhile cannot be stored.
    let gone = -1;
    let tokens = buckle_store::NewUserTokens {
        access: buckle_store::NewOAuthToken {
            id: buckle_core::ids::new_id(),
            token_hash: buckle_core::secret::hash_secret("czu_never-issued"),
            kind: buckle_core::TokenKind::UserOauth,
            app_id: row.app_id,
            grant_id: gone,
            account_id: Some(buckle_core::AccountId(alice.id)),
            org_id: None,
            permissions: String::new(),
            all_workspaces: true,
            workspace_ids: Vec::new(),
            session_name: None,
            device_id: None,
            custom_consumer: None,
            family_id: Some(row.family_id),
            created_at: now,
            expires_at: now + 900,
        },
        refresh: buckle_store::RefreshToken {
            token_hash: buckle_core::secret::hash_secret("never-issued"),
            grant_id: gone,
            ..row.clone()
        },
    };
    let redeemed = s
        .state
        .store
        .redeem_refresh_token(&hash, now, &tokens)
        .await
        .unwrap();
    assert_eq!(redeemed, buckle_store::Redeemed::AuthorizationGone);
    // Both or neither: the refresh token was not used up, and still rotates.
    let r = refresh(&s, &w.id, &w.secret, &w.refresh).await;
    s.bearer(r.token()["access_token"].as_str().unwrap())
        .get("/v1/users/me")
        .await
        .ok();
}
