//! HTTPS served by Buckle itself (`--tls-cert`/`--tls-key`), run as the real
//! binary: the API over TLS with a test CA, a new pair taken on SIGHUP and when
//! the files change, a broken pair keeping the old one, plain HTTP to the TLS
//! port refused, and bad files stopping Buckle at start.

use crate::cli::{BIN, Serve, admin};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate for 127.0.0.1: its PEM chain, PEM key and DER.
struct Leaf {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
}

impl TestCa {
    fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Buckle test CA");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    fn leaf(&self) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            // The chain as operators install it: the server certificate, then the CA.
            cert_pem: format!("{}{}", cert.pem(), self.issuer.pem()),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }
}

/// Puts the files in place the way certificate tools do: written aside, then
/// renamed over the old ones.
fn install(dir: &Path, cert_pem: &str, key_pem: &str) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    for (path, text) in [(&cert, cert_pem), (&key, key_pem)] {
        let aside = path.with_extension("new");
        std::fs::write(&aside, text).unwrap();
        std::fs::rename(&aside, path).unwrap();
    }
    (cert, key)
}

fn tls_client(ca: &TestCa) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap())
        .tls_info(true)
        // A new connection, so a new handshake, for every request.
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// The certificate the server presents in a new handshake.
async fn presented(base: &str, ca: &TestCa) -> Vec<u8> {
    let r = tls_client(ca)
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("HTTPS request");
    assert!(r.status().is_success(), "{r:?}");
    r.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .expect("the peer's certificate")
        .to_vec()
}

/// Waits (up to `within`) until handshakes present `want`.
async fn until_presented(base: &str, ca: &TestCa, want: &[u8], within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if presented(base, ca).await == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new certificate was not presented within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// tests/sdk/cozepy_openapi.py's `users.me`, with httpx trusting `ca_file`.
async fn cozepy_over_tls(base: &str, token: &str, ca_file: &Path) -> serde_json::Value {
    let python = std::env::var("BUCKLE_TEST_PYTHON").expect(
        "BUCKLE_TEST_PYTHON must name a Python with cozepy installed (bash .ci/run makes one)",
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/cozepy_openapi.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .env("BUCKLE_BASE_URL", base)
        .env("BUCKLE_TOKEN", token)
        .env("BUCKLE_SDK_CALL", "users.me")
        // httpx (under cozepy) reads it with its default trust_env.
        .env("SSL_CERT_FILE", ca_file)
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cozepy script failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn sighup(srv: &Serve) {
    let pid = srv.pid().expect("buckle serve is running");
    // SAFETY: kill(2) with a child's pid and a signal number has no memory effects.
    let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGHUP) };
    assert_eq!(rc, 0, "kill -HUP");
}

/// A data directory with a `buckle.toml` holding `config`.
fn data_dir(root: &Path, config: &str) -> PathBuf {
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("buckle.toml"), config).unwrap();
    data
}

#[tokio::test]
async fn the_api_over_tls_and_a_new_pair_on_sighup() {
    let root = tempfile::tempdir().unwrap();
    // File checks off: only the signal can make the new pair appear.
    let data = data_dir(root.path(), "tls_reload_check_seconds = 0\n");
    let ca = TestCa::new();
    let first = ca.leaf();
    let (cert, key) = install(root.path(), &first.cert_pem, &first.key_pem);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let srv = Serve::start(&data, &[], &["--tls-cert", cert, "--tls-key", key]).await;
    assert!(srv.base.starts_with("https://127.0.0.1:"), "{}", srv.base);

    let (ok, out, err) = admin(
        &data,
        &[],
        &[
            "create-token",
            "--user-name",
            "admin",
            "--name",
            "tls",
            "--permissions",
            "Account.readProfile",
        ],
        None,
    )
    .await;
    assert!(ok, "{err}");
    let r = tls_client(&ca)
        .get(format!("{}/v1/users/me", srv.base))
        .bearer_auth(out.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["data"]["user_name"], json!("admin"), "{me}");
    assert_eq!(presented(&srv.base, &ca).await, first.der);
    // The official Python SDK over TLS, trusting the test CA.
    let ca_file = root.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let me = cozepy_over_tls(&srv.base, out.trim(), &ca_file).await;
    assert_eq!(me["ok"], json!(true), "{me}");
    assert_eq!(me["user_name"], json!("admin"), "{me}");

    // Plain HTTP to the TLS port fails promptly, and HTTPS still works after it.
    let plain = srv.base.replacen("https://", "http://", 1);
    let r = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
        .get(format!("{plain}/healthz"))
        .send()
        .await;
    assert!(
        r.as_ref().is_err_and(|e| !e.is_timeout()),
        "plain HTTP must fail, not hang: {r:?}"
    );
    assert_eq!(presented(&srv.base, &ca).await, first.der);

    let second = ca.leaf();
    install(root.path(), &second.cert_pem, &second.key_pem);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        presented(&srv.base, &ca).await,
        first.der,
        "no reload before the signal"
    );
    sighup(&srv);
    until_presented(&srv.base, &ca, &second.der, Duration::from_secs(10)).await;

    // A broken pair (a new certificate with the old key) is refused; the
    // current one stays.
    let third = ca.leaf();
    install(root.path(), &third.cert_pem, &second.key_pem);
    sighup(&srv);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(presented(&srv.base, &ca).await, second.der);
    // Garbage for a key too.
    install(root.path(), &third.cert_pem, "not a key\n");
    sighup(&srv);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(presented(&srv.base, &ca).await, second.der);
    // The server is alive and answering after the failed reloads.
    let stderr = srv.stop().await;
    assert!(stderr.contains("TLS certificate reloaded"), "{stderr}");
    assert!(stderr.contains("not reloaded"), "{stderr}");
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
}

#[tokio::test]
async fn new_files_are_taken_without_a_signal() {
    let root = tempfile::tempdir().unwrap();
    let data = data_dir(root.path(), "tls_reload_check_seconds = 1\n");
    let ca = TestCa::new();
    let first = ca.leaf();
    let (cert, key) = install(root.path(), &first.cert_pem, &first.key_pem);
    let srv = Serve::start(
        &data,
        &[
            ("BUCKLE_TLS_CERT", cert.to_str().unwrap()),
            ("BUCKLE_TLS_KEY", key.to_str().unwrap()),
        ],
        &[],
    )
    .await;
    assert_eq!(presented(&srv.base, &ca).await, first.der);
    // A broken pair written first is not taken...
    let second = ca.leaf();
    install(root.path(), &second.cert_pem, &first.key_pem);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(presented(&srv.base, &ca).await, first.der);
    // ...and the key that completes it is.
    install(root.path(), &second.cert_pem, &second.key_pem);
    until_presented(&srv.base, &ca, &second.der, Duration::from_secs(10)).await;
    // Rewriting in place (same inode) is seen too.
    let third = ca.leaf();
    std::fs::write(&key, &third.key_pem).unwrap();
    std::fs::write(&cert, &third.cert_pem).unwrap();
    until_presented(&srv.base, &ca, &third.der, Duration::from_secs(10)).await;
    srv.stop().await;
}

/// `buckle serve` with these arguments must exit with an error naming `want`.
async fn fails_to_start(data: &Path, args: &[&str], want: &str) {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(BIN)
            .arg("serve")
            .arg("--data-dir")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("BUCKLE_TLS_CERT")
            .env_remove("BUCKLE_TLS_KEY")
            .env_remove("BUCKLE_CONFIG")
            .env_remove("DATABASE_URL")
            .stdin(std::process::Stdio::null())
            .output(),
    )
    .await
    .expect("buckle serve exits")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} started");
    assert!(stderr.contains(want), "{args:?}: {stderr}");
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
}

#[tokio::test]
async fn unreadable_or_mismatched_files_stop_buckle_at_start() {
    let root = tempfile::tempdir().unwrap();
    let data = data_dir(root.path(), "");
    let ca = TestCa::new();
    let (a, b) = (ca.leaf(), ca.leaf());
    let (cert, key) = install(root.path(), &a.cert_pem, &b.key_pem);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    fails_to_start(
        &data,
        &["--tls-cert", cert, "--tls-key", key],
        "does not go with the certificate",
    )
    .await;
    let missing = root.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    fails_to_start(
        &data,
        &["--tls-cert", missing, "--tls-key", key],
        "reading the TLS certificate file",
    )
    .await;
    fails_to_start(
        &data,
        &["--tls-cert", cert, "--tls-key", missing],
        "reading the TLS key file",
    )
    .await;
    // A key file holding a certificate only.
    fails_to_start(
        &data,
        &["--tls-cert", cert, "--tls-key", cert],
        "reading the TLS key file",
    )
    .await;
    fails_to_start(&data, &["--tls-cert", cert], "set both or neither").await;
}
