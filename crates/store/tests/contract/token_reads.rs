//! The token check's reads: a token by its hash together with the account it
//! acts for, in one statement; a token that acts for no one has none. On
//! PostgreSQL the reads waiting at once share one statement, and each must
//! still get its own token and person.

use crate::fixtures::{self};
use crate::kit::{TestDb, on_both_engines, race};
use buckle_core::{ClientType, GrantKind, GrantOwner, TokenKind};
use buckle_store::{AccessToken, AccountProfile};

on_both_engines!(
    an_access_token_is_read_with_its_person,
    an_oauth_token_is_read_with_its_person,
    many_token_checks_at_once_each_get_their_own_token,
);

async fn profile(db: &TestDb, person: buckle_core::AccountId) -> AccountProfile {
    AccountProfile::from(db.store.account_by_id(person).await.unwrap().unwrap())
}

fn access_token(kind: TokenKind, person: buckle_core::AccountId) -> AccessToken {
    AccessToken {
        kind,
        account_id: (kind == TokenKind::Personal).then_some(person),
        ..fixtures::pat(person)
    }
}

async fn an_access_token_is_read_with_its_person(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let org = fixtures::organization(&db.store, person).await;
    let pat = access_token(TokenKind::Personal, person);
    let sat = AccessToken {
        org_id: Some(org),
        ..access_token(TokenKind::Service, person)
    };
    for t in [&pat, &sat] {
        db.store.insert_token(t).await.unwrap();
    }
    let (read, account) = db
        .store
        .token_and_account_by_hash(&pat.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.id, pat.id);
    assert_eq!(account, Some(profile(&db, person).await));
    // A service token acts for no person, though a person made it.
    let (read, account) = db
        .store
        .token_and_account_by_hash(&sat.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.id, sat.id);
    assert_eq!(account, None);
    let unknown = fixtures::digest();
    assert!(
        db.store
            .token_and_account_by_hash(&unknown)
            .await
            .unwrap()
            .is_none()
    );
}

async fn an_oauth_token_is_read_with_its_person(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Web).await;
    let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
    let user = fixtures::issued_tokens(&db.store, &grant).await.access;
    let (read, account) = db
        .store
        .oauth_token_and_account_by_hash(&user.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.record.id, user.id);
    assert_eq!(account, Some(profile(&db, person).await));

    let service = fixtures::app(&db.store, person, None, ClientType::Service).await;
    let appauth = fixtures::grant(
        &db.store,
        &service,
        GrantKind::AppAuth,
        GrantOwner::Account(person),
        None,
    )
    .await;
    let mut app_token = fixtures::user_tokens(&appauth, 0).access;
    app_token.kind = TokenKind::AppOauth;
    app_token.account_id = None;
    app_token.family_id = None;
    db.store.insert_oauth_token(&app_token).await.unwrap();
    let (read, account) = db
        .store
        .oauth_token_and_account_by_hash(&app_token.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.record.id, app_token.id);
    assert_eq!(account, None);
}

async fn many_token_checks_at_once_each_get_their_own_token(db: TestDb) {
    // (hash, the token's id and person; `None` for an unknown hash)
    let mut access = Vec::new();
    let mut oauth = Vec::new();
    for _ in 0..6 {
        let person = fixtures::account(&db.store).await;
        for _ in 0..4 {
            let pat = access_token(TokenKind::Personal, person);
            db.store.insert_token(&pat).await.unwrap();
            access.push((pat.token_hash, Some((pat.id, person))));
        }
        let app = fixtures::app(&db.store, person, None, ClientType::Web).await;
        let grant = fixtures::obo_grant(&db.store, &app, person, None).await;
        for _ in 0..3 {
            let user = fixtures::issued_tokens(&db.store, &grant).await.access;
            oauth.push((user.token_hash, Some((user.id, person))));
        }
    }
    for _ in 0..8 {
        access.push((fixtures::digest(), None));
        oauth.push((fixtures::digest(), None));
    }
    let asked: Vec<_> = access
        .iter()
        .map(|a| (true, a))
        .chain(oauth.iter().map(|o| (false, o)))
        .collect();
    let answers = race(asked.len(), |i| {
        let (store, (is_access, (hash, _))) = (db.store.clone(), asked[i]);
        let hash = hash.clone();
        async move {
            if is_access {
                let found = store.token_and_account_by_hash(&hash).await.expect("read");
                found.map(|(t, a)| (t.token_hash, t.id, a.map(|a| a.id)))
            } else {
                let found = store
                    .oauth_token_and_account_by_hash(&hash)
                    .await
                    .expect("read");
                found.map(|(t, a)| (t.record.token_hash, t.record.id, a.map(|a| a.id)))
            }
        }
    })
    .await;
    for ((_, (hash, expected)), answer) in asked.iter().zip(answers) {
        match (expected, answer) {
            (Some((id, person)), Some((read_hash, read_id, account))) => {
                assert_eq!(&read_hash, hash);
                assert_eq!((read_id, account), (*id, Some(*person)));
            }
            (None, None) => {}
            (expected, got) => panic!("{hash}: expected {expected:?}, got {got:?}"),
        }
    }
}
