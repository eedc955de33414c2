//! When tokens were last used, written in batches (`touch_tokens`): each
//! token gets its own time, a later time already recorded stays, and a token
//! deleted meanwhile is passed over without failing the rest.

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_every_engine};
use buckle_store::AccessToken;

on_every_engine!(a_batch_of_uses_records_each_token_s_latest,);

async fn last_used(db: &TestDb, id: i64) -> Option<i64> {
    db.store
        .token_by_id(id)
        .await
        .unwrap()
        .unwrap()
        .last_used_at
}

async fn a_batch_of_uses_records_each_token_s_latest(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let tokens: Vec<AccessToken> = (0..3).map(|_| fixtures::pat(person)).collect();
    for t in &tokens {
        db.store.insert_token(t).await.unwrap();
    }
    let (a, b, c) = (tokens[0].id, tokens[1].id, tokens[2].id);
    db.store
        .touch_tokens(&[(a, NOW + 10), (b, NOW + 20)])
        .await
        .unwrap();
    assert_eq!(last_used(&db, a).await, Some(NOW + 10));
    assert_eq!(last_used(&db, b).await, Some(NOW + 20));
    assert_eq!(last_used(&db, c).await, None);
    // Another process recorded a later use of `b` first: it stays. A deleted
    // token is passed over, and the rest of the batch is written.
    assert!(db.store.delete_token(c).await.unwrap());
    db.store
        .touch_tokens(&[(a, NOW + 30), (b, NOW + 15), (c, NOW + 30)])
        .await
        .unwrap();
    assert_eq!(last_used(&db, a).await, Some(NOW + 30));
    assert_eq!(last_used(&db, b).await, Some(NOW + 20));
    assert!(db.store.token_by_id(c).await.unwrap().is_none());
    db.store.touch_tokens(&[]).await.unwrap();
}
