//! Crash safety: `buckle serve` is killed with SIGKILL in the middle of heavy
//! issuance (JWT-bearer grants, code exchanges, personal access tokens), then
//! started again on the same database. Every token a client was given must still
//! work, no code or `jti` that was used works a second time, and the database is
//! intact (SQLite's integrity check; PostgreSQL's amcheck and its constraints).

use crate::testkit::*;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "/api/permission/oauth2/token";
const CALLBACK: &str = "http://127.0.0.1:9/crash-callback";
const JWT_WORKERS: usize = 12;
const PAT_WORKERS: usize = 2;
const CODE_WORKERS: usize = 2;
const CODES: usize = 24;

/// `buckle serve` on the test's database; `public_url` keeps the JWT audience
/// of an earlier run.
async fn serve(data_dir: &Path, database_url: Option<&str>, public_url: Option<&str>) -> Process {
    let cmd = buckle(BIN, data_dir, database_url);
    match public_url {
        Some(p) => Process::start_with(cmd, &["--public-url", p]).await,
        None => Process::start(cmd).await,
    }
}

/// Runs `buckle admin ...` and returns its standard output.
async fn admin(data_dir: &Path, database_url: Option<&str>, args: &[&str], stdin: &str) -> String {
    let (ok, out, err) = run_admin(buckle(BIN, data_dir, database_url), args, stdin).await;
    assert!(ok, "buckle admin {args:?}: {err}");
    out
}

/// What the clients saw during the load.
#[derive(Default)]
struct Seen {
    /// `czs_` tokens from JWT grants answered 200, and the JWT that got each.
    service_tokens: Vec<(String, String)>,
    /// JWTs sent whose answer never arrived (the process died under them).
    jwts_in_flight: Vec<String>,
    /// Code exchanges answered 200: (code, access token, refresh token).
    exchanged: Vec<(String, String, String)>,
    codes_in_flight: Vec<String>,
    /// Personal access tokens whose creation was answered 200.
    pats: Vec<String>,
    /// Answers that were neither success nor a dropped connection.
    errors: Vec<String>,
}

struct Load {
    base: String,
    aud: String,
    pat: String,
    service_id: String,
    key: ServiceKey,
    web_id: String,
    web_secret: String,
    codes: Mutex<Vec<String>>,
    stop: AtomicBool,
    seen: Mutex<Seen>,
}

impl Load {
    fn jwt(&self) -> String {
        let now = buckle_core::now_unix();
        self.key.sign(
            &json!({"alg": "RS256", "typ": "JWT", "kid": self.key.kid()}),
            &json!({"iss": self.service_id, "aud": self.aud, "iat": now, "exp": now + 3600,
                    "jti": buckle_core::ids::new_id().to_string()}),
        )
    }

    fn error(&self, what: &str, status: u16, body: &str) {
        self.seen
            .lock()
            .unwrap()
            .errors
            .push(format!("{what}: {status} {body}"));
    }

    async fn jwt_worker(&self, client: reqwest::Client) {
        while !self.stop.load(Ordering::Relaxed) {
            let jwt = self.jwt();
            let sent = client
                .post(format!("{}{TOKEN}", self.base))
                .bearer_auth(&jwt)
                .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
                .send()
                .await;
            let answer = match sent {
                Ok(r) => (r.status().as_u16(), r.text().await),
                Err(_) => {
                    self.seen.lock().unwrap().jwts_in_flight.push(jwt);
                    break;
                }
            };
            match answer {
                (200, Ok(text)) => {
                    let body: Value = serde_json::from_str(&text).unwrap();
                    let token = body["access_token"].as_str().unwrap().to_string();
                    self.seen.lock().unwrap().service_tokens.push((token, jwt));
                }
                (_, Err(_)) => {
                    self.seen.lock().unwrap().jwts_in_flight.push(jwt);
                    break;
                }
                (status, Ok(text)) => self.error("JWT grant", status, &text),
            }
        }
    }

    async fn code_worker(&self, client: reqwest::Client) {
        while !self.stop.load(Ordering::Relaxed) {
            let Some(code) = self.codes.lock().unwrap().pop() else {
                return;
            };
            let sent = client
                .post(format!("{}{TOKEN}", self.base))
                .bearer_auth(&self.web_secret)
                .json(
                    &json!({"grant_type": "authorization_code", "client_id": self.web_id,
                              "code": code, "redirect_uri": CALLBACK}),
                )
                .send()
                .await;
            let answer = match sent {
                Ok(r) => (r.status().as_u16(), r.text().await),
                Err(_) => {
                    self.seen.lock().unwrap().codes_in_flight.push(code);
                    break;
                }
            };
            match answer {
                (200, Ok(text)) => {
                    let body: Value = serde_json::from_str(&text).unwrap();
                    let access = body["access_token"].as_str().unwrap().to_string();
                    let refresh = body["refresh_token"].as_str().unwrap().to_string();
                    self.seen
                        .lock()
                        .unwrap()
                        .exchanged
                        .push((code, access, refresh));
                }
                (_, Err(_)) => {
                    self.seen.lock().unwrap().codes_in_flight.push(code);
                    break;
                }
                (status, Ok(text)) => self.error("code exchange", status, &text),
            }
            // Spread the few codes over the load.
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    async fn pat_worker(&self, client: reqwest::Client) {
        while !self.stop.load(Ordering::Relaxed) {
            let sent = client
                .post(format!("{}/api/manage/personal_access_tokens", self.base))
                .bearer_auth(&self.pat)
                .json(
                    &json!({"name": "crash", "permissions": ["Account.readProfile"],
                              "all_workspaces": true, "expires_in": "1d"}),
                )
                .send()
                .await;
            let answer = match sent {
                Ok(r) => (r.status().as_u16(), r.text().await),
                Err(_) => break,
            };
            match answer {
                (200, Ok(text)) => {
                    let body: Value = serde_json::from_str(&text).unwrap();
                    let token = body["data"]["token"].as_str().unwrap().to_string();
                    self.seen.lock().unwrap().pats.push(token);
                }
                (_, Err(_)) => break,
                (status, Ok(text)) => self.error("PAT creation", status, &text),
            }
        }
    }
}

/// Creates the account, a bootstrap token, a service app with a key authorized for
/// all workspaces and a web app, and collects authorization codes for the web app.
async fn prepare(data_dir: &Path, database_url: Option<&str>) -> (Process, Load) {
    admin(
        data_dir,
        database_url,
        &["create-user", "--user-name", "ops", "--password-stdin"],
        "crash test password\n",
    )
    .await;
    let pat = admin(
        data_dir,
        database_url,
        &[
            "create-token",
            "--user-name",
            "ops",
            "--name",
            "bootstrap",
            "--permissions",
            "Account.readProfile,Manage.tokens,Manage.apps",
            "--all-workspaces",
            "--expires-in",
            "7d",
        ],
        "",
    )
    .await
    .trim()
    .to_string();
    let srv = serve(data_dir, database_url, None).await;
    let api = Bearer {
        base: srv.base.clone(),
        token: pat.clone(),
    };
    let ops = User {
        id: 0,
        name: "ops".into(),
        password: "crash test password".into(),
        personal_workspace: 0,
    };
    let console = Session::sign_in(&srv.base, &ops).await;
    let (service_id, key) = authorized_service_app(&api, &console, "crash service").await;
    let web = api
        .post(
            "/api/manage/apps",
            json!({"name": "crash web", "app_type": "normal", "client_type": "web",
                   "permissions": ["Account.readProfile"], "redirect_uris": [CALLBACK]}),
        )
        .await;
    let web_id = web.ok()["app_id"].as_str().unwrap().to_string();
    let web_secret = web.ok()["client_secret"].as_str().unwrap().to_string();

    let browser = Browser::new(&srv.base);
    let authorize = format!(
        "/api/permission/oauth2/authorize?response_type=code&client_id={web_id}&redirect_uri={}&state=s",
        buckle_core::redirect::encode(CALLBACK)
    );
    let mut codes = Vec::new();
    for _ in 0..CODES {
        let (status, page) = browser.open_as(&authorize, &ops).await;
        assert_eq!(status, 200, "{page}");
        let r = browser.consent(&page, "approve", "").await;
        let to = location(&r).expect("consent redirects to the app");
        codes.push(query_params(&to)["code"].clone());
    }
    let aud = srv.base.trim_start_matches("http://").to_string();
    let load = Load {
        base: srv.base.clone(),
        aud,
        pat,
        service_id,
        key,
        web_id,
        web_secret,
        codes: Mutex::new(codes),
        stop: AtomicBool::new(false),
        seen: Mutex::new(Seen::default()),
    };
    (srv, load)
}

/// Runs the load, kills the server under it, and returns what the clients saw.
async fn load_and_kill(srv: Process, load: Load) -> Load {
    let load = Arc::new(load);
    let mut workers = Vec::new();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for i in 0..JWT_WORKERS + PAT_WORKERS + CODE_WORKERS {
        let (l, c) = (load.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            if i < JWT_WORKERS {
                l.jwt_worker(c).await
            } else if i < JWT_WORKERS + PAT_WORKERS {
                l.pat_worker(c).await
            } else {
                l.code_worker(c).await
            }
        }));
    }
    // Kill once issuance has run a second and is well under way (at the latest after 20 s).
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let seen = load.seen.lock().unwrap();
        let busy = started.elapsed() >= Duration::from_secs(1)
            && seen.service_tokens.len() >= 60
            && seen.exchanged.len() >= 4
            && seen.pats.len() >= 2;
        if busy || started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    eprintln!("crash: SIGKILL after {:?} of load", started.elapsed());
    srv.kill().await;
    load.stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    Arc::into_inner(load).expect("workers are done")
}

async fn crash_during_issuance(data_dir: &Path, database_url: Option<&str>) {
    let (srv, load) = prepare(data_dir, database_url).await;
    let public_url = srv.base.clone();
    let load = load_and_kill(srv, load).await;
    let seen = std::mem::take(&mut *load.seen.lock().unwrap());
    assert!(
        seen.errors.is_empty(),
        "under load every answer is a success: {:?}",
        seen.errors
    );
    assert!(
        !seen.service_tokens.is_empty() && !seen.exchanged.is_empty() && !seen.pats.is_empty(),
        "issuance was under way: {} service tokens, {} exchanges, {} PATs",
        seen.service_tokens.len(),
        seen.exchanged.len(),
        seen.pats.len()
    );
    eprintln!(
        "crash: {} service tokens, {} code exchanges, {} PATs before SIGKILL; {} JWTs and {} codes in flight",
        seen.service_tokens.len(),
        seen.exchanged.len(),
        seen.pats.len(),
        seen.jwts_in_flight.len(),
        seen.codes_in_flight.len()
    );

    // Same database, same audience, another port.
    let srv = serve(data_dir, database_url, Some(&public_url)).await;
    let bearer = |t: &str| Bearer {
        base: srv.base.clone(),
        token: t.to_string(),
    };
    // Every token a client received works.
    for (token, _) in &seen.service_tokens {
        assert_eq!(
            bearer(token).get("/v1/users/me").await.ok()["user_name"],
            json!("ops")
        );
    }
    for (_, access, _) in &seen.exchanged {
        bearer(access).get("/v1/users/me").await.ok();
    }
    for pat in &seen.pats {
        bearer(pat).get("/v1/users/me").await.ok();
    }
    for (_, _, refresh) in &seen.exchanged {
        let r = oauth_post(
            &srv.base,
            TOKEN,
            Some(&load.web_secret),
            json!({"grant_type": "refresh_token", "client_id": load.web_id,
                   "refresh_token": refresh}),
        )
        .await;
        let fresh = r.token()["access_token"].as_str().unwrap().to_string();
        bearer(&fresh).get("/v1/users/me").await.ok();
    }

    // No used jti or code works again.
    for (_, jwt) in &seen.service_tokens {
        jwt_grant(&srv.base, jwt).await.error(400, "invalid_grant");
    }
    // A request cut short by the kill may or may not have used its jti; either way
    // it is single use from now on.
    for jwt in &seen.jwts_in_flight {
        let first = jwt_grant(&srv.base, jwt).await;
        if first.status != 200 {
            first.error(400, "invalid_grant");
        }
        jwt_grant(&srv.base, jwt).await.error(400, "invalid_grant");
    }
    for (code, _, _) in &seen.exchanged {
        exchange(&srv.base, &load, code)
            .await
            .error(400, "invalid_grant");
    }
    for code in &seen.codes_in_flight {
        let first = exchange(&srv.base, &load, code).await;
        if first.status != 200 {
            first.error(400, "invalid_grant");
        }
        exchange(&srv.base, &load, code)
            .await
            .error(400, "invalid_grant");
    }
    // The restarted server still issues.
    let jwt = load.jwt();
    jwt_grant(&srv.base, &jwt).await.token();
    srv.kill().await;
}

async fn jwt_grant(base: &str, jwt: &str) -> OAuthReply {
    oauth_post(
        base,
        TOKEN,
        Some(jwt),
        json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}),
    )
    .await
}

async fn exchange(base: &str, load: &Load, code: &str) -> OAuthReply {
    oauth_post(
        base,
        TOKEN,
        Some(&load.web_secret),
        json!({"grant_type": "authorization_code", "client_id": load.web_id,
               "code": code, "redirect_uri": CALLBACK}),
    )
    .await
}

/// SQLite's own check of every page, index and constraint.
async fn sqlite_integrity(db: &Path) {
    let url = buckle::sqlite_url(db);
    let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert_eq!(rows, vec![("ok".to_string(),)], "PRAGMA integrity_check");
    let fk: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert!(fk.is_empty(), "foreign keys hold: {fk:?}");
}

/// PostgreSQL: every B-tree index agrees with its table (amcheck, heap included),
/// and the single-use tables hold no duplicates.
async fn postgres_integrity(url: &str) {
    let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck")
        .execute(&mut c)
        .await
        .unwrap();
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT c.oid::regclass::text FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_am a ON a.oid = c.relam
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE a.amname = 'btree' AND n.nspname = 'public'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert!(!indexes.is_empty());
    for (index,) in &indexes {
        sqlx::query("SELECT bt_index_check($1::regclass, true)")
            .bind(index)
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("amcheck on {index}: {e}"));
    }
    for (table, key) in [
        ("oauth_jtis", "app_id, jti"),
        ("oauth_codes", "code_hash"),
        ("oauth_tokens", "token_hash"),
        ("oauth_refresh_tokens", "token_hash"),
        ("access_tokens", "token_hash"),
    ] {
        let q = format!(
            "SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1) d"
        );
        let (dups,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(q))
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(dups, 0, "no duplicate {key} in {table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_issuance_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    crash_during_issuance(&data, None).await;
    sqlite_integrity(&data.join("buckle.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_issuance_postgres() {
    let url = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    crash_during_issuance(&dir.path().join("unused"), Some(&url)).await;
    postgres_integrity(&url).await;
}
