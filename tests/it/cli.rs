//! The `buckle` binary as an operator uses it: zero-configuration start, the first
//! super admin, persistence across restarts, configuration sources, the admin
//! commands, and what reaches logs and metrics.

use crate::testkit::*;
use serde_json::json;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_buckle");

/// A running `buckle serve` child process.
pub(crate) struct Serve {
    child: Child,
    pub(crate) base: String,
    /// Everything printed to stdout up to the "listening" line.
    banner: Vec<String>,
    stderr_path: std::path::PathBuf,
}

impl Serve {
    pub(crate) async fn start(data_dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> Serve {
        let stderr_path = data_dir.with_extension(format!("stderr-{}", rand::random::<u32>()));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("BUCKLE_LISTEN")
            .env_remove("BUCKLE_PUBLIC_URL")
            .env_remove("BUCKLE_CONFIG")
            .env_remove("BUCKLE_DATA_DIR")
            .env_remove("BUCKLE_LOG")
            .env_remove("BUCKLE_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true);
        if !args.contains(&"--listen") && !envs.iter().any(|(k, _)| *k == "BUCKLE_LISTEN") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn buckle serve");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = Vec::new();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                banner.push(line.clone());
                if let Some(rest) = line.strip_prefix("Buckle is listening on ") {
                    return rest.split_whitespace().next().unwrap().to_string();
                }
            }
            panic!(
                "buckle serve exited early: {}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        })
        .await
        .expect("buckle serve starts within 60 s");
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Serve {
            child,
            base,
            banner,
            stderr_path,
        }
    }

    /// The process id, for sending it signals.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub(crate) fn admin_password(&self) -> Option<String> {
        self.banner.iter().find_map(|l| {
            l.trim()
                .strip_prefix("password:")
                .map(|p| p.trim().to_string())
        })
    }

    pub(crate) async fn stop(mut self) -> String {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

async fn sign_in(base: &str, user: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/manage/session"))
        .json(&json!({"user_name": user, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Runs `buckle admin ...`; returns (success, stdout, stderr).
pub(crate) async fn admin(
    data_dir: &Path,
    envs: &[(&str, &str)],
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("admin")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("BUCKLE_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).await.unwrap();
    }
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn zero_configuration_start_creates_the_first_admin_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Serve::start(&data, &[], &[]).await;
    assert!(
        data.join("buckle.db").exists(),
        "SQLite database in the data directory"
    );
    let password = first
        .admin_password()
        .expect("first start prints the admin password");
    assert_eq!(password.len(), 20);
    assert_eq!(sign_in(&first.base, "admin", &password).await.status(), 200);
    let stderr = first.stop().await;
    assert!(
        !stderr.contains(&password),
        "the password is printed, never logged"
    );

    let second = Serve::start(&data, &[], &[]).await;
    assert_eq!(second.admin_password(), None, "later starts reuse the data");
    assert_eq!(
        sign_in(&second.base, "admin", &password).await.status(),
        200
    );
    second.stop().await;
}

#[tokio::test]
async fn admin_commands_bootstrap_a_deployment_without_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = admin(
        &data,
        &[],
        &[
            "create-user",
            "--user-name",
            "ops",
            "--password-stdin",
            "--super-admin",
        ],
        Some("a long enough password\n"),
    )
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("created account ops"), "{out}");
    assert!(!out.contains("a long enough password"));

    let (ok, _, err) = admin(
        &data,
        &[],
        &["create-user", "--user-name", "ops", "--password-stdin"],
        Some("another password\n"),
    )
    .await;
    assert!(!ok);
    assert!(err.contains("taken"), "{err}");

    let (ok, out, err) = admin(
        &data,
        &[],
        &[
            "create-token",
            "--user-name",
            "ops",
            "--name",
            "bootstrap",
            "--permissions",
            "Account.readProfile,Manage.tokens,Manage.workspaces",
            "--all-workspaces",
            "--expires-in",
            "7d",
        ],
        None,
    )
    .await;
    assert!(ok, "{err}");
    let pat = out.trim().to_string();
    assert!(pat.starts_with("pat_") && pat.len() == 68, "{out}");

    let (ok, _, err) = admin(
        &data,
        &[],
        &[
            "create-token",
            "--user-name",
            "ops",
            "--name",
            "x",
            "--permissions",
            "No.such",
        ],
        None,
    )
    .await;
    assert!(!ok);
    assert!(err.contains("No.such"), "{err}");
    let (ok, _, err) = admin(
        &data,
        &[],
        &[
            "create-token",
            "--user-name",
            "ops",
            "--name",
            "x",
            "--permissions",
            "Account.readProfile",
            "--expires-in",
            "90d",
        ],
        None,
    )
    .await;
    assert!(!ok, "the personal edition caps tokens at 30 days");
    assert!(err.contains("30 days"), "{err}");

    // No first-admin banner: an account exists already.
    let srv = Serve::start(&data, &[], &[]).await;
    assert_eq!(srv.admin_password(), None);
    let api = Bearer {
        base: srv.base.clone(),
        token: pat.clone(),
    };
    assert_eq!(
        api.get("/v1/users/me").await.ok()["user_name"],
        json!("ops")
    );
    // The bootstrap token drives the management API.
    let r = api
        .post(
            "/api/manage/personal_access_tokens",
            json!({"name": "ci", "permissions": ["Account.readProfile"], "expires_in": "1d"}),
        )
        .await;
    let new = r.ok()["token"].as_str().unwrap().to_string();
    let api2 = Bearer {
        base: srv.base.clone(),
        token: new,
    };
    api2.get("/v1/users/me").await.ok();
    api.post("/api/manage/workspaces", json!({"name": "scripted"}))
        .await
        .ok();
    srv.stop().await;
}

#[tokio::test]
async fn configuration_file_environment_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("buckle.toml"),
        "public_url = \"https://buckle.example.com\"\nsession_ttl_seconds = 3600\n",
    )
    .unwrap();
    let srv = Serve::start(&data, &[("BUCKLE_LISTEN", "127.0.0.1:0")], &[]).await;
    let password = srv.admin_password().unwrap();
    let r = sign_in(&srv.base, "admin", &password).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("; Secure"),
        "https public URL => Secure cookie: {cookie}"
    );
    assert!(cookie.contains("Max-Age=3600"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    srv.stop().await;

    // A flag beats the file.
    let srv = Serve::start(&data, &[], &["--public-url", "http://127.0.0.1:9"]).await;
    let r = sign_in(&srv.base, "admin", &password).await;
    assert!(
        !r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    srv.stop().await;

    // A broken file is a clear startup error, not a silent default.
    std::fs::write(data.join("buckle.toml"), "listen = 5\n").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["serve", "--data-dir"])
        .arg(&data)
        .env_remove("BUCKLE_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("buckle.toml"));
}

#[tokio::test]
async fn database_url_switches_to_postgresql() {
    let url = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("unused");
    let env = [("DATABASE_URL", url.as_str())];
    let (ok, _, err) = admin(
        &data,
        &env,
        &["create-user", "--user-name", "pg-ops", "--password-stdin"],
        Some("postgres password\n"),
    )
    .await;
    assert!(ok, "{err}");
    let srv = Serve::start(&data, &env, &[]).await;
    assert!(
        srv.admin_password().is_none(),
        "the account made by the CLI is in the same database"
    );
    assert_eq!(
        sign_in(&srv.base, "pg-ops", "postgres password")
            .await
            .status(),
        200
    );
    assert!(
        !data.join("buckle.db").exists(),
        "nothing was written to SQLite"
    );
    srv.stop().await;
}

#[tokio::test]
async fn secrets_never_reach_logs_or_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let srv = Serve::start(&data, &[("BUCKLE_LOG", "trace,hyper=info,sqlx=info")], &[]).await;
    let password = srv.admin_password().unwrap();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar)
        .build()
        .unwrap();
    let login: serde_json::Value = client
        .post(format!("{}/api/manage/session", srv.base))
        .json(&json!({"user_name": "admin", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = login["data"]["csrf_token"].as_str().unwrap();
    let created: serde_json::Value = client
        .post(format!("{}/api/manage/personal_access_tokens", srv.base))
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "t", "permissions": ["Account.readProfile"], "expires_in": "1d"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pat = created["data"]["token"].as_str().unwrap().to_string();
    let api = Bearer {
        base: srv.base.clone(),
        token: pat.clone(),
    };
    api.get("/v1/users/me").await.ok();
    let wrong = format!("pat_{}", "Z".repeat(64));
    Bearer {
        base: srv.base.clone(),
        token: wrong.clone(),
    }
    .get("/v1/users/me?token=also-not-logged")
    .await
    .fails(401, 4100);

    let metrics = reqwest::get(format!("{}/metrics", srv.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "buckle_http_requests_total{method=\"GET\",route=\"/v1/users/me\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("buckle_openapi_auth_failures_total{reason=\"unknown\"}"),
        "{metrics}"
    );
    let logs = srv.stop().await;
    assert!(
        logs.contains("/v1/users/me"),
        "requests are logged (by route): {logs}"
    );
    for secret in [pat.as_str(), wrong.as_str(), password.as_str(), &pat[4..]] {
        assert!(!metrics.contains(secret), "secret in metrics");
        assert!(!logs.contains(secret), "secret in logs");
    }
    assert!(
        !logs.contains("also-not-logged"),
        "query strings are not logged"
    );
}

/// The log lines (stderr) that carry a log id.
fn lines_with<'a>(logs: &'a str, logid: &str) -> Vec<&'a str> {
    logs.lines().filter(|l| l.contains(logid)).collect()
}

#[tokio::test]
async fn one_plain_log_line_per_request_by_route_template() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The default level, written to a file: no terminal.
    let srv = Serve::start(&data, &[], &[]).await;
    let client = reqwest::Client::new();
    let mut seen = Vec::new();
    for (path, route, status) in [
        ("/openapi.json", "/openapi.json", 200),
        (
            "/api/manage/personal_access_tokens/secret-in-the-path",
            "/api/manage/personal_access_tokens/{token_id}",
            401,
        ),
        ("/no/such/page-secret", "unmatched", 404),
    ] {
        let r = client
            .get(format!("{}{path}?q=query-secret", srv.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let logid = r.headers()["x-tt-logid"].to_str().unwrap().to_string();
        seen.push((logid, route, status));
    }
    // Probes that succeed are not request-log noise.
    let mut probes = Vec::new();
    for path in ["/healthz", "/readyz"] {
        let r = client
            .get(format!("{}{path}", srv.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        probes.push(r.headers()["x-tt-logid"].to_str().unwrap().to_string());
    }
    let logs = srv.stop().await;
    for logid in probes {
        assert!(lines_with(&logs, &logid).is_empty(), "{logs}");
    }
    assert!(
        !logs.contains("\x1b["),
        "no colour codes in a file: {logs:?}"
    );
    for (logid, route, status) in seen {
        let lines = lines_with(&logs, &logid);
        assert_eq!(lines.len(), 1, "one line for {route}: {logs}");
        let line = lines[0];
        for part in [
            " INFO ".to_string(),
            "method=GET".to_string(),
            format!("route={route}"),
            format!("status={status}"),
            "latency_ms=".to_string(),
            format!("logid={logid}"),
        ] {
            assert!(line.contains(&part), "{part} in {line}");
        }
    }
    for secret in ["secret-in-the-path", "page-secret", "query-secret"] {
        assert!(!logs.contains(secret), "{secret} in logs: {logs}");
    }
}

#[tokio::test]
async fn lifetimes_and_catalog_extensions_come_from_config_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("extra-permissions.toml");
    std::fs::write(
        &catalog,
        "[[permission]]\nname = \"Invoice.read\"\nlevel = \"workspace\"\ndescription = \"Read invoices\"\ndescription_zh = \"查看发票\"\n",
    )
    .unwrap();
    let config = dir.path().join("elsewhere.toml");
    std::fs::write(
        &config,
        format!(
            "permission_catalogs = [{:?}]\nuser_token_ttl_seconds = 900\n",
            catalog.display().to_string()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let config_text = config.display().to_string();
    // BUCKLE_CONFIG names the file; BUCKLE_USER_TOKEN_TTL beats its 900.
    let srv = Serve::start(
        &data,
        &[
            ("BUCKLE_CONFIG", config_text.as_str()),
            ("BUCKLE_USER_TOKEN_TTL", "120"),
        ],
        &[],
    )
    .await;
    let admin = User {
        id: 0,
        name: "admin".into(),
        password: srv.admin_password().unwrap(),
        personal_workspace: 0,
    };
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar)
        .build()
        .unwrap();
    let login: serde_json::Value = sign_in_with(&client, &srv.base, &admin).await;
    let csrf = login["data"]["csrf_token"].as_str().unwrap().to_string();
    let catalog: serde_json::Value = client
        .get(format!("{}/api/manage/permissions", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invoice = catalog["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == json!("Invoice.read"))
        .cloned()
        .expect("the operator's point is in the catalog");
    assert_eq!(invoice["level"], json!("workspace"));
    let callback = "http://127.0.0.1:9/cb";
    let app: serde_json::Value = client
        .post(format!("{}/api/manage/apps", srv.base))
        .header("x-csrf-token", &csrf)
        .json(
            &json!({"name": "ttl app", "app_type": "normal", "client_type": "web",
                      "permissions": ["Invoice.read"], "redirect_uris": [callback]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = app["data"]["app_id"].as_str().unwrap();
    let secret = app["data"]["client_secret"].as_str().unwrap();
    let b = Browser::new(&srv.base);
    let url = format!(
        "/api/permission/oauth2/authorize?response_type=code&client_id={id}&redirect_uri={}&state=s",
        buckle_core::redirect::encode(callback)
    );
    let (_, page) = b.open_as(&url, &admin).await;
    let r = b.consent(&page, "approve", "").await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let t = oauth_post(
        &srv.base,
        "/api/permission/oauth2/token",
        Some(secret),
        json!({"client_id": id, "grant_type": "authorization_code", "code": code, "redirect_uri": callback}),
    )
    .await;
    let exp = t.token()["expires_in"].as_i64().unwrap();
    let now = buckle_core::now_unix();
    assert!(
        (now + 110..=now + 130).contains(&exp),
        "120 s from the environment: {exp} vs {now}"
    );
    srv.stop().await;
}

async fn sign_in_with(client: &reqwest::Client, base: &str, user: &User) -> serde_json::Value {
    client
        .post(format!("{base}/api/manage/session"))
        .json(&json!({"user_name": user.name, "password": user.password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_configuration_reference_and_the_log_settings() {
    let out = Command::new(BIN)
        .arg("config-reference")
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for row in [
        "| `listen` | `--listen` | `BUCKLE_LISTEN` | `127.0.0.1:7070` |",
        "|  | `--log-format` | `BUCKLE_LOG_FORMAT` | `text` |",
    ] {
        assert!(table.contains(row), "{row} in {table}");
    }

    // JSON lines from the variable, and a flag that beats it.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let srv = Serve::start(&data, &[("BUCKLE_LOG_FORMAT", "json")], &[]).await;
    reqwest::get(format!("{}/no-such-page", srv.base))
        .await
        .unwrap();
    let logs = srv.stop().await;
    let request_line = logs
        .lines()
        .find(|l| l.contains("\"status\":404"))
        .unwrap_or_else(|| panic!("a request line in {logs}"));
    let parsed: serde_json::Value = serde_json::from_str(request_line).unwrap();
    assert_eq!(parsed["level"], "INFO", "{parsed}");
    let srv = Serve::start(
        &data,
        &[("BUCKLE_LOG_FORMAT", "json")],
        &["--log-format", "text", "--log", "warn"],
    )
    .await;
    reqwest::get(format!("{}/no-such-page", srv.base))
        .await
        .unwrap();
    let logs = srv.stop().await;
    assert!(
        !logs.contains("/healthz"),
        "warn hides request lines: {logs}"
    );

    // A format it does not know is a clear error, not a silent default.
    let out = Command::new(BIN)
        .args(["serve", "--log-format", "yaml", "--data-dir"])
        .arg(&data)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("yaml") && err.contains("json"), "{err}");
}
