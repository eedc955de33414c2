//! A quick look at the OAuth token endpoint of a real, release-built `buckle serve`
//! on an empty SQLite database: JWT bearer grants per second and authorization-code
//! exchanges per second, set up through the management API.
//!
//!   cargo build --release && cargo run --release -p buckle-bench -- [REQUESTS] [CONCURRENCY]
//!
//! Everything it talks to is a server it starts itself on 127.0.0.1. The full
//! benchmark (seeded database, every scenario, both databases) is `bench/run.sh`.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

const CALLBACK: &str = "http://127.0.0.1:9/callback";

/// Starts a server on a temporary data directory and measures both grants.
pub async fn run_quick(requests: usize, concurrency: usize) -> Result<()> {
    let bin = std::env::var("BUCKLE_BIN").unwrap_or_else(|_| "target/release/buckle".into());
    let dir = std::env::temp_dir().join(format!("buckle-bench-{}", std::process::id()));
    let mut child = tokio::process::Command::new(&bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env("BUCKLE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {bin} (build it with cargo build --release)"))?;
    let stdout = child.stdout.take().context("the server's stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let (mut password, mut base) = (String::new(), String::new());
    while let Some(line) = lines.next_line().await? {
        if let Some(p) = line.trim().strip_prefix("password:") {
            password = p.trim().to_string();
        }
        if let Some(rest) = line.strip_prefix("Buckle is listening on ") {
            base = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            break;
        }
    }
    if base.is_empty() || password.is_empty() {
        bail!("the server did not start");
    }
    let result = run(&base, &password, requests, concurrency).await;
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(base: &str, password: &str, requests: usize, concurrency: usize) -> Result<()> {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let login: Value = http
        .post(format!("{base}/api/manage/session"))
        .json(&json!({"user_name": "admin", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let csrf = login["data"]["csrf_token"]
        .as_str()
        .context("sign-in")?
        .to_string();
    let manage = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };

    // A service app with a key, authorized in the admin's personal edition.
    let svc: Value = manage(
        "/api/manage/apps",
        json!({"name": "bench service", "app_type": "normal", "client_type": "service", "permissions": ["Account.readProfile"], "redirect_uris": []}),
    )
    .await?
    .json()
    .await?;
    let svc_id = svc["data"]["app_id"]
        .as_str()
        .context("service app")?
        .to_string();
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)?;
    let pem = crate::jwt::public_pem(&pair);
    let kid = buckle_core::rsa_key::RsaPublicKey::from_pem(&pem)?.thumbprint();
    manage(
        &format!("/api/manage/apps/{svc_id}/keys"),
        json!({"public_key": pem}),
    )
    .await?;
    manage(
        &format!("/api/manage/apps/{svc_id}/authorizations"),
        json!({"all_workspaces": true}),
    )
    .await?;

    // Signing is the client's work: sign every JWT before the clock starts.
    let aud = base.trim_start_matches("http://");
    let now = buckle_core::now_unix();
    let jwts = (0..requests)
        .map(|i| crate::jwt::sign(&pair, &kid, &svc_id, aud, now, &format!("bench-{i}")))
        .collect::<Result<Vec<_>>>()?;
    let jwt_body = json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "duration_seconds": 900});
    let (rate, p50, p99) = fire(&http, base, jwts, concurrency, move |c, url, jwt| {
        c.post(url).bearer_auth(jwt).json(&jwt_body)
    })
    .await?;
    println!(
        "JWT bearer grants:    {rate:8.0} /s  (p50 {p50:.2} ms, p99 {p99:.2} ms; {requests} requests, concurrency {concurrency})"
    );

    // A web app; codes come from the real consent form, before the clock starts.
    let web: Value = manage(
        "/api/manage/apps",
        json!({"name": "bench web", "app_type": "normal", "client_type": "web", "permissions": ["Account.readProfile"], "redirect_uris": [CALLBACK]}),
    )
    .await?
    .json()
    .await?;
    let web_id = web["data"]["app_id"]
        .as_str()
        .context("web app")?
        .to_string();
    let secret = web["data"]["client_secret"]
        .as_str()
        .context("secret")?
        .to_string();
    let codes_wanted = requests.min(3000);
    let mut codes = Vec::with_capacity(codes_wanted);
    for _ in 0..codes_wanted {
        let r = http
            .post(format!("{base}/api/permission/oauth2/consent"))
            .form(&[
                ("client_id", web_id.as_str()),
                ("redirect_uri", CALLBACK),
                ("state", "s"),
                ("csrf", csrf.as_str()),
                ("decision", "approve"),
                ("edition", ""),
            ])
            .send()
            .await?;
        let to = r
            .headers()
            .get("location")
            .context("consent redirect")?
            .to_str()?
            .to_string();
        let code = to
            .split("code=")
            .nth(1)
            .and_then(|c| c.split('&').next())
            .context("code")?;
        codes.push(code.to_string());
    }
    let web_id2 = web_id.clone();
    let (rate, p50, p99) = fire(&http, base, codes, concurrency, move |c, url, code| {
        c.post(url).bearer_auth(&secret).json(&json!({
            "client_id": web_id2, "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK
        }))
    })
    .await?;
    println!(
        "Code exchanges:       {rate:8.0} /s  (p50 {p50:.2} ms, p99 {p99:.2} ms; {codes_wanted} requests, concurrency {concurrency})"
    );
    Ok(())
}

/// Sends one request per item with `concurrency` in flight; every answer must be 200.
/// Returns (requests per second, p50 ms, p99 ms).
async fn fire<F>(
    http: &reqwest::Client,
    base: &str,
    items: Vec<String>,
    concurrency: usize,
    make: F,
) -> Result<(f64, f64, f64)>
where
    F: Fn(&reqwest::Client, String, &str) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let n = items.len();
    let queue = Arc::new(tokio::sync::Mutex::new(items.into_iter()));
    let make = Arc::new(make);
    let url = format!("{base}/api/permission/oauth2/token");
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (queue, make, http, url) = (queue.clone(), make.clone(), http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let Some(item) = queue.lock().await.next() else {
                    break;
                };
                let t = Instant::now();
                let r = make(&http, url.clone(), &item).send().await?;
                let status = r.status();
                let body = r.bytes().await?;
                if status != 200 {
                    bail!(
                        "token endpoint answered {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                latencies.push(t.elapsed());
            }
            Ok::<Vec<Duration>, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    Ok((n as f64 / elapsed, pct(0.50), pct(0.99)))
}
