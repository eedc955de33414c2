//! The JSON management API under `/api/manage`: console sessions and CSRF, personal
//! and service access tokens, organizations, workspaces, accounts, and how every
//! malformed request is answered. One topic per file; the helpers they share are here.

mod accounts;
mod malformed;
mod organizations;
mod permissions;
mod personal_tokens;
mod service_tokens;
mod session;
mod through_tokens;
mod token_expiry;
mod token_grants;
mod workspaces;

use crate::testkit::*;
use reqwest::Method;
use serde_json::{Value, json};

const TEAM_LEVEL_MSG: &str = "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it.";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A request with exactly the cookie and CSRF header given (no cookie jar).
async fn raw(
    s: &Server,
    method: Method,
    path: &str,
    session: Option<&str>,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut rb = reqwest::Client::new().request(method, s.url(path));
    if let Some(c) = session {
        rb = rb.header("cookie", format!("buckle_session={c}"));
    }
    if let Some(t) = csrf {
        rb = rb.header("x-csrf-token", t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    Reply::of(rb.send().await.unwrap()).await
}

/// A signed-in session's request with a raw body and content type.
async fn raw_body(
    sess: &Session,
    method: Method,
    path: &str,
    content_type: &str,
    body: &str,
) -> Reply {
    let r = sess
        .client
        .request(method, format!("{}{}", sess.base, path))
        .header("x-csrf-token", &sess.csrf)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    Reply::of(r).await
}

async fn sign_in(s: &Server, user_name: &str, password: &str) -> Reply {
    raw(
        s,
        Method::POST,
        "/api/manage/session",
        None,
        None,
        Some(json!({"user_name": user_name, "password": password})),
    )
    .await
}

fn team_pat(org: &str, points: &[&str], expires_in: &str) -> Value {
    json!({
        "name": "team token",
        "organization_id": org,
        "permissions": points,
        "all_workspaces": true,
        "expires_in": expires_in,
    })
}

/// The `id`s of a listed array, sorted (ids are random, so lists of equal
/// creation time have no meaningful order).
fn ids_of(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
