//! OAuth app management under `/api/manage`: apps and their types, the client
//! secret, public keys, AppAuth authorizations and the share link, installations
//! in teams, and the apps a person authorized. One topic per file; the helpers
//! they share are here.

mod appauth;
mod authorized_apps;
mod installations;
mod keys;
mod lifecycle;
mod limits;
mod names;
mod organization_apps;
mod redirect_uris;
mod types_and_points;

use crate::testkit::*;
use serde_json::{Value, json};

const TEAM_LEVEL_MSG: &str = "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it.";
const APPS: &str = "/api/manage/apps";

fn now() -> i64 {
    buckle_core::now_unix()
}

fn web_app(name: &str) -> Value {
    json!({
        "name": name,
        "app_type": "normal",
        "client_type": "web",
        "permissions": ["Account.readProfile"],
        "redirect_uris": ["https://app.example.com/callback"],
    })
}

fn service_app(name: &str) -> Value {
    json!({
        "name": name,
        "app_type": "normal",
        "client_type": "service",
        "permissions": ["Bot.list", "Account.readProfile"],
        "redirect_uris": [],
    })
}

fn in_org(mut app: Value, org: &str) -> Value {
    app["organization_id"] = json!(org);
    app
}

/// Creates an app and returns the create response's data.
async fn create(sess: &Session, body: Value) -> Value {
    sess.post(APPS, body).await.ok().clone()
}

fn app_path(app: &Value, rest: &str) -> String {
    format!("{APPS}/{}{rest}", app["app_id"].as_str().unwrap())
}

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn stored_app(s: &Server, app: &Value) -> buckle_store::OAuthApp {
    s.state
        .store
        .app_by_client_id(app["app_id"].as_str().unwrap())
        .await
        .unwrap()
        .expect("the app is stored")
}

fn obo_grant(app_id: buckle_core::AppId, account_id: i64, org: &str) -> buckle_store::Grant {
    buckle_store::Grant {
        id: buckle_core::ids::new_id(),
        app_id,
        kind: buckle_core::GrantKind::Obo,
        owner: buckle_core::GrantOwner::Account(buckle_core::AccountId(account_id)),
        // "" (the personal edition) parses to None.
        edition: buckle_core::OrgId::parse(org),
        permissions: "Account.readProfile".to_string(),
        all_workspaces: true,
        workspace_ids: Vec::new(),
        created_by: buckle_core::AccountId(account_id),
        created_at: now(),
    }
}

fn oauth_token(grant: &buckle_store::Grant, secret_hash: &str) -> buckle_store::NewOAuthToken {
    buckle_store::NewOAuthToken {
        id: buckle_core::ids::new_id(),
        token_hash: secret_hash.to_string(),
        kind: if grant.kind == buckle_core::GrantKind::Obo {
            buckle_core::TokenKind::UserOauth
        } else {
            buckle_core::TokenKind::AppOauth
        },
        app_id: grant.app_id,
        grant_id: grant.id,
        account_id: grant.account(),
        org_id: grant.org().cloned(),
        permissions: grant.permissions.clone(),
        all_workspaces: grant.all_workspaces,
        workspace_ids: grant.workspace_ids.clone(),
        session_name: None,
        device_id: None,
        custom_consumer: None,
        family_id: None,
        created_at: now(),
        expires_at: now() + 900,
    }
}
