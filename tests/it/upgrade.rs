//! Upgrades: a database made by the previous release (the fixture in
//! tests/fixtures/previous-release/, made by that release's own binary) is
//! migrated by this Buckle and every credential it holds still works; a database
//! newer than the binary is refused and left untouched.
//!
//! `BUCKLE_MAKE_UPGRADE_FIXTURE=<previous release's buckle binary>` makes the
//! fixture again (see the fixture folder's README.md).

use crate::testkit::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const TOKEN: &str = "/api/permission/oauth2/token";
const CALLBACK: &str = "http://127.0.0.1:9/upgrade-callback";
const OPS_PASSWORD: &str = "previous release password";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous-release")
}

async fn token_call(base: &str, secret: Option<&str>, body: Value) -> OAuthReply {
    let mut rb = reqwest::Client::new().post(format!("{base}{TOKEN}"));
    if let Some(s) = secret {
        rb = rb.bearer_auth(s);
    }
    OAuthReply::of(rb.json(&body).send().await.unwrap()).await
}

fn jwt(key: &ServiceKey, app_id: &str, aud: &str, now: i64) -> String {
    key.sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()}),
        &json!({"iss": app_id, "aud": aud, "iat": now, "exp": now + 600,
                "jti": buckle_core::ids::new_id().to_string()}),
    )
}

fn db_name(db: Db) -> &'static str {
    match db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    }
}

/// Runs a whole SQL script (a fixture) on the database.
async fn run_script(url: &str, script: &str) {
    let script = sqlx::AssertSqlSafe(script.to_string());
    if url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::raw_sql(script).execute(&mut c).await.unwrap();
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::raw_sql(script).execute(&mut c).await.unwrap();
    }
}

/// Rows per table (sqlx's bookkeeping table aside).
async fn row_counts(url: &str) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    if url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        for t in tables {
            // The name comes from the catalog, quoted.
            let q = sqlx::AssertSqlSafe(format!("SELECT count(*) FROM \"{t}\""));
            let n: i64 = sqlx::query_scalar(q).fetch_one(&mut c).await.unwrap();
            counts.insert(t, n);
        }
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        for t in tables {
            let q = sqlx::AssertSqlSafe(format!("SELECT count(*) FROM \"{t}\""));
            let n: i64 = sqlx::query_scalar(q).fetch_one(&mut c).await.unwrap();
            counts.insert(t, n);
        }
    }
    counts
}

async fn max_migration(url: &str) -> i64 {
    let q = "SELECT max(version) FROM _sqlx_migrations";
    if url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::query_scalar(q).fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::query_scalar(q).fetch_one(&mut c).await.unwrap()
    }
}

fn secrets() -> Value {
    let text = std::fs::read_to_string(fixtures().join("secrets.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A fresh database loaded with the previous release's fixture; its URL (and the
/// directory of a SQLite file).
async fn previous_release_database(db: Db) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = match db {
        Db::Sqlite => buckle::sqlite_url(&dir.path().join("buckle.db")),
        Db::Postgres => fresh_postgres_database().await,
    };
    let file = fixtures().join(format!("{}.sql", db_name(db)));
    run_script(&url, &std::fs::read_to_string(file).unwrap()).await;
    (url, dir)
}

async fn upgrade_keeps_every_credential(db: Db) {
    let fx = &secrets()[db_name(db)];
    let (url, _dir) = previous_release_database(db).await;
    assert_eq!(
        max_migration(&url).await,
        8,
        "the fixture is at migration 8"
    );
    let before = row_counts(&url).await;
    assert!(
        before["access_tokens"] >= 2 && before["oauth_refresh_tokens"] >= 1,
        "{before:?}"
    );

    // Back to a minute after the fixture was made, when its tokens were fresh,
    // from the start: the first housekeeping pass would purge them otherwise.
    let made_at = fx["made_at"].as_i64().unwrap();
    let s = Server::start_on_database_at(url.clone(), made_at + 60).await;
    let status = s.state.store.schema_status().await.unwrap();
    assert!(status.is_current(), "{status:?}");
    let after = row_counts(&url).await;
    for (table, n) in &before {
        assert_eq!(after.get(table), Some(n), "rows of {table} are kept");
    }

    let me = s
        .bearer(fx["pat"].as_str().unwrap())
        .get("/v1/users/me")
        .await;
    assert_eq!(me.ok()["user_name"], "ops");
    let team = s.bearer(fx["team_pat"].as_str().unwrap());
    assert_eq!(team.get("/v1/users/me").await.ok()["user_name"], "ops");
    let old_service = s.bearer(fx["service_token"].as_str().unwrap());
    old_service.get("/v1/users/me").await.ok();
    let web = s.bearer(fx["web_access_token"].as_str().unwrap());
    web.get("/v1/users/me").await.ok();

    let web_id = fx["web_app_id"].as_str().unwrap();
    let refreshed = token_call(
        &s.base,
        fx["web_client_secret"].as_str(),
        json!({"client_id": web_id, "grant_type": "refresh_token",
               "refresh_token": fx["web_refresh_token"]}),
    )
    .await;
    let access = refreshed.token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    s.bearer(&access).get("/v1/users/me").await.ok();

    let key = ServiceKey::from_private_pem(fx["service_private_pem"].as_str().unwrap());
    let aud = s.base.trim_start_matches("http://").to_string();
    let service_id = fx["service_app_id"].as_str().unwrap();
    let assertion = jwt(&key, service_id, &aud, s.state.clock.now());
    let issued = reqwest::Client::new()
        .post(s.url(TOKEN))
        .bearer_auth(&assertion)
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
        .send()
        .await
        .unwrap();
    let issued = OAuthReply::of(issued).await;
    let czs = issued.token()["access_token"].as_str().unwrap().to_string();
    s.bearer(&czs).get("/v1/users/me").await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previous_release_sqlite_upgrades_and_its_credentials_work() {
    upgrade_keeps_every_credential(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previous_release_postgres_upgrades_and_its_credentials_work() {
    upgrade_keeps_every_credential(Db::Postgres).await;
}

/// A database one migration ahead of the binary: `buckle serve` exits non-zero
/// saying what to do, and writes nothing.
async fn newer_database_is_refused(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = match db {
        Db::Sqlite => buckle::sqlite_url(&dir.path().join("buckle.db")),
        Db::Postgres => fresh_postgres_database().await,
    };
    let (ok, _, err) = run_admin(buckle(BIN, dir.path(), Some(&url)), &["migrate"], "").await;
    assert!(ok, "{err}");
    let binary = max_migration(&url).await;
    let checksum = match db {
        Db::Sqlite => "X'00'",
        Db::Postgres => "'\\x00'::bytea",
    };
    run_script(
        &url,
        &format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ({}, 'from a newer buckle', TRUE, {checksum}, 1)",
            binary + 1
        ),
    )
    .await;
    let before = row_counts(&url).await;
    let out = buckle(BIN, dir.path(), Some(&url))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    let expected = format!(
        "the database's schema is at migration {}, newer than this buckle binary's (migration {binary}): upgrade buckle or restore a backup",
        binary + 1
    );
    assert!(err.contains(&expected), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    // Nor do the admin commands and `migrate` touch it.
    for args in [
        &["migrate"][..],
        &["migrate", "--dry-run"],
        &["create-user", "--user-name", "late"],
    ] {
        let (ok, _, err) = run_admin(buckle(BIN, dir.path(), Some(&url)), args, "").await;
        assert!(!ok && err.contains(&expected), "{args:?}: {err}");
    }
    assert_eq!(row_counts(&url).await, before, "nothing was written");
    assert_eq!(max_migration(&url).await, binary + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_sqlite_database_is_refused_and_untouched() {
    newer_database_is_refused(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_postgres_database_is_refused_and_untouched() {
    newer_database_is_refused(Db::Postgres).await;
}

/// The committed fixture is whole: both dumps at migration 8, holding the apps
/// the secrets name. With `BUCKLE_MAKE_UPGRADE_FIXTURE` set to a previous
/// release's binary, makes the fixture first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previous_release_fixture_is_whole() {
    if let Ok(bin) = std::env::var("BUCKLE_MAKE_UPGRADE_FIXTURE") {
        make_fixture(&bin).await;
    }
    let all = secrets();
    for db in [Db::Sqlite, Db::Postgres] {
        let fx = &all[db_name(db)];
        let dump =
            std::fs::read_to_string(fixtures().join(format!("{}.sql", db_name(db)))).unwrap();
        for key in ["service_app_id", "web_app_id"] {
            let id = fx[key].as_str().unwrap();
            assert!(dump.contains(id), "{} holds {key} {id}", db_name(db));
        }
        assert!(!dump.contains("COPY "), "plain INSERTs only");
    }
}

/// Makes tests/fixtures/previous-release/ with `bin` (the previous release).
async fn make_fixture(bin: &str) {
    let mut all = serde_json::Map::new();
    all.insert(
        "made_with".into(),
        json!("the previous release's `buckle` (see README.md)"),
    );
    for db in [Db::Sqlite, Db::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("buckle.db");
        let url = match db {
            Db::Sqlite => buckle::sqlite_url(&file),
            Db::Postgres => fresh_postgres_database().await,
        };
        let fx = make_data(bin, dir.path(), &url).await;
        let dump = match db {
            Db::Sqlite => {
                let out = std::process::Command::new("sqlite3")
                    .arg(&file)
                    .arg(".dump")
                    .output()
                    .expect("sqlite3 on PATH");
                assert!(out.status.success());
                String::from_utf8(out.stdout).unwrap()
            }
            Db::Postgres => {
                let out = std::process::Command::new("pg_dump")
                    .args([
                        "--inserts",
                        "--no-owner",
                        "--no-privileges",
                        "--no-comments",
                    ])
                    .arg(&url)
                    .output()
                    .expect("pg_dump on PATH");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                // psql meta-commands (\restrict) are not SQL.
                String::from_utf8(out.stdout)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.starts_with('\\'))
                    .map(|l| format!("{l}\n"))
                    .collect()
            }
        };
        std::fs::write(fixtures().join(format!("{}.sql", db_name(db))), dump).unwrap();
        all.insert(db_name(db).into(), fx);
    }
    std::fs::write(
        fixtures().join("secrets.json"),
        serde_json::to_string_pretty(&Value::Object(all)).unwrap() + "\n",
    )
    .unwrap();
}

/// Real data made through `bin`'s own commands and API: a PAT, a team with a
/// team PAT, a workspace, a service app with a key, an authorization and a token
/// from a JWT, and a web app's access and refresh token from the code flow.
async fn make_data(bin: &str, dir: &Path, url: &str) -> Value {
    let (ok, _, err) = run_admin(
        buckle(bin, dir, Some(url)),
        &["create-user", "--user-name", "ops", "--password-stdin"],
        &format!("{OPS_PASSWORD}\n"),
    )
    .await;
    assert!(ok, "{err}");
    let (ok, pat, err) = run_admin(
        buckle(bin, dir, Some(url)),
        &[
            "create-token",
            "--user-name",
            "ops",
            "--name",
            "fixture",
            "--permissions",
            "Account.readProfile,Manage.tokens,Manage.apps",
            "--all-workspaces",
            "--expires-in",
            "30d",
        ],
        "",
    )
    .await;
    assert!(ok, "{err}");
    let pat = pat.trim().to_string();
    let srv = Process::start(buckle(bin, dir, Some(url))).await;
    let ops = User {
        id: 0,
        name: "ops".into(),
        password: OPS_PASSWORD.into(),
        personal_workspace: 0,
    };
    let console = Session::sign_in(&srv.base, &ops).await;
    let workspace = console.workspace("Fixture workspace", None).await;
    let team = console.team("Fixture team").await;
    let (_, team_pat) = console
        .pat(json!({"name": "team fixture", "organization_id": team,
                     "permissions": ["Account.readProfile"], "all_workspaces": true,
                     "expires_in": "30d"}))
        .await;
    let api = Bearer {
        base: srv.base.clone(),
        token: pat.clone(),
    };
    let (service_id, key) = authorized_service_app(&api, &console, "fixture service").await;
    let aud = srv.base.trim_start_matches("http://").to_string();
    let assertion = jwt(&key, &service_id, &aud, buckle_core::now_unix());
    let issued = reqwest::Client::new()
        .post(format!("{}{TOKEN}", srv.base))
        .bearer_auth(&assertion)
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
        .send()
        .await
        .unwrap();
    let service_token = OAuthReply::of(issued).await.token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    let web = api
        .post(
            "/api/manage/apps",
            json!({"name": "fixture web", "app_type": "normal", "client_type": "web",
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
    let (status, page) = browser.open_as(&authorize, &ops).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let r = browser.consent(&page, "approve", "").await;
    let to = location(&r).expect("consent redirects to the app");
    let code = query_params(&to)["code"].clone();
    let exchanged = token_call(
        &srv.base,
        Some(&web_secret),
        json!({"grant_type": "authorization_code", "client_id": web_id,
               "code": code, "redirect_uri": CALLBACK}),
    )
    .await;
    let tokens = exchanged.token();
    let fx = json!({
        "made_at": buckle_core::now_unix(),
        "ops_user_name": "ops",
        "ops_password": OPS_PASSWORD,
        "pat": pat,
        "team_id": team,
        "team_pat": team_pat,
        "workspace_id": workspace.to_string(),
        "service_app_id": service_id,
        "service_private_pem": key.private_pem,
        "service_token": service_token,
        "web_app_id": web_id,
        "web_client_secret": web_secret,
        "web_access_token": tokens["access_token"],
        "web_refresh_token": tokens["refresh_token"],
    });
    srv.signal("TERM");
    let mut child = srv.child;
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the previous release stops on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    fx
}

/// `/readyz` is 200 only while the schema is exactly the binary's, and says why not.
async fn readyz_follows_the_schema(s: Server) {
    let ready = reqwest::get(s.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
    let binary = max_migration(&s.database_url).await;
    s.sql(&format!(
        "DELETE FROM _sqlx_migrations WHERE version = {binary}"
    ))
    .await;
    let r = reqwest::get(s.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.text().await.unwrap(),
        format!(
            "1 database migration(s) pending (database at {}, binary at {binary})",
            binary - 1
        )
    );
    let checksum = if s.database_url.starts_with("postgres") {
        "'\\x00'::bytea"
    } else {
        "X'00'"
    };
    s.sql(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ({}, 'newer', TRUE, {checksum}, 1)",
        binary + 1
    ))
    .await;
    let r = reqwest::get(s.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(
        r.text()
            .await
            .unwrap()
            .ends_with("upgrade buckle or restore a backup")
    );
    // Liveness does not care.
    assert_eq!(reqwest::get(s.url("/healthz")).await.unwrap().status(), 200);
}

/// While shutting down, `/readyz` sends load balancers elsewhere.
async fn readyz_is_503_while_shutting_down(s: Server) {
    s.state
        .shutting_down
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let r = reqwest::get(s.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.text().await.unwrap(), "shutting down");
}

crate::on_both_databases!(readyz_follows_the_schema, readyz_is_503_while_shutting_down);

/// With `migrate_on_start = false`, `buckle serve` waits for `buckle admin
/// migrate`, which lists (`--dry-run`) and then applies what is pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_on_start_off_waits_for_admin_migrate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("buckle.toml"), "migrate_on_start = false\n").unwrap();
    let out = buckle(BIN, dir.path(), None)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("migrate_on_start is off: run `buckle admin migrate` first"),
        "{err}"
    );
    let (ok, dry, err) =
        run_admin(buckle(BIN, dir.path(), None), &["migrate", "--dry-run"], "").await;
    assert!(ok, "{err}");
    assert!(
        dry.contains("not applied (--dry-run)") && dry.contains("  0001 foundation"),
        "{dry}"
    );
    let (ok, applied, err) = run_admin(buckle(BIN, dir.path(), None), &["migrate"], "").await;
    assert!(ok, "{err}");
    assert!(
        applied.starts_with("applied 0001 foundation\n"),
        "{applied}"
    );
    assert!(
        applied.contains("applied 0009 personal account access\n"),
        "{applied}"
    );
    let (ok, again, _) = run_admin(buckle(BIN, dir.path(), None), &["migrate"], "").await;
    assert!(
        ok && again.starts_with("the database is up to date"),
        "{again}"
    );
    let srv = Process::start(buckle(BIN, dir.path(), None)).await;
    let r = reqwest::get(format!("{}/readyz", srv.base)).await.unwrap();
    assert_eq!(r.status(), 200);
}
