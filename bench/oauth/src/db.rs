//! The benchmark's own database access: bulk multi-row inserts on SQLite or
//! PostgreSQL, and making and dropping a scratch PostgreSQL database.

use anyhow::{Context, Result, bail};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, PgPool, SqlitePool};
use std::str::FromStr;

/// One bound value of a seeded row.
pub enum Val {
    Int(i64),
    Text(String),
    Bool(bool),
    NullInt,
    NullText,
}

pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Bind parameters one statement may carry: under SQLite's 32,766 and
/// PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// Rows committed per transaction: big enough to amortize the commit, small
/// enough that the write-ahead log stays modest.
const ROWS_PER_TRANSACTION: usize = 50_000;

macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut q = $query;
        for v in $values {
            q = match v {
                Val::Int(i) => q.bind(*i),
                Val::Text(s) => q.bind(s.as_str()),
                Val::Bool(b) => q.bind(*b),
                Val::NullInt => q.bind(None::<i64>),
                Val::NullText => q.bind(None::<&str>),
            };
        }
        q
    }};
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("sqlite:") {
            // Seeding is a bulk load into a scratch database: a crash would only
            // mean seeding again, so the log is not synced on every commit.
            let opts = SqliteConnectOptions::from_str(url)?
                .synchronous(SqliteSynchronous::Off)
                .busy_timeout(std::time::Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .context("opening the SQLite database")?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .context("connecting to PostgreSQL")?;
            Ok(Db::Postgres(pool))
        } else {
            bail!("the database URL must start with sqlite: or postgres:")
        }
    }

    /// Inserts `count` rows made by `row(i)` into `table`, many rows per statement
    /// and many statements per transaction.
    pub async fn insert_rows<F>(
        &self,
        table: &str,
        columns: &[&str],
        count: usize,
        mut row: F,
    ) -> Result<()>
    where
        F: FnMut(usize) -> Vec<Val>,
    {
        let per_statement = (MAX_PARAMS / columns.len()).max(1);
        let mut done = 0;
        while done < count {
            let tx_end = (done + ROWS_PER_TRANSACTION).min(count);
            let mut statements = Vec::new();
            while done < tx_end {
                let end = (done + per_statement).min(tx_end);
                let values: Vec<Val> = (done..end).flat_map(&mut row).collect();
                let positional = matches!(self, Db::Sqlite(_));
                statements.push((insert_sql(table, columns, end - done, positional), values));
                done = end;
            }
            match self {
                Db::Sqlite(pool) => {
                    let mut tx = pool.begin().await?;
                    for (sql, values) in &statements {
                        // Only placeholders and the fixed table and column names.
                        bind_all!(sqlx::query(AssertSqlSafe(sql.as_str())), values)
                            .execute(&mut *tx)
                            .await
                            .with_context(|| format!("inserting into {table}"))?;
                    }
                    tx.commit().await?;
                }
                Db::Postgres(pool) => {
                    let mut tx = pool.begin().await?;
                    for (sql, values) in &statements {
                        // Only placeholders and the fixed table and column names.
                        bind_all!(sqlx::query(AssertSqlSafe(sql.as_str())), values)
                            .execute(&mut *tx)
                            .await
                            .with_context(|| format!("inserting into {table}"))?;
                    }
                    tx.commit().await?;
                }
            }
        }
        Ok(())
    }

    /// Leaves the planner's statistics as a database that grew to this size over
    /// time would have them: PostgreSQL's autovacuum vacuums and analyzes, so the
    /// bulk load is too (here, before the timed runs, rather than by autovacuum in
    /// the middle of them, on the same two cores); SQLite gathers none unless asked, and Buckle never asks, so
    /// none are made. (With ANALYZE's `sqlite_stat4` samples, SQLite re-prepares
    /// a lookup whose plan weighs two indexes, such as the grant lookup of the
    /// JWT grant, at every call: about a fifth of that grant's CPU.)
    pub async fn analyze(&self) -> Result<()> {
        match self {
            Db::Sqlite(pool) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(pool)
                    .await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("VACUUM (ANALYZE)").execute(pool).await?;
            }
        }
        Ok(())
    }
}

/// `INSERT INTO table (columns) VALUES ($1, ...), ...` for `rows` rows; with
/// `positional`, plain `?` placeholders, since SQLite looks numbered ones up by
/// name, which grows quadratic with thousands of them.
fn insert_sql(table: &str, columns: &[&str], rows: usize, positional: bool) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push(',');
            }
            if positional {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// A database name the benchmark makes: letters, digits and underscores only,
/// since `CREATE DATABASE` takes no bind parameter for it.
fn checked_name(name: &str) -> Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(name)
    } else {
        bail!("{name:?} is not a scratch database name (a-z, 0-9, _)")
    }
}

/// The URL of database `name` on the server `server_url` points at.
fn with_database(server_url: &str, name: &str) -> Result<String> {
    let mut url = reqwest::Url::parse(server_url).context("the PostgreSQL URL")?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// Creates database `name` on the server and answers its URL.
pub async fn pg_create(server_url: &str, name: &str) -> Result<String> {
    let name = checked_name(name)?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(server_url)
        .await
        .context("connecting to PostgreSQL")?;
    // `name` was checked: an identifier of a-z, 0-9 and _ only.
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .with_context(|| format!("creating database {name}"))?;
    pool.close().await;
    with_database(server_url, name)
}

/// The server's settings that decide whether a commit is on disk when it is
/// answered, as `name=value` pairs.
pub async fn pg_durability(server_url: &str) -> Result<String> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(server_url)
        .await
        .context("connecting to PostgreSQL")?;
    let mut shown = Vec::new();
    for setting in ["fsync", "synchronous_commit", "full_page_writes"] {
        let value: String = sqlx::query_scalar("SELECT current_setting($1)")
            .bind(setting)
            .fetch_one(&pool)
            .await
            .with_context(|| format!("reading {setting}"))?;
        shown.push(format!("{setting}={value}"));
    }
    pool.close().await;
    Ok(shown.join(" "))
}

/// Drops database `name` (closing its remaining connections).
pub async fn pg_drop(server_url: &str, name: &str) -> Result<()> {
    let name = checked_name(name)?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(server_url)
        .await
        .context("connecting to PostgreSQL")?;
    // `name` was checked: an identifier of a-z, 0-9 and _ only.
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&pool)
    .await
    .with_context(|| format!("dropping database {name}"))?;
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_positional_on_sqlite_and_numbered_on_postgres() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2, true),
            "INSERT INTO t (a, b) VALUES (?,?),(?,?)"
        );
        assert_eq!(
            insert_sql("t", &["a", "b"], 2, false),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }

    #[test]
    fn scratch_names_are_plain_identifiers() {
        assert!(checked_name("buckle_bench_1_2").is_ok());
        for bad in [
            "",
            "x; DROP DATABASE postgres",
            "Bench",
            "a-b",
            &"a".repeat(64),
        ] {
            assert!(checked_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_database_url_keeps_server_and_credentials() {
        assert_eq!(
            with_database(
                "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
                "b1"
            )
            .unwrap(),
            "postgres://u:p@127.0.0.1:5432/b1?sslmode=disable"
        );
    }
}
