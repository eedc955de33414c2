//! PKCE: S256 and plain challenges, the verifier's checks, and public clients without
//! a secret.

use super::*;
use crate::on_both_databases;
use buckle_core::pkce::s256;

on_both_databases!(pkce_rules);

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
