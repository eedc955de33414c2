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
    pub database_url: String,
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

    async fn start_on(
        database_url: String,
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut buckle::Settings),
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
            database_url,
            _dir: dir,
            shutdown: Some(tx),
        }
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
        Session::sign_in(&self.base, user).await
    }
}

impl Session {
    pub async fn sign_in(base: &str, user: &User) -> Session {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder().cookie_provider(jar).build().unwrap();
        let r = client
            .post(format!("{base}/api/manage/session"))
            .json(&json!({"user_name": user.name, "password": user.password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login of {}", user.name);
        let body: Value = r.json().await.unwrap();
        Session {
            base: base.to_string(),
            client,
            csrf: body["data"]["csrf_token"].as_str().unwrap().to_string(),
        }
    }
}

impl Server {
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
    pub content_type: Option<String>,
    /// The `Retry-After` header of a 429, in seconds.
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Reply {
    pub async fn of(r: Response) -> Reply {
        let status = r.status();
        let logid_header = r
            .headers()
            .get("x-tt-logid")
            .map(|v| v.to_str().unwrap().to_string());
        let content_type = content_type(&r);
        let retry_after = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            logid_header,
            content_type,
            retry_after,
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
        assert_json(self.content_type.as_deref(), &self.body);
        let logid = self.body["detail"]["logid"].as_str();
        assert!(
            logid.is_some_and(|l| !l.is_empty()),
            "errors carry a log id in the body: {self:?}"
        );
        assert_eq!(
            logid,
            self.logid_header.as_deref(),
            "body and header log ids agree"
        );
        msg
    }
}

/// A response's `Content-Type`.
pub fn content_type(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
}

/// Errors are JSON, and say so.
#[track_caller]
fn assert_json(content_type: Option<&str>, body: &Value) {
    assert!(
        content_type.is_some_and(|c| c.split(';').next() == Some("application/json")),
        "an error's Content-Type is application/json, got {content_type:?} for {body}"
    );
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

    /// Invites a user name to an organization with a role; the invitation is pending.
    pub async fn invite(&self, org: &str, user_name: &str, role: &str) -> Reply {
        self.post(
            &format!("/api/manage/organizations/{org}/members"),
            json!({"user_name": user_name, "role": role}),
        )
        .await
    }

    /// Adds an account made by [`Server::user`] to an organization with a role:
    /// invites it, then signs in as it and accepts. Returns the refusal of the
    /// invitation when there is one, else the answer to accepting it.
    pub async fn add_member(&self, org: &str, user_name: &str, role: &str) -> Reply {
        let invited = self.invite(org, user_name, role).await;
        if invited.status != StatusCode::OK {
            return invited;
        }
        let invitee = User {
            id: 0,
            name: user_name.to_string(),
            password: format!("pw-{user_name}-secret"),
            personal_workspace: 0,
        };
        let s = Session::sign_in(&self.base, &invitee).await;
        let id = invited.data()["invitation_id"]
            .as_str()
            .unwrap()
            .to_string();
        s.post(&format!("/api/manage/invitations/{id}/accept"), json!({}))
            .await
    }

    /// Adds a member of the owning organization to one of its workspaces.
    pub async fn add_workspace_member(&self, workspace: i64, user_name: &str, role: &str) -> Reply {
        self.post(
            &format!("/api/manage/workspaces/{workspace}/members"),
            json!({"user_name": user_name, "role": role}),
        )
        .await
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

/// A scripted browser: a cookie jar, no automatic redirects, and just enough HTML
/// reading to fill Buckle's forms (sign-in, consent, device verification).
pub struct Browser {
    pub base: String,
    pub client: Client,
}

/// The value of `<input ... name="NAME" value="...">` in a page, unescaped.
pub fn form_field(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&#60;", "<")
            .replace("&gt;", ">")
            .replace("&#62;", ">")
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

/// A response's `Location` header.
pub fn location(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
}

/// The query parameters of a URL.
pub fn query_params(url: &str) -> std::collections::HashMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    url_decode_pairs(q)
}

pub fn url_decode_pairs(q: &str) -> std::collections::HashMap<String, String> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect()
}

fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(h, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            base: base.to_string(),
            client,
        }
    }

    fn abs(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{}", self.base, url)
        }
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(self.abs(url)).send().await.unwrap()
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.abs(url))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Signs in as `user` through the sign-in page (no page to come back to).
    pub async fn sign_in(&self, user: &User) {
        let page = self.get("/login").await.text().await.unwrap();
        let csrf = form_field(&page, "csrf").unwrap();
        let r = self
            .post_form(
                "/login",
                &[
                    ("user_name", user.name.as_str()),
                    ("password", user.password.as_str()),
                    ("csrf", csrf.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in succeeds");
    }

    /// Opens `url`; when Buckle sends the browser to sign in, signs in as `user`
    /// through the sign-in page and follows the way back. Returns the final page.
    pub async fn open_as(&self, url: &str, user: &User) -> (StatusCode, String) {
        let r = self.get(url).await;
        if r.status() == StatusCode::SEE_OTHER
            && location(&r).is_some_and(|l| l.starts_with("/login"))
        {
            let login_url = location(&r).unwrap();
            let page = self.get(&login_url).await.text().await.unwrap();
            let next = form_field(&page, "next").unwrap();
            let csrf = form_field(&page, "csrf").unwrap();
            let r = self
                .post_form(
                    "/login",
                    &[
                        ("user_name", user.name.as_str()),
                        ("password", user.password.as_str()),
                        ("next", next.as_str()),
                        ("csrf", csrf.as_str()),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in succeeds");
            let back = location(&r).unwrap();
            let r = self.get(&back).await;
            let status = r.status();
            return (status, r.text().await.unwrap());
        }
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// Submits the consent form of `page` with a decision ("approve" or "deny") and
    /// an edition ("" for personal, or an organization id); returns the redirect.
    pub async fn consent(&self, page: &str, decision: &str, edition: &str) -> reqwest::Response {
        let fields = [
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method",
            "workspace_id",
            "csrf",
        ];
        let values: Vec<(String, String)> = fields
            .iter()
            .map(|f| (f.to_string(), form_field(page, f).unwrap_or_default()))
            .collect();
        let mut form: Vec<(&str, &str)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        form.push(("decision", decision));
        form.push(("edition", edition));
        self.post_form("/api/permission/oauth2/consent", &form)
            .await
    }

    /// Approves or denies a device user code on the verification page as `user`.
    pub async fn device_decision(
        &self,
        user_code: &str,
        user: &User,
        decision: &str,
        edition: &str,
    ) -> (StatusCode, String) {
        let (status, page) = self
            .open_as(&format!("/oauth/device?user_code={user_code}"), user)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let code = form_field(&page, "user_code").unwrap();
        let csrf = form_field(&page, "csrf").unwrap();
        let r = self
            .post_form(
                "/oauth/device",
                &[
                    ("user_code", code.as_str()),
                    ("csrf", csrf.as_str()),
                    ("decision", decision),
                    ("edition", edition),
                ],
            )
            .await;
        let status = r.status();
        (status, r.text().await.unwrap())
    }
}

/// The flat OAuth answer of the token endpoints.
#[derive(Debug)]
pub struct OAuthReply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Value,
}

impl OAuthReply {
    pub async fn of(r: Response) -> OAuthReply {
        let status = r.status();
        let content_type = content_type(&r);
        let body = r.json().await.unwrap_or(Value::Null);
        OAuthReply {
            status,
            content_type,
            body,
        }
    }

    #[track_caller]
    pub fn token(&self) -> &Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected a token, got {self:?}"
        );
        assert!(self.body.get("code").is_none());
        &self.body
    }

    /// Asserts the dual-field error format with this status and error code.
    #[track_caller]
    pub fn error(&self, status: u16, error: &str) -> String {
        assert_eq!(
            (self.status.as_u16(), self.body["error"].as_str()),
            (status, Some(error)),
            "expected {status} {error}, got {self:?}"
        );
        assert_eq!(self.body["error_code"], self.body["error"]);
        assert_eq!(self.body["error_message"], self.body["error_description"]);
        assert!(self.body.get("code").is_none(), "never a code key");
        assert_json(self.content_type.as_deref(), &self.body);
        let msg = self.body["error_message"].as_str().unwrap().to_string();
        assert!(!msg.is_empty());
        msg
    }
}

/// POSTs JSON to an OAuth endpoint with an optional `Authorization: Bearer` value.
pub async fn oauth_post(base: &str, path: &str, bearer: Option<&str>, body: Value) -> OAuthReply {
    let mut rb = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(b) = bearer {
        rb = rb.header("Authorization", format!("Bearer {b}"));
    }
    OAuthReply::of(rb.send().await.unwrap()).await
}

/// An RSA key pair for service apps: the signer and its public key PEM.
pub struct ServiceKey {
    pub pair: aws_lc_rs::rsa::KeyPair,
    pub public_pem: String,
    pub private_pem: String,
}

impl ServiceKey {
    pub fn new() -> ServiceKey {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        use base64::Engine;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        let pem = |label: &str, der: &[u8]| {
            let body = b64.encode(der);
            let lines: Vec<&str> = body
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                lines.join("\n")
            )
        };
        let public_pem = pem("RSA PUBLIC KEY", pair.public_key().as_ref());
        let private_pem = pem("PRIVATE KEY", pair.as_der().unwrap().as_ref());
        ServiceKey {
            pair,
            public_pem,
            private_pem,
        }
    }

    pub fn kid(&self) -> String {
        buckle_core::rsa_key::RsaPublicKey::from_pem(&self.public_pem)
            .unwrap()
            .thumbprint()
    }

    /// Signs a JWT with this key: `header` and `claims` as given.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let input = format!(
            "{}.{}",
            b64.encode(serde_json::to_vec(header).unwrap()),
            b64.encode(serde_json::to_vec(claims).unwrap())
        );
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .unwrap();
        format!("{input}.{}", b64.encode(sig))
    }
}
