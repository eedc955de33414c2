//! `buckle login`, `token`, `whoami` and `logout` run as processes against a
//! running Buckle, the device code approved through the test browser.

use super::pkcs1_pem;
use crate::cli::BIN;
use crate::oauth::{app, service_app};
use crate::on_both_databases;
use crate::testkit::*;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

on_both_databases!(login_token_whoami_logout, login_denied_and_key_file);

fn command(config: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("XDG_CONFIG_HOME", config)
        .env_remove("BUCKLE_SERVER")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

/// Runs a command to its end: (exit success, stdout, stderr).
async fn run(config: &Path, args: &[&str]) -> (bool, String, String) {
    let out = tokio::time::timeout(Duration::from_secs(60), command(config, args).output())
        .await
        .expect("the command ends")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `buckle login`, reads the user code it prints, and decides it as `user`;
/// returns the process's (success, stdout after the code, stderr).
async fn login(
    s: &Server,
    config: &Path,
    client_id: &str,
    user: &User,
    decision: &str,
) -> (bool, String, String) {
    let mut child = command(
        config,
        &["login", "--server", &s.base, "--client-id", client_id],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let code = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push(line.clone());
            if let Some(code) = line.strip_prefix("and confirm the code: ") {
                return code.to_string();
            }
        }
        panic!("buckle login printed no code: {printed:?}");
    })
    .await
    .expect("buckle login prints the code");
    assert!(
        printed
            .iter()
            .any(|l| l.trim() == format!("{}/oauth/device?user_code={code}", s.base)),
        "{printed:?}"
    );
    // Let it poll (and report progress) at least once before the decision.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let b = Browser::new(&s.base);
    let (status, _) = b.device_decision(&code, user, decision, "").await;
    assert_eq!(status, 200);
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
    }
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("buckle login ends")
        .unwrap();
    (status.success(), rest, stderr)
}

async fn login_token_whoami_logout(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = app(&a, "Cli Device", "device", &["Account.readProfile"]).await;
    let id = dev["app_id"].as_str().unwrap();
    let config = tempfile::tempdir().unwrap();

    // Nothing stored yet: a clear message, non-zero exit, no panic.
    let (ok, _, err) = run(config.path(), &["whoami"]).await;
    assert!(!ok);
    assert!(err.contains("not logged in"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let (ok, out, err) = login(&s, config.path(), id, &alice, "approve").await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("Logged in"), "{out}");
    assert!(
        err.contains("Waiting for approval"),
        "progress while waiting: {err}"
    );
    let dir = config.path().join("buckle");
    let file = dir.join("login.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    let (ok, token, err) = run(config.path(), &["token"]).await;
    assert!(ok, "{err}");
    let token = token.trim().to_string();
    assert!(token.starts_with("czu_"), "{token}");
    s.bearer(&token).get("/v1/users/me").await.ok();
    let (ok, out, err) = run(config.path(), &["whoami"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("alice") && out.contains(&alice.id.to_string()),
        "{out}"
    );

    // A token about to expire is refreshed, and the rotated one stored.
    let mut stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    stored["token"]["expires_in"] = serde_json::json!(buckle_core::now_unix() + 5);
    std::fs::write(&file, stored.to_string()).unwrap();
    let (ok, fresh, err) = run(config.path(), &["token"]).await;
    assert!(ok, "{err}");
    let fresh = fresh.trim().to_string();
    assert_ne!(fresh, token);
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(again["token"]["access_token"], serde_json::json!(fresh));
    assert_ne!(
        again["token"]["refresh_token"],
        stored["token"]["refresh_token"]
    );

    let (ok, out, err) = run(config.path(), &["logout"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("Logged out"), "{out}");
    assert!(!file.exists());
    s.bearer(&fresh).get("/v1/users/me").await.fails(401, 4100);
    let (ok, _, err) = run(config.path(), &["logout"]).await;
    assert!(!ok);
    assert!(err.contains("not logged in"), "{err}");
}

async fn login_denied_and_key_file(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = app(&a, "Cli Denied", "device", &["Account.readProfile"]).await;
    let config = tempfile::tempdir().unwrap();
    let (ok, _, err) = login(
        &s,
        config.path(),
        dev["app_id"].as_str().unwrap(),
        &alice,
        "deny",
    )
    .await;
    assert!(!ok);
    assert!(err.contains("denied"), "{err}");
    assert!(!config.path().join("buckle").join("login.json").exists());

    // An unknown client id: the server's message, non-zero exit.
    let (ok, _, err) = run(
        config.path(),
        &[
            "login",
            "--server",
            &s.base,
            "--client-id",
            "404.app.buckle",
        ],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("invalid_client"), "{err}");

    // JWT auth from a key file, PKCS#1 and PKCS#8.
    let (id, key) = service_app(&s, &a, "Cli Svc").await;
    for (name, pem) in [
        ("pkcs1.pem", pkcs1_pem(&key)),
        ("pkcs8.pem", key.private_pem.clone()),
    ] {
        let path = config.path().join(name);
        std::fs::write(&path, pem).unwrap();
        let path = path.to_str().unwrap();
        let kid = key.kid();
        let args = [
            "token",
            "--key-file",
            path,
            "--client-id",
            &id,
            "--kid",
            &kid,
            "--server",
            &s.base,
        ];
        let (ok, token, err) = run(config.path(), &args).await;
        assert!(ok, "{err}");
        let token = token.trim();
        assert!(token.starts_with("czs_"), "{token}");
        s.bearer(token).get("/v1/users/me").await.ok();
        let mut who = args.to_vec();
        who[0] = "whoami";
        let (ok, out, err) = run(config.path(), &who).await;
        assert!(ok, "{err}");
        assert!(out.contains("alice"), "{out}");
    }
    let (ok, _, err) = run(
        config.path(),
        &[
            "token",
            "--key-file",
            "/nonexistent.pem",
            "--client-id",
            &id,
            "--kid",
            "k",
            "--server",
            &s.base,
        ],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("/nonexistent.pem"), "{err}");

    // A key's fingerprint is base64url and may begin with '-': it is still the
    // value of --kid (here one the server does not know), not another option.
    let path = config.path().join("pkcs8.pem");
    let (ok, _, err) = run(
        config.path(),
        &[
            "token",
            "--key-file",
            path.to_str().unwrap(),
            "--client-id",
            &id,
            "--kid",
            "-Uhyphen-first",
            "--server",
            &s.base,
        ],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("invalid_client"), "{err}");
}
