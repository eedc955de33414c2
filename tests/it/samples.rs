//! An app's sample files (issue 11, points 5 and 6).
//!
//! The Python and JavaScript samples run for real: the test makes an app,
//! downloads its zip through the management API, unpacks it, starts
//! `bash bootstrap.sh` (pointed at the already-installed SDKs:
//! `COZE_SAMPLE_PYTHON`=`$BUCKLE_TEST_PYTHON`, `COZE_SAMPLE_NODE_MODULES`=
//! `$BUCKLE_TEST_JS_DIR/node_modules`), and drives the sample's page in headless
//! Chromium through Buckle's sign-in and consent to its "Authorization
//! Successful" page, then refreshes the token there. The Go and Java samples
//! come from the same configuration: their zips are checked for the right
//! values and for well-formed sources. The preview and the download's rules
//! (no secret shown; an entered secret is checked; a new one asks first and
//! replaces the old one) run on both databases.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A downloaded sample: its files by path under the zip's one folder.
struct Unzipped {
    folder: String,
    files: BTreeMap<String, String>,
    modes: BTreeMap<String, u32>,
}

fn unzip(bytes: &[u8]) -> Unzipped {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = BTreeMap::new();
    let mut modes = BTreeMap::new();
    let mut folder = String::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().expect("a file name").to_string();
        let (top, rest) = name.split_once('/').expect("one folder");
        folder = top.to_string();
        let rest = rest.to_string();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        modes.insert(rest.clone(), f.unix_mode().unwrap_or(0o644) & 0o777);
        files.insert(rest, text);
    }
    Unzipped {
        folder,
        files,
        modes,
    }
}

impl Unzipped {
    fn config(&self) -> Value {
        serde_json::from_str(&self.files["coze_oauth_config.json"]).unwrap()
    }

    fn write_to(&self, dir: &Path) {
        use std::os::unix::fs::PermissionsExt;
        for (path, text) in &self.files {
            let to = dir.join(path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, text).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(self.modes[path]))
                .unwrap();
        }
    }
}

/// `POST /api/manage/apps/{id}/samples` as `session`: the status, the content
/// type and the body.
async fn download(session: &Session, app: &str, body: Value) -> (u16, String, Vec<u8>) {
    let r = session
        .client
        .post(format!(
            "{}/api/manage/apps/{}/samples",
            session.base,
            buckle_core::redirect::encode(app)
        ))
        .header("x-csrf-token", &session.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let kind = content_type(&r).unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

async fn zip_of(session: &Session, app: &str, body: Value) -> Unzipped {
    let (status, kind, bytes) = download(session, app, body).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(kind, "application/zip");
    unzip(&bytes)
}

/// The envelope's code and message of a refused download.
fn refusal(bytes: &[u8]) -> (i64, String) {
    let v: Value = serde_json::from_slice(bytes).expect("an envelope");
    (
        v["code"].as_i64().unwrap(),
        v["msg"].as_str().unwrap().to_string(),
    )
}

async fn make_app(session: &Session, client_type: &str, redirect: Option<&str>) -> Value {
    let mut body = json!({"name": format!("Sample {client_type} {}", rand::random::<u32>()),
        "app_type": "normal", "client_type": client_type,
        "permissions": ["Account.readProfile"]});
    if let Some(r) = redirect {
        body["redirect_uris"] = json!([r]);
    }
    session.post("/api/manage/apps", body).await.ok().clone()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

fn required_env(name: &str, what: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("{name} must name {what} (bash .ci/run exports it)"))
}

/// A sample started with `bash bootstrap.sh`; dropping it ends its process group.
struct Running {
    child: Child,
    log: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl Running {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

#[derive(Clone, Copy, Debug)]
enum Lang {
    Python,
    Javascript,
}

impl Lang {
    fn as_str(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Javascript => "javascript",
        }
    }
}

/// Unpacks `sample` into a temp dir and runs `bash bootstrap.sh` there on `port`,
/// with the SDK already installed; waits until its page answers.
async fn run(sample: &Unzipped, lang: Lang, port: u16) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(&sample.folder);
    sample.write_to(&root);
    let log = dir.path().join("sample.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg("bootstrap.sh")
        .current_dir(&root)
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .process_group(0);
    match lang {
        Lang::Python => {
            cmd.env(
                "COZE_SAMPLE_PYTHON",
                required_env("BUCKLE_TEST_PYTHON", "a Python with cozepy"),
            );
        }
        Lang::Javascript => {
            let js = PathBuf::from(required_env(
                "BUCKLE_TEST_JS_DIR",
                "tests/sdk/js with node_modules",
            ));
            assert!(
                js.join("node_modules/@coze/api").is_dir(),
                "run npm ci in {js:?}"
            );
            cmd.env("COZE_SAMPLE_NODE_MODULES", js.join("node_modules"))
                .env(
                    "COZE_SAMPLE_NODE",
                    required_env("BUCKLE_TEST_NODE", "the node executable"),
                );
        }
    }
    let child = cmd.spawn().expect("bash bootstrap.sh");
    let running = Running {
        child,
        log,
        port,
        _dir: dir,
    };
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(running.url("/")).send().await
            && r.status().is_success()
        {
            return running;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the {lang:?} sample did not start:\n{}",
            running.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The person's user id and nickname as `/v1/users/me` has them.
async fn profile(s: &Server, session: &Session) -> (String, String) {
    let pat = session.simple_pat(&["Account.readProfile"]).await;
    let me = s.bearer(&pat).get("/v1/users/me").await;
    let me = me.ok();
    (
        me["user_id"].as_str().unwrap().to_string(),
        me["nick_name"].as_str().unwrap().to_string(),
    )
}

/// Runs the `lang` sample of a new `client_type` app (web or pkce) and signs in
/// through it in headless Chromium.
async fn sample_signs_in(lang: Lang, client_type: &str) {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let app = make_app(&session, client_type, Some(&redirect)).await;
    let app_id = app["app_id"].as_str().unwrap();
    let mut body = json!({"language": lang.as_str()});
    if let Some(secret) = app["client_secret"].as_str() {
        body["client_secret"] = json!(secret);
    }
    let sample = zip_of(&session, app_id, body).await;
    assert_eq!(sample.config()["redirect_uri"], json!(redirect));
    let running = run(&sample, lang, port).await;
    let (user_id, nickname) = profile(&s, &session).await;

    let b = Chromium::start(&s, ENGLISH).await;
    b.goto(&running.url("/")).await;
    b.click("#login").await;
    b.wait_for_path("/login").await;
    b.sign_in(&alice).await;
    b.wait_for_path("/api/permission/oauth2/authorize").await;
    b.click("button[name=decision][value=approve]").await;
    b.wait_for("#result").await;
    let body = b.body_text().await;
    assert!(
        body.contains("Authorization Successful"),
        "{body}\n{}",
        running.log()
    );
    assert_eq!(b.text("#user-id").await, user_id);
    assert_eq!(b.text("#nickname").await, nickname);
    let first = b.text("#access-token").await;
    assert!(first.starts_with("czu_"), "{first}");
    assert!(b.text("#expires-at").await.ends_with("UTC"));

    // The sample refreshes the token: a new one, still acting for Alice.
    b.click("#refresh").await;
    let start = Instant::now();
    while b.exists("#access-token").await && b.text("#access-token").await == first {
        assert!(start.elapsed() < WAIT, "no new token:\n{}", running.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.wait_for("#result").await;
    let second = b.text("#access-token").await;
    assert!(second.starts_with("czu_") && second != first, "{second}");
    assert_eq!(b.text("#user-id").await, user_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_web_sample_signs_in_and_refreshes() {
    sample_signs_in(Lang::Python, "web").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_web_sample_signs_in_and_refreshes() {
    sample_signs_in(Lang::Javascript, "web").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_pkce_sample_signs_in_and_refreshes() {
    sample_signs_in(Lang::Python, "pkce").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_pkce_sample_signs_in_and_refreshes() {
    sample_signs_in(Lang::Javascript, "pkce").await;
}

/// Braces, brackets and parentheses pair up, outside strings and comments
/// (a syntax sanity check for sources this machine cannot compile).
fn balanced(source: &str) -> bool {
    let mut stack = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                let close = c;
                while let Some(d) = chars.next() {
                    if d == '\\' && close == '"' {
                        chars.next();
                    } else if d == close {
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal: 'x' or '\x'.
                if chars.next() == Some('\\') {
                    chars.next();
                }
                chars.next();
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
            }
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
    }
    stack.is_empty()
}

on_both_databases!(
    go_and_java_samples_carry_the_apps_values,
    the_preview_never_shows_a_secret,
    a_web_sample_needs_the_current_secret_or_a_new_one,
    a_jwt_sample_names_a_key_but_never_holds_a_private_key,
);

async fn go_and_java_samples_carry_the_apps_values(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let redirect = "http://127.0.0.1:8080/callback";
    for client_type in ["web", "pkce", "device"] {
        let app = make_app(
            &session,
            client_type,
            (client_type != "device").then_some(redirect),
        )
        .await;
        let app_id = app["app_id"].as_str().unwrap();
        for (lang, program, must) in [
            (
                "go",
                "main.go",
                ["package main", "github.com/coze-dev/coze-go"],
            ),
            (
                "java",
                "src/main/java/sample/Main.java",
                ["public class Main", "com.coze.openapi"],
            ),
        ] {
            let mut body = json!({"language": lang});
            if let Some(secret) = app["client_secret"].as_str() {
                body["client_secret"] = json!(secret);
            }
            let sample = zip_of(&session, app_id, body).await;
            assert_eq!(sample.folder, format!("buckle-sample-{lang}-{client_type}"));
            let config = sample.config();
            assert_eq!(config["client_id"], json!(app_id));
            assert_eq!(config["client_type"], json!(client_type));
            assert_eq!(config["coze_api_base"], json!(s.base));
            assert_eq!(config["coze_www_base"], json!(s.base));
            if client_type == "device" {
                assert!(config.get("redirect_uri").is_none(), "{config}");
            } else {
                assert_eq!(config["redirect_uri"], json!(redirect));
            }
            assert_eq!(config["client_secret"], app["client_secret"]);
            let source = &sample.files[program];
            for m in must {
                assert!(source.contains(m), "{lang} {client_type}: no {m}");
            }
            assert!(balanced(source), "{lang} {client_type}: unbalanced");
            assert!(source.contains("coze_oauth_config.json"));
            assert!(source.contains("/v1/users/me") || source.contains("users"));
            for script in ["bootstrap.sh", "bootstrap.ps1", "README.md"] {
                assert!(sample.files.contains_key(script), "{lang}: no {script}");
            }
            assert_eq!(sample.modes["bootstrap.sh"], 0o755);
            // The program reads values at run time: none is written into code.
            assert!(!source.contains(app_id));
        }
    }
}

async fn the_preview_never_shows_a_secret(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let app = make_app(&session, "web", Some("https://app.example.com/cb")).await;
    let app_id = app["app_id"].as_str().unwrap();
    let secret = app["client_secret"].as_str().unwrap();
    let r = session
        .get(&format!("/api/manage/apps/{app_id}/samples"))
        .await;
    let preview = r.ok();
    assert!(!preview.to_string().contains(secret));
    assert!(preview["config"].get("client_secret").is_none());
    assert_eq!(preview["config"]["client_id"], json!(app_id));
    assert_eq!(
        preview["config"]["redirect_uri"],
        json!("https://app.example.com/cb")
    );
    assert_eq!(preview["needs_client_secret"], json!(true));
    assert_eq!(
        preview["languages"],
        json!(["python", "javascript", "go", "java"])
    );

    // The console's app page shows the same preview, and no secret either.
    let page = session
        .client
        .get(s.url(&format!("/console/apps/{app_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"sample-config\""), "{page}");
    assert!(page.contains("coze_oauth_config.json"));
    assert!(!page.contains(secret));

    // Someone else does not see the app at all.
    let bob = s.user("bob").await;
    let r = s
        .login(&bob)
        .await
        .get(&format!("/api/manage/apps/{app_id}/samples"))
        .await;
    r.fails(404, 4200);
}

async fn a_web_sample_needs_the_current_secret_or_a_new_one(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let app = make_app(&session, "web", Some("http://127.0.0.1:8080/callback")).await;
    let app_id = app["app_id"].as_str().unwrap();
    let secret = app["client_secret"].as_str().unwrap();

    let (status, _, body) = download(&session, app_id, json!({"language": "python"})).await;
    assert_eq!(status, 400);
    assert_eq!(refusal(&body).0, 4000);
    let (status, _, body) = download(
        &session,
        app_id,
        json!({"language": "python", "client_secret": "not-the-secret"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        refusal(&body)
            .1
            .contains("not the app's current client secret")
    );
    let (status, _, _) = download(
        &session,
        app_id,
        json!({"language": "python", "client_secret": secret, "new_client_secret": true}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, _) = download(&session, app_id, json!({"language": "cobol"})).await;
    assert_eq!(status, 400);

    // The current secret goes into the sample as entered.
    let sample = zip_of(
        &session,
        app_id,
        json!({"language": "javascript", "client_secret": secret}),
    )
    .await;
    assert_eq!(sample.config()["client_secret"], json!(secret));

    // A new secret replaces the current one: the sample's works, the old one no longer.
    let sample = zip_of(
        &session,
        app_id,
        json!({"language": "python", "new_client_secret": true}),
    )
    .await;
    let new = sample.config()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new, secret);
    let (status, _, _) = download(
        &session,
        app_id,
        json!({"language": "python", "client_secret": secret}),
    )
    .await;
    assert_eq!(status, 400, "the old secret no longer counts");
    let code_for = |secret: String| {
        let base = s.base.clone();
        let app_id = app_id.to_string();
        async move {
            oauth_post(
                &base,
                "/api/permission/oauth2/token",
                Some(&secret),
                json!({"client_id": app_id, "grant_type": "authorization_code",
                       "code": "code_unknown", "redirect_uri": "http://127.0.0.1:8080/callback"}),
            )
            .await
        }
    };
    // A wrong secret is invalid_client; the right one gets as far as the (unknown) code.
    code_for(secret.to_string())
        .await
        .error(401, "invalid_client");
    code_for(new).await.error(400, "invalid_grant");

    // A member of a team sees its apps but may not replace a secret.
    let team = session.team("Samples team").await;
    let team_app: Value = session
        .post(
            "/api/manage/apps",
            json!({"name": "Team sample app", "app_type": "normal", "client_type": "web",
                   "organization_id": team, "permissions": ["Account.readProfile"],
                   "redirect_uris": ["http://127.0.0.1:8080/callback"]}),
        )
        .await
        .ok()
        .clone();
    let team_app_id = team_app["app_id"].as_str().unwrap();
    let bob = s.user("bob").await;
    session.add_member(&team, "bob", "member").await.ok();
    let bob_session = s.login(&bob).await;
    let (status, _, _) = download(
        &bob_session,
        team_app_id,
        json!({"language": "go", "new_client_secret": true}),
    )
    .await;
    assert_eq!(status, 403);
    let team_secret = team_app["client_secret"].as_str().unwrap();
    let sample = zip_of(
        &bob_session,
        team_app_id,
        json!({"language": "go", "client_secret": team_secret}),
    )
    .await;
    assert_eq!(sample.config()["client_secret"], json!(team_secret));
}

async fn a_jwt_sample_names_a_key_but_never_holds_a_private_key(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let app = make_app(&session, "service", None).await;
    let app_id = app["app_id"].as_str().unwrap();
    let (status, _, body) = download(&session, app_id, json!({"language": "python"})).await;
    assert_eq!(status, 400, "no key yet");
    assert!(refusal(&body).1.contains("no public key"));

    let key = ServiceKey::new();
    session
        .post(
            &format!("/api/manage/apps/{app_id}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await
        .ok();
    for lang in ["python", "javascript", "go", "java"] {
        let sample = zip_of(&session, app_id, json!({"language": lang})).await;
        let config = sample.config();
        assert_eq!(config["client_type"], json!("jwt"));
        assert_eq!(config["public_key_id"], json!(key.kid()));
        assert_eq!(config["private_key_file"], json!("private_key.pem"));
        assert!(!sample.files.contains_key("private_key.pem"));
        for text in sample.files.values() {
            assert!(!text.contains("BEGIN PRIVATE KEY"), "{lang}");
        }
    }
    let (status, _, _) = download(
        &session,
        app_id,
        json!({"language": "python", "client_secret": "x"}),
    )
    .await;
    assert_eq!(status, 400, "a service app has no secret");
}

/// The Python JWT sample gets a service token with the person's private key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_jwt_sample_gets_a_token() {
    jwt_sample_gets_a_token(Lang::Python).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_jwt_sample_gets_a_token() {
    jwt_sample_gets_a_token(Lang::Javascript).await;
}

async fn jwt_sample_gets_a_token(lang: Lang) {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let app = make_app(&session, "service", None).await;
    let app_id = app["app_id"].as_str().unwrap();
    let key = ServiceKey::new();
    session
        .post(
            &format!("/api/manage/apps/{app_id}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await
        .ok();
    session
        .post(
            &format!("/api/manage/apps/{app_id}/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await
        .ok();
    let mut sample = zip_of(&session, app_id, json!({"language": lang.as_str()})).await;
    // The person puts their private key beside the program.
    sample
        .files
        .insert("private_key.pem".into(), key.private_pem.clone());
    sample.modes.insert("private_key.pem".into(), 0o600);
    let running = run(&sample, lang, free_port()).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = http
        .post(running.url("/token"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Token issued"), "{page}\n{}", running.log());
    let token = by_id(&page, "access-token").unwrap();
    assert!(token.starts_with("czs_"), "{token}");
    // A JWT token has no refresh token; the page offers a new token instead.
    assert!(!page.contains("refresh-token"));
    assert!(page.contains("new-token"));
}

/// The text of the element whose id is `id` in `page` (the samples' pages are simple).
fn by_id<'a>(page: &'a str, id: &str) -> Option<&'a str> {
    page.split(&format!("id=\"{id}\">"))
        .nth(1)
        .and_then(|rest| rest.split('<').next())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_device_sample_waits_for_approval_and_refreshes() {
    device_sample_waits_for_approval(Lang::Python).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_device_sample_waits_for_approval_and_refreshes() {
    device_sample_waits_for_approval(Lang::Javascript).await;
}

/// The device sample shows a user code, polls while the person approves it on
/// Buckle's device page, then shows the person and refreshes the token.
async fn device_sample_waits_for_approval(lang: Lang) {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let app = make_app(&session, "device", None).await;
    let app_id = app["app_id"].as_str().unwrap();
    let sample = zip_of(&session, app_id, json!({"language": lang.as_str()})).await;
    let running = run(&sample, lang, free_port()).await;
    let (user_id, nickname) = profile(&s, &session).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = http
        .post(running.url("/start"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let user_code = by_id(&page, "user-code")
        .unwrap_or_else(|| panic!("no user code: {page}\n{}", running.log()))
        .to_string();
    assert!(page.contains("/oauth/device"), "{page}");

    let (status, _) = Browser::new(&s.base)
        .device_decision(&user_code, &alice, "approve", "")
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");

    // The SDKs poll every 5 seconds.
    let start = Instant::now();
    let page = loop {
        let page = http
            .get(running.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains("Authorization Successful") {
            break page;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "not approved yet:\n{page}\n{}",
            running.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(by_id(&page, "user-id"), Some(user_id.as_str()));
    assert_eq!(by_id(&page, "nickname"), Some(nickname.as_str()));
    let first = by_id(&page, "access-token").unwrap().to_string();
    assert!(first.starts_with("czu_"));
    let page = http
        .post(running.url("/refresh"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let second = by_id(&page, "access-token").unwrap_or_default();
    assert!(second.starts_with("czu_") && second != first, "{page}");
}

/// The console's form: a wrong secret is said next to the field; a new secret
/// asks on a page of its own first, then downloads with the new secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_form_checks_the_secret_and_asks_before_a_new_one() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let app = make_app(&session, "web", Some("http://127.0.0.1:8080/callback")).await;
    let app_id = app["app_id"].as_str().unwrap();
    let secret = app["client_secret"].as_str().unwrap();
    let b = Browser::new(&s.base);
    b.sign_in(&alice).await;
    let path = format!("/console/apps/{app_id}");
    let page = b.get(&path).await.text().await.unwrap();
    assert!(page.contains("id=\"sample-form\""), "{page}");
    let csrf = form_field(&page, "csrf").unwrap();
    let action = format!("{path}/samples");

    let r = b
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("language", "python"),
                ("secret", "entered"),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("This is not the app&#39;s current client secret.")
            || page.contains("This is not the app's current client secret."),
        "{page}"
    );
    assert!(page.contains("id=\"sample-secret-error\""));

    let r = b
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("language", "javascript"),
                ("secret", "entered"),
                ("client_secret", secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(content_type(&r).as_deref(), Some("application/zip"));
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("buckle-sample-javascript-web.zip")
    );
    let sample = unzip(&r.bytes().await.unwrap());
    assert_eq!(sample.config()["client_secret"], json!(secret));

    // "New secret" first asks; nothing changes until the person confirms.
    let r = b
        .post_form(
            &action,
            &[("csrf", &csrf), ("language", "go"), ("secret", "new")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"confirm-new-secret\""), "{page}");
    assert_eq!(form_field(&page, "confirmed").as_deref(), Some("1"));
    let sample = zip_of(
        &session,
        app_id,
        json!({"language": "python", "client_secret": secret}),
    )
    .await;
    assert_eq!(sample.config()["client_secret"], json!(secret), "unchanged");

    let r = b
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("language", "go"),
                ("redirect_uri", ""),
                ("secret", "new"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let sample = unzip(&r.bytes().await.unwrap());
    let new = sample.config()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new, secret);
    let (status, _, _) = download(
        &session,
        app_id,
        json!({"language": "python", "client_secret": secret}),
    )
    .await;
    assert_eq!(status, 400, "the old secret stopped working");

    // A missing CSRF token changes nothing.
    let r = b
        .post_form(
            &action,
            &[
                ("csrf", "nope"),
                ("language", "go"),
                ("secret", "new"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_ne!(r.status(), 200);
    let sample = zip_of(
        &session,
        app_id,
        json!({"language": "python", "client_secret": new}),
    )
    .await;
    assert_eq!(sample.config()["client_secret"], json!(new));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_section_in_english() {
    sample_section_in_a_browser(ENGLISH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_section_in_chinese() {
    sample_section_in_a_browser(CHINESE).await;
}

/// The section in Chromium, in the browser's language: the preview, then a
/// download through the form that the browser saves.
async fn sample_section_in_a_browser(accept_language: &str) {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let app = make_app(&session, "web", Some("https://app.example.com/cb")).await;
    let app_id = app["app_id"].as_str().unwrap();
    let secret = app["client_secret"].as_str().unwrap();
    let lang = crate::browser::lang_of(accept_language);
    let mut b = Chromium::start(&s, accept_language).await;
    let downloads = tempfile::tempdir().unwrap();
    b.cdp(
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.path()}),
    )
    .await;
    b.sign_in(&alice).await;
    b.goto(&format!("/console/apps/{app_id}")).await;
    assert_eq!(
        b.text("#samples-h").await,
        crate::browser::t(lang, "samples.title")
    );
    let preview = b.text("#sample-config").await;
    assert!(preview.contains(app_id), "{preview}");
    assert!(!preview.contains(secret));
    // The redirect URI is not on this machine: the page says what to add.
    let body = b.body_text().await;
    assert!(body.contains("http://127.0.0.1:8080/callback"), "{body}");
    b.screenshot_wide_and_narrow("app-samples").await;

    b.select("#sample-language", "python").await;
    b.fill("#sample-client-secret", secret).await;
    b.click("#sample-download").await;
    let file = downloads.path().join("buckle-sample-python-web.zip");
    let start = Instant::now();
    let bytes = loop {
        if let Ok(bytes) = std::fs::read(&file)
            && zip::ZipArchive::new(std::io::Cursor::new(&bytes)).is_ok()
        {
            break bytes;
        }
        assert!(
            start.elapsed() < WAIT,
            "{} was not downloaded",
            file.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let sample = unzip(&bytes);
    assert_eq!(sample.config()["client_secret"], json!(secret));
    assert_eq!(sample.config()["client_id"], json!(app_id));
}

/// `/openapi.json` describes both routes, the download as a binary zip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_the_sample_routes() {
    let s = Server::start(Db::Sqlite).await;
    let doc: Value = reqwest::get(s.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = &doc["paths"]["/api/manage/apps/{app_id}/samples"];
    assert!(path["get"].is_object(), "{path}");
    let zip = &path["post"]["responses"]["200"]["content"]["application/zip"]["schema"];
    let zip = match zip.get("$ref").and_then(Value::as_str) {
        Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
        None => zip.clone(),
    };
    assert_eq!(zip["type"], json!("string"), "{zip}");
    assert_eq!(zip["format"], json!("binary"), "{zip}");
    let page =
        &doc["paths"]["/console/apps/{client_id}/samples"]["post"]["responses"]["200"]["content"];
    assert!(page["application/zip"].is_object(), "{page}");
    assert!(page["text/html"].is_object(), "{page}");
}
