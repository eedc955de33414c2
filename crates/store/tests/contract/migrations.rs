//! The SQLite and PostgreSQL migration sets say the same thing: the same files,
//! and, applied to fresh databases, the same tables, columns (name, nullability,
//! type class), primary keys, unique constraints and CHECK word lists. Each
//! schema is read back from the database it was applied to, as a set of facts;
//! a fact only one engine has is a drift.

use crate::kit::{Engine, TestDb};
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn migrations(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect)
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The engines' column types, by what they hold.
fn type_class(declared: &str) -> String {
    let t = declared.trim().to_ascii_lowercase();
    match t.as_str() {
        "integer" | "int" | "bigint" | "smallint" | "int2" | "int4" | "int8" | "bigserial"
        | "serial" => "integer".into(),
        "text" | "character varying" | "varchar" => "text".into(),
        "boolean" | "bool" => "boolean".into(),
        _ => t,
    }
}

/// The strings between single quotes in `s`, in order.
fn quoted(s: &str) -> Vec<String> {
    s.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A CHECK's column and word list from SQLite's `CHECK (col IN ('a', 'b'))`.
fn sqlite_checks(table: &str, sql: &str, facts: &mut BTreeSet<String>) {
    for part in sql.split("CHECK").skip(1) {
        let inner = part.trim_start().trim_start_matches('(').trim_start();
        let column: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let list = inner.split_once(')').map(|(l, _)| l).unwrap_or(inner);
        facts.insert(check_fact(table, &column, quoted(list)));
    }
}

/// PostgreSQL renders `CHECK ((col = ANY (ARRAY['a'::text, 'b'::text])))`.
fn postgres_check(table: &str, def: &str, facts: &mut BTreeSet<String>) {
    let inner = def
        .trim_start_matches("CHECK")
        .trim_start()
        .trim_start_matches('(');
    let column: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    facts.insert(check_fact(table, &column, quoted(def)));
}

fn check_fact(table: &str, column: &str, words: Vec<String>) -> String {
    let words: BTreeSet<String> = words.into_iter().collect();
    format!("check {table}.{column} in {words:?}")
}

fn column_fact(table: &str, column: &str, class: &str, nullable: bool) -> String {
    let null = if nullable { "null" } else { "not null" };
    format!("column {table}.{column} {class} {null}")
}

/// SQLite's schema as facts.
async fn sqlite_schema(url: &str) -> BTreeSet<String> {
    let mut c = SqliteConnection::connect(url).await.unwrap();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut facts = BTreeSet::new();
    for (table, sql) in tables {
        facts.insert(format!("table {table}"));
        let columns: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(&mut c)
        .await
        .unwrap();
        let mut pk = BTreeMap::new();
        for (name, declared, not_null, pk_position) in &columns {
            // A primary key column is never NULL (PostgreSQL says so; SQLite's rowid key
            // does not declare it).
            let nullable = *not_null == 0 && *pk_position == 0;
            facts.insert(column_fact(&table, name, &type_class(declared), nullable));
            if *pk_position > 0 {
                pk.insert(*pk_position, name.clone());
            }
        }
        facts.insert(format!(
            "primary key {table} {:?}",
            pk.into_values().collect::<Vec<_>>()
        ));
        let indexes: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(&mut c)
                .await
                .unwrap();
        for (index, unique, origin) in indexes {
            if unique == 0 || origin == "pk" {
                continue;
            }
            let cols: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|(n,)| n).collect();
            facts.insert(format!("unique {table} {cols:?}"));
        }
        sqlite_checks(&table, &sql, &mut facts);
    }
    facts
}

/// PostgreSQL's schema (the `public` schema) as facts.
async fn postgres_schema(url: &str) -> BTreeSet<String> {
    let mut c = PgConnection::connect(url).await.unwrap();
    let mut facts = BTreeSet::new();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for (table,) in &tables {
        facts.insert(format!("table {table}"));
    }
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for (table, column, declared, nullable) in columns {
        facts.insert(column_fact(
            &table,
            &column,
            &type_class(&declared),
            nullable == "YES",
        ));
    }
    let indexes: Vec<(String, bool, String)> = sqlx::query_as(
        "SELECT t.relname::text, ix.indisprimary,
                string_agg(a.attname::text, ',' ORDER BY k.ord)
         FROM pg_index ix
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
         WHERE n.nspname = 'public' AND ix.indisunique AND t.relname <> '_sqlx_migrations'
         GROUP BY t.relname, ix.indexrelid, ix.indisprimary",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut with_pk = BTreeSet::new();
    for (table, primary, cols) in indexes {
        let cols: Vec<String> = cols.split(',').map(str::to_string).collect();
        if primary {
            with_pk.insert(table.clone());
            facts.insert(format!("primary key {table} {cols:?}"));
        } else {
            facts.insert(format!("unique {table} {cols:?}"));
        }
    }
    for (table,) in &tables {
        if !with_pk.contains(table) {
            facts.insert(format!("primary key {table} {:?}", Vec::<String>::new()));
        }
    }
    let checks: Vec<(String, String)> = sqlx::query_as(
        "SELECT cl.relname::text, pg_get_constraintdef(co.oid)
         FROM pg_constraint co
         JOIN pg_class cl ON cl.oid = co.conrelid
         JOIN pg_namespace n ON n.oid = cl.relnamespace
         WHERE n.nspname = 'public' AND co.contype = 'c'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for (table, def) in checks {
        postgres_check(&table, &def, &mut facts);
    }
    facts
}

/// What one engine's schema says and the other's does not.
fn drift(sqlite: &BTreeSet<String>, postgres: &BTreeSet<String>) -> Vec<String> {
    let only = |a: &BTreeSet<String>, b: &BTreeSet<String>, name: &str| {
        a.difference(b)
            .map(|f| format!("only in {name}: {f}"))
            .collect::<Vec<_>>()
    };
    let mut out = only(sqlite, postgres, "sqlite");
    out.extend(only(postgres, sqlite, "postgres"));
    out
}

#[test]
fn both_dialects_have_the_same_migration_files() {
    let sqlite = file_names(&migrations("sqlite"));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, file_names(&migrations("postgres")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_dialects_make_the_same_schema() {
    let sqlite = TestDb::new(Engine::Sqlite).await;
    let postgres = TestDb::new(Engine::Postgres).await;
    let (s, p) = (
        sqlite_schema(&sqlite.url).await,
        postgres_schema(&postgres.url).await,
    );
    // The reading itself must see the schema, or an empty comparison would pass.
    assert!(s.contains("table oauth_apps"), "{s:?}");
    assert!(
        s.contains("column oauth_apps.enabled boolean not null"),
        "{s:?}"
    );
    assert!(
        s.contains("unique oauth_grants [\"app_id\", \"kind\", \"account_id\", \"org_id\"]"),
        "{s:?}"
    );
    assert!(
        s.contains("check oauth_tokens.kind in {\"czs\", \"czu\"}"),
        "{s:?}"
    );
    assert!(
        s.iter().filter(|f| f.starts_with("check ")).count() >= 10,
        "{s:?}"
    );
    let drift = drift(&s, &p);
    assert!(
        drift.is_empty(),
        "the migration sets drifted:\n{}",
        drift.join("\n")
    );
}

/// The comparison catches a real drift: a copy of the SQLite migrations, edited
/// the ways a careless change would, no longer matches PostgreSQL's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drifted_copy_is_caught() {
    let copy = tempfile::tempdir().unwrap();
    for name in file_names(&migrations("sqlite")) {
        std::fs::copy(migrations("sqlite").join(&name), copy.path().join(&name)).unwrap();
    }
    let edit = |file: &str, from: &str, to: &str| {
        let path = copy.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer has {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit("0002_oauth.sql", "('czu', 'czs')", "('czu', 'czs', 'czx')");
    edit(
        "0001_foundation.sql",
        "hint            TEXT    NOT NULL,",
        "hint            TEXT,",
    );
    edit(
        "0001_foundation.sql",
        "user_name       TEXT    NOT NULL UNIQUE,",
        "user_name       TEXT    NOT NULL,",
    );
    edit(
        "0006_audit.sql",
        "CREATE TABLE audit_events (",
        "CREATE TABLE stray (id INTEGER PRIMARY KEY);\nCREATE TABLE audit_events (",
    );
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("drift.db").display()
    );
    let mut c = SqliteConnection::connect(&url).await.unwrap();
    sqlx::migrate::Migrator::new(copy.path())
        .await
        .unwrap()
        .run(&mut c)
        .await
        .unwrap();
    let postgres = TestDb::new(Engine::Postgres).await;
    let drift = drift(
        &sqlite_schema(&url).await,
        &postgres_schema(&postgres.url).await,
    );
    for expected in [
        "only in sqlite: check oauth_tokens.kind in {\"czs\", \"czu\", \"czx\"}",
        "only in postgres: check oauth_tokens.kind in {\"czs\", \"czu\"}",
        "only in sqlite: column access_tokens.hint text null",
        "only in postgres: unique accounts [\"user_name\"]",
        "only in sqlite: table stray",
    ] {
        assert!(
            drift.iter().any(|d| d == expected),
            "{expected} not in {drift:#?}"
        );
    }
}
