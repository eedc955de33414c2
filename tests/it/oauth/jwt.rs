//! OAuth apps' flows over HTTP, with the real pages: authorization code, PKCE,
//! refresh rotation, device authorization and the JWT bearer grant, and every
//! refusal of the Coze docs' table.

use crate::on_both_databases;
use crate::testkit::*;
use buckle_core::pkce::s256;
use serde_json::{Value, json};

on_both_databases!(
    authorization_code_flow_through_the_pages,
    code_exchange_refusals,
    reused_code_revokes_what_it_issued,
    authorize_page_refuses_unregistered_redirects_and_wrong_app_types,
    pkce_rules,
    refresh_rotation_and_chain_revocation,
    device_flow,
    jwt_grant_and_its_refusals,
    jwt_grant_honours_nbf_and_refuses_crit,
    jwt_authorization_paths,
    disabling_suspends_and_deleting_revokes,
    obo_tokens_follow_the_app_and_the_user,
    organization_installation_gates_obo_tokens,
    workspace_scoped_authorization_pins_one_workspace,
    pinned_workspace_names_show_only_to_members,
    authorization_responses_name_the_issuer,
    shareable_link_lets_an_organization_admin_authorize,
    workspace_scoped_device_flow_and_leaving_the_organization,
);

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

async fn authorization_code_flow_through_the_pages(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Web One", "web", &["Account.readProfile"]).await;
    let client_id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str().unwrap();
    assert!(client_id.ends_with(".app.buckle") && client_id.len() == 32 + 11);

    // Not signed in: the authorize URL sends the browser to sign in, then back.
    let b = Browser::new(&s.base);
    let r = b.get(&authorize_url(client_id, CALLBACK, "")).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).unwrap().starts_with("/login?next="));
    let (status, page) = b
        .open_as(&authorize_url(client_id, CALLBACK, ""), &alice)
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Web One"), "consent names the app");
    assert!(page.contains("Account.readProfile"), "and its permissions");
    assert!(page.contains("授权"), "in Chinese too");

    // Denial goes back with access_denied and the state.
    let denied = b.consent(&page, "deny", "").await;
    let to = location(&denied).unwrap();
    let q = query_params(&to);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st-1")
    );
    assert!(!q.contains_key("code"));

    let code = code_for(&s, &alice, client_id, "").await;
    assert!(code.starts_with("code_") && code.len() == 53);
    let t = exchange(&s, client_id, Some(secret), &code, json!({})).await;
    let body = t.token();
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("czu_") && access.len() == 68);
    assert_eq!(body["token_type"], json!("Bearer"));
    assert_eq!(body["refresh_token"].as_str().unwrap().len(), 72);
    let now = buckle_core::now_unix();
    let exp = body["expires_in"].as_i64().unwrap();
    assert!(
        (now + 890..=now + 910).contains(&exp),
        "absolute expiry 15 minutes ahead"
    );
    let me = s.bearer(access).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_id"], json!(alice.id.to_string()));
    // The app did not ask for Workspace.list, so the token cannot list workspaces.
    s.bearer(access)
        .get("/v1/workspaces")
        .await
        .fails(403, 4101);
    // The form-encoded body of RFC 6749 works as well as the SDKs' JSON.
    let code = code_for(&s, &alice, client_id, "").await;
    let r = reqwest::Client::new()
        .post(s.url(TOKEN))
        .bearer_auth(secret)
        .form(&[
            ("client_id", client_id),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn code_exchange_refusals(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Web Two", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str().unwrap();

    let code = code_for(&s, &alice, id, "").await;
    exchange(&s, id, Some("wrong-secret"), &code, json!({}))
        .await
        .error(401, "invalid_client");
    exchange(&s, id, None, &code, json!({}))
        .await
        .error(401, "invalid_client");
    exchange(
        &s,
        id,
        Some(secret),
        &code,
        json!({"client_secret": secret}),
    )
    .await
    .error(400, "invalid_request");
    // Each wrong redirect URI burns a fresh code.
    for wrong in [
        "HTTP://127.0.0.1:9/callback",
        "http://127.0.0.1:9/Callback",
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/callback?x=1",
    ] {
        let code = code_for(&s, &alice, id, "").await;
        let r = exchange(&s, id, Some(secret), &code, json!({"redirect_uri": wrong})).await;
        let msg = r.error(400, "invalid_grant");
        assert!(msg.contains("redirect_uri"), "{wrong}: {msg}");
    }
    exchange(&s, id, Some(secret), "code_unknown", json!({}))
        .await
        .error(400, "invalid_grant");
    let msg = oauth_post(
        &s.base,
        TOKEN,
        Some(secret),
        json!({"client_id": id, "grant_type": "authorization_code", "redirect_uri": CALLBACK}),
    )
    .await
    .error(400, "invalid_request");
    assert_eq!(msg, "invalid request: code");
    let msg = oauth_post(&s.base, TOKEN, None, json!({"grant_type": "password"}))
        .await
        .error(400, "unsupported_grant_type");
    assert_eq!(msg, "not supported grant type: password");
    oauth_post(&s.base, TOKEN, None, json!({}))
        .await
        .error(400, "invalid_request");
    oauth_post(&s.base, TOKEN, Some(secret), json!({"client_id": "nope.app.buckle", "grant_type": "authorization_code", "code": "x", "redirect_uri": CALLBACK}))
        .await
        .error(401, "invalid_client");
    // A duplicated field is refused, not resolved.
    let r = reqwest::Client::new()
        .post(s.url(TOKEN))
        .bearer_auth(secret)
        .header("content-type", "application/json")
        .body(format!(r#"{{"client_id":"{id}","grant_type":"authorization_code","grant_type":"refresh_token","code":"x","redirect_uri":"{CALLBACK}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Another app's secret does not open this app's code.
    let other = app(&a, "Web Other", "web", &["Account.readProfile"]).await;
    let code = code_for(&s, &alice, id, "").await;
    exchange(
        &s,
        other["app_id"].as_str().unwrap(),
        other["client_secret"].as_str(),
        &code,
        json!({}),
    )
    .await
    .error(400, "invalid_grant");
}

async fn reused_code_revokes_what_it_issued(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Web Three", &["Account.readProfile"]).await;
    let (id, secret, code, access, refresh) = (
        f.id.as_str(),
        f.secret.as_str(),
        f.code.as_str(),
        f.access,
        f.refresh,
    );
    s.bearer(&access).get("/v1/users/me").await.ok();
    let msg = exchange(&s, id, Some(secret), code, json!({}))
        .await
        .error(400, "invalid_grant");
    assert!(msg.contains("revoked"), "{msg}");
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
    oauth_post(
        &s.base,
        TOKEN,
        Some(secret),
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await
    .error(400, "invalid_grant");
}

async fn authorize_page_refuses_unregistered_redirects_and_wrong_app_types(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Web Four", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let b = Browser::new(&s.base);
    b.sign_in(&alice).await;
    for wrong in [
        "http://127.0.0.1:9/CALLBACK",
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/callback?x=1",
        "http://evil.example/callback",
    ] {
        let r = b.get(&authorize_url(id, wrong, "")).await;
        assert_eq!(r.status(), 400, "{wrong}");
        assert!(
            location(&r).is_none(),
            "never redirected to an unregistered URI"
        );
    }
    let r = b
        .get(&authorize_url("unknown.app.buckle", CALLBACK, ""))
        .await;
    assert_eq!(r.status(), 400);
    // response_type other than code goes back to the (registered) redirect URI.
    let r = b
        .get(&authorize_url(id, CALLBACK, "").replace("response_type=code", "response_type=token"))
        .await;
    assert_eq!(
        query_params(&location(&r).unwrap())["error"],
        "unsupported_response_type"
    );

    // A channel app is a service app: it has no code flow. Neither has a device app.
    let channel = a
        .post(
            "/api/manage/apps",
            json!({"name": "Channel One", "app_type": "channel", "client_type": "service", "permissions": ["Connector.botChat"], "redirect_uris": []}),
        )
        .await;
    let channel_id = channel.ok()["app_id"].as_str().unwrap().to_string();
    let msg = exchange(&s, &channel_id, None, "code_x", json!({}))
        .await
        .error(403, "access_deny");
    assert_eq!(msg, "invalid app type");
    let device = app(&a, "Device One", "device", &["Account.readProfile"]).await;
    let msg = exchange(
        &s,
        device["app_id"].as_str().unwrap(),
        None,
        "code_x",
        json!({}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "invalid app type");
    let page = b.get(&authorize_url(&channel_id, CALLBACK, "")).await;
    assert_eq!(page.status(), 400);
}

async fn pkce_rules(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let pkce = app(&a, "Spa One", "pkce", &["Account.readProfile"]).await;
    let id = pkce["app_id"].as_str().unwrap();
    assert!(pkce.get("client_secret").is_none() || pkce["client_secret"].is_null());
    let verifier = "short-verifier16"; // 16 characters, as the Go SDK sends: no 43 minimum.
    for (method, challenge) in [("S256", s256(verifier)), ("plain", verifier.to_string())] {
        let extra = format!("&code_challenge={challenge}&code_challenge_method={method}");
        let code = code_for(&s, &alice, id, &extra).await;
        // "No secret" arrives as no header (Python) or an empty bearer (JS, Go).
        let r = reqwest::Client::new()
            .post(s.url(TOKEN))
            .header("Authorization", "Bearer ")
            .json(&json!({"client_id": id, "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{method}");
        let code = code_for(&s, &alice, id, &extra).await;
        let msg = exchange(
            &s,
            id,
            None,
            &code,
            json!({"code_verifier": "another-verifier"}),
        )
        .await
        .error(400, "invalid_grant");
        assert!(msg.contains("code_verifier"), "{msg}");
        let code = code_for(&s, &alice, id, &extra).await;
        let msg = exchange(&s, id, None, &code, json!({}))
            .await
            .error(400, "invalid_request");
        assert_eq!(msg, "invalid request: code_verifier");
    }
    // Absent method means plain.
    let code = code_for(&s, &alice, id, &format!("&code_challenge={verifier}")).await;
    exchange(&s, id, None, &code, json!({"code_verifier": verifier}))
        .await
        .token();
    // A public client sends no secret.
    let code = code_for(&s, &alice, id, &format!("&code_challenge={verifier}")).await;
    exchange(
        &s,
        id,
        Some("a-secret"),
        &code,
        json!({"code_verifier": verifier}),
    )
    .await
    .error(401, "invalid_client");
    // A PKCE app must send a challenge.
    let b = Browser::new(&s.base);
    b.sign_in(&alice).await;
    let r = b.get(&authorize_url(id, CALLBACK, "")).await;
    assert_eq!(
        query_params(&location(&r).unwrap())["error"],
        "invalid_request"
    );
    let r = b
        .get(&authorize_url(
            id,
            CALLBACK,
            "&code_challenge=x&code_challenge_method=S512",
        ))
        .await;
    assert_eq!(
        query_params(&location(&r).unwrap())["error"],
        "invalid_request"
    );
    // A verifier where no challenge was stored is refused.
    let web = app(&a, "Web Five", "web", &["Account.readProfile"]).await;
    let code = code_for(&s, &alice, web["app_id"].as_str().unwrap(), "").await;
    let msg = exchange(
        &s,
        web["app_id"].as_str().unwrap(),
        web["client_secret"].as_str(),
        &code,
        json!({"code_verifier": verifier}),
    )
    .await
    .error(400, "invalid_grant");
    assert!(msg.contains("code_challenge"), "{msg}");
}

async fn refresh_rotation_and_chain_revocation(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Web Six", &["Account.readProfile"]).await;
    let (id, secret, r1) = (f.id.as_str(), f.secret.as_str(), f.refresh.clone());
    let refresh = |rt: String, secret: Option<&'static str>| {
        let base = s.base.clone();
        let id = id.to_string();
        async move {
            oauth_post(
                &base,
                TOKEN,
                secret,
                json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": rt}),
            )
            .await
        }
    };
    let secret_static: &'static str = Box::leak(secret.to_string().into_boxed_str());
    refresh(r1.clone(), None).await.error(401, "invalid_client");
    let t2 = refresh(r1.clone(), Some(secret_static)).await;
    let a2 = t2.token()["access_token"].as_str().unwrap().to_string();
    let r2 = t2.token()["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    s.bearer(&a2).get("/v1/users/me").await.ok();
    // The used refresh token no longer works, and presenting it revokes the chain.
    let msg = refresh(r1.clone(), Some(secret_static))
        .await
        .error(400, "invalid_grant");
    assert!(msg.contains("revoked"), "{msg}");
    s.bearer(&a2).get("/v1/users/me").await.fails(401, 4100);
    refresh(r2, Some(secret_static))
        .await
        .error(400, "invalid_grant");
    refresh("x".repeat(72), Some(secret_static))
        .await
        .error(400, "invalid_grant");
}

async fn device_flow(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = app(&a, "Tv One", "device", &["Account.readProfile"]).await;
    let id = dev["app_id"].as_str().unwrap();
    let d = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": id}),
    )
    .await;
    let d = d.token().clone();
    let user_code = d["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert_eq!(
        d["verification_uri"],
        json!(format!("{}/oauth/device", s.base))
    );
    assert_eq!(d["expires_in"], json!(300));
    assert_eq!(d["interval"], json!(1));
    let device_code = d["device_code"].as_str().unwrap();
    let poll = || {
        oauth_post(
            &s.base,
            TOKEN,
            None,
            json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code}),
        )
    };
    poll().await.error(400, "authorization_pending");
    poll().await.error(400, "slow_down");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    poll().await.error(400, "authorization_pending");
    // The page accepts ?user_code= (lowercase, no dash too) and signs in first.
    let b = Browser::new(&s.base);
    let typed = user_code.replace('-', "").to_lowercase();
    let (status, page) = b
        .open_as(&format!("/oauth/device?user_code={typed}"), &alice)
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Tv One"));
    let (status, done) = b.device_decision(user_code, &alice, "approve", "").await;
    assert_eq!(status, 200, "{done}");
    // Approval answers at once, however fast the poll.
    let t = poll().await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    s.bearer(&access).get("/v1/users/me").await.ok();
    poll().await.error(400, "invalid_grant");
    // The approved code cannot be decided again.
    let (status, _) = b
        .open_as(&format!("/oauth/device?user_code={user_code}"), &alice)
        .await;
    assert_eq!(status, 404);

    // Denied.
    let d = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": id}),
    )
    .await;
    let code2 = d.token()["device_code"].as_str().unwrap().to_string();
    let user2 = d.token()["user_code"].as_str().unwrap().to_string();
    b.device_decision(&user2, &alice, "deny", "").await;
    let r = oauth_post(&s.base, TOKEN, None, json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": code2})).await;
    r.error(400, "access_denied");

    // Expired.
    let expired = buckle_core::TokenKind::DeviceCode.generate();
    let now = buckle_core::now_unix();
    let app_row = s.state.store.app_by_client_id(id).await.unwrap().unwrap();
    s.state
        .store
        .insert_device_code(&buckle_store::DeviceCode {
            device_code_hash: buckle_core::secret::hash_secret(&expired),
            user_code: "BBBB-CCCC".into(),
            app_id: app_row.id,
            workspace_id: None,
            status: "pending".into(),
            grant_id: None,
            account_id: None,
            poll_interval: 1,
            last_poll_at_ms: None,
            created_at: now - 400,
            expires_at: now - 100,
            used_at: None,
        })
        .await
        .unwrap();
    let r = oauth_post(&s.base, TOKEN, None, json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": expired})).await;
    r.error(400, "expired_token");
    // Device codes are for device apps only.
    let web = app(&a, "Web Seven", "web", &["Account.readProfile"]).await;
    let msg = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": web["app_id"]}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "invalid app type");
    oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({}),
    )
    .await
    .error(400, "invalid_request");
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

async fn jwt_grant_and_its_refusals(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, key) = service_app(&s, &a, "Service One").await;
    let jwt = key.sign(&header(&key), &claims(&s, &id));
    let t = jwt_token(
        &s,
        TOKEN,
        &jwt,
        json!({"duration_seconds": 900, "scope": null}),
    )
    .await;
    let body = t.token();
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("czs_"));
    assert!(body.get("refresh_token").is_none());
    let exp = body["expires_in"].as_i64().unwrap();
    assert!((buckle_core::now_unix() + 890..=buckle_core::now_unix() + 910).contains(&exp));
    // Personal AppAuth acts within its owner's account.
    assert_eq!(
        s.bearer(access).get("/v1/users/me").await.ok()["user_name"],
        json!("alice")
    );
    s.bearer(access)
        .get(&format!(
            "/v1/bots?workspace_id={}",
            alice.personal_workspace
        ))
        .await
        .ok();

    let msg = jwt_token(&s, TOKEN, &jwt, json!({}))
        .await
        .error(400, "invalid_grant");
    assert!(msg.contains("jti"), "replayed jti: {msg}");
    let fresh = || claims(&s, &id);
    let with = |k: &str, v: Value| {
        let mut c = fresh();
        c[k] = v;
        c
    };
    let now = buckle_core::now_unix();
    let mut expired = fresh();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let cases: Vec<(&str, String)> = vec![
        ("expired", key.sign(&header(&key), &expired)),
        (
            "wrong aud",
            key.sign(&header(&key), &with("aud", json!("127.0.0.1"))),
        ),
        (
            "wrong iss",
            key.sign(&header(&key), &with("iss", json!("0.app.buckle"))),
        ),
        (
            "unknown kid",
            key.sign(
                &json!({"alg": "RS256", "typ": "JWT", "kid": "no-such-kid"}),
                &fresh(),
            ),
        ),
        (
            "no kid",
            key.sign(&json!({"alg": "RS256", "typ": "JWT"}), &fresh()),
        ),
        (
            "HS256",
            key.sign(
                &json!({"alg": "HS256", "typ": "JWT", "kid": key.kid()}),
                &fresh(),
            ),
        ),
        ("other key", ServiceKey::new().sign(&header(&key), &fresh())),
        (
            "lifetime over a day",
            key.sign(&header(&key), &with("exp", json!(now + 90_000))),
        ),
    ];
    for (what, jwt) in cases {
        let msg = jwt_token(&s, TOKEN, &jwt, json!({}))
            .await
            .error(401, "invalid_client");
        assert!(!msg.is_empty(), "{what}");
    }
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": key.kid()})),
        b64(&fresh())
    );
    jwt_token(&s, TOKEN, &none, json!({}))
        .await
        .error(401, "invalid_client");
    oauth_post(
        &s.base,
        TOKEN,
        None,
        json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}),
    )
    .await
    .error(401, "invalid_client");
    let msg = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &fresh()),
        json!({"duration_seconds": 86400}),
    )
    .await
    .error(400, "invalid_request");
    assert_eq!(msg, "invalid request: duration_seconds");
    let t = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &fresh()),
        json!({"duration_seconds": 86399}),
    )
    .await;
    assert!(t.token()["expires_in"].as_i64().unwrap() >= buckle_core::now_unix() + 86390);

    // session_name and device info are recorded with the token (introspection shows them).
    let mut c = fresh();
    c["session_name"] = json!("end-user-7");
    c["session_context"] =
        json!({"device_info": {"device_id": "dev-1", "custom_consumer": "shop-9"}});
    let t = jwt_token(&s, TOKEN, &key.sign(&header(&key), &c), json!({})).await;
    let token = t.token()["access_token"].as_str().unwrap().to_string();
    let root = s.super_admin("root").await;
    let caller = s.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let info: Value = reqwest::Client::new()
        .post(s.url("/api/permission/oauth2/introspect"))
        .bearer_auth(&caller)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["active"], json!(true));
    assert_eq!(info["session_name"], json!("end-user-7"));
    assert_eq!(
        info["device_info"],
        json!({"device_id": "dev-1", "custom_consumer": "shop-9"})
    );
    assert_eq!(info["client_id"], json!(id));

    // A JWT whose iss is a web app finds no key (web apps hold none), and says no
    // more than an unknown app would: nothing is told before a signature checks out.
    let web = app(&a, "Web Eight", "web", &["Account.readProfile"]).await;
    let msg = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, web["app_id"].as_str().unwrap())),
        json!({}),
    )
    .await
    .error(401, "invalid_client");
    let unknown = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, "0.app.buckle")),
        json!({}),
    )
    .await
    .error(401, "invalid_client");
    assert_eq!(msg, unknown);
    // A web app that somehow holds a key is refused after its signature checks out.
    let web_row = s
        .state
        .store
        .app_by_client_id(web["app_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    s.state
        .store
        .add_app_key(
            &buckle_store::AppKey {
                app_id: web_row.id,
                fingerprint: key.kid(),
                public_pem: buckle_core::rsa_key::RsaPublicKey::from_pem(&key.public_pem)
                    .unwrap()
                    .to_pem(),
                created_at: 0,
            },
            3,
        )
        .await
        .unwrap();
    let msg = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, web["app_id"].as_str().unwrap())),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "invalid app type");
    // A channel app that is bound to no channel.
    let channel = a
        .post(
            "/api/manage/apps",
            json!({"name": "Channel Two", "app_type": "channel", "client_type": "service", "permissions": ["Connector.botChat"], "redirect_uris": []}),
        )
        .await;
    let cid = channel.ok()["app_id"].as_str().unwrap().to_string();
    a.post(
        &format!("/api/manage/apps/{cid}/keys"),
        json!({"public_key": key.public_pem}),
    )
    .await
    .ok();
    let msg = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, &cid)),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "connector app should bind connector id");
}

/// RFC 7523 / RFC 7519 §4.1.5: a JWT is not usable before its `nbf` (give or take
/// the clock leeway); RFC 7515 §4.1.11: Buckle understands no `crit` extension.
async fn jwt_grant_honours_nbf_and_refuses_crit(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, key) = service_app(&s, &a, "Service Nbf").await;
    let now = s.state.clock.now();
    let mut early = claims(&s, &id);
    early["nbf"] = json!(now + 300);
    let jwt = key.sign(&header(&key), &early);
    let msg = jwt_token(&s, TOKEN, &jwt, json!({}))
        .await
        .error(401, "invalid_client");
    assert!(msg.contains("nbf"), "{msg}");
    // Refused before its jti was spent: once nbf has come, the same JWT works.
    s.state.clock.advance(300);
    jwt_token(&s, TOKEN, &jwt, json!({})).await.token();
    // Within the leeway, as for iat.
    let mut near = claims(&s, &id);
    near["nbf"] = json!(s.state.clock.now() + 30);
    jwt_token(&s, TOKEN, &key.sign(&header(&key), &near), json!({}))
        .await
        .token();

    for crit in [json!(["exp"]), json!([]), json!(["b64"])] {
        let mut h = header(&key);
        h["crit"] = crit.clone();
        let msg = jwt_token(&s, TOKEN, &key.sign(&h, &claims(&s, &id)), json!({}))
            .await
            .error(401, "invalid_client");
        assert!(msg.contains("crit"), "{crit}: {msg}");
    }
}

async fn jwt_authorization_paths(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let (id, key) = service_app(&s, &a, "Service Two").await;
    let sign = || key.sign(&header(&key), &claims(&s, &id));
    jwt_token(
        &s,
        &format!("/api/permission/oauth2/account/{}/token", alice.id),
        &sign(),
        json!({}),
    )
    .await
    .token();
    let msg = jwt_token(
        &s,
        &format!("/api/permission/oauth2/account/{}/token", bob.id),
        &sign(),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    assert!(msg.contains("not authorized"), "{msg}");
    let team = a.team("acme").await;
    let ws = a.workspace("team space", Some(&team)).await;
    let path = format!("/api/permission/oauth2/enterprise_id/{team}/token");
    jwt_token(&s, &path, &sign(), json!({}))
        .await
        .error(403, "access_deny");
    // An admin authorizes the app for the organization (the share-link case).
    a.post(
        &format!("/api/manage/apps/{id}/authorizations"),
        json!({"organization_id": team, "all_workspaces": true}),
    )
    .await
    .ok();
    let t = jwt_token(&s, &path, &sign(), json!({})).await;
    let token = t.token()["access_token"].as_str().unwrap().to_string();
    // The organization's AppAuth token acts as the app: the org's workspaces, no account.
    s.bearer(&token)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .ok();
    s.bearer(&token)
        .get(&format!(
            "/v1/bots?workspace_id={}",
            alice.personal_workspace
        ))
        .await
        .fails(403, 4101);
    // The refusal names the credential that was sent, not a service access token.
    let me = s.bearer(&token).get("/v1/users/me").await;
    assert_eq!(
        me.fails(403, 4101),
        "An app token authorized for a team/enterprise acts for no account."
    );
}

async fn disabling_suspends_and_deleting_revokes(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let f = web_flow(&s, &alice, &a, "Web Nine", &["Account.readProfile"]).await;
    let (id, secret, access, refresh) = (
        f.id.as_str(),
        f.secret.as_str(),
        f.access.clone(),
        f.refresh.clone(),
    );
    s.bearer(&access).get("/v1/users/me").await.ok();
    a.post(&format!("/api/manage/apps/{id}/disable"), json!({}))
        .await
        .ok();
    let msg = s
        .bearer(&access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100)
        .to_string();
    assert!(msg.contains("deactivated"), "{msg}");
    let msg = oauth_post(
        &s.base,
        TOKEN,
        Some(secret),
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "app: Web Nine is currently deactivated by the owner");
    a.post(&format!("/api/manage/apps/{id}/enable"), json!({}))
        .await
        .ok();
    s.bearer(&access).get("/v1/users/me").await.ok();

    let (sid, key) = service_app(&s, &a, "Service Three").await;
    let jwt = key.sign(&header(&key), &claims(&s, &sid));
    let czs = jwt_token(&s, TOKEN, &jwt, json!({})).await.token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    a.post(&format!("/api/manage/apps/{sid}/disable"), json!({}))
        .await
        .ok();
    s.bearer(&czs).get("/v1/users/me").await.fails(401, 4100);
    let msg = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, &sid)),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(
        msg,
        "app: Service Three is currently deactivated by the owner"
    );
    a.post(&format!("/api/manage/apps/{sid}/enable"), json!({}))
        .await
        .ok();
    s.bearer(&czs).get("/v1/users/me").await.ok();

    // Deleting is irreversible: tokens die, refresh fails, JWTs name no app.
    a.delete(&format!("/api/manage/apps/{id}")).await.ok();
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
    a.delete(&format!("/api/manage/apps/{sid}")).await.ok();
    s.bearer(&czs).get("/v1/users/me").await.fails(401, 4100);
    jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, &sid)),
        json!({}),
    )
    .await
    .error(401, "invalid_client");
}

async fn obo_tokens_follow_the_app_and_the_user(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let second = a.workspace("second", None).await;
    let f = web_flow(
        &s,
        &alice,
        &a,
        "Web Ten",
        &["Account.readProfile", "Bot.list"],
    )
    .await;
    let (id, access) = (f.id.as_str(), f.access.clone());
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={second}"))
        .await
        .ok();
    // The app stops asking for Bot.list: its tokens lose it at once.
    a.patch(
        &format!("/api/manage/apps/{id}"),
        json!({"permissions": ["Account.readProfile"]}),
    )
    .await
    .ok();
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={second}"))
        .await
        .fails(403, 4101);
    s.bearer(&access).get("/v1/users/me").await.ok();
    // The person revokes the app among their authorized apps: its tokens die.
    a.delete(&format!("/api/manage/authorized_apps/{id}"))
        .await
        .ok();
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
}

async fn organization_installation_gates_obo_tokens(s: Server) {
    let owner = s.user("owner").await;
    let bob = s.user("bob").await;
    let dev = s.user("dev").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    o.add_member(&team, "bob", "member").await.ok();
    let ws = o.workspace("shared", Some(&team)).await;
    o.add_workspace_member(ws, "bob", "member").await.ok();
    // A third party's app, not installed in the team.
    let d = s.login(&dev).await;
    let web = app(
        &d,
        "Third Party",
        "web",
        &["Account.readProfile", "Bot.list"],
    )
    .await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str().unwrap();
    // Bob authorizes it in the team: that is an install request.
    let b = Browser::new(&s.base);
    let (_, page) = b.open_as(&authorize_url(id, CALLBACK, ""), &bob).await;
    assert!(page.contains("acme"), "the team is offered as a scope");
    let r = b.consent(&page, "approve", &team).await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let access = exchange(&s, id, Some(secret), &code, json!({}))
        .await
        .token()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let bots = format!("/v1/bots?workspace_id={ws}");
    let msg = s
        .bearer(&access)
        .get(&bots)
        .await
        .fails(403, 4101)
        .to_string();
    assert!(msg.contains("installed"), "{msg}");
    // Introspection agrees: a token that reaches nothing is not active.
    let root = s.super_admin("root").await;
    let caller = s.login(&root).await.simple_pat(&["Token.introspect"]).await;
    let introspect = |t: String| {
        let (url, caller) = (s.url("/api/permission/oauth2/introspect"), caller.clone());
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(caller)
                .form(&[("token", t)])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(introspect(access.clone()).await, json!({"active": false}));
    let list = o
        .get(&format!("/api/manage/organizations/{team}/installations"))
        .await;
    assert_eq!(list.ok()["not_installed_obo"][0]["app_id"], json!(id));
    // An admin installs it: the same token now reaches the team's workspace.
    o.post(
        &format!("/api/manage/organizations/{team}/installations/{id}"),
        json!({}),
    )
    .await
    .ok();
    s.bearer(&access).get(&bots).await.ok();
    let info = introspect(access.clone()).await;
    assert_eq!(info["active"], json!(true));
    assert_eq!(
        info["workspace_ids"],
        json!([ws.to_string()]),
        "what Bob reaches now"
    );
    // Uninstalling deletes every token the app holds in the team.
    o.delete(&format!(
        "/api/manage/organizations/{team}/installations/{id}"
    ))
    .await
    .ok();
    s.bearer(&access).get(&bots).await.fails(401, 4100);

    // Team-level points: a member cannot authorize, an admin can.
    let admin_app = app(&d, "Org Reader", "web", &["Organization.listMembers"]).await;
    let aid = admin_app["app_id"].as_str().unwrap();
    let (_, page) = b.open_as(&authorize_url(aid, CALLBACK, ""), &bob).await;
    let r = b.consent(&page, "approve", &team).await;
    assert_eq!(r.status(), 403);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("only a super admin or admin of the team/enterprise can authorize it"),
        "{text}"
    );
    let ob = Browser::new(&s.base);
    let (_, page) = ob.open_as(&authorize_url(aid, CALLBACK, ""), &owner).await;
    let r = ob.consent(&page, "approve", &team).await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let t = exchange(
        &s,
        aid,
        admin_app["client_secret"].as_str(),
        &code,
        json!({}),
    )
    .await;
    let org_token = t.token()["access_token"].as_str().unwrap();
    // The admin's consent installed it; the token reads the team's members.
    s.bearer(org_token)
        .get("/v1/organization/members")
        .await
        .ok();
}

async fn workspace_scoped_authorization_pins_one_workspace(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let other = a.workspace("other", None).await;
    let pinned = a.workspace("pinned", None).await;
    let web = app(&a, "Web Eleven", "web", &["Bot.list", "Workspace.list"]).await;
    let id = web["app_id"].as_str().unwrap();
    let b = Browser::new(&s.base);
    let url = authorize_url(id, CALLBACK, "").replace(
        "/api/permission/oauth2/authorize",
        &format!("/api/permission/oauth2/workspace_id/{pinned}/authorize"),
    );
    let (status, page) = b.open_as(&url, &alice).await;
    assert_eq!(status, 200);
    assert!(page.contains("pinned"), "the page names the workspace");
    let r = b.consent(&page, "approve", "").await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let t = exchange(&s, id, web["client_secret"].as_str(), &code, json!({})).await;
    let access = t.token()["access_token"].as_str().unwrap();
    s.bearer(access)
        .get(&format!("/v1/bots?workspace_id={pinned}"))
        .await
        .ok();
    s.bearer(access)
        .get(&format!("/v1/bots?workspace_id={other}"))
        .await
        .fails(403, 4101);
    let listed = s.bearer(access).get("/v1/workspaces").await;
    assert_eq!(listed.ok()["total_count"], json!(1));
}

/// The workspace-pinned pages name the workspace only to its members; to anyone
/// else an existing workspace looks exactly like an unknown id.
async fn pinned_workspace_names_show_only_to_members(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let bs = s.login(&bob).await;
    let secret_ws = a.workspace("Secret Plans", None).await;
    let web = app(&bs, "Web Nosy", "web", &["Bot.list"]).await;
    let id = web["app_id"].as_str().unwrap();
    let pinned = |ws: &str| {
        authorize_url(id, CALLBACK, "").replace(
            "/api/permission/oauth2/authorize",
            &format!("/api/permission/oauth2/workspace_id/{ws}/authorize"),
        )
    };
    let b = Browser::new(&s.base);
    let (status, page) = b.open_as(&pinned(&secret_ws.to_string()), &bob).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("Secret Plans"), "{page}");
    let (unknown_status, unknown_page) = b.open_as(&pinned("987654321"), &bob).await;
    assert_eq!((unknown_status, unknown_page), (status, page.clone()));
    assert!(page.contains("not a member"), "{page}");
    // A member sees the name.
    let m = Browser::new(&s.base);
    let (status, page) = m.open_as(&pinned(&secret_ws.to_string()), &alice).await;
    assert_eq!(status, 200);
    assert!(page.contains("Secret Plans"));

    // The device page too: a code pinned to Alice's workspace, opened by Bob.
    let dev = app(&bs, "Tv Nosy", "device", &["Bot.list"]).await;
    let d = oauth_post(
        &s.base,
        &format!("/api/permission/oauth2/workspace_id/{secret_ws}/device/code"),
        None,
        json!({"client_id": dev["app_id"]}),
    )
    .await;
    let user_code = d.token()["user_code"].as_str().unwrap().to_string();
    let (status, page) = b
        .open_as(&format!("/oauth/device?user_code={user_code}"), &bob)
        .await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("Secret Plans"), "{page}");
    assert!(page.contains("not a member"), "{page}");
    let (status, page) = m
        .open_as(&format!("/oauth/device?user_code={user_code}"), &alice)
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Secret Plans"));
}

/// RFC 9207: every authorization response, success or error, carries `iss`.
async fn authorization_responses_name_the_issuer(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Web Iss", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let b = Browser::new(&s.base);
    let (_, page) = b.open_as(&authorize_url(id, CALLBACK, ""), &alice).await;
    let q = query_params(&location(&b.consent(&page, "approve", "").await).unwrap());
    assert_eq!(q["iss"], s.base);
    assert!(q.contains_key("code"));
    let (_, page) = b.open_as(&authorize_url(id, CALLBACK, ""), &alice).await;
    let q = query_params(&location(&b.consent(&page, "deny", "").await).unwrap());
    assert_eq!(
        (q["error"].as_str(), q["iss"].as_str()),
        ("access_denied", s.base.as_str())
    );
    let r = b
        .get(&authorize_url(id, CALLBACK, "").replace("response_type=code", "response_type=token"))
        .await;
    let q = query_params(&location(&r).unwrap());
    assert_eq!(
        (q["error"].as_str(), q["iss"].as_str()),
        ("unsupported_response_type", s.base.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_jwt_is_single_use_across_processes_on_one_postgresql() {
    let first = Server::start(Db::Postgres).await;
    let second = first.start_beside().await;
    let alice = first.user("alice").await;
    let a = first.login(&alice).await;
    let (id, key) = service_app(&first, &a, "Service Race").await;
    for _ in 0..5 {
        let jwt = key.sign(&header(&key), &claims(&first, &id));
        let (r1, r2) = tokio::join!(
            jwt_token(&first, TOKEN, &jwt, json!({})),
            jwt_token(&second, TOKEN, &jwt, json!({})),
        );
        let wins = [&r1, &r2].iter().filter(|r| r.status == 200).count();
        assert_eq!(
            wins, 1,
            "exactly one process accepts the JWT: {r1:?} {r2:?}"
        );
        let loser = if r1.status == 200 { r2 } else { r1 };
        loser.error(400, "invalid_grant");
    }
}

async fn shareable_link_lets_an_organization_admin_authorize(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let a = s.login(&alice).await;
    let (id, key) = service_app(&s, &a, "Shared Service").await;
    let link = a.get(&format!("/api/manage/apps/{id}/share_link")).await;
    let url = link.ok()["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/oauth/authorize-app?client_id=", s.base)),
        "{url}"
    );
    let b = s.login(&bob).await;
    let team = b.team("bob's team").await;
    b.add_member(&team, "carol", "member").await.ok();
    let path = format!("/api/permission/oauth2/enterprise_id/{team}/token");
    jwt_token(
        &s,
        &path,
        &key.sign(&header(&key), &claims(&s, &id)),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    // A plain member cannot use the link.
    let cb = Browser::new(&s.base);
    let (status, _) = cb.open_as(&url, &carol).await;
    assert_eq!(status, 403);
    // The team's super admin opens it, signs in, and authorizes.
    let bb = Browser::new(&s.base);
    let (status, page) = bb.open_as(&url, &bob).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Shared Service") && page.contains("bob&#39;s team"));
    let csrf = form_field(&page, "csrf").unwrap();
    let r = bb
        .post_form(
            "/oauth/authorize-app",
            &[
                ("client_id", id.as_str()),
                ("organization_id", team.as_str()),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    jwt_token(
        &s,
        &path,
        &key.sign(&header(&key), &claims(&s, &id)),
        json!({}),
    )
    .await
    .token();
    let installed = b
        .get(&format!("/api/manage/organizations/{team}/installations"))
        .await;
    assert_eq!(installed.ok()["installed_appauth"][0]["app_id"], json!(id));
    // A forged form (no session CSRF) does nothing.
    let r = bb
        .post_form(
            "/oauth/authorize-app",
            &[
                ("client_id", id.as_str()),
                ("organization_id", team.as_str()),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

async fn workspace_scoped_device_flow_and_leaving_the_organization(s: Server) {
    let owner = s.user("owner").await;
    let bob = s.user("bob").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    o.add_member(&team, "bob", "member").await.ok();
    let pinned = o.workspace("pinned", Some(&team)).await;
    let other = o.workspace("other", Some(&team)).await;
    for ws in [pinned, other] {
        o.add_workspace_member(ws, "bob", "member").await.ok();
    }
    // The team's own device app: installed there by definition.
    let dev = o
        .post(
            "/api/manage/apps",
            json!({"name": "Team Tv", "app_type": "normal", "client_type": "device", "organization_id": team,
                   "permissions": ["Bot.list"], "redirect_uris": []}),
        )
        .await;
    let id = dev.ok()["app_id"].as_str().unwrap().to_string();
    let d = oauth_post(
        &s.base,
        &format!("/api/permission/oauth2/workspace_id/{pinned}/device/code"),
        None,
        json!({"client_id": id}),
    )
    .await;
    let device_code = d.token()["device_code"].as_str().unwrap().to_string();
    let user_code = d.token()["user_code"].as_str().unwrap().to_string();
    let b = Browser::new(&s.base);
    let (_, page) = b
        .open_as(&format!("/oauth/device?user_code={user_code}"), &bob)
        .await;
    assert!(
        page.contains("pinned"),
        "the page names the pinned workspace"
    );
    let (status, _) = b.device_decision(&user_code, &bob, "approve", "").await;
    assert_eq!(status, 200);
    let t = oauth_post(&s.base, TOKEN, None, json!({"client_id": id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code})).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    let refresh = t.token()["refresh_token"].as_str().unwrap().to_string();
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={pinned}"))
        .await
        .ok();
    s.bearer(&access)
        .get(&format!("/v1/bots?workspace_id={other}"))
        .await
        .fails(403, 4101);
    oauth_post(
        &s.base,
        &format!(
            "/api/permission/oauth2/workspace_id/{}/device/code",
            1_000_000_000_000_000_001i64
        ),
        None,
        json!({"client_id": id}),
    )
    .await
    .error(400, "invalid_request");
    // A grant whose holder is no longer in its organization issues nothing more.
    // (Removal through the API deletes the grant as well; this state is made by hand.)
    s.sql(&format!(
        "DELETE FROM organization_members WHERE org_id = '{team}' AND account_id = {}",
        bob.id
    ))
    .await;
    let msg = oauth_post(
        &s.base,
        TOKEN,
        None,
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": refresh}),
    )
    .await
    .error(403, "access_deny");
    assert_eq!(msg, "login session invalid");
    // Bob is back, then removed through the API: his OBO tokens in the team die.
    o.add_member(&team, "bob", "member").await.ok();
    let bots = format!("/v1/bots?workspace_id={pinned}");
    s.bearer(&access).get(&bots).await.ok();
    o.delete(&format!(
        "/api/manage/organizations/{team}/members/{}",
        bob.id
    ))
    .await
    .ok();
    s.bearer(&access).get(&bots).await.fails(401, 4100);
}

#[tokio::test]
async fn oauth_endpoints_answer_every_mistake_in_the_oauth_shape() {
    let s = Server::start(Db::Sqlite).await;
    let client = reqwest::Client::new();
    let r = client.get(s.url(TOKEN)).send().await.unwrap();
    let reply = OAuthReply::of(r).await;
    reply.error(400, "invalid_request");
    let big = "x".repeat(300 * 1024);
    let r = client
        .post(s.url(TOKEN))
        .header("content-type", "application/json")
        .body(format!("{{\"grant_type\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    let reply = OAuthReply::of(r).await;
    assert_eq!(reply.error(400, "invalid_request"), "invalid request: body");
    let r = client
        .post(s.url("/api/permission/oauth2/account/%FF/token"))
        .json(&json!({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
        .send()
        .await
        .unwrap();
    let reply = OAuthReply::of(r).await;
    reply.error(400, "invalid_request");
    let r = client
        .post(s.url("/api/permission/oauth2/device/code"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let reply = OAuthReply::of(r).await;
    reply.error(400, "invalid_request");
}
