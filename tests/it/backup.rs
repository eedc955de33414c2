//! Backups as an operator makes them: `buckle admin backup` of a SQLite database
//! a running server keeps writing, `buckle admin restore` into an empty data
//! directory (and its refusals), scheduled backups with retention, and the
//! clear errors on PostgreSQL.

use crate::cli::{BIN, Serve};
use crate::testkit::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::process::Command;

/// Runs `buckle admin --data-dir DATA_DIR ...`; returns (success, stdout, stderr).
async fn admin(data_dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("admin")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("BUCKLE_CONFIG")
        .env_remove("BUCKLE_DATA_DIR")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("buckle admin finishes within 120 s")
        .expect("run buckle admin");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn backup_of(database_url: &str, to: &Path) -> (bool, String, String) {
    let scratch = tempfile::tempdir().unwrap();
    let to = to.to_str().unwrap();
    admin(
        scratch.path(),
        &[("DATABASE_URL", database_url)],
        &["backup", "--to", to],
    )
    .await
}

async fn restore_into(data_dir: &Path, from: &Path) -> (bool, String, String) {
    admin(
        data_dir,
        &[],
        &["restore", "--from", from.to_str().unwrap()],
    )
    .await
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every entry of `dir`, sorted, or nothing when it does not exist.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// One issued token: its secret and when its issuance began and ended.
struct Issued {
    secret: String,
    began: Instant,
    finished: Instant,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_restores_every_token_issued_before_it() {
    let srv = Server::start(Db::Sqlite).await;
    let mut sessions = Vec::new();
    for i in 0..4 {
        let user = srv.user(&format!("loader{i}")).await;
        sessions.push(srv.login(&user).await);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut loaders = Vec::new();
    for s in sessions {
        let stop = stop.clone();
        loaders.push(tokio::spawn(async move {
            let mut issued = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let began = Instant::now();
                let secret = s.simple_pat(&["Account.readProfile"]).await;
                issued.push(Issued {
                    secret,
                    began,
                    finished: Instant::now(),
                });
            }
            issued
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("under-load.db");
    let backup_began = Instant::now();
    let (ok, out, err) = backup_of(&srv.database_url, &file).await;
    let backup_finished = Instant::now();
    assert!(ok, "backup failed: {err}");
    assert!(out.contains("integrity ok"), "{out}");
    assert!(out.contains("schema version"), "{out}");
    // The server kept issuing while the backup ran, and after.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut issued = Vec::new();
    for l in loaders {
        issued.extend(l.await.unwrap());
    }
    let before: Vec<&Issued> = issued
        .iter()
        .filter(|t| t.finished < backup_began)
        .collect();
    let after: Vec<&Issued> = issued
        .iter()
        .filter(|t| t.began > backup_finished)
        .collect();
    assert!(before.len() >= 8, "{} tokens before", before.len());
    assert!(!after.is_empty(), "writes went on after the backup");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        listing(dir.path()),
        ["under-load.db"],
        "no temporary file left"
    );

    let restored = dir.path().join("restored");
    let (ok, out, err) = restore_into(&restored, &file).await;
    assert!(ok, "restore failed: {err}");
    assert!(out.contains("integrity ok"), "{out}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&restored), 0o700);
        assert_eq!(mode(&restored.join("buckle.db")), 0o600);
    }
    let node = Serve::start(&restored, &[], &[]).await;
    assert_eq!(node.admin_password(), None, "the accounts came back");
    for t in &before {
        let me = Bearer {
            base: node.base.clone(),
            token: t.secret.clone(),
        };
        me.get("/v1/users/me").await.ok();
    }
    for t in &after {
        let me = Bearer {
            base: node.base.clone(),
            token: t.secret.clone(),
        };
        assert_eq!(me.get("/v1/users/me").await.status, 401);
    }
    node.stop().await;
}

/// A backup of a small installation with one account, in a directory of its own.
async fn one_backup() -> (Server, tempfile::TempDir, PathBuf) {
    let srv = Server::start(Db::Sqlite).await;
    srv.user("kept").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.db");
    let (ok, _, err) = backup_of(&srv.database_url, &file).await;
    assert!(ok, "{err}");
    (srv, dir, file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_what_it_must_and_changes_nothing() {
    let (_srv, dir, good) = one_backup().await;

    // A data directory that holds anything (here a database) is left alone.
    let used = dir.path().join("used");
    std::fs::create_dir(&used).unwrap();
    std::fs::write(used.join("buckle.db"), b"the installation's own data").unwrap();
    let (ok, _, err) = restore_into(&used, &good).await;
    assert!(!ok);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(
        std::fs::read(used.join("buckle.db")).unwrap(),
        b"the installation's own data"
    );
    assert_eq!(listing(&used), ["buckle.db"]);

    let target = dir.path().join("target");
    let refused = |err: &str, expected: &str| {
        assert!(err.contains(expected), "{expected:?} not in {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!target.exists(), "a refused restore makes no directory");
    };

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database, but long enough to have a header").unwrap();
    let (ok, _, err) = restore_into(&target, &text).await;
    assert!(!ok);
    refused(&err, "is not a SQLite database");

    // Page 1 stays (so it reads as SQLite), the pages after it are garbage.
    let mut bytes = std::fs::read(&good).unwrap();
    assert!(bytes.len() > 8 * 4096);
    for b in &mut bytes[4096..8 * 4096] {
        *b = 0xA5;
    }
    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(&corrupt, &bytes).unwrap();
    let (ok, _, err) = restore_into(&target, &corrupt).await;
    assert!(!ok);
    refused(&err, "integrity check");

    // A database a newer Buckle migrated.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    {
        let url = format!("sqlite://{}", newer.display());
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99990101000000, 'from the future', TRUE, X'00', 0)",
        )
        .execute(&mut c)
        .await
        .unwrap();
        sqlx::Connection::close(c).await.unwrap();
    }
    let (ok, _, err) = restore_into(&target, &newer).await;
    assert!(!ok);
    refused(&err, "newer than this binary");

    // A database whose applied migration is not this binary's (as `buckle serve`
    // would refuse it).
    let altered = dir.path().join("altered.db");
    std::fs::copy(&good, &altered).unwrap();
    {
        let url = format!("sqlite://{}", altered.display());
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query("UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 1")
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::Connection::close(c).await.unwrap();
    }
    let (ok, _, err) = restore_into(&target, &altered).await;
    assert!(!ok);
    refused(&err, "checksum mismatch");

    // A copy of a live database with its -wal file beside it.
    let live = dir.path().join("live.db");
    std::fs::copy(&good, &live).unwrap();
    std::fs::write(
        dir.path().join("live.db-wal"),
        b"frames not yet checkpointed",
    )
    .unwrap();
    let (ok, _, err) = restore_into(&target, &live).await;
    assert!(!ok);
    refused(&err, "-wal file");

    let (ok, _, err) = restore_into(&target, &dir.path().join("absent.db")).await;
    assert!(!ok);
    refused(&err, "absent.db");

    // The same good file restores; a second restore onto it is refused.
    let (ok, _, err) = restore_into(&target, &good).await;
    assert!(ok, "{err}");
    let restored = std::fs::read(target.join("buckle.db")).unwrap();
    let (ok, _, err) = restore_into(&target, &good).await;
    assert!(!ok);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read(target.join("buckle.db")).unwrap(), restored);
    assert_eq!(listing(&target), ["buckle.db"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_never_overwrites_a_file() {
    let (srv, dir, good) = one_backup().await;
    let before = std::fs::read(&good).unwrap();
    let (ok, _, err) = backup_of(&srv.database_url, &good).await;
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&good).unwrap(), before);
    assert_eq!(listing(dir.path()), ["good.db"]);
    // No database, no backup (and nothing created where it was looked for).
    let empty = tempfile::tempdir().unwrap();
    let (ok, _, err) = admin(
        empty.path(),
        &[],
        &["backup", "--to", dir.path().join("x.db").to_str().unwrap()],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("no database"), "{err}");
    assert!(listing(empty.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_keep_the_newest_and_each_restores() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        data.join("buckle.toml"),
        "backup_interval_seconds = 1\nbackup_keep = 2\n",
    )
    .unwrap();
    let node = Serve::start(&data, &[], &[]).await;
    let password = node.admin_password().expect("the first admin");
    let backups = data.join("backups");
    let is_backup = |n: &String| n.starts_with("buckle-") && n.ends_with("Z.db");
    // A file of the operator's in the same directory is never pruned.
    let mut seen = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < 4 {
        assert!(Instant::now() < deadline, "backups seen: {seen:?}");
        for n in listing(&backups).into_iter().filter(is_backup) {
            if seen.is_empty() {
                std::fs::write(backups.join("buckle-manual.db"), b"mine").unwrap();
            }
            seen.insert(n);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let metrics = reqwest::get(format!("{}/metrics", node.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("buckle_backup_last_success_timestamp_seconds"),
        "{metrics}"
    );
    assert!(
        metrics.contains("buckle_backup_failures_total 0"),
        "{metrics}"
    );
    node.stop().await;

    let kept: Vec<String> = listing(&backups).into_iter().filter(is_backup).collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    // The two kept are the newest: every earlier one seen was pruned.
    assert!(
        seen.iter()
            .filter(|n| !kept.contains(n))
            .all(|n| n < &kept[0]),
        "kept {kept:?}, seen {seen:?}"
    );
    assert!(backups.join("buckle-manual.db").exists());
    #[cfg(unix)]
    assert_eq!(mode(&backups), 0o700);
    for (i, name) in kept.iter().enumerate() {
        let file = backups.join(name);
        #[cfg(unix)]
        assert_eq!(mode(&file), 0o600, "{name}");
        let target = root.path().join(format!("restored-{i}"));
        let (ok, out, err) = restore_into(&target, &file).await;
        assert!(ok, "{name}: {err}");
        assert!(out.contains("integrity ok"), "{out}");
    }
    // The restored installation is the one backed up: its admin signs in.
    let node = Serve::start(&root.path().join("restored-1"), &[], &[]).await;
    assert_eq!(node.admin_password(), None);
    let r = reqwest::Client::new()
        .post(format!("{}/api/manage/session", node.base))
        .json(&json!({"user_name": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    node.stop().await;
}

/// The value of an unlabelled metric on `/metrics`, if it is there.
async fn metric(base: &str, name: &str) -> Option<f64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_scheduled_backup_is_logged_and_counted_and_serving_goes_on() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let backups = root.path().join("elsewhere");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        data.join("buckle.toml"),
        format!(
            "backup_interval_seconds = 1\nbackup_dir = \"{}\"\n",
            backups.display()
        ),
    )
    .unwrap();
    let node = Serve::start(&data, &[], &[]).await;
    assert!(backups.is_dir(), "the backup directory is made at start");
    // The directory turns into a file: every backup from now on fails.
    std::fs::remove_dir_all(&backups).unwrap();
    std::fs::write(&backups, b"not a directory").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while metric(&node.base, "buckle_backup_failures_total")
        .await
        .unwrap_or(0.0)
        < 1.0
    {
        assert!(Instant::now() < deadline, "no failure counted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let health = reqwest::get(format!("{}/healthz", node.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "serving goes on");
    let log = node.stop().await;
    assert!(log.contains("scheduled backup failed"), "{log}");
    assert!(log.contains("ERROR"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_installations_are_pointed_to_their_own_tools() {
    let url = fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.db");
    let (ok, _, err) = backup_of(&url, &file).await;
    assert!(!ok);
    assert!(err.contains("pg_dump"), "{err}");
    assert!(err.contains("README"), "{err}");
    assert!(!file.exists());

    let (ok, _, err) = admin(
        dir.path(),
        &[("DATABASE_URL", &url)],
        &["restore", "--from", file.to_str().unwrap()],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("pg_restore"), "{err}");

    // Scheduled backups on PostgreSQL are refused at start, not ignored.
    let config = dir.path().join("buckle.toml");
    std::fs::write(&config, "backup_interval_seconds = 3600\n").unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&config)
            .env("DATABASE_URL", &url)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("buckle serve refuses quickly")
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("backup_interval_seconds"), "{err}");
    assert!(err.contains("pg_dump"), "{err}");
}
