//! Starts a real Buckle server on 127.0.0.1:0 over a throwaway database (SQLite in a
//! temporary directory, or a fresh database on the PostgreSQL server named by
//! `BUCKLE_TEST_POSTGRES_URL`), and drives it over HTTP.

use buckle_server::AppState;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub base: String,
    pub state: AppState,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
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
    sqlx::Executor::execute(
        &mut conn,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .expect("create test database");
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let settings = buckle::Settings::resolve(buckle::Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            database_url: Some(database_url),
            public_url: Some(base.clone()),
            listen: Some(addr.to_string()),
            ..Default::default()
        })
        .unwrap();
        let state = buckle::open(&settings).await.expect("open server state");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serve_state = state.clone();
        tokio::spawn(async move {
            let _ = buckle_server::serve(listener, serve_state, async {
                let _ = rx.await;
            })
            .await;
        });
        Server {
            base,
            state,
            _dir: dir,
            shutdown: Some(tx),
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
            .id;
        User {
            id: a.id,
            name: name.to_string(),
            password,
            personal_workspace,
        }
    }

    /// Signs in through the management API; the returned session carries cookie and CSRF token.
    pub async fn login(&self, user: &User) -> Session {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder().cookie_provider(jar).build().unwrap();
        let r = client
            .post(self.url("/api/manage/session"))
            .json(&json!({"user_name": user.name, "password": user.password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login of {}", user.name);
        let body: Value = r.json().await.unwrap();
        Session {
            base: self.base.clone(),
            client,
            csrf: body["data"]["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    /// A bearer-token client for the OpenAPI.
    pub fn bearer(&self, token: &str) -> Bearer {
        Bearer {
            base: self.base.clone(),
            token: token.to_string(),
        }
    }
}

pub struct User {
    pub id: i64,
    pub name: String,
    pub password: String,
    pub personal_workspace: i64,
}

/// A signed-in console session.
pub struct Session {
    pub base: String,
    pub client: Client,
    pub csrf: String,
}

/// A response reduced to what tests assert on.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub logid_header: Option<String>,
    pub body: Value,
}

impl Reply {
    pub async fn of(r: Response) -> Reply {
        let status = r.status();
        let logid_header = r
            .headers()
            .get("x-tt-logid")
            .map(|v| v.to_str().unwrap().to_string());
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            logid_header,
            body,
        }
    }

    /// The Coze envelope's `code`.
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Asserts success and returns `data`.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(
            (self.status, self.code()),
            (StatusCode::OK, 0),
            "expected success, got {self:?}"
        );
        self.data()
    }

    /// Asserts an enveloped error with the given HTTP status and code.
    #[track_caller]
    pub fn fails(&self, status: u16, code: i64) -> &str {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "expected {status}/{code}, got {self:?}"
        );
        let msg = self.body["msg"].as_str().unwrap();
        assert!(!msg.is_empty(), "error messages are never empty: {self:?}");
        assert_eq!(
            self.body["detail"]["logid"].as_str(),
            self.logid_header.as_deref(),
            "body and header log ids agree"
        );
        msg
    }
}

impl Session {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Reply::of(rb.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a personal access token and returns `(id, secret)`.
    pub async fn pat(&self, body: Value) -> (String, String) {
        let r = self.post("/api/manage/personal_access_tokens", body).await;
        let d = r.ok();
        (
            d["id"].as_str().unwrap().to_string(),
            d["token"].as_str().unwrap().to_string(),
        )
    }

    /// A personal-edition PAT with these points on all workspaces, for 1 day.
    pub async fn simple_pat(&self, points: &[&str]) -> String {
        self.pat(
            json!({"name": "t", "permissions": points, "all_workspaces": true, "expires_in": "1d"}),
        )
        .await
        .1
    }

    /// Creates a team and returns its id.
    pub async fn team(&self, name: &str) -> String {
        let r = self
            .post(
                "/api/manage/organizations",
                json!({"name": name, "kind": "team"}),
            )
            .await;
        r.ok()["id"].as_str().unwrap().to_string()
    }

    /// Creates a workspace (in an organization when given) and returns its id.
    pub async fn workspace(&self, name: &str, org: Option<&str>) -> i64 {
        let r = self
            .post(
                "/api/manage/workspaces",
                json!({"name": name, "organization_id": org}),
            )
            .await;
        r.ok()["id"].as_str().unwrap().parse().unwrap()
    }
}

pub struct Bearer {
    pub base: String,
    pub token: String,
}

impl Bearer {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut rb = reqwest::Client::new()
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Reply::of(rb.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }
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
