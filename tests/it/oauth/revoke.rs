//! RFC 7009 revocation and RFC 8414 metadata: access and refresh tokens of every
//! flow, the refresh token's family, other clients' and unknown tokens (200,
//! nothing revoked), client authentication, and the discovery document.

use super::*;
use crate::on_both_databases;

on_both_databases!(revocation_of_every_kind, metadata_document);

const REVOKE: &str = "/api/permission/oauth2/revoke";

/// A form-encoded revocation, as RFC 7009 clients send it.
async fn revoke_form(s: &Server, secret: Option<&str>, form: &[(&str, &str)]) -> OAuthReply {
    let mut rb = reqwest::Client::new().post(s.url(REVOKE)).form(form);
    if let Some(secret) = secret {
        rb = rb.header("Authorization", format!("Bearer {secret}"));
    }
    OAuthReply::of(rb.send().await.unwrap()).await
}

#[track_caller]
fn revoked_ok(r: OAuthReply) {
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn revocation_of_every_kind(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let points = ["Account.readProfile"];

    // Web app: client authentication as at the token endpoint.
    let f = web_flow(&s, &alice, &a, "Web Revoke", &points).await;
    let (id, secret) = (f.id.as_str(), f.secret.as_str());
    revoke_form(&s, None, &[("client_id", id), ("token", &f.access)])
        .await
        .error(401, "invalid_client");
    revoke_form(
        &s,
        Some("wrong"),
        &[("client_id", id), ("token", &f.access)],
    )
    .await
    .error(401, "invalid_client");
    revoke_form(&s, Some(secret), &[("client_id", id)])
        .await
        .error(400, "invalid_request");
    revoke_form(&s, Some(secret), &[("token", &f.access)])
        .await
        .error(400, "invalid_request");
    revoke_form(
        &s,
        Some(secret),
        &[("client_id", "404.app.buckle"), ("token", "x")],
    )
    .await
    .error(401, "invalid_client");
    // Revoking the access token ends it alone: the refresh token still works.
    s.bearer(&f.access).get("/v1/users/me").await.ok();
    revoked_ok(
        revoke_form(
            &s,
            Some(secret),
            &[
                ("client_id", id),
                ("token", &f.access),
                ("token_type_hint", "access_token"),
            ],
        )
        .await,
    );
    s.bearer(&f.access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    // Already revoked, unknown, and a hint that is wrong or unknown: all 200.
    revoked_ok(revoke_form(&s, Some(secret), &[("client_id", id), ("token", &f.access)]).await);
    revoked_ok(
        revoke_form(
            &s,
            Some(secret),
            &[
                ("client_id", id),
                ("token", "nothing-like-a-token"),
                ("token_type_hint", "whatever"),
            ],
        )
        .await,
    );
    let t2 = oauth_post(
        &s.base,
        TOKEN,
        Some(secret),
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": f.refresh}),
    )
    .await;
    let a2 = t2.token()["access_token"].as_str().unwrap().to_string();
    let r2 = t2.token()["refresh_token"].as_str().unwrap().to_string();
    s.bearer(&a2).get("/v1/users/me").await.ok();
    // Revoking the refresh token (JSON body, hint saying "access") takes its family.
    let r = oauth_post(
        &s.base,
        REVOKE,
        Some(secret),
        json!({"client_id": id, "token": r2, "token_type_hint": "access_token"}),
    )
    .await;
    assert_eq!(r.status, 200);
    s.bearer(&a2).get("/v1/users/me").await.fails(401, 4100);
    oauth_post(
        &s.base,
        TOKEN,
        Some(secret),
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": r2}),
    )
    .await
    .error(400, "invalid_grant");

    // Another client's token is not revoked, and the answer is the same 200.
    let g = web_flow(&s, &alice, &a, "Web Other", &points).await;
    revoked_ok(revoke_form(&s, Some(secret), &[("client_id", id), ("token", &g.access)]).await);
    revoked_ok(
        revoke_form(
            &s,
            Some(secret),
            &[("client_id", id), ("token", &g.refresh)],
        )
        .await,
    );
    s.bearer(&g.access).get("/v1/users/me").await.ok();
    // The secret travels only in the header.
    revoke_form(
        &s,
        None,
        &[
            ("client_id", &g.id),
            ("token", &g.access),
            ("client_secret", &g.secret),
        ],
    )
    .await
    .error(400, "invalid_request");

    // PKCE: a public client, by client_id alone; a secret is refused.
    let pkce = app(&a, "Spa Revoke", "pkce", &points).await;
    let pid = pkce["app_id"].as_str().unwrap();
    let verifier = "revocation-verifier-0123456789";
    let extra = format!(
        "&code_challenge={}&code_challenge_method=S256",
        buckle_core::pkce::s256(verifier)
    );
    let code = code_for(&s, &alice, pid, &extra).await;
    let t = exchange(&s, pid, None, &code, json!({"code_verifier": verifier})).await;
    let (pa, pr) = (
        t.token()["access_token"].as_str().unwrap().to_string(),
        t.token()["refresh_token"].as_str().unwrap().to_string(),
    );
    revoke_form(&s, Some("anything"), &[("client_id", pid), ("token", &pr)])
        .await
        .error(401, "invalid_client");
    revoked_ok(
        revoke_form(
            &s,
            None,
            &[
                ("client_id", pid),
                ("token", &pr),
                ("token_type_hint", "refresh_token"),
            ],
        )
        .await,
    );
    s.bearer(&pa).get("/v1/users/me").await.fails(401, 4100);

    // Device: approve, then revoke the access token through the refresh token's family.
    let dev = app(&a, "Tv Revoke", "device", &points).await;
    let did = dev["app_id"].as_str().unwrap();
    let d = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": did}),
    )
    .await;
    let d = d.token().clone();
    let b = Browser::new(&s.base);
    let (status, _) = b
        .device_decision(d["user_code"].as_str().unwrap(), &alice, "approve", "")
        .await;
    assert_eq!(status, 200);
    let t = oauth_post(
        &s.base,
        TOKEN,
        None,
        json!({"client_id": did, "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": d["device_code"]}),
    )
    .await;
    let (da, dr) = (
        t.token()["access_token"].as_str().unwrap().to_string(),
        t.token()["refresh_token"].as_str().unwrap().to_string(),
    );
    s.bearer(&da).get("/v1/users/me").await.ok();
    revoked_ok(revoke_form(&s, None, &[("client_id", did), ("token", &dr)]).await);
    s.bearer(&da).get("/v1/users/me").await.fails(401, 4100);

    // JWT (service app): its czs_ token, by client_id.
    let (sid, key) = service_app(&s, &a, "Svc Revoke").await;
    let jwt = key.sign(&header(&key), &claims(&s, &sid));
    let t = jwt_token(&s, TOKEN, &jwt, json!({})).await;
    let sa = t.token()["access_token"].as_str().unwrap().to_string();
    s.bearer(&sa).get("/v1/users/me").await.ok();
    // The PAT of the same person is no OAuth token: untouched, still 200.
    let pat = a.simple_pat(&["Account.readProfile"]).await;
    revoked_ok(revoke_form(&s, None, &[("client_id", &sid), ("token", &pat)]).await);
    s.bearer(&pat).get("/v1/users/me").await.ok();
    revoked_ok(revoke_form(&s, None, &[("client_id", &sid), ("token", &sa)]).await);
    s.bearer(&sa).get("/v1/users/me").await.fails(401, 4100);
}

async fn metadata_document(s: Server) {
    let r = reqwest::get(s.url("/.well-known/oauth-authorization-server"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    let base = &s.base;
    assert_eq!(m["issuer"], json!(base));
    for (field, path) in [
        ("authorization_endpoint", "/api/permission/oauth2/authorize"),
        ("token_endpoint", TOKEN),
        (
            "device_authorization_endpoint",
            "/api/permission/oauth2/device/code",
        ),
        ("revocation_endpoint", REVOKE),
        (
            "introspection_endpoint",
            "/api/permission/oauth2/introspect",
        ),
    ] {
        assert_eq!(m[field], json!(format!("{base}{path}")), "{field}");
    }
    assert_eq!(
        m["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ])
    );
    assert_eq!(m["response_types_supported"], json!(["code"]));
    assert_eq!(
        m["code_challenge_methods_supported"],
        json!(["plain", "S256"])
    );
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        json!(["none", "client_secret_bearer"])
    );
    // The authorize redirect carries the same issuer (RFC 9207).
    assert_eq!(
        m["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    // Both endpoints are in the generated document.
    let doc: Value = reqwest::get(s.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"][REVOKE]["post"].is_object());
    assert!(doc["paths"]["/.well-known/oauth-authorization-server"]["get"].is_object());
}
