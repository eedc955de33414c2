//! The schema check that runs before any migration: a fresh database has every
//! migration pending, a database missing some gets them (or is refused when
//! migrations must wait for `buckle admin migrate`), and a database newer than the
//! binary, one with an altered migration or one a failed migration left dirty is
//! refused before anything is written.

use crate::kit::{Engine, TestDb, on_both_engines};
use buckle_store::{Migrations, SchemaProblem, Store, StoreError};

async fn fresh_url(engine: Engine, dir: &tempfile::TempDir) -> String {
    match engine {
        Engine::Sqlite => format!("sqlite://{}", dir.path().join("fresh.db").display()),
        Engine::Postgres => crate::kit::fresh_postgres_database().await.0,
    }
}

fn refused(r: Result<Store, StoreError>) -> SchemaProblem {
    match r {
        Err(StoreError::Schema(p)) => p,
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("opened"),
    }
}

async fn version_rows(db: &TestDb) -> i64 {
    let status = db.store.schema_status().await.unwrap();
    status.database_version
}

async fn a_fresh_database_gets_every_migration(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_url(db.engine, &dir).await;
    let binary = db.store.schema_status().await.unwrap().binary_version;
    let p = refused(Store::connect_with(&url, 2, Migrations::Require).await);
    assert_eq!(
        p,
        SchemaProblem::Pending {
            count: binary as usize,
            binary
        }
    );
    assert!(p.to_string().contains("buckle admin migrate"), "{p}");
    let store = Store::connect_with(&url, 2, Migrations::Leave)
        .await
        .unwrap();
    let status = store.schema_status().await.unwrap();
    assert_eq!(
        (status.database_version, status.pending.len()),
        (0, binary as usize)
    );
    assert!(!status.is_current());
    let applied = store.apply_pending().await.unwrap();
    assert_eq!(applied.len(), binary as usize);
    assert_eq!(applied[0].version, 1);
    assert!(store.schema_status().await.unwrap().is_current());
    assert!(
        store.apply_pending().await.unwrap().is_empty(),
        "nothing twice"
    );
    store.close().await;
}

async fn a_pending_migration_is_applied_or_waited_for(db: TestDb) {
    let last = version_rows(&db).await;
    // The database as the release before the last migration left it.
    let delete = format!("DELETE FROM _sqlx_migrations WHERE version = {last}");
    db.raw(&["DROP TABLE personal_account_access", &delete])
        .await;
    let status = db.store.schema_status().await.unwrap();
    assert_eq!(status.pending.len(), 1);
    assert_eq!(status.pending[0].version, last);
    let p = refused(Store::connect_with(&db.url, 2, Migrations::Require).await);
    assert_eq!(
        p,
        SchemaProblem::Pending {
            count: 1,
            binary: last
        }
    );
    let store = Store::connect_with(&db.url, 2, Migrations::Apply)
        .await
        .unwrap();
    assert!(store.schema_status().await.unwrap().is_current());
    store.close().await;
}

async fn a_newer_database_is_refused_untouched(db: TestDb) {
    let last = version_rows(&db).await;
    let checksum = match db.engine {
        Engine::Sqlite => "X'00'",
        Engine::Postgres => "'\\x00'::bytea",
    };
    let insert = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ({}, 'newer', TRUE, {checksum}, 1)",
        last + 1
    );
    db.raw(&[&insert]).await;
    for policy in [Migrations::Apply, Migrations::Require, Migrations::Leave] {
        let p = refused(Store::connect_with(&db.url, 2, policy).await);
        assert_eq!(
            p,
            SchemaProblem::Newer {
                database: last + 1,
                binary: last
            }
        );
        assert!(p.to_string().contains("upgrade buckle or restore a backup"));
    }
    assert!(matches!(
        db.store.apply_pending().await,
        Err(StoreError::Schema(SchemaProblem::Newer { .. }))
    ));
    let status = db.store.schema_status().await.unwrap();
    assert_eq!(status.database_version, last + 1);
    assert!(!status.is_current());
}

async fn an_altered_migration_is_refused(db: TestDb) {
    let last = version_rows(&db).await;
    let checksum = match db.engine {
        Engine::Sqlite => "X'00'",
        Engine::Postgres => "'\\x00'::bytea",
    };
    db.raw(&[&format!(
        "UPDATE _sqlx_migrations SET checksum = {checksum} WHERE version = 2"
    )])
    .await;
    let p = refused(Store::connect_with(&db.url, 2, Migrations::Apply).await);
    assert_eq!(
        p,
        SchemaProblem::Altered {
            version: 2,
            binary: last
        }
    );
    assert!(p.to_string().contains("upgrade buckle or restore a backup"));
}

async fn a_dirty_database_is_refused(db: TestDb) {
    let last = version_rows(&db).await;
    db.raw(&[&format!(
        "UPDATE _sqlx_migrations SET success = FALSE WHERE version = {last}"
    )])
    .await;
    let p = refused(Store::connect_with(&db.url, 2, Migrations::Apply).await);
    assert_eq!(
        p,
        SchemaProblem::Dirty {
            version: last,
            binary: last
        }
    );
}

on_both_engines!(
    a_fresh_database_gets_every_migration,
    a_pending_migration_is_applied_or_waited_for,
    a_newer_database_is_refused_untouched,
    an_altered_migration_is_refused,
    a_dirty_database_is_refused,
);
