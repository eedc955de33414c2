//! A small seed read back through Buckle's own store: every request file's
//! secrets must name rows Buckle accepts, on SQLite and (when
//! `BUCKLE_TEST_POSTGRES_URL` is set) on PostgreSQL.

use super::*;
use buckle_core::jwt;
use buckle_core::{ClientType, DeviceStatus, GrantKind, GrantOwner};
use buckle_store::Store;

const AUD: &str = "127.0.0.1:17070";

fn args(database_url: &str, out: &Path) -> SeedArgs {
    SeedArgs {
        database_url: database_url.to_string(),
        out: out.to_path_buf(),
        audience: AUD.to_string(),
        accounts: 50,
        apps: 12,
        tokens: 400,
        sample: 40,
        single_use: 30,
        jwts: 9,
    }
}

/// Lines of a request file as (Authorization value, body).
fn lines(out: &Path, name: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(out.join(name)).unwrap();
    text.lines()
        .map(|l| {
            let (auth, body) = l.split_once('\t').unwrap();
            (auth.to_string(), body.to_string())
        })
        .collect()
}

fn bearer(auth: &str) -> &str {
    auth.strip_prefix("Bearer ").unwrap()
}

fn body(line: &(String, String)) -> serde_json::Value {
    serde_json::from_str(&line.1).unwrap()
}

async fn seeded_rows_read_back(url: &str) {
    let store = Store::connect(url, 2).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = args(url, out.path());
    seed(a).await.unwrap();
    let now = buckle_core::now_unix();

    // The token check's sample: PATs and user OAuth tokens, half each, all live.
    let me = lines(out.path(), "users_me.txt");
    assert_eq!(me.len(), 40);
    let (mut pats, mut czus) = (0, 0);
    for (auth, rest) in &me {
        assert!(rest.is_empty());
        let token = bearer(auth);
        let hash = hash_secret(token);
        match TokenKind::of_access_token(token) {
            Some(TokenKind::Personal) => {
                let row = store.token_by_hash(&hash).await.unwrap().unwrap();
                assert_eq!(row.kind, TokenKind::Personal);
                assert!(row.account_id.is_some());
                assert!(row.expires_at.unwrap() > now);
                assert!(row.permissions.contains("Account.readProfile"));
                pats += 1;
            }
            Some(TokenKind::UserOauth) => {
                let found = store.oauth_token_by_hash(&hash).await.unwrap().unwrap();
                assert!(found.app_enabled);
                assert!(found.record.expires_at > now);
                assert!(found.record.account_id.is_some());
                assert!(found.app_permissions.contains("Account.readProfile"));
                czus += 1;
            }
            other => panic!("unexpected kind {other:?} in the users/me sample"),
        }
    }
    assert_eq!((pats, czus), (20, 20));
    // Kinds alternate through the file, so each wrk thread gets both.
    assert_ne!(
        TokenKind::of_access_token(bearer(&me[0].0)),
        TokenKind::of_access_token(bearer(&me[1].0))
    );

    // Introspection: one SAT holding Token.introspect asks about tokens of every kind.
    let intro = lines(out.path(), "introspect.txt");
    let caller = bearer(&intro[0].0);
    assert!(intro.iter().all(|(auth, _)| bearer(auth) == caller));
    let caller_row = store
        .token_by_hash(&hash_secret(caller))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(caller_row.kind, TokenKind::Service);
    assert_eq!(caller_row.permissions, "Token.introspect");
    assert_eq!(caller_row.account_id, None);
    for (_, form) in &intro {
        let token = form.strip_prefix("token=").unwrap();
        let hash = hash_secret(token);
        let known = match TokenKind::of_access_token(token).unwrap() {
            TokenKind::Personal | TokenKind::Service => {
                store.token_by_hash(&hash).await.unwrap().is_some()
            }
            _ => store.oauth_token_by_hash(&hash).await.unwrap().is_some(),
        };
        assert!(known, "an introspected token is not stored");
    }

    for (auth, _) in lines(out.path(), "unknown.txt") {
        let hash = hash_secret(bearer(&auth));
        assert!(store.token_by_hash(&hash).await.unwrap().is_none());
    }

    // Codes: a web app's secret, and an unused code of that app for the callback.
    let codes = lines(out.path(), "code.txt");
    assert_eq!(codes.len(), 30);
    for line in &codes {
        let b = body(line);
        let app = store
            .app_by_client_id(b["client_id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(app.client_type, ClientType::Web);
        assert_eq!(hash_secret(bearer(&line.0)), app.secret_hash);
        let code = store
            .code(&hash_secret(b["code"].as_str().unwrap()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(code.app_id, app.id);
        assert_eq!(code.redirect_uri, CALLBACK);
        assert!(code.used_at.is_none() && code.expires_at > now);
        assert!(store.grant(code.grant_id).await.unwrap().is_some());
    }

    for line in &lines(out.path(), "refresh.txt") {
        let b = body(line);
        let app = store
            .app_by_client_id(b["client_id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(hash_secret(bearer(&line.0)), app.secret_hash);
        let r = store
            .refresh_token(&hash_secret(b["refresh_token"].as_str().unwrap()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.app_id, app.id);
        assert!(r.used_at.is_none() && r.expires_at > now);
    }

    for line in &lines(out.path(), "device.txt") {
        assert!(line.0.is_empty(), "a device client sends no secret");
        let b = body(line);
        let app = store
            .app_by_client_id(b["client_id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(app.client_type, ClientType::Device);
        let d = store
            .device_code(&hash_secret(b["device_code"].as_str().unwrap()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((d.app_id, d.status), (app.id, DeviceStatus::Approved));
        assert!(store.grant(d.grant_id.unwrap()).await.unwrap().is_some());
    }

    // JWTs: each verifies with its app's registered key, and the app is authorized
    // in its owner's personal edition.
    let jwts = lines(out.path(), "jwt.txt");
    assert_eq!(jwts.len(), 9);
    for (auth, _) in &jwts {
        let unverified = jwt::decode(bearer(auth)).unwrap();
        let app = store
            .app_by_client_id(&unverified.claims.iss)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(app.client_type, ClientType::Service);
        let key = store
            .app_key(app.id, unverified.kid())
            .await
            .unwrap()
            .unwrap();
        let key = RsaPublicKey::from_pem(&key.public_pem).unwrap();
        unverified
            .verify(&key, &app.client_id, &[AUD.to_string()], now)
            .unwrap();
        let owner = GrantOwner::Account(app.owner_account_id.unwrap());
        let grant = store
            .find_grant(app.id, GrantKind::AppAuth, &owner, None)
            .await
            .unwrap();
        assert!(grant.is_some());
    }
}

#[tokio::test]
async fn sqlite_seed_reads_back_through_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
    seeded_rows_read_back(&url).await;
}

#[tokio::test]
async fn postgres_seed_reads_back_through_the_store() {
    let server = std::env::var("BUCKLE_TEST_POSTGRES_URL").expect(
        "BUCKLE_TEST_POSTGRES_URL must name a PostgreSQL server for the PostgreSQL tests \
         (bash .ci/run starts one; or: eval \"$(bash scripts/dev-postgres.sh)\")",
    );
    let name = format!("buckle_bench_test_{}", buckle_core::ids::new_id());
    let url = crate::db::pg_create(&server, &name).await.unwrap();
    // Run apart, so the database is dropped even when a check fails.
    let checked = tokio::spawn(async move { seeded_rows_read_back(&url).await }).await;
    crate::db::pg_drop(&server, &name).await.unwrap();
    if let Err(e) = checked {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[test]
fn user_facing_apps_are_never_service_apps() {
    let apps = Apps {
        count: 12,
        accounts: 50,
        secrets: vec![None; 12],
    };
    let mut seen = std::collections::BTreeSet::new();
    for j in 0..50 {
        let i = apps.app_of_account(j);
        assert!(i < 12);
        assert_ne!(Apps::client_type(i), "service");
        seen.insert(i);
    }
    // Every web, PKCE and device app is someone's.
    assert_eq!(seen.len(), 9);
    for k in 0..10 {
        assert_eq!(Apps::client_type(apps.service_app(k)), "service");
    }
}

#[test]
fn interleave_is_a_permutation_that_mixes_halves() {
    let mut v: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    interleave(&mut v);
    let mut sorted: Vec<usize> = v.iter().map(|s| s.parse().unwrap()).collect();
    assert!(sorted[..2].iter().any(|&i| i < 5) && sorted[..2].iter().any(|&i| i >= 5));
    sorted.sort();
    assert_eq!(sorted, (0..10).collect::<Vec<_>>());
}
