//! `transfer`: a whole database copied into an empty one (SQLite into
//! PostgreSQL, and back) checks out table by table; a target in use, a source
//! with a table Buckle does not know or from another schema version are refused
//! before anything is written; a target row changed after the copy is found.

use crate::kit::{Engine, TestDb};
use buckle_store::transfer::{self, TransferError};

/// Rows in most tables, with what differs between the engines: booleans, NULLs,
/// a table without a primary key, text keys whose order depends on collation
/// ('B' < 'a' by bytes, not in most locales), non-ASCII text, and an audit log
/// whose highest id was deleted (the next id must still be above it).
const ROWS: &[&str] = &[
    "INSERT INTO accounts (id, user_name, nick_name, password_hash, is_super_admin, created_at) \
     VALUES (11, 'ann', 'Ann é', 'argon2-digest', TRUE, 100), (12, 'bob', 'Bob', '', FALSE, 101), \
     (9007199254740993, 'big', 'Big', '', FALSE, 102)",
    "INSERT INTO organizations (id, kind, name, token_max_days, created_at) \
     VALUES ('a-org', 'team', 'lower', NULL, 1), ('B-org', 'enterprise', 'upper', 30, 2), \
     ('Z-org', 'team', 'zed', 7, 3)",
    "INSERT INTO organization_members (org_id, account_id, role, joined_at) \
     VALUES ('a-org', 11, 'super_admin', 5), ('B-org', 12, 'member', 6), ('B-org', 11, 'admin', 7)",
    "INSERT INTO workspaces (id, name, org_id, owner_account_id, created_at) \
     VALUES (21, 'Personal', NULL, 11, 1), (22, 'team ws', 'B-org', 12, 2)",
    "INSERT INTO workspace_members (workspace_id, account_id, role, joined_at) \
     VALUES (21, 11, 'owner', 1), (22, 12, 'owner', 2)",
    "INSERT INTO access_tokens (id, kind, token_hash, hint, name, account_id, org_id, created_by, \
     permissions, all_workspaces, workspace_ids, created_at, expires_at, last_used_at) \
     VALUES (31, 'pat', 'h31', 'pat_ab', 'mine', 11, NULL, 11, 'Account.readProfile', TRUE, '', 1, NULL, 5), \
     (32, 'pat', 'h32', 'pat_cd', 'team', 11, 'B-org', 11, 'Bot.list', FALSE, '22', 1, 99, NULL)",
    "INSERT INTO oauth_apps (id, client_id, name, app_type, client_type, owner_account_id, \
     created_by, permissions, enabled, created_at, updated_at) \
     VALUES (41, 'c41', 'app one', 'normal', 'service', 11, 11, 'Account.readProfile', FALSE, 1, 1)",
    "INSERT INTO oauth_grants (id, app_id, kind, account_id, org_id, permissions, all_workspaces, \
     created_by, created_at) VALUES (51, 41, 'appauth', 0, 'B-org', 'Bot.list', TRUE, 11, 1)",
    "INSERT INTO personal_account_access (token_id, grant_id, account_id, created_at) \
     VALUES (32, NULL, 11, 1), (NULL, 51, 11, 2)",
    "INSERT INTO throttle_counters (scope, key_hash, failures, last_failure_at) \
     VALUES ('sign_in', '*', 3, 1), ('sign_in', 'Zz', 1, 2), ('sign_in', 'aa', 2, 3)",
    "INSERT INTO audit_events (id, at, kind, actor_account_id, target, detail) \
     VALUES (1, 10, 'sign_in', 11, '', '{}'), (2, 11, 'token_created', 11, '31', '{\"a\":1}'), \
     (3, 12, 'sign_out', NULL, '', '{}')",
    "DELETE FROM audit_events WHERE id = 3",
];

fn postgres_identity_insert() -> &'static str {
    "INSERT INTO audit_events (at, kind) VALUES (99, 'after_the_move')"
}

async fn copied(from: Engine, to: Engine) {
    let source = TestDb::new(from).await;
    let target = TestDb::new(to).await;
    let rows: Vec<String> = ROWS
        .iter()
        .map(|s| match from {
            // GENERATED ALWAYS: explicit ids need the override on PostgreSQL.
            Engine::Postgres if s.starts_with("INSERT INTO audit_events") => {
                s.replace(") VALUES", ") OVERRIDING SYSTEM VALUE VALUES")
            }
            _ => s.to_string(),
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    source.raw(&rows).await;

    let report = transfer::copy(&source.url, &target.url, &|_| {})
        .await
        .expect("copy");
    assert!(report.committed, "{}", report.render());
    assert!(report.matches(), "{}", report.render());
    let count = |name: &str| {
        report
            .tables
            .iter()
            .find(|t| t.table == name)
            .unwrap_or_else(|| panic!("{name} not in the report"))
            .target_rows
    };
    assert_eq!(count("accounts"), 3);
    assert_eq!(count("organizations"), 3);
    assert_eq!(count("personal_account_access"), 2);
    assert_eq!(count("throttle_counters"), 3);
    assert_eq!(count("audit_events"), 2);
    assert_eq!(count("oauth_tokens"), 0);
    // Every table of the schema is in the report, parents before children.
    let position = |name: &str| report.tables.iter().position(|t| t.table == name).unwrap();
    assert!(position("accounts") < position("organization_members"));
    assert!(position("organizations") < position("workspaces"));
    assert!(position("oauth_grants") < position("personal_account_access"));
    assert!(report.tables.iter().all(|t| t.table != "_sqlx_migrations"));

    // Read back independently, the two databases are the same.
    let again = transfer::verify(&source.url, &target.url)
        .await
        .expect("verify");
    assert!(again.matches(), "{}", again.render());
    assert_eq!(again.tables, report.tables);

    // The target's store reads what was copied.
    let ann = target
        .store
        .account_by_name("ann")
        .await
        .unwrap()
        .expect("ann copied");
    assert_eq!(ann.id.get(), 11);
    assert!(ann.is_super_admin);
    // A new audit row gets an id past every id the source handed out (3, deleted).
    let next = match to {
        Engine::Postgres => postgres_identity_insert().to_string(),
        Engine::Sqlite => {
            "INSERT INTO audit_events (at, kind) VALUES (99, 'after_the_move')".into()
        }
    };
    target.raw(&[&next]).await;
    let ids = audit_ids(&target).await;
    let newest = *ids.last().unwrap();
    match from {
        // SQLite remembers the deleted 3; PostgreSQL's source sequence is not read.
        Engine::Sqlite => assert!(newest > 3, "{ids:?}"),
        Engine::Postgres => assert!(newest > 2, "{ids:?}"),
    }
}

async fn audit_ids(db: &TestDb) -> Vec<i64> {
    let sql = "SELECT id FROM audit_events ORDER BY id";
    match db.engine {
        Engine::Sqlite => {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        }
        Engine::Postgres => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        }
    }
}

async fn row_total(db: &TestDb) -> i64 {
    let report = transfer::verify(&db.url, &db.url).await.expect("verify");
    report.tables.iter().map(|t| t.target_rows as i64).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_into_postgres() {
    copied(Engine::Sqlite, Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_into_sqlite() {
    copied(Engine::Postgres, Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_into_sqlite() {
    copied(Engine::Sqlite, Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_in_use_is_refused_and_left_as_it_was() {
    let source = TestDb::new(Engine::Sqlite).await;
    source.raw(&ROWS[..2]).await;
    let target = TestDb::new(Engine::Postgres).await;
    // One row in a table the copy would reach last is enough.
    target
        .raw(&["INSERT INTO throttle_counters VALUES ('sign_in', 'k', 1, 1)"])
        .await;
    let err = transfer::copy(&source.url, &target.url, &|_| {})
        .await
        .expect_err("a target with rows is refused");
    let TransferError::Refused(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("not empty"), "{message}");
    assert!(message.contains("throttle_counters"), "{message}");
    assert_eq!(row_total(&target).await, 1, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_buckle_does_not_know_is_refused() {
    let source = TestDb::new(Engine::Sqlite).await;
    source
        .raw(&[
            ROWS[0],
            "CREATE TABLE extra_notes (id INTEGER PRIMARY KEY, body TEXT)",
        ])
        .await;
    let target = TestDb::new(Engine::Postgres).await;
    let err = transfer::copy(&source.url, &target.url, &|_| {})
        .await
        .expect_err("an unknown table is refused");
    assert!(
        matches!(&err, TransferError::Refused(m) if m.contains("extra_notes")),
        "{err}"
    );
    assert_eq!(row_total(&target).await, 0, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_of_another_schema_version_is_refused() {
    let source = TestDb::new(Engine::Sqlite).await;
    source
        .raw(&[
            ROWS[0],
            "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
        ])
        .await;
    let target = TestDb::new(Engine::Postgres).await;
    let err = transfer::copy(&source.url, &target.url, &|_| {})
        .await
        .expect_err("an older schema is refused");
    assert!(
        matches!(&err, TransferError::Refused(m) if m.contains("older Buckle") && m.contains("run this Buckle once")),
        "{err}"
    );
    assert_eq!(row_total(&target).await, 0, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_is_not_changed() {
    let source = TestDb::new(Engine::Sqlite).await;
    source.raw(ROWS).await;
    let before = transfer::verify(&source.url, &source.url).await.unwrap();
    let target = TestDb::new(Engine::Postgres).await;
    transfer::copy(&source.url, &target.url, &|_| {})
        .await
        .unwrap();
    let after = transfer::verify(&source.url, &source.url).await.unwrap();
    assert_eq!(before, after);
    // A missing source file is refused, not created.
    let missing = source.url.replace("store.db", "missing.db");
    let err = transfer::copy(&missing, &target.url, &|_| {})
        .await
        .expect_err("no such source");
    assert!(matches!(err, TransferError::Refused(_)), "{err}");
    let path = missing.trim_start_matches("sqlite://");
    assert!(!std::path::Path::new(path).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_target_row_is_found_by_its_checksum() {
    let source = TestDb::new(Engine::Sqlite).await;
    source.raw(ROWS).await;
    let target = TestDb::new(Engine::Postgres).await;
    let report = transfer::copy(&source.url, &target.url, &|_| {})
        .await
        .unwrap();
    assert!(report.matches());
    // Same count, one value changed: only the digest can tell.
    target
        .raw(&["UPDATE access_tokens SET last_used_at = 6 WHERE id = 31"])
        .await;
    let found = transfer::verify(&source.url, &target.url).await.unwrap();
    assert!(!found.matches());
    assert_eq!(found.mismatched(), ["access_tokens"]);
    let row = found
        .tables
        .iter()
        .find(|t| t.table == "access_tokens")
        .unwrap();
    assert_eq!(row.source_rows, row.target_rows);
    assert_ne!(row.source_sha256, row.target_sha256);
    assert!(found.render().contains("MISMATCH"));
    // A missing row: the count differs too.
    target
        .raw(&["DELETE FROM throttle_counters WHERE key_hash = '*'"])
        .await;
    let found = transfer::verify(&source.url, &target.url).await.unwrap();
    assert_eq!(found.mismatched(), ["access_tokens", "throttle_counters"]);
}

#[test]
fn urls_in_messages_hide_the_password() {
    assert_eq!(
        transfer::redact_url("postgres://buckle:s3cret@db.example:5432/buckle?sslmode=require"),
        "postgres://buckle:***@db.example:5432/buckle"
    );
    assert_eq!(
        transfer::redact_url("sqlite:///var/lib/buckle/buckle.db?mode=rwc"),
        "sqlite:///var/lib/buckle/buckle.db"
    );
}

/// A PostgreSQL database whose text sorts linguistically ('a' < 'B'), as
/// production databases made with an en_US locale do, where SQLite sorts by
/// bytes ('B' < 'a'): the checksums still agree, both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_keys_hash_alike_under_a_linguistic_collation() {
    let admin = std::env::var("BUCKLE_TEST_POSTGRES_URL").expect("BUCKLE_TEST_POSTGRES_URL");
    let name = format!("buckle_test_{}", buckle_core::ids::new_id());
    let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::Executor::execute(
        &mut c,
        sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
        )),
    )
    .await
    .unwrap();
    let (head, _) = admin.rsplit_once('/').unwrap();
    let linguistic = format!("{head}/{name}");

    let source = TestDb::new(Engine::Sqlite).await;
    source.raw(ROWS).await;
    let into = transfer::copy(&source.url, &linguistic, &|_| {}).await;
    let back = TestDb::new(Engine::Sqlite).await;
    let out = match &into {
        Ok(_) => Some(transfer::copy(&linguistic, &back.url, &|_| {}).await),
        Err(_) => None,
    };
    sqlx::Executor::execute(
        &mut c,
        sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
    )
    .await
    .unwrap();

    let into = into.expect("copy into the linguistic database");
    assert!(into.committed && into.matches(), "{}", into.render());
    let out = out.unwrap().expect("copy out of it");
    assert!(out.committed && out.matches(), "{}", out.render());
    // The same rows hash the same on the way in and on the way out.
    assert_eq!(into.tables, out.tables);
}
