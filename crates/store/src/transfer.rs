//! Moving a whole Buckle database to another one (SQLite to PostgreSQL, or any
//! pair of the two), and checking that two databases hold the same rows.
//!
//! The source is read through one read-only transaction on one connection, so
//! every table comes from the same snapshot. The target is migrated to this
//! build's schema, must hold no row, and receives every table in one
//! transaction, which commits only after the rows re-read from it hash the same
//! as the source's. The tables and columns come from the schema itself (the
//! databases' catalogs), never from a list here that could fall behind a
//! migration; a source table the target's schema does not have is refused.

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteRow};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Tables the migration tool and the engines keep for themselves; never copied.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Rows per INSERT statement: well under both engines' limits on bound values.
const BATCH_ROWS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("{0}")]
    Refused(String),
    #[error("database error on the {side}: {source}")]
    Db {
        side: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("migrating the target: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

type Result<T> = std::result::Result<T, TransferError>;

fn on(side: &'static str) -> impl FnOnce(sqlx::Error) -> TransferError {
    move |source| TransferError::Db { side, source }
}

/// Count and digest of one table on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    pub table: String,
    pub source_rows: u64,
    pub source_sha256: String,
    pub target_rows: u64,
    pub target_sha256: String,
}

impl TableCheck {
    pub fn matches(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sha256 == self.target_sha256
    }
}

/// What a copy or a verification found, table by table in foreign-key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferReport {
    pub tables: Vec<TableCheck>,
    /// Whether the copy was committed (a copy whose check failed is rolled back;
    /// always false for a verification, which writes nothing).
    pub committed: bool,
}

impl TransferReport {
    pub fn matches(&self) -> bool {
        self.tables.iter().all(TableCheck::matches)
    }

    /// The tables whose count or digest differ.
    pub fn mismatched(&self) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|t| !t.matches())
            .map(|t| t.table.as_str())
            .collect()
    }

    /// A plain-text table: name, counts, digests (first 16 hex digits), verdict.
    pub fn render(&self) -> String {
        let width = self
            .tables
            .iter()
            .map(|t| t.table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<width$}  {:>10}  {:>10}  {:<16}  {:<16}  check",
            "table", "source", "target", "source sha256", "target sha256"
        );
        for t in &self.tables {
            let _ = writeln!(
                out,
                "{:<width$}  {:>10}  {:>10}  {:<16}  {:<16}  {}",
                t.table,
                t.source_rows,
                t.target_rows,
                &t.source_sha256[..16],
                &t.target_sha256[..16],
                if t.matches() { "ok" } else { "MISMATCH" }
            );
        }
        out
    }
}

/// A URL with any password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let tail = tail.split('?').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => format!(
            "{scheme}://{authority}{}",
            tail.split('?').next().unwrap_or("")
        ),
    }
}

/// Copies every table of `from` into `to` (see the module comment), reporting
/// steps through `progress`. A report whose tables do not all match was rolled
/// back: the target then holds only the schema.
pub async fn copy(from: &str, to: &str, progress: &dyn Fn(&str)) -> Result<TransferReport> {
    let mut source = Side::open_source(from).await?;
    source.begin_snapshot().await?;
    source.check_version().await?;
    let source_schema = source.schema().await?;

    let mut target = Side::open_target(to).await?;
    progress("migrating the target to this build's schema");
    target.migrate().await?;
    let target_schema = target.schema().await?;
    let order = plan(&source_schema, &target_schema)?;
    // Checked inside the writing transaction, so nothing can slip in after the check.
    target.begin_write().await?;
    // Every table, not only the ones copied: a row anywhere means the target is in use.
    for table in target_schema.tables.keys() {
        if target.has_rows(table).await? {
            target.rollback().await?;
            return Err(TransferError::Refused(format!(
                "the target database is not empty (table {table} holds rows); \
                 migrate-store writes only into an empty database"
            )));
        }
    }
    let mut tables = Vec::new();
    for name in &order {
        let table = &target_schema.tables[name];
        progress(&format!("copying {name}"));
        let (rows, digest) = copy_table(&mut source, &mut target, table).await?;
        if let Some(column) = &table.sequence_column {
            let high = source.sequence_high_water(table, column).await?;
            target.advance_sequence(table, column, high).await?;
        }
        tables.push(TableCheck {
            table: name.clone(),
            source_rows: rows,
            source_sha256: digest,
            target_rows: 0,
            target_sha256: String::new(),
        });
    }
    progress("verifying the target");
    for check in &mut tables {
        let (rows, digest) = target.digest(&target_schema.tables[&check.table]).await?;
        check.target_rows = rows;
        check.target_sha256 = digest;
    }
    let mut report = TransferReport {
        tables,
        committed: false,
    };
    if report.matches() {
        target.commit().await?;
        report.committed = true;
    } else {
        target.rollback().await?;
    }
    source.rollback().await?;
    source.close().await;
    target.close().await;
    Ok(report)
}

/// Compares `from` and `to` table by table without writing to either.
pub async fn verify(from: &str, to: &str) -> Result<TransferReport> {
    let mut source = Side::open_source(from).await?;
    source.begin_snapshot().await?;
    source.check_version().await?;
    let source_schema = source.schema().await?;
    let mut target = Side::open_source(to).await?;
    target.side = "target";
    target.begin_snapshot().await?;
    target.check_version().await?;
    let target_schema = target.schema().await?;
    let order = plan(&source_schema, &target_schema)?;
    let mut tables = Vec::new();
    for name in &order {
        // One description of the table for both sides (columns in one order), as the copy does.
        let table = &target_schema.tables[name];
        let (source_rows, source_sha256) = source.digest(table).await?;
        let (target_rows, target_sha256) = target.digest(table).await?;
        tables.push(TableCheck {
            table: name.clone(),
            source_rows,
            source_sha256,
            target_rows,
            target_sha256,
        });
    }
    source.rollback().await?;
    target.rollback().await?;
    source.close().await;
    target.close().await;
    Ok(TransferReport {
        tables,
        committed: false,
    })
}

/// The tables to copy, parents before children; refuses a source whose tables or
/// columns are not exactly the target's.
fn plan(source: &Schema, target: &Schema) -> Result<Vec<String>> {
    for (name, table) in &source.tables {
        let Some(known) = target.tables.get(name) else {
            return Err(TransferError::Refused(format!(
                "the source has a table this build does not know: {name}; \
                 migrate-store copies only Buckle's own tables"
            )));
        };
        let theirs: Vec<(&str, Kind)> = table
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind))
            .collect();
        let ours: Vec<(&str, Kind)> = known
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind))
            .collect();
        let theirs: BTreeSet<_> = theirs.into_iter().collect();
        let ours: BTreeSet<_> = ours.into_iter().collect();
        if theirs != ours {
            return Err(TransferError::Refused(format!(
                "the source's table {name} has other columns than this build's schema"
            )));
        }
    }
    if let Some(missing) = target
        .tables
        .keys()
        .find(|t| !source.tables.contains_key(*t))
    {
        return Err(TransferError::Refused(format!(
            "the source has no table {missing}, which this build's schema has"
        )));
    }
    // Kahn's algorithm over the target's foreign keys; ties by name, so the order is stable.
    let mut order = Vec::new();
    let mut placed = BTreeSet::new();
    while placed.len() < target.tables.len() {
        let next = target.tables.values().find(|t| {
            !placed.contains(&t.name)
                && t.parents
                    .iter()
                    .all(|p| p == &t.name || placed.contains(p) || !target.tables.contains_key(p))
        });
        let Some(next) = next else {
            return Err(TransferError::Refused(
                "the schema's foreign keys form a cycle; no copy order exists".into(),
            ));
        };
        placed.insert(next.name.clone());
        order.push(next.name.clone());
    }
    Ok(order)
}

async fn copy_table(source: &mut Side, target: &mut Side, table: &Table) -> Result<(u64, String)> {
    let select = table.select_sql(source.dialect());
    let mut hasher = Sha256::new();
    let mut rows = 0u64;
    let mut batch: Vec<Vec<Val>> = Vec::with_capacity(BATCH_ROWS);
    // Source and target are different connections: the source streams while the target writes.
    match &mut source.conn {
        Conn::Sqlite(c) => {
            let mut stream = sqlx::query(AssertSqlSafe(select)).fetch(&mut *c);
            while let Some(row) = stream.try_next().await.map_err(on("source"))? {
                let vals = decode_sqlite(&row, table).map_err(on("source"))?;
                hash_row(&mut hasher, &vals);
                rows += 1;
                batch.push(vals);
                if batch.len() == BATCH_ROWS {
                    target.insert(table, &batch).await?;
                    batch.clear();
                }
            }
        }
        Conn::Postgres(c) => {
            let mut stream = sqlx::query(AssertSqlSafe(select)).fetch(&mut *c);
            while let Some(row) = stream.try_next().await.map_err(on("source"))? {
                let vals = decode_pg(&row, table).map_err(on("source"))?;
                hash_row(&mut hasher, &vals);
                rows += 1;
                batch.push(vals);
                if batch.len() == BATCH_ROWS {
                    target.insert(table, &batch).await?;
                    batch.clear();
                }
            }
        }
    }
    if !batch.is_empty() {
        target.insert(table, &batch).await?;
    }
    Ok((rows, hex(&hasher.finalize())))
}

/// How a column's values are read, written and hashed, whatever the engine calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Int,
    Bool,
    Text,
    Blob,
    Real,
}

impl Kind {
    fn of_sqlite(declared: &str) -> Kind {
        // SQLite's own affinity rules, with BOOLEAN kept apart from NUMERIC.
        let d = declared.to_ascii_uppercase();
        if d.contains("INT") {
            Kind::Int
        } else if d.contains("BOOL") {
            Kind::Bool
        } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
            Kind::Text
        } else if d.is_empty() || d.contains("BLOB") {
            Kind::Blob
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            Kind::Real
        } else {
            // NUMERIC affinity: Buckle declares none; integers are what it would hold.
            Kind::Int
        }
    }

    fn of_postgres(data_type: &str) -> Option<Kind> {
        Some(match data_type {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "boolean" => Kind::Bool,
            "text" | "character varying" | "character" => Kind::Text,
            "bytea" => Kind::Blob,
            "double precision" | "real" => Kind::Real,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Blob(Vec<u8>),
    Real(f64),
}

/// The canonical encoding: a tag byte per value, integers as 8 big-endian bytes,
/// text and blobs length-prefixed, so no two different rows encode alike.
fn hash_row(hasher: &mut Sha256, vals: &[Val]) {
    for v in vals {
        match v {
            Val::Null => hasher.update([0u8]),
            Val::Int(i) => {
                hasher.update([1u8]);
                hasher.update(i.to_be_bytes());
            }
            Val::Bool(b) => hasher.update([2u8, u8::from(*b)]),
            Val::Text(s) => {
                hasher.update([3u8]);
                hasher.update((s.len() as u64).to_be_bytes());
                hasher.update(s.as_bytes());
            }
            Val::Blob(b) => {
                hasher.update([4u8]);
                hasher.update((b.len() as u64).to_be_bytes());
                hasher.update(b);
            }
            Val::Real(f) => {
                hasher.update([5u8]);
                hasher.update(f.to_bits().to_be_bytes());
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

macro_rules! decode_row {
    ($row:expr, $table:expr) => {{
        let mut vals = Vec::with_capacity($table.columns.len());
        for (i, c) in $table.columns.iter().enumerate() {
            vals.push(match c.kind {
                Kind::Int => $row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Val::Null, Val::Int),
                Kind::Bool => $row
                    .try_get::<Option<bool>, _>(i)?
                    .map_or(Val::Null, Val::Bool),
                Kind::Text => $row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Val::Null, Val::Text),
                Kind::Blob => $row
                    .try_get::<Option<Vec<u8>>, _>(i)?
                    .map_or(Val::Null, Val::Blob),
                Kind::Real => $row
                    .try_get::<Option<f64>, _>(i)?
                    .map_or(Val::Null, Val::Real),
            });
        }
        Ok(vals)
    }};
}

fn decode_sqlite(row: &SqliteRow, table: &Table) -> std::result::Result<Vec<Val>, sqlx::Error> {
    decode_row!(row, table)
}

fn decode_pg(row: &PgRow, table: &Table) -> std::result::Result<Vec<Val>, sqlx::Error> {
    decode_row!(row, table)
}

/// Binds one value as its column's type (a NULL too: PostgreSQL types its parameters).
macro_rules! bind_val {
    ($q:expr, $kind:expr, $v:expr) => {
        match ($kind, $v) {
            (Kind::Int, Val::Int(i)) => $q.bind(Some(*i)),
            (Kind::Int, _) => $q.bind(None::<i64>),
            (Kind::Bool, Val::Bool(b)) => $q.bind(Some(*b)),
            (Kind::Bool, _) => $q.bind(None::<bool>),
            (Kind::Text, Val::Text(s)) => $q.bind(Some(s.clone())),
            (Kind::Text, _) => $q.bind(None::<String>),
            (Kind::Blob, Val::Blob(b)) => $q.bind(Some(b.clone())),
            (Kind::Blob, _) => $q.bind(None::<Vec<u8>>),
            (Kind::Real, Val::Real(f)) => $q.bind(Some(*f)),
            (Kind::Real, _) => $q.bind(None::<f64>),
        }
    };
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    /// In the order the schema declares them.
    columns: Vec<Column>,
    /// Primary-key columns, in key order; empty for a table without one.
    key: Vec<String>,
    /// Tables this one's foreign keys refer to.
    parents: BTreeSet<String>,
    /// A column whose values the database assigns (AUTOINCREMENT, an identity).
    sequence_column: Option<String>,
    /// PostgreSQL: the identity is GENERATED ALWAYS, so inserts must override it.
    always_identity: bool,
}

/// A PostgreSQL column as the catalog describes it: name, data type,
/// is_identity, identity_generation, column_default.
type PgColumnFacts = (String, String, String, Option<String>, Option<String>);

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Rows in primary-key order (every column for a table without a key), the
    /// same order on both engines: NULLs first and text by bytes ("C" collation).
    fn select_sql(&self, dialect: Dialect) -> String {
        let keys: Vec<&Column> = if self.key.is_empty() {
            self.columns.iter().collect()
        } else {
            self.key
                .iter()
                .filter_map(|k| self.columns.iter().find(|c| &c.name == k))
                .collect()
        };
        let order = keys
            .iter()
            .map(|c| {
                let collate = if dialect == Dialect::Postgres && c.kind == Kind::Text {
                    " COLLATE \"C\""
                } else {
                    ""
                };
                format!("{}{collate} ASC NULLS FIRST", quote(&c.name))
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT {} FROM {} ORDER BY {order}",
            self.column_list(),
            quote(&self.name)
        )
    }
}

#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, Table>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

struct Side {
    conn: Conn,
    side: &'static str,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn bad_url(url: &str) -> TransferError {
    TransferError::Refused(format!(
        "{} is not a database URL: it must start with sqlite: or postgres://",
        redact_url(url)
    ))
}

impl Side {
    /// Opens `url` without the means to change it: a read-only SQLite connection
    /// (which does not create a missing file), or a PostgreSQL session whose
    /// transactions are read-only.
    async fn open_source(url: &str) -> Result<Side> {
        let conn = if is_postgres(url) {
            let opts = PgConnectOptions::from_str(url)
                .map_err(on("source"))?
                .options([("default_transaction_read_only", "on")]);
            Conn::Postgres(opts.connect().await.map_err(on("source"))?)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(on("source"))?
                .create_if_missing(false)
                .read_only(true)
                .busy_timeout(Duration::from_secs(10));
            Conn::Sqlite(opts.connect().await.map_err(|e| {
                TransferError::Refused(format!(
                    "cannot open the source {} read-only: {e}",
                    redact_url(url)
                ))
            })?)
        } else {
            return Err(bad_url(url));
        };
        Ok(Side {
            conn,
            side: "source",
        })
    }

    async fn open_target(url: &str) -> Result<Side> {
        let conn = if is_postgres(url) {
            let opts = PgConnectOptions::from_str(url).map_err(on("target"))?;
            Conn::Postgres(opts.connect().await.map_err(on("target"))?)
        } else if url.starts_with("sqlite:") {
            // As Buckle itself opens it, so Buckle finds it as it would have made it.
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(on("target"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            Conn::Sqlite(opts.connect().await.map_err(on("target"))?)
        } else {
            return Err(bad_url(url));
        };
        Ok(Side {
            conn,
            side: "target",
        })
    }

    fn dialect(&self) -> Dialect {
        match self.conn {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self.conn {
            Conn::Sqlite(_) => &SQLITE_MIGRATIONS,
            Conn::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    async fn migrate(&mut self) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(c) => SQLITE_MIGRATIONS.run(&mut *c).await?,
            Conn::Postgres(c) => POSTGRES_MIGRATIONS.run(&mut *c).await?,
        }
        Ok(())
    }

    async fn exec(&mut self, sql: &str) -> Result<()> {
        let side = self.side;
        let sql = AssertSqlSafe(sql.to_string());
        match &mut self.conn {
            Conn::Sqlite(c) => sqlx::Executor::execute(&mut *c, sql).await.map(|_| ()),
            Conn::Postgres(c) => sqlx::Executor::execute(&mut *c, sql).await.map(|_| ()),
        }
        .map_err(on(side))
    }

    async fn begin_snapshot(&mut self) -> Result<()> {
        match self.dialect() {
            // A deferred transaction: its first read fixes the snapshot for all the rest.
            Dialect::Sqlite => self.exec("BEGIN").await,
            Dialect::Postgres => {
                self.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
            }
        }
    }

    async fn begin_write(&mut self) -> Result<()> {
        match self.dialect() {
            Dialect::Sqlite => self.exec("BEGIN IMMEDIATE").await,
            Dialect::Postgres => self.exec("BEGIN").await,
        }
    }

    async fn commit(&mut self) -> Result<()> {
        self.exec("COMMIT").await
    }

    async fn rollback(&mut self) -> Result<()> {
        self.exec("ROLLBACK").await
    }

    async fn close(self) {
        let _ = match self.conn {
            Conn::Sqlite(c) => c.close().await,
            Conn::Postgres(c) => c.close().await,
        };
    }

    /// Refuses a database whose applied migrations are not exactly this build's.
    async fn check_version(&mut self) -> Result<()> {
        let side = self.side;
        let expected: Vec<i64> = self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| m.version)
            .collect();
        let has_table = match &mut self.conn {
            Conn::Sqlite(c) => sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = $1",
            )
            .bind(MIGRATIONS_TABLE)
            .fetch_one(&mut *c)
            .await
            .map(|n| n > 0),
            Conn::Postgres(c) => {
                sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
                    .bind(MIGRATIONS_TABLE)
                    .fetch_one(&mut *c)
                    .await
            }
        }
        .map_err(on(side))?;
        if !has_table {
            return Err(TransferError::Refused(format!(
                "the {side} is not a Buckle database (it has no {MIGRATIONS_TABLE} table)"
            )));
        }
        let sql = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";
        let found: Vec<i64> = match &mut self.conn {
            Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_all(&mut *c).await,
            Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_all(&mut *c).await,
        }
        .map_err(on(side))?;
        if found == expected {
            return Ok(());
        }
        let newest = |v: &[i64]| v.last().copied().unwrap_or(0);
        let advice = if found.iter().all(|v| expected.contains(v)) {
            "it is from an older Buckle: run this Buckle once on it (`buckle serve` with \
             DATABASE_URL set to it, then stop it) so it is upgraded, and try again"
        } else {
            "it was made by a newer Buckle than this one: run migrate-store with that \
             newer Buckle"
        };
        Err(TransferError::Refused(format!(
            "the {side}'s schema version ({}) is not this build's ({}): {advice}",
            newest(&found),
            newest(&expected)
        )))
    }

    async fn schema(&mut self) -> Result<Schema> {
        let side = self.side;
        let mut schema = Schema::default();
        match &mut self.conn {
            Conn::Sqlite(c) => {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> $1 ORDER BY name",
                )
                .bind(MIGRATIONS_TABLE)
                .fetch_all(&mut *c)
                .await
                .map_err(on(side))?;
                for name in names {
                    let cols: Vec<(String, String, i64)> = sqlx::query_as(
                        "SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid",
                    )
                    .bind(&name)
                    .fetch_all(&mut *c)
                    .await
                    .map_err(on(side))?;
                    let parents: Vec<String> =
                        sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list($1)")
                            .bind(&name)
                            .fetch_all(&mut *c)
                            .await
                            .map_err(on(side))?;
                    let sql: String =
                        sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE name = $1")
                            .bind(&name)
                            .fetch_one(&mut *c)
                            .await
                            .map_err(on(side))?;
                    let mut key: Vec<(i64, String)> = cols
                        .iter()
                        .filter(|(_, _, pk)| *pk > 0)
                        .map(|(n, _, pk)| (*pk, n.clone()))
                        .collect();
                    key.sort();
                    let key: Vec<String> = key.into_iter().map(|(_, n)| n).collect();
                    let sequence_column = (sql.to_ascii_uppercase().contains("AUTOINCREMENT")
                        && key.len() == 1)
                        .then(|| key[0].clone());
                    let columns = cols
                        .into_iter()
                        .map(|(n, t, _)| Column {
                            name: n,
                            kind: Kind::of_sqlite(&t),
                        })
                        .collect();
                    schema.tables.insert(
                        name.clone(),
                        Table {
                            name,
                            columns,
                            key,
                            parents: parents.into_iter().collect(),
                            sequence_column,
                            always_identity: false,
                        },
                    );
                }
            }
            Conn::Postgres(c) => {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                     AND table_name <> $1 ORDER BY table_name",
                )
                .bind(MIGRATIONS_TABLE)
                .fetch_all(&mut *c)
                .await
                .map_err(on(side))?;
                for name in names {
                    let cols: Vec<PgColumnFacts> = sqlx::query_as(
                        "SELECT column_name::text, data_type::text, is_identity::text, \
                             identity_generation::text, column_default::text \
                             FROM information_schema.columns \
                             WHERE table_schema = current_schema() AND table_name = $1 \
                             ORDER BY ordinal_position",
                    )
                    .bind(&name)
                    .fetch_all(&mut *c)
                    .await
                    .map_err(on(side))?;
                    let key: Vec<String> = sqlx::query_scalar(
                        "SELECT k.column_name::text FROM information_schema.table_constraints t \
                         JOIN information_schema.key_column_usage k \
                           ON k.constraint_name = t.constraint_name \
                          AND k.table_schema = t.table_schema AND k.table_name = t.table_name \
                         WHERE t.table_schema = current_schema() AND t.table_name = $1 \
                           AND t.constraint_type = 'PRIMARY KEY' \
                         ORDER BY k.ordinal_position",
                    )
                    .bind(&name)
                    .fetch_all(&mut *c)
                    .await
                    .map_err(on(side))?;
                    let parents: Vec<String> = sqlx::query_scalar(
                        "SELECT p.relname::text FROM pg_constraint f \
                         JOIN pg_class t ON t.oid = f.conrelid \
                         JOIN pg_class p ON p.oid = f.confrelid \
                         WHERE f.contype = 'f' AND t.relname = $1 \
                           AND t.relnamespace = current_schema()::regnamespace",
                    )
                    .bind(&name)
                    .fetch_all(&mut *c)
                    .await
                    .map_err(on(side))?;
                    let mut columns = Vec::new();
                    let mut sequence_column = None;
                    let mut always_identity = false;
                    for (col, data_type, is_identity, generation, default) in cols {
                        let Some(kind) = Kind::of_postgres(&data_type) else {
                            return Err(TransferError::Refused(format!(
                                "the {side}'s column {name}.{col} has type {data_type}, \
                                 which migrate-store does not copy"
                            )));
                        };
                        if is_identity == "YES" {
                            sequence_column = Some(col.clone());
                            always_identity = generation.as_deref() == Some("ALWAYS");
                        } else if default.is_some_and(|d| d.starts_with("nextval(")) {
                            sequence_column = Some(col.clone());
                        }
                        columns.push(Column { name: col, kind });
                    }
                    schema.tables.insert(
                        name.clone(),
                        Table {
                            name,
                            columns,
                            key,
                            parents: parents.into_iter().collect(),
                            sequence_column,
                            always_identity,
                        },
                    );
                }
            }
        }
        Ok(schema)
    }

    async fn has_rows(&mut self, table: &str) -> Result<bool> {
        let side = self.side;
        let sql = format!("SELECT 1 FROM {} LIMIT 1", quote(table));
        match &mut self.conn {
            Conn::Sqlite(c) => sqlx::query(AssertSqlSafe(sql))
                .fetch_optional(&mut *c)
                .await
                .map(|r| r.is_some()),
            Conn::Postgres(c) => sqlx::query(AssertSqlSafe(sql))
                .fetch_optional(&mut *c)
                .await
                .map(|r| r.is_some()),
        }
        .map_err(on(side))
    }

    async fn insert(&mut self, table: &Table, rows: &[Vec<Val>]) -> Result<()> {
        let side = self.side;
        let width = table.columns.len();
        let mut sql = format!(
            "INSERT INTO {} ({})",
            quote(&table.name),
            table.column_list()
        );
        if table.always_identity {
            sql.push_str(" OVERRIDING SYSTEM VALUE");
        }
        sql.push_str(" VALUES ");
        for r in 0..rows.len() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                let _ = write!(sql, "${}", r * width + c + 1);
            }
            sql.push(')');
        }
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for row in rows {
                    for (col, v) in table.columns.iter().zip(row) {
                        q = bind_val!(q, col.kind, v);
                    }
                }
                q.execute(&mut *conn).await.map(|_| ())
            }
            Conn::Postgres(conn) => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for row in rows {
                    for (col, v) in table.columns.iter().zip(row) {
                        q = bind_val!(q, col.kind, v);
                    }
                }
                q.execute(&mut *conn).await.map(|_| ())
            }
        }
        .map_err(|e| match e {
            // The row's values are not shown: they may be credentials' digests.
            sqlx::Error::Database(d) => TransferError::Refused(format!(
                "the target refused a row of {}: {}",
                table.name,
                d.message()
            )),
            e => TransferError::Db { side, source: e },
        })
    }

    /// The row count and SHA-256 of a table, read in canonical order.
    async fn digest(&mut self, table: &Table) -> Result<(u64, String)> {
        let side = self.side;
        let select = table.select_sql(self.dialect());
        let mut hasher = Sha256::new();
        let mut rows = 0u64;
        match &mut self.conn {
            Conn::Sqlite(c) => {
                let mut stream = sqlx::query(AssertSqlSafe(select)).fetch(&mut *c);
                while let Some(row) = stream.try_next().await.map_err(on(side))? {
                    hash_row(&mut hasher, &decode_sqlite(&row, table).map_err(on(side))?);
                    rows += 1;
                }
            }
            Conn::Postgres(c) => {
                let mut stream = sqlx::query(AssertSqlSafe(select)).fetch(&mut *c);
                while let Some(row) = stream.try_next().await.map_err(on(side))? {
                    hash_row(&mut hasher, &decode_pg(&row, table).map_err(on(side))?);
                    rows += 1;
                }
            }
        }
        Ok((rows, hex(&hasher.finalize())))
    }

    /// The highest value the table's sequence has handed out (it may be past the
    /// largest id still present, when rows were deleted), so ids are never reused.
    async fn sequence_high_water(&mut self, table: &Table, column: &str) -> Result<i64> {
        let side = self.side;
        let max_sql = format!(
            "SELECT COALESCE(MAX({}), 0) FROM {}",
            quote(column),
            quote(&table.name)
        );
        let (max, seq): (i64, Option<i64>) = match &mut self.conn {
            Conn::Sqlite(c) => {
                let max: i64 = sqlx::query_scalar(AssertSqlSafe(max_sql))
                    .fetch_one(&mut *c)
                    .await
                    .map_err(on(side))?;
                let seq: Option<i64> =
                    sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = $1")
                        .bind(&table.name)
                        .fetch_optional(&mut *c)
                        .await
                        .unwrap_or(None);
                (max, seq)
            }
            Conn::Postgres(c) => {
                let max: i64 = sqlx::query_scalar(AssertSqlSafe(max_sql))
                    .fetch_one(&mut *c)
                    .await
                    .map_err(on(side))?;
                (max, None)
            }
        };
        Ok(max.max(seq.unwrap_or(0)))
    }

    /// Moves the target's sequence so its next value is above `high`.
    async fn advance_sequence(&mut self, table: &Table, column: &str, high: i64) -> Result<()> {
        let side = self.side;
        if high <= 0 {
            return Ok(());
        }
        match &mut self.conn {
            Conn::Sqlite(c) => {
                // Inserting explicit ids already raised it to the largest copied id;
                // this keeps the source's higher mark if it had one.
                sqlx::query("UPDATE sqlite_sequence SET seq = max(seq, $1) WHERE name = $2")
                    .bind(high)
                    .bind(&table.name)
                    .execute(&mut *c)
                    .await
                    .map(|_| ())
            }
            Conn::Postgres(c) => {
                sqlx::query("SELECT setval(pg_get_serial_sequence($1, $2), $3, true)")
                    .bind(quote(&table.name))
                    .bind(column)
                    .bind(high)
                    .execute(&mut *c)
                    .await
                    .map(|_| ())
            }
        }
        .map_err(on(side))
    }
}
