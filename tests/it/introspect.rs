//! RFC 7662 introspection at `POST /api/permission/oauth2/introspect`, for resource
//! servers other than Buckle.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    active_personal_tokens_are_described,
    inactive_tokens_say_only_that,
    callers_must_hold_token_introspect,
    service_tokens_are_introspected_as_services,
);

const PATH: &str = "/api/permission/oauth2/introspect";

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    text: String,
}

/// Posts a form, with the caller's bearer token when given.
async fn introspect(s: &Server, caller: Option<&str>, form: &[(&str, &str)]) -> Answer {
    let mut rb = reqwest::Client::new().post(s.url(PATH)).form(form);
    if let Some(c) = caller {
        rb = rb.bearer_auth(c);
    }
    answer(rb.send().await.unwrap()).await
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
    Answer {
        status,
        content_type,
        body,
        text,
    }
}

/// The OAuth error shape: both naming styles, never the envelope's `code`.
#[track_caller]
fn oauth_error(a: &Answer, status: u16, error: &str) {
    assert_eq!(a.status, status, "{}", a.text);
    let b = &a.body;
    assert_eq!(b["error"], json!(error), "{}", a.text);
    assert_eq!(b["error_code"], json!(error), "{}", a.text);
    let description = b["error_description"].as_str().unwrap();
    assert!(!description.is_empty(), "{}", a.text);
    assert_eq!(b["error_message"], json!(description), "{}", a.text);
    assert!(b.get("code").is_none(), "no envelope code: {}", a.text);
    assert!(b.get("active").is_none(), "{}", a.text);
}

/// A caller token: an installation super admin's PAT holding `Token.introspect`.
async fn caller(s: &Server) -> String {
    let root = s.super_admin("resource-server").await;
    s.login(&root).await.simple_pat(&["Token.introspect"]).await
}

async fn active_personal_tokens_are_described(s: Server) {
    let caller = caller(&s).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let r = a
        .post(
            "/api/manage/personal_access_tokens",
            json!({"name": "laptop", "permissions": ["Bot.list", "Account.readProfile"], "all_workspaces": true, "expires_in": "7d"}),
        )
        .await;
    let made = r.ok().clone();
    let secret = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();

    let got = introspect(&s, Some(&caller), &[("token", &secret)]).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert!(
        got.content_type.starts_with("application/json"),
        "{}",
        got.content_type
    );
    let b = &got.body;
    assert_eq!(b["active"], json!(true));
    assert_eq!(b["sub"], json!(alice.id.to_string()));
    assert_eq!(b["username"], json!("alice"));
    assert_eq!(b["token_type"], json!("personal_access_token"));
    assert_eq!(b["scope"], json!("Account.readProfile Bot.list"));
    assert_eq!(
        b["permission_list"],
        json!(["Account.readProfile", "Bot.list"])
    );
    assert_eq!(b["organization_id"], Value::Null);
    assert_eq!(b["all_workspaces"], json!(true));
    assert!(b.get("workspace_ids").is_some(), "{b}");
    assert_eq!(b["exp"], made["expires_at"]);
    assert_eq!(b["iat"], made["created_at"]);
    assert!(b["exp"].as_i64().unwrap() > b["iat"].as_i64().unwrap());
    for key in ["session_name", "device_info", "bot_ids"] {
        assert_eq!(b.get(key), Some(&Value::Null), "{key} present as null: {b}");
    }
    assert!(!got.text.contains(&secret), "the secret is never echoed");
    assert!(
        !got.text.contains(&secret[4..]),
        "not even without its prefix"
    );
    assert!(!got.text.contains(&caller), "nor the caller's");

    // The hint is accepted and changes nothing.
    let hinted = introspect(
        &s,
        Some(&caller),
        &[("token", &secret), ("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(hinted.body, got.body);

    // Edits show at once.
    let team = a.team("acme").await;
    let ws = a.workspace("team ws", Some(&team)).await;
    a.patch(
        &format!("/api/manage/personal_access_tokens/{id}"),
        json!({"permissions": ["Bot.list"]}),
    )
    .await
    .ok();
    let got = introspect(&s, Some(&caller), &[("token", &secret)]).await;
    assert_eq!(got.body["scope"], json!("Bot.list"));
    assert_eq!(got.body["permission_list"], json!(["Bot.list"]));

    // A team token with a workspace list carries its organization and workspaces.
    let (_, team_secret) = a
        .pat(json!({
            "name": "team",
            "organization_id": team,
            "permissions": ["Bot.read", "Bot.list", "Organization.listMembers"],
            "workspace_ids": [ws.to_string()],
            "expires_in": "30d",
        }))
        .await;
    let got = introspect(&s, Some(&caller), &[("token", &team_secret)]).await;
    let b = &got.body;
    assert_eq!(b["active"], json!(true));
    assert_eq!(b["sub"], json!(alice.id.to_string()));
    assert_eq!(b["organization_id"], json!(team));
    assert_eq!(b["all_workspaces"], json!(false));
    assert_eq!(b["workspace_ids"], json!([ws.to_string()]));
    assert_eq!(
        b["scope"],
        json!("Bot.list Bot.read Organization.listMembers")
    );
    let scope: Vec<&str> = b["scope"].as_str().unwrap().split(' ').collect();
    let list: Vec<&str> = b["permission_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(scope, list);
    assert!(!got.text.contains(&team_secret));

    // The caller can look at itself, too.
    let me = introspect(&s, Some(&caller), &[("token", &caller)]).await;
    assert_eq!(me.body["active"], json!(true));
    assert_eq!(me.body["scope"], json!("Token.introspect"));
}

async fn inactive_tokens_say_only_that(s: Server) {
    let caller = caller(&s).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let inactive = json!({"active": false});

    // Unknown and malformed strings.
    let unknown = format!("pat_{}", "Z".repeat(64));
    for t in [
        unknown.as_str(),
        "pat_short",
        "garbage",
        "",
        "Bearer pat_x",
        "czu_0123456789012345678901234567890123456789012345678901234567890123",
    ] {
        let got = introspect(&s, Some(&caller), &[("token", t)]).await;
        assert_eq!(
            (got.status, &got.body),
            (200, &inactive),
            "{t:?}: {}",
            got.text
        );
    }

    // Deleted.
    let (id, secret) = a
        .pat(json!({"name": "t", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let got = introspect(&s, Some(&caller), &[("token", &secret)]).await;
    assert_eq!(got.body["active"], json!(true));
    a.delete(&format!("/api/manage/personal_access_tokens/{id}"))
        .await
        .ok();
    let got = introspect(&s, Some(&caller), &[("token", &secret)]).await;
    assert_eq!((got.status, &got.body), (200, &inactive), "{}", got.text);

    // Revoked by leaving the team it was made in.
    let bob = s.user("bob").await;
    let b = s.login(&bob).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    let (_, bobs) = b
        .pat(json!({"name": "t", "organization_id": team, "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    assert_eq!(
        introspect(&s, Some(&caller), &[("token", &bobs)])
            .await
            .body["active"],
        json!(true)
    );
    b.delete(&format!(
        "/api/manage/organizations/{team}/members/{}",
        bob.id
    ))
    .await
    .ok();
    let got = introspect(&s, Some(&caller), &[("token", &bobs)]).await;
    assert_eq!(got.body, inactive);

    // Expired: active until its second passes, then only `active: false`.
    // The clock stands still, so the token's lifetime ends exactly when it is moved.
    s.state.clock.freeze();
    let r = a
        .post(
            "/api/manage/personal_access_tokens",
            json!({"name": "brief", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "2s"}),
        )
        .await;
    let brief = r.ok()["token"].as_str().unwrap().to_string();
    let got = introspect(&s, Some(&caller), &[("token", &brief)]).await;
    assert_eq!(got.body["active"], json!(true), "{}", got.text);
    s.state.clock.advance(1);
    let got = introspect(&s, Some(&caller), &[("token", &brief)]).await;
    assert_eq!(got.body["active"], json!(true), "{}", got.text);
    s.state.clock.advance(1);
    let got = introspect(&s, Some(&caller), &[("token", &brief)]).await;
    assert_eq!((got.status, &got.body), (200, &inactive), "{}", got.text);
    s.bearer(&brief).get("/v1/users/me").await.fails(401, 4100);
}

async fn callers_must_hold_token_introspect(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let r = s.login(&root).await;
    let a = s.login(&alice).await;
    let target = a.simple_pat(&["Account.readProfile"]).await;
    let form = [("token", target.as_str())];

    // No caller token, or a bad one: 401 invalid_client.
    oauth_error(&introspect(&s, None, &form).await, 401, "invalid_client");
    oauth_error(
        &introspect(&s, Some("pat_not_a_token"), &form).await,
        401,
        "invalid_client",
    );
    let deleted = r
        .pat(json!({"name": "gone", "permissions": ["Token.introspect"], "expires_in": "1d"}))
        .await;
    r.delete(&format!("/api/manage/personal_access_tokens/{}", deleted.0))
        .await
        .ok();
    oauth_error(
        &introspect(&s, Some(&deleted.1), &form).await,
        401,
        "invalid_client",
    );
    let basic = reqwest::Client::new()
        .post(s.url(PATH))
        .basic_auth("client", Some("secret"))
        .form(&form)
        .send()
        .await
        .unwrap();
    oauth_error(&answer(basic).await, 401, "invalid_client");

    // A valid caller without the point: 403, whoever it belongs to.
    let root_plain = r
        .simple_pat(&["Account.readProfile", "Manage.tokens"])
        .await;
    let refused = introspect(&s, Some(&root_plain), &form).await;
    oauth_error(&refused, 403, "access_deny");
    assert!(!refused.text.contains(&target));
    // A token cannot introspect itself into an answer either.
    oauth_error(
        &introspect(&s, Some(&target), &form).await,
        403,
        "access_deny",
    );
    let team = a.team("acme").await;
    let sat = a
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let sat = sat.ok()["token"].as_str().unwrap().to_string();
    oauth_error(&introspect(&s, Some(&sat), &form).await, 403, "access_deny");
    // The point itself cannot be had without being an installation super admin.
    a.post(
        "/api/manage/personal_access_tokens",
        json!({"name": "x", "permissions": ["Token.introspect"], "expires_in": "1d"}),
    )
    .await
    .fails(403, 4101);

    // A good caller with a bad request: 400 invalid_request.
    let caller = r.simple_pat(&["Token.introspect"]).await;
    oauth_error(
        &introspect(&s, Some(&caller), &[]).await,
        400,
        "invalid_request",
    );
    oauth_error(
        &introspect(&s, Some(&caller), &[("tokens", target.as_str())]).await,
        400,
        "invalid_request",
    );
    let json_body = reqwest::Client::new()
        .post(s.url(PATH))
        .bearer_auth(&caller)
        .json(&json!({"token": target}))
        .send()
        .await
        .unwrap();
    oauth_error(&answer(json_body).await, 400, "invalid_request");
    // Checking the caller comes first: no caller and no token is still 401.
    oauth_error(&introspect(&s, None, &[]).await, 401, "invalid_client");

    // And the good request works.
    let ok = introspect(&s, Some(&caller), &form).await;
    assert_eq!(ok.body["active"], json!(true), "{}", ok.text);
    assert_eq!(ok.body["sub"], json!(alice.id.to_string()));
}

async fn service_tokens_are_introspected_as_services(s: Server) {
    let caller = caller(&s).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let team = a.team("acme").await;
    let ws = a.workspace("team ws", Some(&team)).await;
    let made = a
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "billing-service", "permissions": ["Bot.list", "Bot.read"], "all_workspaces": true, "expires_in": "permanent"}),
        )
        .await;
    let made = made.ok().clone();
    let secret = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();

    let got = introspect(&s, Some(&caller), &[("token", &secret)]).await;
    assert_eq!(got.status, 200, "{}", got.text);
    let b = &got.body;
    assert_eq!(b["active"], json!(true));
    let sub = b["sub"].as_str().unwrap();
    assert!(sub.starts_with("service:"), "{sub}");
    assert_ne!(
        sub,
        format!("service:{}", alice.id),
        "a service is not its creator"
    );
    assert_eq!(sub, format!("service:{id}"));
    assert_eq!(b["token_type"], json!("service_access_token"));
    assert_eq!(b["organization_id"], json!(team));
    assert_eq!(b["scope"], json!("Bot.list Bot.read"));
    assert_eq!(b["permission_list"], json!(["Bot.list", "Bot.read"]));
    assert_eq!(b["all_workspaces"], json!(true));
    assert_eq!(b["exp"], Value::Null, "permanent");
    assert_eq!(b["iat"], made["created_at"]);
    for key in ["session_name", "device_info", "bot_ids"] {
        assert_eq!(b.get(key), Some(&Value::Null), "{key} present as null: {b}");
    }
    assert!(!got.text.contains(&secret));

    // A narrowed SAT lists its workspaces; a deleted one is inactive.
    let narrow = a
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "narrow", "permissions": ["Bot.list"], "workspace_ids": [ws.to_string()], "expires_in": "1d"}),
        )
        .await;
    let narrow_secret = narrow.ok()["token"].as_str().unwrap().to_string();
    let got = introspect(&s, Some(&caller), &[("token", &narrow_secret)]).await;
    assert_eq!(got.body["workspace_ids"], json!([ws.to_string()]));
    assert_eq!(got.body["all_workspaces"], json!(false));
    assert_eq!(
        got.body["exp"].as_i64().unwrap() - got.body["iat"].as_i64().unwrap(),
        86_400
    );
    a.delete(&format!("/api/manage/service_access_tokens/{id}"))
        .await
        .ok();
    let got = introspect(&s, Some(&caller), &[("token", &secret)]).await;
    assert_eq!(got.body, json!({"active": false}));
}

on_both_databases!(a_service_token_can_be_the_introspection_caller);

/// A resource server's own service access token (made by an installation super
/// admin who administers the organization) may hold `Token.introspect`.
async fn a_service_token_can_be_the_introspection_caller(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let r = s.login(&root).await;
    let team = r.team("resource servers").await;
    let created = r
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "gateway", "permissions": ["Token.introspect"], "expires_in": "permanent"}),
        )
        .await;
    let caller = created.ok()["token"].as_str().unwrap().to_string();
    let pat = s
        .login(&alice)
        .await
        .simple_pat(&["Account.readProfile"])
        .await;
    let reply = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/introspect"))
        .bearer_auth(&caller)
        .form(&[("token", pat.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["active"], json!(true));
    assert_eq!(body["sub"], json!(alice.id.to_string()));
    // Account-level points other than operator ones stay off service tokens.
    r.post(
        &format!("/api/manage/organizations/{team}/service_access_tokens"),
        json!({"name": "bad", "permissions": ["Account.readProfile"], "expires_in": "permanent"}),
    )
    .await
    .fails(400, 4000);
}
