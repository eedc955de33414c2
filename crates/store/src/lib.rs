//! Buckle's one SQL persister. The same statements (with `$n` placeholders, which
//! both engines read) run on SQLite or PostgreSQL; each dialect has its own migrations.

mod accounts;
mod app_keys;
mod apps;
mod audit;
pub mod backup;
mod batched;
mod bots;
mod channels;
mod codes;
mod conversations;
mod device_codes;
mod device_usage;
mod families;
mod grants;
mod group_commit;
mod installations;
mod invitations;
mod joined;
mod jtis;
mod known_devices;
mod lite;
mod notifications;
mod oauth_purge;
mod oauth_tokens;
mod organization_members;
mod organizations;
mod owner_limit;
mod personal_access;
mod refresh_tokens;
mod schema;
mod sessions;
mod text;
mod throttle;
mod tokens;
pub mod transfer;
mod typed;
mod workspace_members;
mod workspaces;

pub use accounts::{Account, AccountProfile, NewAccount};
pub use app_keys::AppKey;
pub use apps::OAuthApp;
pub use audit::{AuditQuery, AuditRecord};
pub use bots::Bot;
pub use channels::{Channel, Publication, TokenBots};
pub use codes::AuthCode;
pub use conversations::Conversation;
pub use device_codes::DeviceCode;
pub use device_usage::{DeviceQuota, DeviceUsage};
pub use families::{NewUserTokens, Redeemed};
pub use grants::{Grant, GrantWithApp};
pub use installations::Installation;
pub use invitations::{Accepted, Invitation};
pub use jtis::JtiRedeemed;
pub use notifications::{Heartbeat, Listener};
pub use oauth_tokens::{NewOAuthToken, OAuthToken};
pub use organization_members::OrgMember;
pub use organizations::{Membership, Organization};
pub use personal_access::AccessHolder;
pub use refresh_tokens::RefreshToken;
pub use schema::{MigrationInfo, Migrations, SchemaProblem, SchemaStatus};
pub use throttle::{OVERFLOW_KEY, StoredCounters, ThrottleScope};
pub use tokens::{AccessToken, NewAccessToken, TokenChanges};
pub use workspace_members::WorkspaceMember;
pub use workspaces::{Workspace, WorkspaceOfAccount};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    /// Input the database cannot store (PostgreSQL refuses NUL in text).
    #[error("input the database cannot store")]
    InvalidInput,
    /// A stored value that names nothing the code knows (a corrupt or newer
    /// database): `value` in `table.column`.
    #[error("corrupt stored value {value:?} in {table}.{column}")]
    Corrupt {
        table: &'static str,
        column: &'static str,
        value: String,
    },
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
    /// From a statement run on SQLite directly (`lite.rs`).
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database's schema is not one this binary may use as it is.
    #[error("{0}")]
    Schema(SchemaProblem),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
            // character_not_in_repertoire, untranslatable_character: the client's text.
            sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("22021" | "22P05")) => {
                StoreError::InvalidInput
            }
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// SQLite has one writer at a time: writes go to a pool of one connection, where
/// they queue in order instead of several connections spinning on the busy
/// handler (and a read-then-write transaction never fails to upgrade its lock).
/// Reads use read-only connections, which WAL lets run beside the writer; a write
/// sent to them by mistake fails loudly instead of contending.
#[derive(Clone, Debug)]
enum Pool {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        /// Taken for every write, which the direct writer (`lite.rs`) shares.
        turn: lite::WriteTurn,
    },
    Postgres(PgPool),
}

/// Runs the same read-only statement code on whichever engine backs the store.
/// `$p` is bound to the engine's pool; the body is type-checked once per engine.
macro_rules! with_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite { read: $p, .. } => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// As [`with_pool`], for statements that write (or transactions that may):
/// on SQLite, the single writer connection.
macro_rules! with_writer {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite {
                write: $p, turn, ..
            } => {
                let _turn = turn.lock().await;
                $body
            }
            $crate::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_writer;

/// A unit of grouped work, as the group-commit paths run it (`group_commit.rs`,
/// `batched.rs`).
pub(crate) type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Where grants' writes are queued to share a commit.
#[derive(Clone, Debug)]
enum Grouped {
    /// Through sqlx's writer (an in-memory database; a file uses `lite`).
    Sqlite(group_commit::GroupCommit),
    /// A batch of each kind in one statement.
    Postgres(Arc<batched::PgBatches>),
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// Where grants' writes are queued to share transactions.
    grouped: Grouped,
    /// A SQLite file used directly on the hot paths; `None` on PostgreSQL and
    /// for an in-memory SQLite database (which only sqlx's connections share).
    lite: Option<Arc<lite::Lite>>,
}

/// When a commit on SQLite reaches the disk (`PRAGMA synchronous`, in WAL
/// mode). Either way the database stays consistent through any crash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// A commit is written to the write-ahead log and synced to disk by the
    /// next checkpoint (`lite.rs` runs one every 100 ms): a crash of Buckle
    /// loses nothing, a crash of the machine may lose the last commits.
    #[default]
    Normal,
    /// A commit (a whole group commit of grants) is synced before it is answered.
    Full,
}

/// How [`Store::open`] connects.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub max_connections: u32,
    pub migrations: Migrations,
    /// Ignored on PostgreSQL, whose `synchronous_commit` decides.
    pub sqlite_sync: SqliteSync,
}

impl Store {
    /// Connects to `sqlite://...` or `postgres://...` and applies pending migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        Store::connect_with(url, max_connections, Migrations::Apply).await
    }

    /// Connects, refuses a database newer than the binary (or altered, or left
    /// dirty by a failed migration), then applies, requires or leaves the
    /// pending migrations as `migrations` says.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        migrations: Migrations,
    ) -> Result<Store> {
        let options = Options {
            max_connections,
            migrations,
            sqlite_sync: SqliteSync::Normal,
        };
        Store::open(url, &options).await
    }

    /// [`Store::connect_with`], with every option.
    pub async fn open(url: &str, options: &Options) -> Result<Store> {
        let Options {
            max_connections,
            migrations,
            sqlite_sync,
        } = *options;
        let mut sqlite_file = None;
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?,
            )
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match sqlite_sync {
                    SqliteSync::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
                    SqliteSync::Full => sqlx::sqlite::SqliteSynchronous::Full,
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // On a file, `lite.rs`'s checkpointer thread checkpoints.
                .pragma("wal_autocheckpoint", "0");
            // The writer first: it creates the file the readers open.
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts.clone())
                .await?;
            let path = (!url.contains(":memory:")).then(|| opts.get_filename().to_path_buf());
            let read = if path.is_none() {
                // Every connection to :memory: is a database of its own.
                write.clone()
            } else {
                SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts.read_only(true))
                    .await?
            };
            sqlite_file = path;
            Pool::Sqlite {
                read,
                write,
                turn: lite::WriteTurn::default(),
            }
        } else {
            return Err(StoreError::Db(sqlx::Error::Configuration(
                "database URL must start with sqlite: or postgres://".into(),
            )));
        };
        let grouped = match &pool {
            Pool::Sqlite { write, .. } => {
                Grouped::Sqlite(group_commit::GroupCommit::sqlite(write.clone()))
            }
            // An eighth of the pool's connections per kind of grant write (two
            // of the default 16), so one batch's round trip overlaps the next
            // and the four kinds together hold at most half the pool.
            Pool::Postgres(p) => Grouped::Postgres(Arc::new(batched::PgBatches::start(
                p,
                (max_connections / 8).max(1) as usize,
            ))),
        };
        let mut store = Store {
            pool,
            grouped,
            lite: None,
        };
        if let Err(e) = store.check_and_migrate(migrations).await {
            store.close().await;
            return Err(e);
        }
        if let (Pool::Sqlite { turn, .. }, Some(path)) = (&store.pool, sqlite_file) {
            store.lite = Some(Arc::new(lite::Lite::open(path, turn.clone(), sqlite_sync)?));
        }
        Ok(store)
    }

    pub fn dialect(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite { .. } => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(lite) = &self.lite {
            lite.close();
        }
        match &self.pool {
            Pool::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// Ids lists are stored space-separated in one column so the token check reads one row.
pub(crate) fn encode_ids(ids: &[buckle_core::WorkspaceId]) -> String {
    ids.iter()
        .map(|id| id.get().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
