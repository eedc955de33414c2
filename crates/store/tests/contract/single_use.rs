//! Single use under races: a code, a refresh token, a device code and a JWT id,
//! each presented by 20 tasks at once, are used exactly once.

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_every_engine, race};
use buckle_core::ClientType;
use buckle_core::DeviceStatus;
use buckle_store::Redeemed;

const RACERS: usize = 20;

on_every_engine!(
    a_code_is_redeemed_once,
    a_refresh_token_is_rotated_once,
    a_device_code_is_decided_once_and_redeemed_once,
    a_jwt_id_is_used_once,
);

/// Exactly one `Issued`; every other racer is told it was `AlreadyUsed`.
fn exactly_one_issued(outcomes: &[Redeemed]) {
    let issued = outcomes.iter().filter(|r| **r == Redeemed::Issued).count();
    let used = outcomes
        .iter()
        .filter(|r| **r == Redeemed::AlreadyUsed)
        .count();
    assert_eq!((issued, used), (1, RACERS - 1), "{outcomes:?}");
}

async fn a_code_is_redeemed_once(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Web).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let code = fixtures::code(&db.store, &grant).await;
    // Each racer brings its own tokens, in the code's family.
    let attempts: Vec<_> = (0..RACERS)
        .map(|_| fixtures::user_tokens(&grant, code.family_id))
        .collect();
    let outcomes = race(RACERS, |i| {
        let (store, hash, tokens) = (
            db.store.clone(),
            code.code_hash.clone(),
            attempts[i].clone(),
        );
        async move {
            store
                .redeem_code(&hash, NOW, &tokens)
                .await
                .expect("redeem")
        }
    })
    .await;
    exactly_one_issued(&outcomes);
    // Only the winner's tokens were stored.
    let mut stored = 0;
    for (tokens, outcome) in attempts.iter().zip(&outcomes) {
        let access = db
            .store
            .oauth_token_by_hash(&tokens.access.token_hash)
            .await
            .unwrap();
        let refresh = db
            .store
            .refresh_token(&tokens.refresh.token_hash)
            .await
            .unwrap();
        assert_eq!(access.is_some(), *outcome == Redeemed::Issued);
        assert_eq!(refresh.is_some(), *outcome == Redeemed::Issued);
        stored += usize::from(access.is_some());
    }
    assert_eq!(stored, 1);
    let used = db.store.code(&code.code_hash).await.unwrap().unwrap();
    assert_eq!(used.used_at, Some(NOW));
}

async fn a_refresh_token_is_rotated_once(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Pkce).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let first = fixtures::issued_tokens(&db.store, &grant).await;
    let family = first.refresh.family_id;
    let successors: Vec<_> = (0..RACERS)
        .map(|_| fixtures::user_tokens(&grant, family))
        .collect();
    let outcomes = race(RACERS, |i| {
        let store = db.store.clone();
        let (hash, tokens) = (first.refresh.token_hash.clone(), successors[i].clone());
        async move {
            store
                .redeem_refresh_token(&hash, NOW, &tokens)
                .await
                .expect("redeem")
        }
    })
    .await;
    exactly_one_issued(&outcomes);
    let mut live = 0;
    for tokens in &successors {
        live += usize::from(
            db.store
                .refresh_token(&tokens.refresh.token_hash)
                .await
                .unwrap()
                .is_some(),
        );
    }
    assert_eq!(live, 1, "one successor refresh token");
}

async fn a_device_code_is_decided_once_and_redeemed_once(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Device).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let device = fixtures::device_code(&db.store, &app).await;
    // Half the racers approve, half deny: one decision wins, the code keeps it.
    let decided = race(RACERS, |i| {
        let (store, user_code) = (db.store.clone(), device.user_code.clone());
        let status = if i % 2 == 0 {
            DeviceStatus::Approved
        } else {
            DeviceStatus::Denied
        };
        let grant_id = (status == DeviceStatus::Approved).then_some(grant.id);
        async move {
            let won = store
                .decide_device_code(&user_code, status, grant_id, person, NOW)
                .await
                .expect("decide");
            (won, status)
        }
    })
    .await;
    let winners: Vec<_> = decided.iter().filter(|(won, _)| *won).collect();
    assert_eq!(winners.len(), 1, "{decided:?}");
    let stored = db
        .store
        .device_code(&device.device_code_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, winners[0].1);
    if stored.status == DeviceStatus::Denied {
        // A denied code is never redeemed; approve another to race the redemption.
        let again = fixtures::device_code(&db.store, &app).await;
        assert!(
            db.store
                .decide_device_code(
                    &again.user_code,
                    DeviceStatus::Approved,
                    Some(grant.id),
                    person,
                    NOW
                )
                .await
                .unwrap()
        );
        return redeem_race(&db, &grant, &again.device_code_hash).await;
    }
    redeem_race(&db, &grant, &device.device_code_hash).await;
}

async fn redeem_race(db: &TestDb, grant: &buckle_store::Grant, hash: &str) {
    // Each redemption starts a family of its own: only the code's state decides.
    let outcomes = race(RACERS, |_| {
        let (store, hash) = (db.store.clone(), hash.to_string());
        let tokens = fixtures::user_tokens(grant, buckle_core::ids::new_id());
        async move {
            store
                .redeem_device_code(&hash, NOW, &tokens)
                .await
                .expect("redeem")
        }
    })
    .await;
    exactly_one_issued(&outcomes);
}

async fn a_jwt_id_is_used_once(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Service).await;
    let app_id = app.id;
    let fresh = race(RACERS, |_| {
        let store = db.store.clone();
        async move {
            store
                .use_jti(app_id, "the-jti", NOW + 60)
                .await
                .expect("use jti")
        }
    })
    .await;
    assert_eq!(fresh.iter().filter(|f| **f).count(), 1, "{fresh:?}");
    // Another app's JWT may carry the same id.
    let other = fixtures::app(&db.store, person, None, ClientType::Service).await;
    assert!(
        db.store
            .use_jti(other.id, "the-jti", NOW + 60)
            .await
            .unwrap()
    );
}
