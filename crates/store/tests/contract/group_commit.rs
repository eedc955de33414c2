//! Grants' writes share transactions (group commit): under concurrency each
//! one still answers for itself, exactly once, and only after its commit; one
//! that fails fails alone and leaves nothing behind.

use crate::fixtures::{self, LATER, NOW};
use crate::kit::{TestDb, on_every_engine, race};
use buckle_core::{ClientType, GrantKind, GrantOwner, TokenKind};
use buckle_store::{JtiRedeemed, NewOAuthToken, Redeemed, StoreError};

const RACERS: usize = 40;

on_every_engine!(
    a_jwt_id_redeems_exactly_one_app_token,
    a_jwt_for_a_deleted_authorization_stores_no_token,
    many_grants_at_once_each_get_their_own_answer,
    a_failing_grant_fails_alone_and_writes_nothing,
);

/// An app token for `grant`, not stored.
fn app_token(grant: &buckle_store::Grant) -> NewOAuthToken {
    let mut t = fixtures::user_tokens(grant, 0).access;
    t.kind = TokenKind::AppOauth;
    t.family_id = None;
    t
}

async fn app_grant(db: &TestDb) -> buckle_store::Grant {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Service).await;
    fixtures::grant(
        &db.store,
        &app,
        GrantKind::AppAuth,
        GrantOwner::Account(person),
        None,
    )
    .await
}

async fn stored(db: &TestDb, t: &NewOAuthToken) -> bool {
    db.store
        .oauth_token_by_hash(&t.token_hash)
        .await
        .unwrap()
        .is_some()
}

async fn a_jwt_id_redeems_exactly_one_app_token(db: TestDb) {
    let grant = app_grant(&db).await;
    let tokens: Vec<_> = (0..RACERS).map(|_| app_token(&grant)).collect();
    let outcomes = race(RACERS, |i| {
        let (store, token) = (db.store.clone(), tokens[i].clone());
        async move {
            store
                .redeem_jti("the-jti", LATER, &token, None)
                .await
                .expect("redeem jti")
        }
    })
    .await;
    let issued: Vec<_> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| **o == JtiRedeemed::Issued)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(issued.len(), 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, JtiRedeemed::Issued | JtiRedeemed::Replayed))
    );
    // Only the winner's token was stored, and it is there once answered.
    for (i, t) in tokens.iter().enumerate() {
        assert_eq!(stored(&db, t).await, issued == [i], "token {i}");
    }
    // Another app's JWT may carry the same id.
    let other = app_token(&app_grant(&db).await);
    assert_eq!(
        db.store
            .redeem_jti("the-jti", LATER, &other, None)
            .await
            .unwrap(),
        JtiRedeemed::Issued
    );
}

async fn a_jwt_for_a_deleted_authorization_stores_no_token(db: TestDb) {
    let grant = app_grant(&db).await;
    assert!(db.store.delete_grant(grant.id).await.unwrap());
    let token = app_token(&grant);
    assert_eq!(
        db.store.redeem_jti("j", LATER, &token, None).await.unwrap(),
        JtiRedeemed::AuthorizationGone
    );
    assert!(!stored(&db, &token).await);
}

/// Codes, refresh tokens and JWTs redeemed all at once: every one issued,
/// every token readable as soon as its answer arrives.
async fn many_grants_at_once_each_get_their_own_answer(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let web = fixtures::app(&db.store, person, None, ClientType::Web).await;
    let obo = fixtures::obo_grant(&db.store, &web, person, None).await;
    let app = app_grant(&db).await;
    let mut codes = Vec::new();
    for _ in 0..RACERS {
        let code = fixtures::code(&db.store, &obo).await;
        let tokens = fixtures::user_tokens(&obo, code.family_id);
        codes.push((code.code_hash, tokens));
    }
    let jwts: Vec<_> = (0..RACERS).map(|_| app_token(&app)).collect();
    let (codes, jwts) = (&codes, &jwts);
    let outcomes = race(2 * RACERS, |i| {
        let store = db.store.clone();
        if i % 2 == 0 {
            let (hash, tokens) = codes[i / 2].clone();
            Box::pin(async move {
                let r = store.redeem_code(&hash, NOW, &tokens).await.unwrap();
                let seen = store
                    .oauth_token_by_hash(&tokens.access.token_hash)
                    .await
                    .unwrap()
                    .is_some();
                (r == Redeemed::Issued, seen)
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>
        } else {
            let token = jwts[i / 2].clone();
            Box::pin(async move {
                let r = store
                    .redeem_jti(&format!("jti-{i}"), LATER, &token, None)
                    .await
                    .unwrap();
                let seen = store
                    .oauth_token_by_hash(&token.token_hash)
                    .await
                    .unwrap()
                    .is_some();
                (r == JtiRedeemed::Issued, seen)
            })
        }
    })
    .await;
    assert!(outcomes.iter().all(|o| *o == (true, true)), "{outcomes:?}");
}

/// One racer's tokens collide with a stored token (a unique violation): it
/// gets the error, its code stays unused, and every other racer is issued.
async fn a_failing_grant_fails_alone_and_writes_nothing(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let web = fixtures::app(&db.store, person, None, ClientType::Web).await;
    let obo = fixtures::obo_grant(&db.store, &web, person, None).await;
    let existing = fixtures::issued_tokens(&db.store, &obo).await;
    let mut attempts = Vec::new();
    for i in 0..RACERS {
        let code = fixtures::code(&db.store, &obo).await;
        let mut tokens = fixtures::user_tokens(&obo, code.family_id);
        if i == RACERS / 2 {
            tokens.access.token_hash = existing.access.token_hash.clone();
        }
        attempts.push((code.code_hash, tokens));
    }
    let outcomes = race(RACERS, |i| {
        let (store, (hash, tokens)) = (db.store.clone(), attempts[i].clone());
        async move { store.redeem_code(&hash, NOW, &tokens).await }
    })
    .await;
    for (i, outcome) in outcomes.iter().enumerate() {
        if i == RACERS / 2 {
            assert!(
                matches!(outcome, Err(StoreError::Conflict)),
                "{i}: {outcome:?}"
            );
        } else {
            assert_eq!(outcome.as_ref().ok(), Some(&Redeemed::Issued), "{i}");
        }
    }
    // Nothing of the failed one was kept: its code is still unused, and it
    // redeems with tokens of its own.
    let (hash, mut tokens) = attempts[RACERS / 2].clone();
    tokens.access.token_hash = fixtures::digest();
    assert_eq!(
        db.store.redeem_code(&hash, NOW, &tokens).await.unwrap(),
        Redeemed::Issued
    );
    assert!(stored(&db, &tokens.access).await);
}

/// SQLite only: no connection checkpoints inside a commit, so the database file
/// grows only when the checkpointer thread copies the log back into it. Grants
/// written in bulk reach the file while the store stays open.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_sqlite_the_log_is_copied_back_by_the_checkpointer() {
    let db = TestDb::new(crate::kit::Engine::Sqlite).await;
    let file = db.url.trim_start_matches("sqlite://").to_string();
    let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let grant = app_grant(&db).await;
    // Give the checkpointer time to copy back what setting up wrote.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let before = size();
    let tokens: Vec<_> = (0..3000).map(|_| app_token(&grant)).collect();
    race(tokens.len(), |i| {
        let (store, token) = (db.store.clone(), tokens[i].clone());
        async move { store.insert_oauth_token(&token).await.expect("insert") }
    })
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while size() <= before {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file stayed at {before} bytes: nothing checkpointed the log"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Everything written is there, whichever file holds it now.
    for t in tokens.iter().step_by(300) {
        assert!(stored(&db, t).await);
    }
}
