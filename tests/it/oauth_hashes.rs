//! OAuth secrets are stored only as SHA-256 hashes: access tokens, refresh tokens,
//! authorization codes and device codes. The database is read directly; the hash
//! of each secret is there, the secret itself nowhere.

use crate::oauth::{TOKEN, app, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use buckle_core::secret::hash_secret;
use serde_json::json;

on_both_databases!(oauth_secrets_are_stored_only_as_hashes);

/// Every text column of the tables holding OAuth secrets, and the column that holds
/// each table's hash.
const TABLES: [(&str, &str, &[&str]); 4] = [
    (
        "oauth_codes",
        "code_hash",
        &[
            "code_hash",
            "redirect_uri",
            "code_challenge",
            "challenge_method",
        ],
    ),
    (
        "oauth_device_codes",
        "device_code_hash",
        &["device_code_hash", "user_code", "status"],
    ),
    (
        "oauth_tokens",
        "token_hash",
        &[
            "token_hash",
            "kind",
            "org_id",
            "permissions",
            "workspace_ids",
            "session_name",
            "device_id",
            "custom_consumer",
        ],
    ),
    ("oauth_refresh_tokens", "token_hash", &["token_hash"]),
];

/// The values of one column, read straight from the database.
pub(crate) async fn column(s: &Server, table: &str, column: &str) -> Vec<String> {
    // Names come from TABLES above, never from input.
    let sql = sqlx::AssertSqlSafe(format!("SELECT {column} FROM {table}"));
    let rows: Vec<(Option<String>,)> = if s.database_url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&s.database_url)
            .await
            .unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&s.database_url)
            .await
            .unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    };
    rows.into_iter().filter_map(|r| r.0).collect()
}

async fn oauth_secrets_are_stored_only_as_hashes(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Web Hashes", &["Account.readProfile"]).await;
    let r = oauth_post(
        &s.base,
        TOKEN,
        Some(&w.secret),
        json!({"client_id": w.id, "grant_type": "refresh_token", "refresh_token": w.refresh}),
    )
    .await;
    let access2 = r.token()["access_token"].as_str().unwrap().to_string();
    let refresh2 = r.token()["refresh_token"].as_str().unwrap().to_string();
    let dev = app(&a, "Tv Hashes", "device", &["Account.readProfile"]).await;
    let dev_id = dev["app_id"].as_str().unwrap();
    let d = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": dev_id}),
    )
    .await;
    let device_code = d.token()["device_code"].as_str().unwrap().to_string();
    let user_code = d.token()["user_code"].as_str().unwrap().to_string();
    let (status, _) = Browser::new(&s.base)
        .device_decision(&user_code, &alice, "approve", "")
        .await;
    assert_eq!(status, 200);
    let t = oauth_post(
        &s.base,
        TOKEN,
        None,
        json!({"client_id": dev_id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code}),
    )
    .await;
    let access3 = t.token()["access_token"].as_str().unwrap().to_string();
    let refresh3 = t.token()["refresh_token"].as_str().unwrap().to_string();

    let secrets = [
        ("oauth_codes", &w.code),
        ("oauth_device_codes", &device_code),
        ("oauth_tokens", &w.access),
        ("oauth_tokens", &access2),
        ("oauth_tokens", &access3),
        ("oauth_refresh_tokens", &w.refresh),
        ("oauth_refresh_tokens", &refresh2),
        ("oauth_refresh_tokens", &refresh3),
    ];
    let mut cells = Vec::new();
    for (table, hash_column, columns) in TABLES {
        let hashes = column(&s, table, hash_column).await;
        for (_, secret) in secrets.iter().filter(|(t, _)| *t == table) {
            let hash = hash_secret(secret);
            assert_eq!(hash.len(), 64, "a SHA-256 hex digest");
            assert!(
                hashes.contains(&hash),
                "{table} holds the hash of its secret"
            );
        }
        for c in columns {
            cells.extend(column(&s, table, c).await);
        }
    }
    for (table, secret) in secrets {
        // The random part alone, in case a prefix were stripped before storing.
        let body = secret.split_once('_').map_or(secret.as_str(), |(_, b)| b);
        assert!(
            !cells.iter().any(|c| c.contains(body)),
            "a secret of {table} is stored in the clear"
        );
    }
    // On SQLite, not even the files hold a secret.
    if let Some(path) = s.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap();
        for file in [path.to_string(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for (table, secret) in secrets {
                let body = secret.split_once('_').map_or(secret.as_str(), |(_, b)| b);
                assert!(
                    !bytes.windows(body.len()).any(|w| w == body.as_bytes()),
                    "a secret of {table} is in {file}"
                );
            }
        }
    }
}
