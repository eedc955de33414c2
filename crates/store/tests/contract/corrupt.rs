//! A stored word that names nothing the code knows (written by hand, or by a newer
//! Buckle) is `StoreError::Corrupt` naming the column: never a default value.

use crate::fixtures::{self};
use crate::kit::{Engine, TestDb, on_both_engines};
use buckle_core::{ClientType, WorkspaceId};
use buckle_store::{AccessToken, StoreError};

on_both_engines!(unknown_stored_words_are_corrupt);

/// Runs `update` with the columns' CHECK constraints out of the way, as a corrupt
/// or newer database would have it.
async fn write_past_checks(db: &TestDb, constraint: &str, table: &str, update: &str) {
    match db.engine {
        Engine::Sqlite => {
            db.raw(&["PRAGMA ignore_check_constraints = ON", update])
                .await
        }
        Engine::Postgres => {
            let drop = format!("ALTER TABLE {table} DROP CONSTRAINT {constraint}");
            db.raw(&[&drop, update]).await
        }
    }
}

#[track_caller]
fn corrupt<T: std::fmt::Debug>(r: Result<T, StoreError>, table: &str, column: &str, value: &str) {
    match r {
        Err(StoreError::Corrupt {
            table: t,
            column: c,
            value: v,
        }) => assert_eq!((t, c, v.as_str()), (table, column, value)),
        other => panic!("expected Corrupt in {table}.{column}, got {other:?}"),
    }
}

async fn unknown_stored_words_are_corrupt(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let app = fixtures::app(s, person, None, ClientType::Web).await;
    let grant = fixtures::obo_grant(s, &app, person, None).await;
    let tokens = fixtures::issued_tokens(s, &grant).await;

    // An unknown client type: every read of the app says so.
    let update = format!(
        "UPDATE oauth_apps SET client_type = 'desktop' WHERE id = {}",
        app.id
    );
    write_past_checks(&db, "oauth_apps_client_type_check", "oauth_apps", &update).await;
    corrupt(s.app(app.id).await, "oauth_apps", "client_type", "desktop");
    corrupt(
        s.app_by_client_id(&app.client_id).await,
        "oauth_apps",
        "client_type",
        "desktop",
    );
    corrupt(
        s.apps_of(person, None).await,
        "oauth_apps",
        "client_type",
        "desktop",
    );

    // An unknown access token kind used to read as a personal token.
    let pat = fixtures::pat(person);
    s.insert_token(&pat).await.unwrap();
    let update = format!(
        "UPDATE access_tokens SET kind = 'xat' WHERE id = {}",
        pat.id
    );
    write_past_checks(&db, "access_tokens_kind_check", "access_tokens", &update).await;
    corrupt(
        s.token_by_hash(&pat.token_hash).await,
        "access_tokens",
        "kind",
        "xat",
    );
    // A workspace list with something that is not an id in it is not read narrower.
    let listed = AccessToken {
        id: buckle_core::ids::new_id(),
        token_hash: fixtures::digest(),
        all_workspaces: false,
        workspace_ids: vec![WorkspaceId(7), WorkspaceId(8)],
        ..pat.clone()
    };
    s.insert_token(&listed).await.unwrap();
    assert_eq!(
        s.token_by_id(listed.id)
            .await
            .unwrap()
            .unwrap()
            .workspace_ids,
        vec![WorkspaceId(7), WorkspaceId(8)]
    );
    let update = format!(
        "UPDATE access_tokens SET workspace_ids = '7 x8' WHERE id = {}",
        listed.id
    );
    db.raw(&[&update]).await;
    corrupt(
        s.token_by_id(listed.id).await,
        "access_tokens",
        "workspace_ids",
        "x8",
    );

    // An OAuth token of a kind that is not an OAuth token's.
    let update = format!(
        "UPDATE oauth_tokens SET kind = 'pat' WHERE token_hash = '{}'",
        tokens.access.token_hash
    );
    write_past_checks(&db, "oauth_tokens_kind_check", "oauth_tokens", &update).await;
    corrupt(
        s.oauth_token_by_hash(&tokens.access.token_hash).await,
        "oauth_tokens",
        "kind",
        "pat",
    );

    // A grant of no one (both "none" sentinels).
    let update = format!(
        "UPDATE oauth_grants SET account_id = 0, org_id = '' WHERE id = {}",
        grant.id
    );
    db.raw(&[&update]).await;
    corrupt(s.grant(grant.id).await, "oauth_grants", "account_id", "0");

    // A role no organization has.
    let org = fixtures::organization(s, person).await;
    let update = format!(
        "UPDATE organization_members SET role = 'owner' WHERE org_id = '{}'",
        &org
    );
    write_past_checks(
        &db,
        "organization_members_role_check",
        "organization_members",
        &update,
    )
    .await;
    corrupt(
        s.role_in(&org, person).await,
        "organization_members",
        "role",
        "owner",
    );
    corrupt(
        s.organizations_of(person).await,
        "organization_members",
        "role",
        "owner",
    );
}

on_both_engines!(stored_organization_ids_are_read_strictly);

/// An organization id column holding something that could not name an
/// organization is corrupt: it is not handed on as an id.
async fn stored_organization_ids_are_read_strictly(db: TestDb) {
    let s = &db.store;
    let query = buckle_store::AuditQuery {
        limit: 10,
        ..Default::default()
    };
    db.raw(&[
        "INSERT INTO audit_events (at, kind, org_id, target, detail) VALUES (1, 'sign_in', 'a/b', '', '{}')",
    ])
    .await;
    corrupt(
        s.audit_events(&query).await,
        "audit_events",
        "org_id",
        "a/b",
    );
    db.raw(&["UPDATE audit_events SET org_id = '1234567890123456789'"])
        .await;
    let read = s.audit_events(&query).await.unwrap();
    assert_eq!(
        read[0].org_id.as_ref().map(|o| o.as_str()),
        Some("1234567890123456789")
    );
}

on_both_engines!(stored_workspace_lists_are_read_strictly);

/// A grant's or an OAuth token's workspace list with an entry that is not an id
/// is corrupt: dropping the entry would silently read the list narrower (or,
/// emptied, as no workspace at all).
async fn stored_workspace_lists_are_read_strictly(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let app = fixtures::app(s, person, None, ClientType::Web).await;
    let mut grant = fixtures::obo_grant(s, &app, person, None).await;
    let tokens = fixtures::issued_tokens(s, &grant).await;

    // A listed grant reads back as written.
    grant.all_workspaces = false;
    grant.workspace_ids = vec![WorkspaceId(7), WorkspaceId(8)];
    s.upsert_grant(&grant).await.unwrap();
    let read = s.grant(grant.id).await.unwrap().unwrap();
    assert_eq!(
        (read.all_workspaces, read.workspace_ids),
        (false, vec![WorkspaceId(7), WorkspaceId(8)])
    );

    let update = format!(
        "UPDATE oauth_grants SET workspace_ids = '7 x8' WHERE id = {}",
        grant.id
    );
    db.raw(&[&update]).await;
    corrupt(
        s.grant(grant.id).await,
        "oauth_grants",
        "workspace_ids",
        "x8",
    );
    corrupt(
        s.obo_grants_of(person).await,
        "oauth_grants",
        "workspace_ids",
        "x8",
    );
    corrupt(
        s.grants_of_app(app.id).await,
        "oauth_grants",
        "workspace_ids",
        "x8",
    );

    // The token check's read of an OAuth token, likewise.
    let hash = &tokens.access.token_hash;
    let update = format!(
        "UPDATE oauth_tokens SET all_workspaces = false, workspace_ids = '5 6' WHERE token_hash = '{hash}'"
    );
    db.raw(&[&update]).await;
    let read = s.oauth_token_by_hash(hash).await.unwrap().unwrap();
    assert_eq!(
        read.record.workspace_ids,
        vec![WorkspaceId(5), WorkspaceId(6)]
    );
    let update =
        format!("UPDATE oauth_tokens SET workspace_ids = '5 six' WHERE token_hash = '{hash}'");
    db.raw(&[&update]).await;
    corrupt(
        s.oauth_token_by_hash(hash).await,
        "oauth_tokens",
        "workspace_ids",
        "six",
    );
}
