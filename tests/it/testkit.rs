//! Starts a real Buckle server on 127.0.0.1:0 over a throwaway database (SQLite in a
//! temporary directory, or a fresh database on the PostgreSQL server named by
//! `BUCKLE_TEST_POSTGRES_URL`), and drives it over HTTP. The server and its accounts
//! are here; the ways of talking to it are in `testkit/`, one concern per file, all
//! re-exported so that `use crate::testkit::*` brings everything.

mod bearer;
mod browser;
mod chromium;
mod org;
mod process;
mod reply;
mod service_key;
mod session;

pub use bearer::*;
pub use browser::*;
pub use chromium::*;
pub use org::*;
pub use process::*;
pub use reply::*;
pub use service_key::*;
pub use session::*;

use buckle_server::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub base: String,
    pub state: AppState,
    pub database_url: String,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A fresh, empty PostgreSQL database; its URL.
pub async fn fresh_postgres_database() -> String {
    let admin = std::env::var("BUCKLE_TEST_POSTGRES_URL").expect(
        "BUCKLE_TEST_POSTGRES_URL must name a PostgreSQL server for the PostgreSQL tests \
         (bash .ci/run starts one; or: eval \"$(bash scripts/dev-postgres.sh)\")",
    );
    let name = format!("buckle_test_{}", buckle_core::ids::new_id());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("connect to the PostgreSQL test server");
    // The name is made here from digits only; CREATE DATABASE takes no parameters.
    // template0 accepts no connections, so concurrent creations do not collide on it.
    let create = format!("CREATE DATABASE {name} TEMPLATE template0");
    let mut attempt = 0;
    while let Err(e) = sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(create.clone())).await
    {
        attempt += 1;
        assert!(attempt < 10, "create test database: {e}");
        tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
    }
    let (head, _) = admin.rsplit_once('/').expect("URL has a database path");
    format!("{head}/{name}")
}

impl Server {
    pub async fn start(db: Db) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match db {
            Db::Sqlite => buckle::sqlite_url(&dir.path().join("buckle.db")),
            Db::Postgres => fresh_postgres_database().await,
        };
        Server::start_on(database_url, dir, |_| {}).await
    }

    /// A server on SQLite whose settings `configure` adjusts, as `buckle.toml` would.
    pub async fn start_configured(configure: impl FnOnce(&mut buckle::Settings)) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = buckle::sqlite_url(&dir.path().join("buckle.db"));
        Server::start_on(database_url, dir, configure).await
    }

    /// A server on `db` whose settings `configure` adjusts, as `buckle.toml` would.
    pub async fn start_on_configured(
        db: Db,
        configure: impl FnOnce(&mut buckle::Settings),
    ) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match db {
            Db::Sqlite => buckle::sqlite_url(&dir.path().join("buckle.db")),
            Db::Postgres => fresh_postgres_database().await,
        };
        Server::start_on(database_url, dir, configure).await
    }

    /// Another server on the same database, as a second Buckle process would be,
    /// answering to this server's name as a JWT audience too.
    pub async fn start_beside(&self) -> Server {
        let aud = self.base.trim_start_matches("http://").to_string();
        Server::start_on(
            self.database_url.clone(),
            tempfile::tempdir().unwrap(),
            |s| s.extra_audiences = vec![aud],
        )
        .await
    }

    /// A server on an existing database whose clock reads `unix_time` from the
    /// start, before its first housekeeping pass (which would purge what expired
    /// by the real clock).
    pub async fn start_on_database_at(database_url: String, unix_time: i64) -> Server {
        Server::start_prepared(
            database_url,
            tempfile::tempdir().unwrap(),
            |_| {},
            |state| state.clock.advance(unix_time - state.clock.now()),
        )
        .await
    }

    pub async fn start_on(
        database_url: String,
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut buckle::Settings),
    ) -> Server {
        Server::start_prepared(database_url, dir, configure, |_| {}).await
    }

    /// [`Server::start_on`], with `prepare` run on the state before serving.
    async fn start_prepared(
        database_url: String,
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut buckle::Settings),
        prepare: impl FnOnce(&buckle_server::AppState),
    ) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let mut settings = buckle::Settings::resolve(buckle::Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            database_url: Some(database_url.clone()),
            public_url: Some(base.clone()),
            listen: Some(addr.to_string()),
            ..Default::default()
        })
        .unwrap();
        // Device clients poll every second, so device flows take seconds, not tens.
        settings.device_poll_interval_seconds = 1;
        configure(&mut settings);
        let state = buckle::open(&settings).await.expect("open server state");
        prepare(&state);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serve_state = state.clone();
        let served = tokio::spawn(async move {
            let _ = buckle_server::serve(listener, serve_state, async {
                let _ = rx.await;
            })
            .await;
        });
        Server {
            base,
            state,
            database_url,
            _dir: dir,
            shutdown: Some(tx),
            served: Some(served),
        }
    }

    /// Shuts the server down cleanly (waiting until serving has ended), then starts
    /// a new one on the same database and data directory, at a new address.
    pub async fn restart(self) -> Server {
        self.restart_configured(|_| {}).await
    }

    /// [`Server::restart`], the new server's settings adjusted by `configure`.
    pub async fn restart_configured(
        mut self,
        configure: impl FnOnce(&mut buckle::Settings),
    ) -> Server {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.expect("the server task ended cleanly");
        }
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap());
        Server::start_on(self.database_url.clone(), dir, configure).await
    }

    /// Shuts the server down cleanly (waiting until serving has ended), as an
    /// operator stops Buckle; returns its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.expect("the server task ended cleanly");
        }
        self.state.store.close().await;
        std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap())
    }

    /// Runs one statement straight on the database, for states the API cannot make.
    pub async fn sql(&self, statement: &str) {
        let stmt = sqlx::AssertSqlSafe(statement.to_string());
        if self.database_url.starts_with("postgres") {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&self.database_url)
                .await
                .unwrap();
            sqlx::Executor::execute(&mut c, stmt).await.unwrap();
        } else {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&self.database_url)
                .await
                .unwrap();
            sqlx::Executor::execute(&mut c, stmt).await.unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A new account (created directly, as `buckle admin create-user` does).
    pub async fn user(&self, name: &str) -> User {
        self.user_with(name, false).await
    }

    pub async fn super_admin(&self, name: &str) -> User {
        self.user_with(name, true).await
    }

    async fn user_with(&self, name: &str, super_admin: bool) -> User {
        let password = format!("pw-{name}-secret");
        let a = buckle_server::manage::create_account(
            &self.state,
            name,
            Some(&password),
            None,
            super_admin,
        )
        .await
        .expect("create account");
        let personal_workspace = self
            .state
            .store
            .workspaces_of(a.id, None)
            .await
            .unwrap()
            .first()
            .expect("personal workspace")
            .id
            .get();
        User {
            id: a.id.get(),
            name: name.to_string(),
            password,
            personal_workspace,
        }
    }

    /// Signs in through the management API; the returned session carries cookie and CSRF token.
    pub async fn login(&self, user: &User) -> Session {
        Session::sign_in(&self.base, user).await
    }
}

pub struct User {
    pub id: i64,
    pub name: String,
    pub password: String,
    pub personal_workspace: i64,
}

/// Runs each named `async fn(Server)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::testkit::Server::start($crate::testkit::Db::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::testkit::Server::start($crate::testkit::Db::Postgres).await).await
            }
        }
    )*};
}
