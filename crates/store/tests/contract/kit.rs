//! A throwaway store for each test: SQLite in a temporary file, or a fresh
//! database on the PostgreSQL server named by `BUCKLE_TEST_POSTGRES_URL`, dropped
//! when the test ends (even when it fails).

use buckle_store::Store;
use std::future::Future;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub engine: Engine,
    /// The server's admin URL and this test's database name, to drop it.
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

/// Enough connections for the races to overlap.
const CONNECTIONS: u32 = 8;

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, postgres) = match engine {
            Engine::Sqlite => (
                format!("sqlite://{}", dir.path().join("store.db").display()),
                None,
            ),
            Engine::Postgres => {
                let (url, admin, name) = fresh_postgres_database().await;
                (url, Some((admin, name)))
            }
        };
        Self::open(url, engine, postgres, dir).await
    }

    /// A SQLite database in memory (`sqlite::memory:`): no file, so grants'
    /// writes go through sqlx's writer (`group_commit.rs`) rather than
    /// `lite.rs`. [`raw`](Self::raw) cannot reach it.
    pub async fn in_memory() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::open("sqlite::memory:".to_string(), Engine::Sqlite, None, dir).await
    }

    async fn open(
        url: String,
        engine: Engine,
        postgres: Option<(String, String)>,
        dir: tempfile::TempDir,
    ) -> TestDb {
        let store = Store::connect(&url, CONNECTIONS)
            .await
            .expect("connect and migrate");
        TestDb {
            store,
            url,
            engine,
            postgres,
            _dir: dir,
        }
    }

    /// Runs statements, in order, on one connection of their own: for states the
    /// store's API cannot make (corrupt rows).
    pub async fn raw(&self, statements: &[&str]) {
        match self.engine {
            Engine::Postgres => {
                let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&self.url)
                    .await
                    .unwrap();
                for s in statements {
                    sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(s.to_string()))
                        .await
                        .unwrap_or_else(|e| panic!("{s}: {e}"));
                }
            }
            Engine::Sqlite => {
                let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&self.url)
                    .await
                    .unwrap();
                for s in statements {
                    sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(s.to_string()))
                        .await
                        .unwrap_or_else(|e| panic!("{s}: {e}"));
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any async context we may block: a thread with its own
        // runtime drops the database, ending the pool's connections (FORCE).
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await?;
                sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(drop)).await?;
                Ok::<(), sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}: {dropped:?}");
        }
    }
}

/// A fresh, empty PostgreSQL database: its URL, the admin URL and its name.
pub async fn fresh_postgres_database() -> (String, String, String) {
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
    (format!("{head}/{name}"), admin, name)
}

/// Runs `n` copies of `task` (given their index) at once: each waits at a barrier
/// until all have started, so they reach the database together.
pub async fn race<T, Fut>(n: usize, task: impl Fn(usize) -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let work = task(i);
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.expect("task panicked"));
    }
    out
}

/// Declares `$test` (an `async fn(TestDb)`) once per engine: `$test::sqlite` and
/// `$test::postgres`, each on a multi-threaded runtime so races are real.
macro_rules! on_both_engines {
    ($($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$test($crate::kit::TestDb::new($crate::kit::Engine::Sqlite).await).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$test($crate::kit::TestDb::new($crate::kit::Engine::Postgres).await).await
                }
            }
        )+
    };
}
pub(crate) use on_both_engines;

/// [`on_both_engines`], and once more on an in-memory SQLite database, for
/// what runs differently there (grants' writes).
macro_rules! on_every_engine {
    ($($test:ident),+ $(,)?) => {
        $crate::kit::on_both_engines!($($test),+);
        mod in_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    super::$test($crate::kit::TestDb::in_memory().await).await
                }
            )+
        }
    };
}
pub(crate) use on_every_engine;
