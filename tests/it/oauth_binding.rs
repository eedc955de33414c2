//! Client binding of codes and refresh tokens (issue 6, hole 3). Client ids are
//! public and PKCE apps need no secret, so a code or refresh token presented by a
//! client it was not issued to (or without that client's secret or PKCE verifier)
//! is refused AND left untouched: the rightful client still succeeds afterwards,
//! and only the rightful client's replay of a used one revokes its family.

use crate::oauth::{TOKEN, app, code_for, exchange, web_flow};
use crate::on_both_databases;
use crate::testkit::*;
use buckle_core::pkce::s256;
use serde_json::json;

on_both_databases!(
    intruders_cannot_burn_a_web_apps_refresh_token,
    intruders_cannot_burn_a_web_apps_code,
    intruders_cannot_burn_a_pkce_apps_code,
);

/// A client presenting a token: its id and the secret it sends, if any.
struct Intruder {
    what: &'static str,
    id: String,
    secret: Option<String>,
}

/// Another web app (with its own valid secret), a PKCE app and a device app (no
/// secret), and the victim's own id with a wrong secret and with none.
async fn intruders(a: &Session, victim_id: &str) -> Vec<Intruder> {
    let web = app(a, "Intruder Web", "web", &["Account.readProfile"]).await;
    let pkce = app(a, "Intruder Spa", "pkce", &["Account.readProfile"]).await;
    let device = app(a, "Intruder Tv", "device", &["Account.readProfile"]).await;
    let id = |v: &serde_json::Value| v["app_id"].as_str().unwrap().to_string();
    vec![
        Intruder {
            what: "another web app with its secret",
            id: id(&web),
            secret: web["client_secret"].as_str().map(str::to_string),
        },
        Intruder {
            what: "a PKCE app's id",
            id: id(&pkce),
            secret: None,
        },
        Intruder {
            what: "a device app's id",
            id: id(&device),
            secret: None,
        },
        Intruder {
            what: "the victim's id with a wrong secret",
            id: victim_id.to_string(),
            secret: Some("wrong-secret".into()),
        },
        Intruder {
            what: "the victim's id without a secret",
            id: victim_id.to_string(),
            secret: None,
        },
    ]
}

/// Asserts the intruder is refused: `invalid_client` for the victim's id without
/// its secret, `invalid app type` for a device app at the code grant (which it may
/// not use at all), `invalid_grant` for any other client.
#[track_caller]
fn refused(r: &OAuthReply, who: &Intruder, victim_id: &str) {
    if who.id == victim_id {
        r.error(401, "invalid_client");
    } else if r.status == 403 {
        assert_eq!(
            r.error(403, "access_deny"),
            "invalid app type",
            "{}",
            who.what
        );
    } else {
        let msg = r.error(400, "invalid_grant");
        assert!(!msg.contains("revoked"), "{}: {msg}", who.what);
    }
}

async fn refresh(s: &Server, id: &str, secret: Option<&str>, token: &str) -> OAuthReply {
    oauth_post(
        &s.base,
        TOKEN,
        secret,
        json!({"client_id": id, "grant_type": "refresh_token", "refresh_token": token}),
    )
    .await
}

fn tokens(r: &OAuthReply) -> (String, String) {
    let t = r.token();
    (
        t["access_token"].as_str().unwrap().to_string(),
        t["refresh_token"].as_str().unwrap().to_string(),
    )
}

async fn intruders_cannot_burn_a_web_apps_refresh_token(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let w = web_flow(&s, &alice, &a, "Victim Web", &["Account.readProfile"]).await;
    let gang = intruders(&a, &w.id).await;
    for who in &gang {
        let r = refresh(&s, &who.id, who.secret.as_deref(), &w.refresh).await;
        refused(&r, who, &w.id);
    }
    // Untouched: the chain's access token works and the rightful client refreshes.
    s.bearer(&w.access).get("/v1/users/me").await.ok();
    let (access1, refresh1) = tokens(&refresh(&s, &w.id, Some(&w.secret), &w.refresh).await);
    s.bearer(&access1).get("/v1/users/me").await.ok();
    s.bearer(&w.access).get("/v1/users/me").await.ok();
    // Another client presenting the now used token does not revoke the chain.
    for who in &gang {
        let r = refresh(&s, &who.id, who.secret.as_deref(), &w.refresh).await;
        refused(&r, who, &w.id);
    }
    s.bearer(&access1).get("/v1/users/me").await.ok();
    let (access2, refresh2) = tokens(&refresh(&s, &w.id, Some(&w.secret), &refresh1).await);
    s.bearer(&access2).get("/v1/users/me").await.ok();
    // The rightful client's own replay still revokes the whole chain.
    refresh(&s, &w.id, Some(&w.secret), &refresh1)
        .await
        .error(400, "invalid_grant");
    for t in [&w.access, &access1, &access2] {
        s.bearer(t).get("/v1/users/me").await.fails(401, 4100);
    }
    refresh(&s, &w.id, Some(&w.secret), &refresh2)
        .await
        .error(400, "invalid_grant");
}

async fn intruders_cannot_burn_a_web_apps_code(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Victim Web", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str().unwrap();
    let gang = intruders(&a, id).await;
    let code = code_for(&s, &alice, id, "").await;
    for who in &gang {
        let r = exchange(&s, &who.id, who.secret.as_deref(), &code, json!({})).await;
        refused(&r, who, id);
    }
    // A wrong redirect_uri from the rightful client is refused without burning the
    // code either (every check runs before the code is used).
    let msg = exchange(
        &s,
        id,
        Some(secret),
        &code,
        json!({"redirect_uri": "http://127.0.0.1:9/other"}),
    )
    .await
    .error(400, "invalid_grant");
    assert!(msg.contains("redirect_uri"), "{msg}");
    let (access, refresh_token) = tokens(&exchange(&s, id, Some(secret), &code, json!({})).await);
    s.bearer(&access).get("/v1/users/me").await.ok();
    // Another client presenting the used code does not revoke what it issued.
    for who in &gang {
        let r = exchange(&s, &who.id, who.secret.as_deref(), &code, json!({})).await;
        refused(&r, who, id);
    }
    s.bearer(&access).get("/v1/users/me").await.ok();
    let (access1, _) = tokens(&refresh(&s, id, Some(secret), &refresh_token).await);
    // The rightful client's replay revokes everything the code led to.
    exchange(&s, id, Some(secret), &code, json!({}))
        .await
        .error(400, "invalid_grant");
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
    s.bearer(&access1)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
}

async fn intruders_cannot_burn_a_pkce_apps_code(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let pkce = app(&a, "Victim Spa", "pkce", &["Account.readProfile"]).await;
    let id = pkce["app_id"].as_str().unwrap();
    let verifier = "the-right-verifier-0123456789";
    let extra = format!(
        "&code_challenge={}&code_challenge_method=S256",
        s256(verifier)
    );
    let code = code_for(&s, &alice, id, &extra).await;
    let other_pkce = app(&a, "Intruder Spa Two", "pkce", &["Account.readProfile"]).await;
    let mut gang = intruders(&a, id).await;
    gang.push(Intruder {
        what: "another PKCE app's id",
        id: other_pkce["app_id"].as_str().unwrap().to_string(),
        secret: None,
    });
    // Every other client, even with the right verifier, is refused.
    let with_verifier = json!({"code_verifier": verifier});
    for who in gang.iter().filter(|w| w.id != id) {
        let r = exchange(
            &s,
            &who.id,
            who.secret.as_deref(),
            &code,
            with_verifier.clone(),
        )
        .await;
        refused(&r, who, id);
    }
    // For a public client the verifier is what proves it is the code's client: a
    // wrong or missing one is refused and leaves the code alone.
    exchange(
        &s,
        id,
        None,
        &code,
        json!({"code_verifier": "a-wrong-verifier-0123456789"}),
    )
    .await
    .error(400, "invalid_grant");
    exchange(&s, id, None, &code, json!({}))
        .await
        .error(400, "invalid_request");
    let (access, _) = tokens(&exchange(&s, id, None, &code, with_verifier.clone()).await);
    s.bearer(&access).get("/v1/users/me").await.ok();
    // The used code presented by others, or with a wrong verifier, revokes nothing.
    for who in gang.iter().filter(|w| w.id != id) {
        let r = exchange(
            &s,
            &who.id,
            who.secret.as_deref(),
            &code,
            with_verifier.clone(),
        )
        .await;
        refused(&r, who, id);
    }
    exchange(
        &s,
        id,
        None,
        &code,
        json!({"code_verifier": "a-wrong-verifier-0123456789"}),
    )
    .await
    .error(400, "invalid_grant");
    s.bearer(&access).get("/v1/users/me").await.ok();
    // Its own client's replay does.
    exchange(&s, id, None, &code, with_verifier)
        .await
        .error(400, "invalid_grant");
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
}
