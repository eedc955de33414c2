//! A real browser for page tests: headless Chromium driven over WebDriver
//! (chromedriver + fantoccini). Each `Chromium` starts its own chromedriver on a
//! free port with a fresh profile directory, so tests run in parallel; dropping it
//! kills chromedriver and the browser it started. Every helper waits (polling, up
//! to `WAIT`) rather than sleeping, so slow, busy machines only make tests slower.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`bash .ci/run` installs them);
//! `BUCKLE_TEST_CHROMIUM` and `BUCKLE_TEST_CHROMEDRIVER` override their paths.

use super::{Server, User};
use base64::Engine;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a helper waits for the page to get where the test expects.
pub const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);
/// The window's height; only its width changes in tests.
const HEIGHT: u32 = 900;
/// The window's width unless a test sets another.
pub const WIDE: u32 = 1200;
/// A phone's width: pages must not scroll sideways at it.
pub const NARROW: u32 = 380;
/// Browser languages (`Accept-Language`) for `Chromium::start`.
pub const ENGLISH: &str = "en-US,en";
pub const CHINESE: &str = "zh-CN,zh";

const INSTALL_HINT: &str = "install chromium and chromium-driver, or run bash .ci/run";

/// Headless Chromium, signed out, showing nothing yet.
pub struct Chromium {
    client: Client,
    /// The base URL of the server under test, `http://127.0.0.1:PORT`.
    pub base: String,
    driver: Child,
    driver_url: String,
    session_id: String,
    width: u32,
    /// The browser profile and chromedriver's log; removed after the processes die.
    _dir: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // chromedriver runs in a process group of its own with the browser it
        // started; end the whole group so no Chromium outlives the test.
        let group = self.driver.id() as i32;
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

fn tool(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// A plain HTTP client for chromedriver itself (never through a proxy).
fn driver_http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

impl Chromium {
    /// Opens headless Chromium whose languages (`Accept-Language`) are
    /// `accept_language`, e.g. `"en-US,en"` or `"zh-CN"`, for `server`.
    pub async fn start(server: &Server, accept_language: &str) -> Chromium {
        let chromium = tool("BUCKLE_TEST_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = tool("BUCKLE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
        for (what, path) in [("chromium", &chromium), ("chromedriver", &chromedriver)] {
            assert!(
                path.is_file(),
                "the browser tests need {what} at {}: {INSTALL_HINT} \
                 (or point BUCKLE_TEST_CHROMIUM / BUCKLE_TEST_CHROMEDRIVER at them)",
                path.display()
            );
        }
        let dir = tempfile::tempdir().expect("temp dir");
        // Another process may take the port between our probe and chromedriver's
        // bind; then chromedriver exits and we try another.
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            let log = dir.path().join(format!("chromedriver-{port}.log"));
            let mut driver = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("start {}: {e}: {INSTALL_HINT}", chromedriver.display())
                });
            let driver_url = format!("http://127.0.0.1:{port}");
            if wait_until_ready(&mut driver, &driver_url).await {
                let profile = dir.path().join("profile");
                let client = connect(&driver_url, &chromium, &profile, accept_language).await;
                let session_id = client
                    .session_id()
                    .await
                    .ok()
                    .flatten()
                    .expect("a WebDriver session id");
                return Chromium {
                    client,
                    base: server.base.clone(),
                    driver,
                    driver_url,
                    session_id,
                    width: WIDE,
                    _dir: dir,
                };
            }
            // SAFETY: as in `drop`, our own process group.
            unsafe {
                libc::kill(-(driver.id() as i32), libc::SIGKILL);
            }
            let _ = driver.wait();
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("chromedriver did not start ({INSTALL_HINT}); its log:\n{last_log}");
    }

    fn abs(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Opens `path` (on the server; or an absolute URL) and waits for it to load.
    pub async fn goto(&self, path: &str) {
        let url = self.abs(path);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The first element matching `css`, once there is one (panics after `WAIT`).
    pub async fn wait_for(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(e) => return e,
                Err(e) if e.is_no_such_element() && start.elapsed() < WAIT => {}
                Err(e) => panic!(
                    "no element `{css}` on {} after {WAIT:?}: {e}\n{}",
                    self.current_url().await,
                    self.body_text().await
                ),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Whether an element matches `css` right now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Replaces the value of the field `css` with `text`, as typed.
    pub async fn fill(&self, css: &str, text: &str) {
        let start = Instant::now();
        loop {
            let field = self.wait_for(css).await;
            let typed = match field.clear().await {
                Ok(()) => field.send_keys(text).await,
                Err(e) => Err(e),
            };
            match typed {
                Ok(()) => return,
                Err(e) if is_transient(&e) && start.elapsed() < WAIT => {}
                Err(e) => panic!("type into `{css}`: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Chooses the option whose value is `value` in the `<select>` `css`.
    pub async fn select(&self, css: &str, value: &str) {
        let start = Instant::now();
        loop {
            match self.wait_for(css).await.select_by_value(value).await {
                Ok(()) => return,
                Err(e) if is_transient(&e) && start.elapsed() < WAIT => {}
                Err(e) => panic!("select {value:?} in `{css}`: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the element `css` (waiting for it to appear and take clicks).
    pub async fn click(&self, css: &str) {
        let start = Instant::now();
        loop {
            match self.wait_for(css).await.click().await {
                Ok(()) => return,
                Err(e) if is_transient(&e) && start.elapsed() < WAIT => {}
                Err(e) => panic!("click `{css}`: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The visible text of the element `css`.
    pub async fn text(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            match self.wait_for(css).await.text().await {
                Ok(text) => return text,
                Err(e) if is_transient(&e) && start.elapsed() < WAIT => {}
                Err(e) => panic!("read `{css}`: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The current value of the form field `css` (what is typed in it).
    pub async fn value(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            match self.wait_for(css).await.prop("value").await {
                Ok(value) => return value.unwrap_or_default(),
                Err(e) if is_transient(&e) && start.elapsed() < WAIT => {}
                Err(e) => panic!("read the value of `{css}`: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The visible text of the whole page.
    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The address the browser shows, in full.
    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// The path of the address the browser shows (no query).
    pub async fn current_path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.path().to_string())
            .unwrap_or_default()
    }

    /// Waits until the browser shows `path` (no query), e.g. after a form posts.
    pub async fn wait_for_path(&self, path: &str) {
        let start = Instant::now();
        loop {
            let now = self.current_path().await;
            if now == path {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "expected to be on {path}, still on {} after {WAIT:?}:\n{}",
                self.current_url().await,
                self.body_text().await
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The language the page says it is in (`<html lang>`), e.g. `en` or `zh-CN`.
    pub async fn page_lang(&self) -> String {
        self.script("return document.documentElement.lang || 'none'")
            .await
            .as_str()
            .unwrap_or("none")
            .to_string()
    }

    /// Waits until the page says it is in `lang` (e.g. after the language switch).
    pub async fn wait_for_lang(&self, lang: &str) {
        let start = Instant::now();
        loop {
            let now = self.page_lang().await;
            if now == lang {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "the page is in {now}, not {lang}, after {WAIT:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the element `css` shows exactly `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        let start = Instant::now();
        loop {
            let now = self.text(css).await;
            if now == text {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "`{css}` shows {now:?}, not {text:?}, after {WAIT:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `body` as a function in the page and returns its value.
    pub async fn script(&self, body: &str) -> Value {
        self.client
            .execute(body, vec![])
            .await
            .unwrap_or_else(|e| panic!("run script {body:?}: {e}"))
    }

    /// Resizes the window to `px` CSS pixels wide (the page reflows).
    pub async fn set_window_width(&mut self, px: u32) {
        self.client
            .set_window_size(px, HEIGHT)
            .await
            .unwrap_or_else(|e| panic!("resize the window to {px}px: {e}"));
        self.width = px;
        let inner = self.script("return window.innerWidth").await;
        assert_eq!(
            inner.as_u64(),
            Some(u64::from(px)),
            "the page is {inner} px wide, not {px}"
        );
    }

    /// Whether the page is wider than the window (a sideways scroll bar).
    pub async fn has_horizontal_scroll(&self) -> bool {
        self.script("const e = document.scrollingElement; return e.scrollWidth > e.clientWidth")
            .await
            .as_bool()
            .expect("a boolean")
    }

    /// Presses keys on whatever has the focus: each `char` is a key, so
    /// `Key::Tab.into()` or `Key::Enter.into()` work as well as letters.
    pub async fn press(&self, keys: impl IntoIterator<Item = char>) {
        let mut actions = KeyActions::new("keyboard".to_string());
        for k in keys {
            actions = actions
                .then(KeyAction::Down { value: k })
                .then(KeyAction::Up { value: k });
        }
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("press keys: {e}"));
    }

    /// Types `text` into whatever has the focus.
    pub async fn type_text(&self, text: &str) {
        self.press(text.chars()).await;
    }

    /// Presses Enter on whatever has the focus.
    pub async fn press_enter(&self) {
        self.press([char::from(Key::Enter)]).await;
    }

    /// Whether the focused element matches `css`.
    pub async fn is_focused(&self, css: &str) -> bool {
        self.client
            .execute(
                "return !!document.activeElement && document.activeElement.matches(arguments[0])",
                vec![json!(css)],
            )
            .await
            .unwrap_or_else(|e| panic!("check the focus: {e}"))
            .as_bool()
            .unwrap_or(false)
    }

    /// Presses Tab until the element `css` has the focus (at most 40 times).
    /// Returns how many presses it took; panics if Tab never reaches it.
    pub async fn tab_to(&self, css: &str) -> usize {
        self.wait_for(css).await;
        for presses in 0..=40 {
            if self.is_focused(css).await {
                return presses;
            }
            self.press([char::from(Key::Tab)]).await;
        }
        let focused = self
            .script("const a = document.activeElement; return a ? a.outerHTML : 'nothing'")
            .await;
        panic!("Tab never reached `{css}` (40 presses); the focus is on {focused}");
    }

    /// Saves the whole page (not just the window) as
    /// `target/console-screenshots/<name>-<lang>-<width>.png`, `lang` being the
    /// page's own `<html lang>`. Returns the file's path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let lang = self.page_lang().await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("create the screenshot directory");
        let path = dir.join(format!("{name}-{lang}-{}.png", self.width));
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let content = &metrics["cssContentSize"];
        let width = content["width"].as_f64().unwrap_or(f64::from(self.width));
        let height = content["height"].as_f64().unwrap_or(f64::from(HEIGHT));
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width.max(f64::from(self.width)),
                             "height": height.max(1.0), "scale": 1}
                }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("screenshot is base64");
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Screenshots the page at `WIDE` and at `NARROW` width (see `screenshot`),
    /// asserting that at `NARROW` it does not scroll sideways; leaves the window
    /// as wide as it was.
    pub async fn screenshot_wide_and_narrow(&mut self, name: &str) {
        let was = self.width;
        self.set_window_width(WIDE).await;
        self.screenshot(name).await;
        self.set_window_width(NARROW).await;
        let path = self.screenshot(name).await;
        assert!(
            !self.has_horizontal_scroll().await,
            "{} scrolls sideways at {NARROW}px: see {}",
            self.current_url().await,
            path.display()
        );
        self.set_window_width(was).await;
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let url = format!(
            "{}/session/{}/goog/cdp/execute",
            self.driver_url, self.session_id
        );
        let r = driver_http()
            .post(&url)
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        let status = r.status();
        let body: Value = r.json().await.unwrap_or_default();
        assert!(status.is_success(), "CDP {cmd}: {status} {body}");
        body["value"].clone()
    }

    /// Signs in as `user` through the real sign-in page: opens `/login` unless
    /// the browser is already on it (e.g. sent there by another page), fills the
    /// form, submits it, and waits to leave the sign-in page.
    pub async fn sign_in(&self, user: &User) {
        if self.current_path().await != "/login" {
            self.goto("/login").await;
        }
        self.fill("input[name=user_name]", &user.name).await;
        self.fill("input[name=password]", &user.password).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.wait_to_leave("/login").await;
    }

    /// Waits until the browser is no longer on `path`.
    pub async fn wait_to_leave(&self, path: &str) {
        let start = Instant::now();
        while self.current_path().await == path {
            assert!(
                start.elapsed() < WAIT,
                "still on {path} after {WAIT:?}:\n{}",
                self.body_text().await
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// An error that goes away when the page settles: the element was replaced by
/// a new page or render, or is not yet ready for input.
fn is_transient(e: &fantoccini::error::CmdError) -> bool {
    e.is_stale_element_reference()
        || e.is_element_not_interactable()
        || e.is_no_such_element()
        || matches!(e, fantoccini::error::CmdError::Standard(w)
            if w.error == fantoccini::error::ErrorStatus::ElementClickIntercepted)
}

/// Polls chromedriver's `/status` until it is ready; false if it exits or
/// does not get ready within `WAIT`.
async fn wait_until_ready(driver: &mut Child, url: &str) -> bool {
    let http = driver_http();
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if let Ok(Some(_)) = driver.try_wait() {
            return false;
        }
        if let Ok(r) = http.get(format!("{url}/status")).send().await
            && let Ok(status) = r.json::<Value>().await
            && status["value"]["ready"] == json!(true)
        {
            return true;
        }
        tokio::time::sleep(POLL).await;
    }
    false
}

async fn connect(
    driver_url: &str,
    chromium: &std::path::Path,
    profile: &std::path::Path,
    accept_language: &str,
) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--no-proxy-server",
        "--hide-scrollbars",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        format!("--user-data-dir={}", profile.display()),
        format!("--window-size={WIDE},{HEIGHT}"),
    ])
    .collect::<Vec<_>>();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": args,
            // `--lang` and CDP overrides do not reach Accept-Language; this does.
            "prefs": {"intl.accept_languages": accept_language},
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver_url)
        .await
        .unwrap_or_else(|e| panic!("start headless Chromium through chromedriver: {e}"))
}

/// `target/console-screenshots`: under `CARGO_TARGET_DIR` when set, else the
/// `target` directory this test binary was built in (`target/debug/deps/it-…`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.ancestors().nth(3).map(PathBuf::from))
        })
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("console-screenshots")
}
