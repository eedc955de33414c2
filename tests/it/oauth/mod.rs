//! OAuth apps' flows over HTTP, with the real pages: authorization code, PKCE,
//! refresh rotation, device authorization and the JWT bearer grant, and every
//! refusal of the Coze docs' table. One topic per file; the drivers of the flows,
//! which other test modules use too, are here.

mod app_changes;
mod code_flow;
mod device;
mod errors;
mod jwt;
mod organizations;
mod pinned_workspaces;
mod pkce;
mod refresh;
mod revoke;
mod share_link;

use crate::testkit::*;
use serde_json::{Value, json};

pub(crate) const CALLBACK: &str = "http://127.0.0.1:9/callback";
pub(crate) const TOKEN: &str = "/api/permission/oauth2/token";

pub(crate) async fn app(
    session: &Session,
    name: &str,
    client_type: &str,
    permissions: &[&str],
) -> Value {
    let redirects: Vec<&str> = if matches!(client_type, "web" | "pkce") {
        vec![CALLBACK]
    } else {
        vec![]
    };
    let r = session
        .post(
            "/api/manage/apps",
            json!({"name": name, "app_type": "normal", "client_type": client_type,
                   "permissions": permissions, "redirect_uris": redirects}),
        )
        .await;
    r.ok().clone()
}

pub(crate) fn authorize_url(client_id: &str, redirect: &str, extra: &str) -> String {
    format!(
        "/api/permission/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=st-1{extra}",
        buckle_core::redirect::encode(client_id),
        buckle_core::redirect::encode(redirect)
    )
}

/// Runs the browser part of the code flow as `user` and returns the code.
pub(crate) async fn code_for(s: &Server, user: &User, client_id: &str, extra: &str) -> String {
    let b = Browser::new(&s.base);
    let (status, page) = b
        .open_as(&authorize_url(client_id, CALLBACK, extra), user)
        .await;
    assert_eq!(status, 200, "{page}");
    let r = b.consent(&page, "approve", "").await;
    assert_eq!(r.status(), 303);
    let to = location(&r).unwrap();
    assert!(to.starts_with(CALLBACK), "{to}");
    let q = query_params(&to);
    assert_eq!(q["state"], "st-1");
    q["code"].clone()
}

/// A web app of the signed-in `user` and the first tokens of its code flow.
pub(crate) struct WebFlow {
    pub(crate) id: String,
    pub(crate) secret: String,
    pub(crate) code: String,
    pub(crate) access: String,
    pub(crate) refresh: String,
}

pub(crate) async fn web_flow(
    s: &Server,
    user: &User,
    session: &Session,
    name: &str,
    points: &[&str],
) -> WebFlow {
    let web = app(session, name, "web", points).await;
    let id = web["app_id"].as_str().unwrap().to_string();
    let secret = web["client_secret"].as_str().unwrap().to_string();
    let code = code_for(s, user, &id, "").await;
    let t = exchange(s, &id, Some(&secret), &code, json!({})).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    let refresh = t.token()["refresh_token"].as_str().unwrap().to_string();
    WebFlow {
        id,
        secret,
        code,
        access,
        refresh,
    }
}

pub(crate) async fn exchange(
    s: &Server,
    client_id: &str,
    secret: Option<&str>,
    code: &str,
    extra: Value,
) -> OAuthReply {
    let mut body = json!({"client_id": client_id, "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            body[k] = v;
        }
    }
    oauth_post(&s.base, TOKEN, secret, body).await
}

/// A service app of `session`'s account with one key, authorized in the personal edition.
pub(crate) async fn service_app(s: &Server, session: &Session, name: &str) -> (String, ServiceKey) {
    let svc = app(
        session,
        name,
        "service",
        &["Account.readProfile", "Bot.list"],
    )
    .await;
    let id = svc["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    session
        .post(
            &format!("/api/manage/apps/{id}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await
        .ok();
    session
        .post(
            &format!("/api/manage/apps/{id}/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await
        .ok();
    let _ = s;
    (id, key)
}

pub(crate) fn claims(s: &Server, iss: &str) -> Value {
    let now = buckle_core::now_unix();
    json!({"iss": iss, "aud": s.base.trim_start_matches("http://"), "iat": now, "exp": now + 3600,
           "jti": format!("{}", buckle_core::ids::new_id())})
}

pub(crate) fn header(key: &ServiceKey) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()})
}

pub(crate) async fn jwt_token(s: &Server, path: &str, jwt: &str, body: Value) -> OAuthReply {
    let mut b = json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"});
    if let Value::Object(m) = body {
        for (k, v) in m {
            b[k] = v;
        }
    }
    oauth_post(&s.base, path, Some(jwt), b).await
}
