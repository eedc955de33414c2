//! What the token endpoint reads before a redemption: a code, refresh token or
//! device code together with its grant, in one statement, the same as reading
//! each alone; on PostgreSQL the reads waiting at once share a statement, and
//! each still gets the row it asked for.

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_both_engines, race};
use buckle_core::{ClientType, DeviceStatus};
use buckle_store::Grant;

on_both_engines!(
    a_code_and_a_refresh_token_are_read_with_their_grant,
    a_device_code_has_a_grant_only_once_approved,
    many_reads_at_once_each_get_their_own_row,
);

/// Debug output covers every field of both.
fn same_grant(read: Option<Grant>, alone: &Grant) {
    let read = read.expect("the grant is found with the row");
    assert_eq!(format!("{read:?}"), format!("{alone:?}"));
}

async fn a_code_and_a_refresh_token_are_read_with_their_grant(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let org = fixtures::organization(&db.store, person).await;
    let app = fixtures::app(&db.store, person, Some(&org), ClientType::Web).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, Some(&org)).await;
    let grant = db.store.grant(grant.id).await.unwrap().unwrap();

    let code = fixtures::code(&db.store, &grant).await;
    let (read, with) = db
        .store
        .code_and_grant(&code.code_hash)
        .await
        .unwrap()
        .expect("the code");
    let alone = db.store.code(&code.code_hash).await.unwrap().unwrap();
    assert_eq!(format!("{read:?}"), format!("{alone:?}"));
    same_grant(with, &grant);

    let tokens = fixtures::issued_tokens(&db.store, &grant).await;
    let (read, with) = db
        .store
        .refresh_token_and_grant(&tokens.refresh.token_hash)
        .await
        .unwrap()
        .expect("the refresh token");
    let alone = db
        .store
        .refresh_token(&tokens.refresh.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(format!("{read:?}"), format!("{alone:?}"));
    same_grant(with, &grant);

    let unknown = fixtures::digest();
    assert!(db.store.code_and_grant(&unknown).await.unwrap().is_none());
    assert!(
        db.store
            .refresh_token_and_grant(&unknown)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.store
            .device_code_and_grant(&unknown)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_device_code_has_a_grant_only_once_approved(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Device).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let grant = db.store.grant(grant.id).await.unwrap().unwrap();
    let pending = fixtures::device_code(&db.store, &app).await;
    let hash = &pending.device_code_hash;
    let (read, with) = db.store.device_code_and_grant(hash).await.unwrap().unwrap();
    assert_eq!(read.status, DeviceStatus::Pending);
    assert!(with.is_none());

    assert!(
        db.store
            .decide_device_code(
                &pending.user_code,
                DeviceStatus::Approved,
                Some(grant.id),
                person,
                NOW
            )
            .await
            .unwrap()
    );
    let (read, with) = db.store.device_code_and_grant(hash).await.unwrap().unwrap();
    let alone = db.store.device_code(hash).await.unwrap().unwrap();
    assert_eq!(format!("{read:?}"), format!("{alone:?}"));
    assert_eq!(read.grant_id, Some(grant.id));
    same_grant(with, &grant);
}

/// Codes of several people, and hashes that find nothing, read all at once:
/// each read answers for its own hash, with its own code's grant.
async fn many_reads_at_once_each_get_their_own_row(db: TestDb) {
    let mut codes = Vec::new();
    for _ in 0..6 {
        let person = fixtures::account(&db.store).await;
        let app = fixtures::app(&db.store, person, None, ClientType::Pkce).await;
        let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
        for _ in 0..5 {
            codes.push((fixtures::code(&db.store, &grant).await, grant.id));
        }
    }
    let unknown: Vec<String> = (0..10).map(|_| fixtures::digest()).collect();
    let asked: Vec<(String, Option<i64>)> = codes
        .iter()
        .map(|(c, grant)| (c.code_hash.clone(), Some(*grant)))
        .chain(unknown.into_iter().map(|h| (h, None)))
        .collect();
    let answers = race(asked.len(), |i| {
        let (store, hash) = (db.store.clone(), asked[i].0.clone());
        async move { store.code_and_grant(&hash).await.expect("read") }
    })
    .await;
    for ((hash, grant), answer) in asked.iter().zip(answers) {
        match (grant, answer) {
            (Some(grant), Some((code, Some(read)))) => {
                assert_eq!(&code.code_hash, hash);
                assert_eq!((code.grant_id, read.id), (*grant, *grant));
            }
            (None, None) => {}
            (expected, got) => panic!("{hash}: expected grant {expected:?}, got {got:?}"),
        }
    }
}
