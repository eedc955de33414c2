//! The JWT bearer grant of service apps: signatures, claims (aud, iss, exp, nbf, jti,
//! crit), the account and organization token paths, and single use of a JWT across
//! processes.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    jwt_grant_and_its_refusals,
    jwt_grant_honours_nbf_and_refuses_crit,
    jwt_authorization_paths,
);

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
