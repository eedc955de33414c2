//! Token families: a redemption into a revoked family, or for a deleted
//! authorization, writes nothing and leaves its secret unused; and a family
//! revoked while its refresh token is rotated keeps no token, whichever of the
//! two gets there first.

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_every_engine, race};
use buckle_core::ClientType;
use buckle_store::{NewUserTokens, Redeemed};

on_every_engine!(
    a_revoked_family_gets_no_tokens_and_its_code_stays_unused,
    a_deleted_authorization_gets_no_tokens,
    a_device_code_not_yet_approved_is_not_used_up,
    revoking_a_family_while_it_rotates_leaves_it_no_token,
);

async fn stored(db: &TestDb, tokens: &NewUserTokens) -> (bool, bool) {
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
    (access.is_some(), refresh.is_some())
}

async fn a_revoked_family_gets_no_tokens_and_its_code_stays_unused(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Web).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let code = fixtures::code(&db.store, &grant).await;
    db.store.revoke_family(code.family_id, NOW).await.unwrap();
    let tokens = fixtures::user_tokens(&grant, code.family_id);
    let outcome = db
        .store
        .redeem_code(&code.code_hash, NOW, &tokens)
        .await
        .unwrap();
    assert_eq!(outcome, Redeemed::FamilyRevoked);
    assert_eq!(stored(&db, &tokens).await, (false, false));
    let unused = db.store.code(&code.code_hash).await.unwrap().unwrap();
    assert_eq!(unused.used_at, None);
}

async fn a_deleted_authorization_gets_no_tokens(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Pkce).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let first = fixtures::issued_tokens(&db.store, &grant).await;
    assert!(db.store.delete_grant(grant.id).await.unwrap());
    let successor = fixtures::user_tokens(&grant, first.refresh.family_id);
    let outcome = db
        .store
        .redeem_refresh_token(&first.refresh.token_hash, NOW, &successor)
        .await
        .unwrap();
    assert_eq!(outcome, Redeemed::AuthorizationGone);
    assert_eq!(stored(&db, &successor).await, (false, false));
}

async fn a_device_code_not_yet_approved_is_not_used_up(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Device).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let pending = fixtures::device_code(&db.store, &app).await;
    let tokens = fixtures::user_tokens(&grant, buckle_core::ids::new_id());
    let outcome = db
        .store
        .redeem_device_code(&pending.device_code_hash, NOW, &tokens)
        .await
        .unwrap();
    assert_eq!(outcome, Redeemed::AlreadyUsed);
    assert_eq!(stored(&db, &tokens).await, (false, false));
    let still = db
        .store
        .device_code(&pending.device_code_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.used_at, None);
}

/// Rotations and a revocation of the same family at once, many times over:
/// whichever commits first, the family ends with no access or refresh token,
/// and a rotation that lost to the revocation says so.
async fn revoking_a_family_while_it_rotates_leaves_it_no_token(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Pkce).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    for round in 0..10 {
        let first = fixtures::issued_tokens(&db.store, &grant).await;
        let family = first.refresh.family_id;
        let successor = fixtures::user_tokens(&grant, family);
        let outcomes = race(2, |i| {
            let (store, hash, successor) = (
                db.store.clone(),
                first.refresh.token_hash.clone(),
                successor.clone(),
            );
            async move {
                if i == 0 {
                    Some(
                        store
                            .redeem_refresh_token(&hash, NOW, &successor)
                            .await
                            .unwrap(),
                    )
                } else {
                    store.revoke_family(family, NOW).await.unwrap();
                    None
                }
            }
        })
        .await;
        let rotated = outcomes[0].expect("the rotation's outcome");
        assert!(
            matches!(rotated, Redeemed::Issued | Redeemed::FamilyRevoked),
            "round {round}: {rotated:?}"
        );
        for tokens in [&first, &successor] {
            assert_eq!(stored(&db, tokens).await, (false, false), "round {round}");
        }
    }
}
