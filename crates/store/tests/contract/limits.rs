//! Limits under races: N concurrent creations never pass an owner's app limit or
//! an app's key limit, however they interleave.

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_both_engines, race};
use buckle_core::ClientType;
use buckle_store::AppKey;

const RACERS: usize = 20;
const LIMIT: i64 = 3;

on_both_engines!(
    a_person_never_passes_the_app_limit,
    an_organization_never_passes_the_app_limit,
    an_app_never_passes_the_key_limit,
);

async fn a_person_never_passes_the_app_limit(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let created = race(RACERS, |_| {
        let store = db.store.clone();
        let app = fixtures::new_app(person, None, ClientType::Web);
        async move { store.create_app(&app, LIMIT).await.expect("create app") }
    })
    .await;
    assert_eq!(
        created.iter().filter(|c| **c).count() as i64,
        LIMIT,
        "{created:?}"
    );
    assert_eq!(
        db.store.apps_of(person, None).await.unwrap().len() as i64,
        LIMIT
    );
}

async fn an_organization_never_passes_the_app_limit(db: TestDb) {
    let admin = fixtures::account(&db.store).await;
    let org = fixtures::organization(&db.store, admin).await;
    // The person's own apps count apart from the organization's.
    fixtures::app(&db.store, admin, None, ClientType::Web).await;
    let created = race(RACERS, |_| {
        let store = db.store.clone();
        let app = fixtures::new_app(admin, Some(&org), ClientType::Service);
        async move { store.create_app(&app, LIMIT).await.expect("create app") }
    })
    .await;
    assert_eq!(
        created.iter().filter(|c| **c).count() as i64,
        LIMIT,
        "{created:?}"
    );
    let apps = db.store.apps_of(admin, Some(&org)).await.unwrap();
    assert_eq!(apps.len() as i64, LIMIT);
}

async fn an_app_never_passes_the_key_limit(db: TestDb) {
    let person = fixtures::account(&db.store).await;
    let app = fixtures::app(&db.store, person, None, ClientType::Service).await;
    let app_id = app.id;
    let added = race(RACERS, |i| {
        let store = db.store.clone();
        let key = AppKey {
            app_id,
            fingerprint: format!("fingerprint-{i}"),
            public_pem: "-----BEGIN PUBLIC KEY-----".into(),
            created_at: NOW,
        };
        async move { store.add_app_key(&key, LIMIT).await.expect("add key") }
    })
    .await;
    assert_eq!(
        added.iter().filter(|a| **a).count() as i64,
        LIMIT,
        "{added:?}"
    );
    assert_eq!(db.store.app_keys(app.id).await.unwrap().len() as i64, LIMIT);
}
