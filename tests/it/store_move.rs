//! `buckle admin migrate-store`: a Buckle on SQLite, used through the official
//! SDK (cozepy), is stopped, moved into a fresh PostgreSQL database by the real
//! binary, and started there. Every credential made before the move still works
//! through the SDK, and every single-use thing used before it (a JWT id, a
//! refresh token, an authorization code) is still refused after it.

use crate::cli::BIN;
use crate::oauth::{TOKEN, claims, header, jwt_token};
use crate::sdk::cozepy;
use crate::sdk_oauth::*;
use crate::testkit::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_buckle_moves_to_postgres_and_its_credentials_carry_over() {
    let s = Server::start(Db::Sqlite).await;
    let sdk = Sdk::Python;

    // A PAT, used through the SDK.
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let pat = session
        .simple_pat(&["Account.readProfile", "Workspace.list"])
        .await;
    assert_eq!(
        cozepy(&s.base, &pat, "users.me").await["user_name"],
        json!("alice")
    );

    // A JWT service app with its key: a token through the SDK, and one JWT
    // (with a jti of our own) exchanged here, to replay after the move.
    let owner = s.user("owner").await;
    let (service_id, key) = service_app(&s, &owner).await;
    jwt_run(&s, sdk, &jwt_vars(&s, &service_id, &key), &owner).await;
    let used_jwt = key.sign(&header(&key), &claims(&s, &service_id));
    jwt_token(&s, TOKEN, &used_jwt, json!({})).await.token();

    // A PKCE app: its code (used), the first refresh token (used) and the
    // refreshed pair (unused).
    let pkce = create_app(&session, "moving pkce app", "pkce").await;
    let pkce_id = text(&pkce["app_id"]);
    let mut d = Driver::start(
        &s,
        sdk,
        "pkce",
        &[
            ("BUCKLE_CLIENT_ID", &pkce_id),
            ("BUCKLE_REDIRECT_URI", REDIRECT_URI),
            ("BUCKLE_PKCE_METHOD", "S256"),
        ],
    )
    .await;
    let line = d.step("authorize_url").await;
    let verifier = text(&line["code_verifier"]);
    let code = approve(&s, &text(&line["url"]), &alice).await;
    d.send(json!({"code": code})).await;
    let first = d.step("token").await;
    assert_user_token(&first);
    assert_me(&d.step("me").await, &alice);
    let pair = d.step("refreshed").await;
    assert_user_token(&pair);
    assert_me(&d.step("me2").await, &alice);
    d.done().await;

    // A device app's token, through the SDK's device flow.
    let device = create_app(&session, "moving device app", "device").await;
    let device_id = text(&device["app_id"]);
    let mut d = Driver::start(&s, sdk, "device", &[("BUCKLE_CLIENT_ID", &device_id)]).await;
    let user_code = device_until_waiting(&s, sdk, &mut d).await;
    let (status, page) = Browser::new(&s.base)
        .device_decision(&user_code, &alice, "approve", "")
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{page}");
    s.state.clock.advance(1);
    d.send(json!({"go": true})).await;
    assert_user_token(&d.step("token").await);
    assert_me(&d.step("me").await, &alice);
    let device_pair = d.step("refreshed").await;
    assert_user_token(&device_pair);
    d.done().await;

    // An organization with a workspace and a team PAT, and a channel.
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .workspace("team ws")
        .create()
        .await;
    let team_pat = acme.pat("ann", &["Workspace.list"]).await;
    let channel = session
        .post(
            "/api/manage/channels",
            json!({"name": "moving channel", "organization_id": null}),
        )
        .await
        .ok()["channel_id"]
        .as_str()
        .unwrap()
        .to_string();
    let old_aud = s.base.trim_start_matches("http://").to_string();
    let old_url = s.database_url.clone();

    // Stop Buckle, move its database, start it on PostgreSQL.
    let dir = s.stop().await;
    let pg_url = fresh_postgres_database().await;
    let out = tokio::process::Command::new(BIN)
        .args([
            "admin",
            "migrate-store",
            "--from",
            &old_url,
            "--to",
            &pg_url,
        ])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .expect("run buckle admin migrate-store");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let counts = report_counts(&stdout);
    for table in [
        "accounts",
        "organizations",
        "workspaces",
        "access_tokens",
        "oauth_apps",
        "oauth_app_keys",
        "oauth_grants",
        "oauth_codes",
        "oauth_refresh_tokens",
        "oauth_tokens",
        "oauth_jtis",
        "oauth_device_codes",
        "channels",
        "audit_events",
        "console_sessions",
    ] {
        assert!(
            counts.get(table).is_some_and(|n| *n > 0),
            "{table} copied with rows: {stdout}"
        );
    }
    assert!(!stdout.contains("MISMATCH"), "{stdout}");
    assert!(
        stdout.contains("every table's count and checksum match"),
        "{stdout}"
    );
    assert!(
        stderr.contains("copying accounts"),
        "progress on stderr: {stderr}"
    );
    // Never a secret: not the PAT, not a token, not the database password.
    for secret in [
        pat.as_str(),
        text(&pair["refresh_token"]).as_str(),
        "postgres:postgres@",
    ] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret}"
        );
    }

    let s = Server::start_on(pg_url.clone(), dir, |settings| {
        // The JWT signed before the move named the old address.
        settings.extra_audiences = vec![old_aud];
    })
    .await;
    assert_eq!(s.state.store.dialect(), "postgres");

    // The same PAT, through the SDK; the team PAT too.
    assert_eq!(
        cozepy(&s.base, &pat, "users.me").await["user_name"],
        json!("alice")
    );
    s.bearer(&team_pat).get("/v1/workspaces").await.ok();
    // The same key signs new JWTs that get tokens.
    jwt_run(&s, sdk, &jwt_vars(&s, &service_id, &key), &owner).await;
    // The JWT id used before the move is still used.
    let msg = jwt_token(&s, TOKEN, &used_jwt, json!({}))
        .await
        .error(400, "invalid_grant");
    assert!(msg.contains("jti"), "replayed jti: {msg}");
    // The access tokens answer /v1/users/me.
    for token in [&pair["access_token"], &device_pair["access_token"]] {
        let me = cozepy(&s.base, &text(token), "users.me").await;
        assert_eq!(me["user_name"], json!("alice"), "{me}");
    }
    // The unused refresh token refreshes, through the SDK.
    let mut d = Driver::start(
        &s,
        sdk,
        "refresh",
        &[
            ("BUCKLE_CLIENT_ID", &pkce_id),
            ("BUCKLE_REFRESH_TOKEN", &text(&pair["refresh_token"])),
        ],
    )
    .await;
    assert_user_token(&d.step("refreshed").await);
    assert_me(&d.step("me").await, &alice);
    d.done().await;
    // New rows after the move (sessions, audit events with their own ids).
    let again = s.login(&alice).await;
    again.simple_pat(&["Account.readProfile"]).await;
    again
        .get(&format!("/api/manage/channels/{channel}"))
        .await
        .ok();
    // The refresh token used before the move is still refused, through the SDK.
    let mut d = Driver::start(
        &s,
        sdk,
        "refresh",
        &[
            ("BUCKLE_CLIENT_ID", &pkce_id),
            ("BUCKLE_REFRESH_TOKEN", &text(&first["refresh_token"])),
        ],
    )
    .await;
    let refused = d.step("refreshed").await;
    assert_eq!(refused["error_class"], json!("CozeAPIError"), "{refused}");
    d.done().await;
    // And the authorization code used before the move.
    let replay = oauth_post(
        &s.base,
        TOKEN,
        None,
        json!({"grant_type": "authorization_code", "client_id": pkce_id, "code": code,
               "redirect_uri": REDIRECT_URI, "code_verifier": verifier}),
    )
    .await;
    replay.error(400, "invalid_grant");
}

/// `table -> target rows` from the report migrate-store prints.
fn report_counts(stdout: &str) -> std::collections::BTreeMap<String, u64> {
    stdout
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let target: u64 = cols.get(2)?.parse().ok()?;
            Some((cols[0].to_string(), target))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_store_refuses_a_target_in_use_and_writes_nothing() {
    let s = Server::start(Db::Sqlite).await;
    s.user("alice").await;
    let from = s.database_url.clone();
    let _dir = s.stop().await;
    let target = Server::start(Db::Postgres).await;
    target.user("bob").await;
    let to = target.database_url.clone();
    let out = tokio::process::Command::new(BIN)
        .args(["admin", "migrate-store", "--from", &from, "--to", &to])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not empty"), "{stderr}");
    assert!(
        target
            .state
            .store
            .account_by_name("alice")
            .await
            .unwrap()
            .is_none()
    );
    // --verify-only compares without writing: the two differ.
    let out = tokio::process::Command::new(BIN)
        .args([
            "admin",
            "migrate-store",
            "--verify-only",
            "--from",
            &from,
            "--to",
            &to,
        ])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("MISMATCH"), "{stdout}");
}

/// The other way, PostgreSQL into a new SQLite file: the file is this user's
/// only (it holds password and token digests), and Buckle serves from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_store_moves_postgres_into_a_private_sqlite_file() {
    let s = Server::start(Db::Postgres).await;
    let alice = s.user("alice").await;
    let pat = s
        .login(&alice)
        .await
        .simple_pat(&["Account.readProfile"])
        .await;
    let from = s.database_url.clone();
    let dir = s.stop().await;
    let file = dir.path().join("moved").join("buckle.db");
    let to = buckle::sqlite_url(&file);
    let out = tokio::process::Command::new(BIN)
        .args(["admin", "migrate-store", "--from", &from, "--to", &to])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
    let s = Server::start_on(to, dir, |_| {}).await;
    assert_eq!(s.state.store.dialect(), "sqlite");
    s.bearer(&pat).get("/v1/users/me").await.ok();
    s.login(&alice).await;
}
