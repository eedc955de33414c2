//! Seeds a migrated Buckle database in bulk, straight through SQL: accounts,
//! organizations, OAuth apps (with keys and authorizations), a million live access
//! tokens of every kind, and single-use codes, refresh tokens and device codes.
//! Secrets are generated here and stored only as their SHA-256 digests, as Buckle
//! stores them; a sample of the secrets is written out as the load's requests.
//!
//! Every request file holds one request a line: the `Authorization` header value
//! (or nothing), a tab, and the body (or nothing). `bench/wrk/rotate.lua` reads them.

use crate::db::{Db, Val};
use anyhow::{Context, Result, bail};
use buckle_core::TokenKind;
use buckle_core::rsa_key::RsaPublicKey;
use buckle_core::secret::{hash_secret, hint};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Seeded ids: 19 digits like Buckle's random ids, in ranges its own random ids
/// are very unlikely to hit, one range per kind of row.
const ACCOUNT0: i64 = 1_100_000_000_000_000_000;
const ORG0: i64 = 1_200_000_000_000_000_000;
const APP0: i64 = 1_300_000_000_000_000_000;
const GRANT0: i64 = 1_400_000_000_000_000_000;
const TOKEN0: i64 = 1_500_000_000_000_000_000;
const FAMILY0: i64 = 1_600_000_000_000_000_000;

/// What every seeded token, app and authorization may do.
const POINTS: &str = "Account.readProfile";
pub const CALLBACK: &str = "http://127.0.0.1:9/callback";
const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// The migrated database (`sqlite:...` or `postgres://...`); Buckle must not be writing to it.
    #[arg(long)]
    pub database_url: String,
    /// Where the request files go.
    #[arg(long)]
    pub out: PathBuf,
    /// The JWT audience: the server's host and port, e.g. 127.0.0.1:17070.
    #[arg(long)]
    pub audience: String,
    #[arg(long, default_value_t = 100_000)]
    pub accounts: usize,
    #[arg(long, default_value_t = 10_000)]
    pub apps: usize,
    /// Live access tokens: 40% PATs, 10% SATs, 40% user OAuth tokens, 10% app OAuth tokens.
    #[arg(long, default_value_t = 1_000_000)]
    pub tokens: usize,
    /// Distinct tokens the token-check scenarios rotate through.
    #[arg(long, default_value_t = 10_000)]
    pub sample: usize,
    /// Authorization codes, refresh tokens and approved device codes, each.
    #[arg(long, default_value_t = 30_000)]
    pub single_use: usize,
    /// Pre-signed JWTs for the JWT bearer grant.
    #[arg(long, default_value_t = 20_000)]
    pub jwts: usize,
}

/// How the apps are laid out: app `i` is of client type `i % 4`.
struct Apps {
    count: usize,
    accounts: usize,
    /// Web apps' client secrets, by app index.
    secrets: Vec<Option<String>>,
}

impl Apps {
    fn client_type(i: usize) -> &'static str {
        ["web", "pkce", "device", "service"][i % 4]
    }
    fn id(i: usize) -> i64 {
        APP0 + i as i64
    }
    fn client_id(i: usize) -> String {
        format!("{:032}.app.buckle", i + 1)
    }
    fn owner(&self, i: usize) -> i64 {
        ACCOUNT0 + (i % self.accounts) as i64
    }
    /// The user-facing (non-service) app account `j` authorized.
    fn app_of_account(&self, j: usize) -> usize {
        let user_apps = self.count - self.count / 4;
        let k = j % user_apps;
        // Skips every fourth index, the service apps.
        k / 3 * 4 + k % 3
    }
    fn service_app(&self, k: usize) -> usize {
        (k % (self.count / 4)) * 4 + 3
    }
}

fn obo_grant(apps: &Apps, j: usize) -> i64 {
    GRANT0 + (apps.count + j) as i64
}

fn account(j: usize) -> i64 {
    ACCOUNT0 + j as i64
}

fn org(k: usize) -> String {
    (ORG0 + k as i64).to_string()
}

pub async fn seed(a: SeedArgs) -> Result<()> {
    if a.apps < 4 || a.accounts < 1 || a.tokens < 10 || a.sample < 4 {
        bail!("seed at least 4 apps, 1 account, 10 tokens and a sample of 4");
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let db = Db::connect(&a.database_url).await?;
    let now = buckle_core::now_unix();
    let started = Instant::now();
    let orgs = (a.accounts / 1000).max(1);
    let mut apps = Apps {
        count: a.apps,
        accounts: a.accounts,
        secrets: vec![None; a.apps],
    };
    for (i, s) in apps.secrets.iter_mut().enumerate() {
        if Apps::client_type(i) == "web" {
            *s = Some(TokenKind::ClientSecret.generate());
        }
    }

    timed(
        "accounts",
        a.accounts,
        db.insert_rows(
            "accounts",
            &[
                "id",
                "user_name",
                "nick_name",
                "avatar_url",
                "password_hash",
                "is_super_admin",
                "created_at",
            ],
            a.accounts,
            |j| {
                vec![
                    Val::Int(account(j)),
                    Val::Text(format!("bench-user-{j}")),
                    Val::Text(format!("Bench User {j}")),
                    Val::Text(String::new()),
                    Val::Text(String::new()),
                    Val::Bool(false),
                    Val::Int(now),
                ]
            },
        ),
    )
    .await?;

    timed(
        "organizations",
        orgs,
        db.insert_rows(
            "organizations",
            &["id", "kind", "name", "token_max_days", "created_at"],
            orgs,
            |k| {
                vec![
                    Val::Text(org(k)),
                    Val::Text("team".into()),
                    Val::Text(format!("Bench Team {k}")),
                    Val::NullInt,
                    Val::Int(now),
                ]
            },
        ),
    )
    .await?;

    timed(
        "oauth_apps",
        a.apps,
        db.insert_rows(
            "oauth_apps",
            &[
                "id",
                "client_id",
                "name",
                "description",
                "app_type",
                "client_type",
                "owner_account_id",
                "org_id",
                "created_by",
                "permissions",
                "redirect_uris",
                "secret_hash",
                "secret_hint",
                "enabled",
                "connector_id",
                "created_at",
                "updated_at",
            ],
            a.apps,
            |i| {
                let secret = apps.secrets[i].as_deref();
                let redirects = matches!(Apps::client_type(i), "web" | "pkce");
                vec![
                    Val::Int(Apps::id(i)),
                    Val::Text(Apps::client_id(i)),
                    Val::Text(format!("Bench App {i}")),
                    Val::Text(String::new()),
                    Val::Text("normal".into()),
                    Val::Text(Apps::client_type(i).into()),
                    Val::Int(apps.owner(i)),
                    Val::NullText,
                    Val::Int(apps.owner(i)),
                    Val::Text(POINTS.into()),
                    Val::Text(if redirects {
                        CALLBACK.into()
                    } else {
                        String::new()
                    }),
                    Val::Text(secret.map(hash_secret).unwrap_or_default()),
                    Val::Text(secret.map(hint).unwrap_or_default()),
                    Val::Bool(true),
                    Val::NullText,
                    Val::Int(now),
                    Val::Int(now),
                ]
            },
        ),
    )
    .await?;

    // Every service app registers the same public key.
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)?;
    let key = RsaPublicKey::from_pem(&crate::jwt::public_pem(&pair))?;
    let kid = key.thumbprint();
    let pem = key.to_pem();
    let services = a.apps / 4;
    timed(
        "oauth_app_keys",
        services,
        db.insert_rows(
            "oauth_app_keys",
            &["app_id", "fingerprint", "public_pem", "created_at"],
            services,
            |k| {
                vec![
                    Val::Int(Apps::id(apps.service_app(k))),
                    Val::Text(kid.clone()),
                    Val::Text(pem.clone()),
                    Val::Int(now),
                ]
            },
        ),
    )
    .await?;

    // Each service app is authorized in its owner's personal edition (AppAuth);
    // each account authorized one user-facing app (OBO).
    let grant_columns = [
        "id",
        "app_id",
        "kind",
        "account_id",
        "org_id",
        "permissions",
        "all_workspaces",
        "workspace_ids",
        "created_by",
        "created_at",
    ];
    timed(
        "oauth_grants (AppAuth)",
        services,
        db.insert_rows("oauth_grants", &grant_columns, services, |k| {
            let i = apps.service_app(k);
            vec![
                Val::Int(GRANT0 + i as i64),
                Val::Int(Apps::id(i)),
                Val::Text("appauth".into()),
                Val::Int(apps.owner(i)),
                Val::Text(String::new()),
                Val::Text(POINTS.into()),
                Val::Bool(true),
                Val::Text(String::new()),
                Val::Int(apps.owner(i)),
                Val::Int(now),
            ]
        }),
    )
    .await?;
    timed(
        "oauth_grants (OBO)",
        a.accounts,
        db.insert_rows("oauth_grants", &grant_columns, a.accounts, |j| {
            vec![
                Val::Int(obo_grant(&apps, j)),
                Val::Int(Apps::id(apps.app_of_account(j))),
                Val::Text("obo".into()),
                Val::Int(account(j)),
                Val::Text(String::new()),
                Val::Text(POINTS.into()),
                Val::Bool(true),
                Val::Text(String::new()),
                Val::Int(account(j)),
                Val::Int(now),
            ]
        }),
    )
    .await?;

    // The access tokens, with a sample of each kind's secrets kept for the load.
    let pats = a.tokens * 4 / 10;
    let sats = a.tokens / 10;
    let czus = a.tokens * 4 / 10;
    let czss = a.tokens - pats - sats - czus;
    let mut sample = Samples::default();
    let access_columns = [
        "id",
        "kind",
        "token_hash",
        "hint",
        "name",
        "account_id",
        "org_id",
        "created_by",
        "permissions",
        "all_workspaces",
        "workspace_ids",
        "created_at",
        "expires_at",
        "last_used_at",
    ];
    // `last_used_at` is now: tokens in use, whose use Buckle records at most once a minute.
    timed(
        "access_tokens (PAT)",
        pats,
        db.insert_rows("access_tokens", &access_columns, pats, |t| {
            let secret = TokenKind::Personal.generate();
            let row = vec![
                Val::Int(TOKEN0 + t as i64),
                Val::Text("pat".into()),
                Val::Text(hash_secret(&secret)),
                Val::Text(hint(&secret)),
                Val::Text(format!("bench pat {t}")),
                Val::Int(account(t % a.accounts)),
                Val::NullText,
                Val::Int(account(t % a.accounts)),
                Val::Text(POINTS.into()),
                Val::Bool(true),
                Val::Text(String::new()),
                Val::Int(now),
                Val::Int(now + 30 * 86_400),
                Val::Int(now),
            ];
            keep(&mut sample.pat, a.sample / 2, secret);
            row
        }),
    )
    .await?;
    timed(
        "access_tokens (SAT)",
        sats,
        db.insert_rows("access_tokens", &access_columns, sats, |t| {
            let secret = TokenKind::Service.generate();
            // The first SAT is the resource server's credential for introspection.
            let points = if t == 0 { "Token.introspect" } else { POINTS };
            let row = vec![
                Val::Int(TOKEN0 + (pats + t) as i64),
                Val::Text("sat".into()),
                Val::Text(hash_secret(&secret)),
                Val::Text(hint(&secret)),
                Val::Text(format!("bench sat {t}")),
                Val::NullInt,
                Val::Text(org(t % orgs)),
                Val::Int(account(0)),
                Val::Text(points.into()),
                Val::Bool(true),
                Val::Text(String::new()),
                Val::Int(now),
                Val::NullInt,
                Val::Int(now),
            ];
            if t == 0 {
                sample.introspect_caller = secret;
            } else {
                keep(&mut sample.sat, a.sample / 4, secret);
            }
            row
        }),
    )
    .await?;

    let oauth_columns = [
        "id",
        "token_hash",
        "kind",
        "app_id",
        "grant_id",
        "account_id",
        "org_id",
        "permissions",
        "all_workspaces",
        "workspace_ids",
        "session_name",
        "device_id",
        "custom_consumer",
        "family_id",
        "created_at",
        "expires_at",
    ];
    // OAuth access tokens live for a day here (Buckle's default is shorter), so the
    // seeded set stays live however long a run takes.
    timed(
        "oauth_tokens (czu)",
        czus,
        db.insert_rows("oauth_tokens", &oauth_columns, czus, |t| {
            let secret = TokenKind::UserOauth.generate();
            let j = t % a.accounts;
            let row = vec![
                Val::Int(TOKEN0 + (pats + sats + t) as i64),
                Val::Text(hash_secret(&secret)),
                Val::Text("czu".into()),
                Val::Int(Apps::id(apps.app_of_account(j))),
                Val::Int(obo_grant(&apps, j)),
                Val::Int(account(j)),
                Val::NullText,
                Val::Text(POINTS.into()),
                Val::Bool(true),
                Val::Text(String::new()),
                Val::NullText,
                Val::NullText,
                Val::NullText,
                Val::Int(FAMILY0 + t as i64),
                Val::Int(now),
                Val::Int(now + 86_400),
            ];
            keep(&mut sample.czu, a.sample / 2, secret);
            row
        }),
    )
    .await?;
    timed(
        "oauth_tokens (czs)",
        czss,
        db.insert_rows("oauth_tokens", &oauth_columns, czss, |t| {
            let secret = TokenKind::AppOauth.generate();
            let i = apps.service_app(t);
            let row = vec![
                Val::Int(TOKEN0 + (pats + sats + czus + t) as i64),
                Val::Text(hash_secret(&secret)),
                Val::Text("czs".into()),
                Val::Int(Apps::id(i)),
                Val::Int(GRANT0 + i as i64),
                Val::Int(apps.owner(i)),
                Val::NullText,
                Val::Text(POINTS.into()),
                Val::Bool(true),
                Val::Text(String::new()),
                Val::NullText,
                Val::NullText,
                Val::NullText,
                Val::NullInt,
                Val::Int(now),
                Val::Int(now + 86_400),
            ];
            keep(&mut sample.czs, a.sample / 4, secret);
            row
        }),
    )
    .await?;

    // Single-use secrets: codes and refresh tokens of web apps, approved device codes.
    let web_accounts: Vec<usize> = (0..a.accounts)
        .filter(|&j| Apps::client_type(apps.app_of_account(j)) == "web")
        .collect();
    let device_accounts: Vec<usize> = (0..a.accounts)
        .filter(|&j| Apps::client_type(apps.app_of_account(j)) == "device")
        .collect();
    if web_accounts.is_empty() || device_accounts.is_empty() {
        bail!("too few accounts for a web and a device authorization");
    }
    let mut code_lines = Vec::with_capacity(a.single_use);
    timed("oauth_codes", a.single_use, db.insert_rows(
        "oauth_codes",
        &["code_hash", "app_id", "grant_id", "account_id", "redirect_uri", "code_challenge", "challenge_method", "family_id", "created_at", "expires_at", "used_at"],
        a.single_use,
        |c| {
            let j = web_accounts[c % web_accounts.len()];
            let i = apps.app_of_account(j);
            let code = TokenKind::AuthorizationCode.generate();
            let body = serde_json::json!({"client_id": Apps::client_id(i), "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK});
            code_lines.push(format!("Bearer {}\t{body}", apps.secrets[i].as_deref().unwrap_or_default()));
            vec![
                Val::Text(hash_secret(&code)),
                Val::Int(Apps::id(i)),
                Val::Int(obo_grant(&apps, j)),
                Val::Int(account(j)),
                Val::Text(CALLBACK.into()),
                Val::NullText,
                Val::NullText,
                Val::Int(FAMILY0 + (czus + c) as i64),
                Val::Int(now),
                // Codes live minutes in Buckle; these wait for their scenario.
                Val::Int(now + 86_400),
                Val::NullInt,
            ]
        },
    )).await?;
    let mut refresh_lines = Vec::with_capacity(a.single_use);
    timed("oauth_refresh_tokens", a.single_use, db.insert_rows(
        "oauth_refresh_tokens",
        &["token_hash", "family_id", "app_id", "grant_id", "account_id", "created_at", "expires_at", "used_at"],
        a.single_use,
        |r| {
            let j = web_accounts[(r + web_accounts.len() / 2) % web_accounts.len()];
            let i = apps.app_of_account(j);
            let token = TokenKind::Refresh.generate();
            let body = serde_json::json!({"client_id": Apps::client_id(i), "grant_type": "refresh_token", "refresh_token": token});
            refresh_lines.push(format!("Bearer {}\t{body}", apps.secrets[i].as_deref().unwrap_or_default()));
            vec![
                Val::Text(hash_secret(&token)),
                Val::Int(FAMILY0 + (czus + a.single_use + r) as i64),
                Val::Int(Apps::id(i)),
                Val::Int(obo_grant(&apps, j)),
                Val::Int(account(j)),
                Val::Int(now),
                Val::Int(now + 30 * 86_400),
                Val::NullInt,
            ]
        },
    )).await?;
    let mut device_lines = Vec::with_capacity(a.single_use);
    timed("oauth_device_codes", a.single_use, db.insert_rows(
        "oauth_device_codes",
        &["device_code_hash", "user_code", "app_id", "workspace_id", "status", "grant_id", "account_id", "poll_interval", "last_poll_at_ms", "created_at", "expires_at", "used_at"],
        a.single_use,
        |d| {
            let j = device_accounts[d % device_accounts.len()];
            let i = apps.app_of_account(j);
            let code = TokenKind::DeviceCode.generate();
            let body = serde_json::json!({"client_id": Apps::client_id(i), "grant_type": DEVICE_GRANT, "device_code": code});
            device_lines.push(format!("\t{body}"));
            vec![
                Val::Text(hash_secret(&code)),
                Val::Text(format!("BENCH{d:010}")),
                Val::Int(Apps::id(i)),
                Val::NullInt,
                // Approved: the poll that follows the user's approval, which issues tokens.
                Val::Text("approved".into()),
                Val::Int(obo_grant(&apps, j)),
                Val::Int(account(j)),
                Val::Int(5),
                Val::NullInt,
                Val::Int(now),
                Val::Int(now + 86_400),
                Val::NullInt,
            ]
        },
    )).await?;

    let t = Instant::now();
    db.analyze().await?;
    println!("  analyze: {:.1} s", t.elapsed().as_secs_f64());
    println!("SEED_SECONDS={:.1}", started.elapsed().as_secs_f64());

    // Request files (not timed as seeding: signing is the clients' work).
    let t = Instant::now();
    let jwt_lines = sign_all(&pair, &kid, &apps, &a.audience, now, a.jwts)?;
    println!(
        "  signed {} JWTs: {:.1} s",
        a.jwts,
        t.elapsed().as_secs_f64()
    );
    let bearer = |s: &String| format!("Bearer {s}\t");
    let mut users_me: Vec<String> = sample.pat.iter().chain(&sample.czu).map(bearer).collect();
    interleave(&mut users_me);
    let mut introspect: Vec<String> = sample
        .pat
        .iter()
        .take(a.sample / 4)
        .chain(sample.czu.iter().take(a.sample / 4))
        .chain(&sample.sat)
        .chain(&sample.czs)
        .map(|t| format!("Bearer {}\ttoken={t}", sample.introspect_caller))
        .collect();
    interleave(&mut introspect);
    let unknown: Vec<String> = (0..a.sample)
        .map(|_| bearer(&TokenKind::Personal.generate()))
        .collect();
    write_lines(&a.out, "users_me.txt", &users_me)?;
    write_lines(&a.out, "introspect.txt", &introspect)?;
    write_lines(&a.out, "unknown.txt", &unknown)?;
    write_lines(&a.out, "jwt.txt", &jwt_lines)?;
    write_lines(&a.out, "code.txt", &code_lines)?;
    write_lines(&a.out, "refresh.txt", &refresh_lines)?;
    write_lines(&a.out, "device.txt", &device_lines)?;
    Ok(())
}

/// Secrets kept for the load, by kind.
#[derive(Default)]
struct Samples {
    pat: Vec<String>,
    sat: Vec<String>,
    czu: Vec<String>,
    czs: Vec<String>,
    introspect_caller: String,
}

fn keep(into: &mut Vec<String>, wanted: usize, secret: String) {
    if into.len() < wanted {
        into.push(secret);
    }
}

/// Spreads a list made kind after kind so that every stretch of it mixes kinds
/// (wrk's threads each take every n-th line): a fixed stride permutation.
fn interleave(lines: &mut Vec<String>) {
    let n = lines.len();
    if n < 2 {
        return;
    }
    // A stride coprime with n visits every index once.
    let mut stride = (n / 2) | 1;
    while gcd(stride, n) != 1 {
        stride += 2;
    }
    let old = std::mem::take(lines);
    let mut slots: Vec<Option<String>> = old.into_iter().map(Some).collect();
    *lines = (0..n)
        .map(|k| slots[(k * stride) % n].take().unwrap_or_default())
        .collect();
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Signs `count` JWTs spread over the service apps, on every core.
fn sign_all(
    pair: &aws_lc_rs::rsa::KeyPair,
    kid: &str,
    apps: &Apps,
    aud: &str,
    now: i64,
    count: usize,
) -> Result<Vec<String>> {
    let body = serde_json::json!({"grant_type": JWT_GRANT, "duration_seconds": 900});
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = count.div_ceil(workers).max(1);
    let chunks: Vec<Result<Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..count)
            .step_by(per)
            .map(|start| {
                let body = &body;
                s.spawn(move || {
                    (start..(start + per).min(count))
                        .map(|k| {
                            let iss = Apps::client_id(apps.service_app(k));
                            let jwt =
                                crate::jwt::sign(pair, kid, &iss, aud, now, &format!("bench-{k}"))?;
                            Ok(format!("Bearer {jwt}\t{body}"))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a signing thread panicked")))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(count);
    for c in chunks {
        all.extend(c?);
    }
    Ok(all)
}

fn write_lines(dir: &Path, name: &str, lines: &[String]) -> Result<()> {
    let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines {
        let _ = writeln!(text, "{l}");
    }
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

async fn timed(what: &str, rows: usize, work: impl Future<Output = Result<()>>) -> Result<()> {
    let t = Instant::now();
    work.await?;
    println!("  {what}: {rows} rows, {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
#[path = "seed_tests.rs"]
mod tests;
