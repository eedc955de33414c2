//! Buckle's OAuth flows driven end to end by the official Coze SDKs, unmodified:
//! Python `cozepy` (tests/sdk/cozepy_oauth.py) and JavaScript `@coze/api`
//! (tests/sdk/js/oauth.mjs). The script plays the app (it builds the authorize URL,
//! exchanges codes, polls, signs JWTs and calls `/v1/users/me` through the SDK);
//! this side plays the person (signs in and consents on Buckle's real pages) and
//! checks what the SDK reports, one JSON line per step.
//!
//! Needs `BUCKLE_TEST_PYTHON` (a Python with cozepy installed), `BUCKLE_TEST_NODE`
//! and `BUCKLE_TEST_JS_DIR` (tests/sdk/js with node_modules from `npm ci`); bash
//! .ci/run exports all three. A missing one fails the test with a message saying so.
//!
//! The SDK tests run on SQLite (the HTTP-level tests cover PostgreSQL), except the
//! basic JWT flow, which runs on both.

use crate::testkit::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Nothing listens there: the scripted browser does not follow redirects.
pub(crate) const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const POINTS: [&str; 2] = ["Account.readProfile", "Workspace.list"];
/// How long one line from the script may take, whatever the step.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Every variable the scripts read: cleared first, so nothing leaks in from the
/// environment the tests run in.
const SCRIPT_VARIABLES: [&str; 16] = [
    "BUCKLE_BASE_URL",
    "BUCKLE_CLIENT_ID",
    "BUCKLE_CLIENT_SECRET",
    "BUCKLE_REDIRECT_URI",
    "BUCKLE_PKCE_METHOD",
    "BUCKLE_WORKSPACE_ID",
    "BUCKLE_PRIVATE_KEY",
    "BUCKLE_KID",
    "BUCKLE_SESSION_NAME",
    "BUCKLE_ACCOUNT_ID",
    "BUCKLE_AUD",
    "BUCKLE_TOKEN",
    "BUCKLE_SDK_TIMEOUT",
    "BUCKLE_BOT_ID",
    "BUCKLE_OTHER_BOT_ID",
    "BUCKLE_REFRESH_TOKEN",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    Python,
    Js,
}

/// Runs each named `async fn(Server, Sdk)` with both SDKs on SQLite; with
/// `postgres:` before the names, on PostgreSQL too.
macro_rules! for_both_sdks {
    (postgres: $($name:ident),* $(,)?) => {$(
        mod $name {
            use super::Sdk;
            use crate::testkit::{Db, Server};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn python_sqlite() {
                super::$name(Server::start(Db::Sqlite).await, Sdk::Python).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn js_sqlite() {
                super::$name(Server::start(Db::Sqlite).await, Sdk::Js).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn python_postgres() {
                super::$name(Server::start(Db::Postgres).await, Sdk::Python).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn js_postgres() {
                super::$name(Server::start(Db::Postgres).await, Sdk::Js).await
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::Sdk;
            use crate::testkit::{Db, Server};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn python_sqlite() {
                super::$name(Server::start(Db::Sqlite).await, Sdk::Python).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn js_sqlite() {
                super::$name(Server::start(Db::Sqlite).await, Sdk::Js).await
            }
        }
    )*};
}

for_both_sdks!(
    web_flow,
    pkce_s256_flow,
    pkce_plain_flow,
    device_flow,
    device_denied,
    jwt_session_name_reaches_introspection,
    jwt_account_path,
    revoked_tokens_raise_the_sdks_4100_error,
    missing_permission_raises_the_sdks_4101_error,
    channel_jwt_narrowed_to_one_bot,
);
for_both_sdks!(postgres: jwt_flow);

fn required_env(name: &str, what: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "{name} must name {what} for the SDK OAuth tests (bash .ci/run exports it; \
                 see the header of tests/it/sdk_oauth.rs)"
            )
        })
}

impl Sdk {
    fn command(self) -> Command {
        match self {
            Sdk::Python => {
                let python = required_env(
                    "BUCKLE_TEST_PYTHON",
                    "a Python with cozepy installed (bash .ci/run makes .ci/.venv)",
                );
                let mut c = Command::new(python);
                c.arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/sdk/cozepy_oauth.py"
                ));
                c
            }
            Sdk::Js => {
                let node = required_env("BUCKLE_TEST_NODE", "the node executable");
                let dir = PathBuf::from(required_env(
                    "BUCKLE_TEST_JS_DIR",
                    "the directory tests/sdk/js, with @coze/api installed in node_modules",
                ));
                assert!(
                    dir.join("node_modules/@coze/api").is_dir(),
                    "BUCKLE_TEST_JS_DIR={} has no node_modules/@coze/api: run `npm ci` there",
                    dir.display()
                );
                let mut c = Command::new(node);
                // ES modules resolve packages from the script's own directory.
                c.arg(dir.join("oauth.mjs")).current_dir(&dir);
                c
            }
        }
    }
}

/// One running SDK script: JSON lines in, JSON lines out.
pub(crate) struct Driver {
    what: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Arc<Mutex<String>>,
    seen: Vec<String>,
}

impl Driver {
    pub(crate) async fn start(s: &Server, sdk: Sdk, flow: &str, vars: &[(&str, &str)]) -> Driver {
        let mut cmd = sdk.command();
        cmd.arg(flow);
        for v in SCRIPT_VARIABLES {
            cmd.env_remove(v);
        }
        cmd.env("BUCKLE_BASE_URL", &s.base)
            .env("BUCKLE_SDK_TIMEOUT", "20")
            .envs(vars.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let what = format!("{sdk:?} SDK, flow {flow}");
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: cannot start the script: {e}"));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Driver {
            what,
            child,
            stdin,
            stdout,
            stderr,
            seen: Vec::new(),
        }
    }

    /// What the script said so far, for failure messages.
    fn transcript(&self) -> String {
        format!(
            "{}\n--- stdout so far:\n{}\n--- stderr:\n{}",
            self.what,
            self.seen.join("\n"),
            self.stderr.lock().unwrap()
        )
    }

    async fn next(&mut self) -> Value {
        let line = match tokio::time::timeout(READ_TIMEOUT, self.stdout.next_line()).await {
            Err(_) => panic!("no line within {READ_TIMEOUT:?}\n{}", self.transcript()),
            Ok(Err(e)) => panic!("reading the script's stdout: {e}\n{}", self.transcript()),
            Ok(Ok(None)) => {
                // Let the stderr reader catch the traceback before reporting.
                let status = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                panic!("the script ended early ({status:?})\n{}", self.transcript())
            }
            Ok(Ok(Some(line))) => line,
        };
        // Shown by the test harness on failure, or with --no-capture.
        eprintln!("[{}] <- {line}", self.what);
        self.seen.push(line.clone());
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n{}", self.transcript()))
    }

    /// The next line, which must be step `name`.
    pub(crate) async fn step(&mut self, name: &str) -> Value {
        let v = self.next().await;
        assert_eq!(
            v["step"].as_str(),
            Some(name),
            "expected step {name:?}, got {v}\n{}",
            self.transcript()
        );
        v
    }

    pub(crate) async fn send(&mut self, v: Value) {
        eprintln!("[{}] -> {v}", self.what);
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin
            .write_all(format!("{v}\n").as_bytes())
            .await
            .unwrap_or_else(|e| panic!("writing to the script: {e}"));
        stdin.flush().await.unwrap();
    }

    /// Waits for the end of the script; returns its exit code and transcript.
    async fn exit(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        match tokio::time::timeout(READ_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                (status.code(), self.transcript())
            }
            Ok(Err(e)) => panic!("waiting for the script: {e}\n{}", self.transcript()),
            Err(_) => panic!("the script did not exit\n{}", self.transcript()),
        }
    }

    /// Expects `done` and a clean exit.
    pub(crate) async fn done(mut self) {
        self.step("done").await;
        let (code, transcript) = self.exit().await;
        assert_eq!(code, Some(0), "{transcript}");
    }
}

pub(crate) fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_string()
}

/// `host:port` of the server, as clients put it in a JWT's `aud`.
fn host(s: &Server) -> String {
    s.base.strip_prefix("http://").unwrap().to_string()
}

/// Creates an app and returns the create response's data.
pub(crate) async fn create_app(sess: &Session, name: &str, client_type: &str) -> Value {
    let redirect_uris = if matches!(client_type, "web" | "pkce") {
        json!([REDIRECT_URI])
    } else {
        json!([])
    };
    sess.post(
        "/api/manage/apps",
        json!({
            "name": name,
            "app_type": "normal",
            "client_type": client_type,
            "permissions": POINTS,
            "redirect_uris": redirect_uris,
        }),
    )
    .await
    .ok()
    .clone()
}

/// Opens the authorize URL as `user` (signing in through Buckle's page), approves
/// it in the personal edition and returns the code from the redirect.
pub(crate) async fn approve(s: &Server, url: &str, user: &User) -> String {
    let browser = Browser::new(&s.base);
    let (status, page) = browser.open_as(url, user).await;
    assert_eq!(status, reqwest::StatusCode::OK, "consent page: {page}");
    let r = browser.consent(&page, "approve", "").await;
    assert!(r.status().is_redirection(), "{r:?}");
    let to = location(&r).expect("a Location header");
    assert!(to.starts_with(&format!("{REDIRECT_URI}?")), "{to}");
    let q = query_params(&to);
    assert_eq!(q.get("state").map(String::as_str), Some("st-123"), "{to}");
    assert_eq!(q.get("error"), None, "{to}");
    let code = q.get("code").unwrap_or_else(|| panic!("no code: {to}"));
    assert!(code.starts_with("code_"), "{to}");
    code.clone()
}

/// A user token as the SDK returned it: `czu_`, absolute expiry ~15 minutes
/// ahead, a 72-character refresh token.
#[track_caller]
pub(crate) fn assert_user_token(t: &Value) {
    assert!(t.get("error_class").is_none(), "{t}");
    let access = text(&t["access_token"]);
    assert!(access.starts_with("czu_") && access.len() == 68, "{t}");
    let refresh = text(&t["refresh_token"]);
    assert_eq!(refresh.len(), 72, "{t}");
    assert!(refresh.chars().all(|c| c.is_ascii_alphanumeric()), "{t}");
    let now = buckle_core::now_unix();
    let exp = t["expires_in"].as_i64().unwrap();
    assert!(
        exp > now + 800 && exp <= now + 905,
        "expires_in is absolute, ~15 min ahead: {t} (now {now})"
    );
    assert_eq!(t["token_type"], json!("Bearer"), "{t}");
}

#[track_caller]
pub(crate) fn assert_me(line: &Value, user: &User) {
    assert!(line.get("error_class").is_none(), "{line}");
    assert_eq!(line["user_id"], json!(user.id.to_string()), "{line}");
    assert_eq!(line["user_name"], json!(user.name), "{line}");
}

/// An OpenAPI error (401/4100 or 403/4101) through the SDK's own error class.
#[track_caller]
fn assert_api_error(sdk: Sdk, line: &Value, code: i64) {
    let (class, status) = match (sdk, code) {
        (Sdk::Python, _) => ("CozeAPIError", Value::Null),
        (Sdk::Js, 4100) => ("AuthenticationError", json!(401)),
        (Sdk::Js, 4101) => ("PermissionDeniedError", json!(403)),
        _ => unreachable!(),
    };
    assert_eq!(line["error_class"], json!(class), "{line}");
    assert_eq!(line["code"], json!(code), "{line}");
    if sdk == Sdk::Js {
        assert_eq!(line["status"], status, "{line}");
    }
    assert!(
        line["msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{line}"
    );
    assert!(
        line["logid"].as_str().is_some_and(|l| !l.is_empty()),
        "{line}"
    );
}

/// A device polling error (400, `error`/`error_code` = `error`) as the SDK reports it.
#[track_caller]
fn assert_device_error(sdk: Sdk, line: &Value, error: &str) {
    let class = match sdk {
        Sdk::Python => "CozePKCEAuthError",
        Sdk::Js => "BadRequestError",
    };
    assert_eq!(line["error_class"], json!(class), "{line}");
    assert_eq!(line["error_code"], json!(error), "{line}");
    if sdk == Sdk::Js {
        assert_eq!(line["status"], json!(400), "{line}");
    }
}

/// A refused refresh (invalid_grant): cozepy only keeps the message, as a
/// CozeAPIError without code; @coze/api a BadRequestError with the body.
#[track_caller]
fn assert_refresh_refused(sdk: Sdk, line: &Value) {
    match sdk {
        Sdk::Python => {
            assert_eq!(line["error_class"], json!("CozeAPIError"), "{line}");
            assert_eq!(line["code"], Value::Null, "{line}");
        }
        Sdk::Js => {
            assert_eq!(line["error_class"], json!("BadRequestError"), "{line}");
            assert_eq!(line["status"], json!(400), "{line}");
            assert_eq!(line["error_code"], json!("invalid_grant"), "{line}");
        }
    }
    assert!(
        line["msg"]
            .as_str()
            .is_some_and(|m| m.contains("already used")),
        "{line}"
    );
}

/// The authorization code flow of a web app, refresh with rotation, and a
/// replayed refresh token revoking the chain.
async fn web_flow(s: Server, sdk: Sdk) {
    let alice = s.user("alice").await;
    let sess = s.login(&alice).await;
    let app = create_app(&sess, "sdk web app", "web").await;
    let client_id = text(&app["app_id"]);
    let secret = text(&app["client_secret"]);
    let mut d = Driver::start(
        &s,
        sdk,
        "web",
        &[
            ("BUCKLE_CLIENT_ID", &client_id),
            ("BUCKLE_CLIENT_SECRET", &secret),
            ("BUCKLE_REDIRECT_URI", REDIRECT_URI),
        ],
    )
    .await;
    let url = text(&d.step("authorize_url").await["url"]);
    assert!(
        url.starts_with(&s.url("/api/permission/oauth2/authorize?")),
        "{url}"
    );
    let q = query_params(&url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], client_id);
    assert_eq!(q["redirect_uri"], REDIRECT_URI);
    assert_eq!(q["state"], "st-123");
    let code = approve(&s, &url, &alice).await;
    d.send(json!({"code": code})).await;

    let first = d.step("token").await;
    assert_user_token(&first);
    assert_me(&d.step("me").await, &alice);
    let second = d.step("refreshed").await;
    assert_user_token(&second);
    assert_ne!(first["access_token"], second["access_token"]);
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    assert_me(&d.step("me2").await, &alice);
    assert_refresh_refused(sdk, &d.step("reuse").await);
    assert_api_error(sdk, &d.step("after_reuse").await, 4100);
    d.done().await;
    // The whole chain is gone, the first access token too.
    s.bearer(&text(&first["access_token"]))
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
}

/// PKCE as the SDK does it with `method`; checks the challenge in the URL against
/// the verifier the script reports.
async fn pkce_flow(s: Server, sdk: Sdk, method: &str) {
    let alice = s.user("alice").await;
    let sess = s.login(&alice).await;
    let app = create_app(&sess, "sdk pkce app", "pkce").await;
    assert!(app.get("client_secret").is_none(), "{app}");
    let client_id = text(&app["app_id"]);
    let mut d = Driver::start(
        &s,
        sdk,
        "pkce",
        &[
            ("BUCKLE_CLIENT_ID", &client_id),
            ("BUCKLE_REDIRECT_URI", REDIRECT_URI),
            ("BUCKLE_PKCE_METHOD", method),
        ],
    )
    .await;
    let line = d.step("authorize_url").await;
    let url = text(&line["url"]);
    let verifier = text(&line["code_verifier"]);
    let q = query_params(&url);
    assert_eq!(q["client_id"], client_id);
    assert_eq!(q["redirect_uri"], REDIRECT_URI);
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["code_challenge_method"], method);
    let expected = match (method, sdk) {
        ("S256", _) | (_, Sdk::Js) => buckle_core::pkce::s256(&verifier),
        _ => verifier.clone(),
    };
    assert_eq!(q["code_challenge"], expected, "{url} (verifier {verifier})");
    let code = approve(&s, &url, &alice).await;
    d.send(json!({"code": code})).await;

    let first = d.step("token").await;
    assert_user_token(&first);
    assert_me(&d.step("me").await, &alice);
    let second = d.step("refreshed").await;
    assert_user_token(&second);
    assert_ne!(first["access_token"], second["access_token"]);
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    assert_me(&d.step("me2").await, &alice);
    d.done().await;
}

async fn pkce_s256_flow(s: Server, sdk: Sdk) {
    pkce_flow(s, sdk, "S256").await
}

/// `plain` through both SDKs. cozepy sends the verifier itself as the challenge;
/// @coze/api always computes an S256 challenge and only labels it "plain" (an SDK
/// quirk), which Buckle accepts so that both SDKs work at once.
async fn pkce_plain_flow(s: Server, sdk: Sdk) {
    pkce_flow(s, sdk, "plain").await
}

/// Runs the device flow up to `waiting`; returns the user code.
pub(crate) async fn device_until_waiting(s: &Server, sdk: Sdk, d: &mut Driver) -> String {
    let dc = d.step("device_code").await;
    let user_code = text(&dc["user_code"]);
    assert!(
        user_code.len() == 9
            && user_code.chars().enumerate().all(|(i, c)| if i == 4 {
                c == '-'
            } else {
                c.is_ascii_uppercase()
            }),
        "user codes look like WDJB-MJHT: {dc}"
    );
    let uri = text(&dc["verification_uri"]);
    assert_eq!(uri, s.url("/oauth/device"), "{dc}");
    if sdk == Sdk::Python {
        // cozepy adds the URL with the code; @coze/api returns the body as it is.
        assert_eq!(
            dc["verification_url"],
            json!(format!("{uri}?user_code={user_code}"))
        );
    }
    assert_eq!(dc["interval"], json!(1), "{dc}");
    let expires_in = dc["expires_in"].as_i64().unwrap();
    assert!((290..=300).contains(&expires_in), "relative seconds: {dc}");
    assert!(text(&dc["device_code"]).len() >= 32, "{dc}");

    let pending = d.step("pending").await;
    assert_device_error(sdk, &pending, "authorization_pending");
    // The two polls are milliseconds apart, well inside the 1 s interval.
    let slow = d.step("slow").await;
    assert_device_error(sdk, &slow, "slow_down");
    d.step("waiting").await;
    user_code
}

async fn device_flow(s: Server, sdk: Sdk) {
    let alice = s.user("alice").await;
    let sess = s.login(&alice).await;
    let app = create_app(&sess, "sdk device app", "device").await;
    let client_id = text(&app["app_id"]);
    let mut d = Driver::start(&s, sdk, "device", &[("BUCKLE_CLIENT_ID", &client_id)]).await;
    let user_code = device_until_waiting(&s, sdk, &mut d).await;
    let (status, page) = Browser::new(&s.base)
        .device_decision(&user_code, &alice, "approve", "")
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{page}");
    // So that the SDK's first poll after `go` is a full interval after the last one
    // (the server's interval, read from its clock; not the SDK's own timer).
    s.state.clock.advance(1);
    d.send(json!({"go": true})).await;
    let first = d.step("token").await;
    assert_user_token(&first);
    assert_me(&d.step("me").await, &alice);
    let second = d.step("refreshed").await;
    assert_user_token(&second);
    assert_ne!(first["access_token"], second["access_token"]);
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    d.done().await;
}

async fn device_denied(s: Server, sdk: Sdk) {
    let alice = s.user("alice").await;
    let sess = s.login(&alice).await;
    let app = create_app(&sess, "sdk device app", "device").await;
    let client_id = text(&app["app_id"]);
    let mut d = Driver::start(
        &s,
        sdk,
        "device_denied",
        &[("BUCKLE_CLIENT_ID", &client_id)],
    )
    .await;
    let user_code = device_until_waiting(&s, sdk, &mut d).await;
    let (status, page) = Browser::new(&s.base)
        .device_decision(&user_code, &alice, "deny", "")
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{page}");
    s.state.clock.advance(1);
    d.send(json!({"go": true})).await;
    assert_device_error(sdk, &d.step("denied").await, "access_denied");
    d.done().await;
}

/// A personal service app of `owner` with an uploaded public key, authorized by
/// its owner in the personal edition. Returns the client id and the key.
pub(crate) async fn service_app(s: &Server, owner: &User) -> (String, ServiceKey) {
    let sess = s.login(owner).await;
    let app = create_app(&sess, "sdk service app", "service").await;
    let client_id = text(&app["app_id"]);
    let key = ServiceKey::new();
    let added = sess
        .post(
            &format!("/api/manage/apps/{client_id}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await;
    assert_eq!(added.ok()["fingerprint"], json!(key.kid()));
    sess.post(
        &format!("/api/manage/apps/{client_id}/authorizations"),
        json!({}),
    )
    .await
    .ok();
    (client_id, key)
}

/// The variables of the `jwt` flow.
pub(crate) fn jwt_vars(
    s: &Server,
    client_id: &str,
    key: &ServiceKey,
) -> Vec<(&'static str, String)> {
    vec![
        ("BUCKLE_CLIENT_ID", client_id.to_string()),
        ("BUCKLE_PRIVATE_KEY", key.private_pem.clone()),
        ("BUCKLE_KID", key.kid()),
        ("BUCKLE_AUD", host(s)),
    ]
}

/// Runs the `jwt` flow with these variables; checks the token and that `me` is
/// `acting_for`; returns the access token.
pub(crate) async fn jwt_run(
    s: &Server,
    sdk: Sdk,
    vars: &[(&str, String)],
    acting_for: &User,
) -> String {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut d = Driver::start(s, sdk, "jwt", &vars).await;
    let t = d.step("token").await;
    assert!(t.get("error_class").is_none(), "{t}");
    let access = text(&t["access_token"]);
    assert!(access.starts_with("czs_") && access.len() == 68, "{t}");
    let now = buckle_core::now_unix();
    let exp = t["expires_in"].as_i64().unwrap();
    assert!(
        (now + 890..=now + 905).contains(&exp),
        "absolute, now + 900: {t} (now {now})"
    );
    assert!(
        t["refresh_token"].is_null() || t["refresh_token"] == json!(""),
        "no refresh token for AppAuth: {t}"
    );
    assert_eq!(t["token_type"], json!("Bearer"), "{t}");
    // A personal AppAuth authorization acts for its owner.
    assert_me(&d.step("me").await, acting_for);
    d.done().await;
    access
}

/// The JWT flow; twice, since each run signs a JWT with a new jti (single use).
async fn jwt_flow(s: Server, sdk: Sdk) {
    let owner = s.user("owner").await;
    let (client_id, key) = service_app(&s, &owner).await;
    let vars = jwt_vars(&s, &client_id, &key);
    let first = jwt_run(&s, sdk, &vars, &owner).await;
    let second = jwt_run(&s, sdk, &vars, &owner).await;
    assert_ne!(first, second);
}

/// `session_name` from the SDK's JWT becomes part of the token.
async fn jwt_session_name_reaches_introspection(s: Server, sdk: Sdk) {
    let owner = s.user("owner").await;
    let (client_id, key) = service_app(&s, &owner).await;
    let mut vars = jwt_vars(&s, &client_id, &key);
    vars.push(("BUCKLE_SESSION_NAME", "end-user-42".to_string()));
    let token = jwt_run(&s, sdk, &vars, &owner).await;

    let root = s.super_admin("resource-server").await;
    let caller = s.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let r = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/introspect"))
        .bearer_auth(&caller)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["active"], json!(true), "{body}");
    assert_eq!(body["session_name"], json!("end-user-42"), "{body}");
}

/// `/api/permission/oauth2/account/{account_id}/token`: only @coze/api can ask for
/// it (its `accountId` option); cozepy 0.20 always posts to the default path, and
/// the script says so.
async fn jwt_account_path(s: Server, sdk: Sdk) {
    let owner = s.user("owner").await;
    let (client_id, key) = service_app(&s, &owner).await;
    let mut vars = jwt_vars(&s, &client_id, &key);
    vars.push(("BUCKLE_ACCOUNT_ID", owner.id.to_string()));
    match sdk {
        Sdk::Js => {
            jwt_run(&s, sdk, &vars, &owner).await;
        }
        Sdk::Python => {
            let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut d = Driver::start(&s, sdk, "jwt", &vars).await;
            let line = d.step("unsupported").await;
            assert!(
                line["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("account_id")),
                "{line}"
            );
            d.done().await;
        }
    }
}

/// Runs the `me` flow with `token`; returns its `me` line.
async fn me(s: &Server, sdk: Sdk, token: &str) -> Value {
    let mut d = Driver::start(s, sdk, "me", &[("BUCKLE_TOKEN", token)]).await;
    let line = d.step("me").await;
    d.done().await;
    line
}

/// A user token of a fresh web app for `user`, by the code flow over plain HTTP.
async fn user_token(s: &Server, user: &User) -> (String, String) {
    let sess = s.login(user).await;
    let app = create_app(&sess, "token source app", "web").await;
    let client_id = text(&app["app_id"]);
    let secret = text(&app["client_secret"]);
    let url = format!(
        "{}?response_type=code&client_id={client_id}&redirect_uri={}&state=st-123",
        s.url("/api/permission/oauth2/authorize"),
        "http%3A%2F%2F127.0.0.1%3A9%2Fcallback"
    );
    let code = approve(s, &url, user).await;
    let r = oauth_post(
        &s.base,
        "/api/permission/oauth2/token",
        Some(&secret),
        json!({"grant_type": "authorization_code", "client_id": client_id,
               "code": code, "redirect_uri": REDIRECT_URI}),
    )
    .await;
    (client_id, text(&r.token()["access_token"]))
}

/// Suspended (app disabled) and revoked (app deleted) tokens: 4100 through the
/// SDK's error class; enabling the app again restores the token.
async fn revoked_tokens_raise_the_sdks_4100_error(s: Server, sdk: Sdk) {
    let alice = s.user("alice").await;
    let sess = s.login(&alice).await;
    let (client_id, token) = user_token(&s, &alice).await;
    assert_me(&me(&s, sdk, &token).await, &alice);

    let app = format!("/api/manage/apps/{client_id}");
    sess.post(&format!("{app}/disable"), json!({})).await.ok();
    assert_api_error(sdk, &me(&s, sdk, &token).await, 4100);
    sess.post(&format!("{app}/enable"), json!({})).await.ok();
    assert_me(&me(&s, sdk, &token).await, &alice);
    sess.delete(&app).await.ok();
    assert_api_error(sdk, &me(&s, sdk, &token).await, 4100);
    // An unknown token alike.
    let unknown = format!("czu_{}", "x".repeat(64));
    assert_api_error(sdk, &me(&s, sdk, &unknown).await, 4100);
}

/// A valid token without the permission point: 4101 through the SDK's error class.
async fn missing_permission_raises_the_sdks_4101_error(s: Server, sdk: Sdk) {
    let alice = s.user("alice").await;
    let sess = s.login(&alice).await;
    let narrow = sess.simple_pat(&["Workspace.list"]).await;
    assert_api_error(sdk, &me(&s, sdk, &narrow).await, 4101);
}

/// A channel app's JWT token asked, through the SDK, for one published bot
/// (cozepy's `Scope.build_bot_chat`, @coze/api's channel JWT scope): it reaches
/// that bot and gets the SDK's 4101 error for another published one.
async fn channel_jwt_narrowed_to_one_bot(s: Server, sdk: Sdk) {
    let owner = s.user("owner").await;
    let sess = s.login(&owner).await;
    let pat = sess.simple_pat(&["Bot.create"]).await;
    let mut bots = Vec::new();
    for name in ["chosen", "other"] {
        let r = s
            .bearer(&pat)
            .post(
                "/v1/bot/create",
                json!({"space_id": owner.personal_workspace.to_string(), "name": name}),
            )
            .await;
        bots.push(text(&r.ok()["bot_id"]));
    }
    let app = sess
        .post(
            "/api/manage/apps",
            json!({"name": "sdk channel app", "app_type": "channel", "client_type": "service",
                   "permissions": ["Bot.read", "Connector.botChat"]}),
        )
        .await;
    let client_id = text(&app.ok()["app_id"]);
    let key = ServiceKey::new();
    sess.post(
        &format!("/api/manage/apps/{client_id}/keys"),
        json!({"public_key": key.public_pem}),
    )
    .await
    .ok();
    sess.post(
        &format!("/api/manage/apps/{client_id}/authorizations"),
        json!({"all_workspaces": true}),
    )
    .await
    .ok();
    let channel = sess
        .post("/api/manage/channels", json!({"name": "sdk channel"}))
        .await;
    let channel = text(&channel.ok()["channel_id"]);
    sess.post(
        &format!("/api/manage/channels/{channel}/app"),
        json!({"app_id": client_id}),
    )
    .await
    .ok();
    for bot in &bots {
        sess.post(
            &format!("/api/manage/channels/{channel}/bots"),
            json!({"bot_id": bot}),
        )
        .await
        .ok();
    }
    let mut vars = jwt_vars(&s, &client_id, &key);
    vars.push(("BUCKLE_BOT_ID", bots[0].clone()));
    vars.push(("BUCKLE_OTHER_BOT_ID", bots[1].clone()));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut d = Driver::start(&s, sdk, "jwt_bot", &vars).await;
    let t = d.step("token").await;
    assert!(text(&t["access_token"]).starts_with("czs_"), "{t}");
    let got = d.step("bot").await;
    assert_eq!(got["bot_id"], json!(bots[0]), "{got}");
    assert_eq!(got["name"], json!("chosen"), "{got}");
    assert_api_error(sdk, &d.step("other_bot").await, 4101);
    d.done().await;
}
