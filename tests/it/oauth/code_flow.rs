//! The authorization code flow through the sign-in and consent pages: the code, its
//! exchange and every refusal, single use, registered redirects only, and `iss` on
//! every authorization response.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    authorization_code_flow_through_the_pages,
    code_exchange_refusals,
    reused_code_revokes_what_it_issued,
    authorize_page_refuses_unregistered_redirects_and_wrong_app_types,
    authorization_responses_name_the_issuer,
);

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
    assert!(
        page.contains("<html lang=\"en\">"),
        "in the default language"
    );

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
