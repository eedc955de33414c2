//! RFC 9700 §4.5 Authorization Code Injection. An attacker who got hold of a code
//! (of the victim, or of another client) injects it into a flow of their own. A
//! Buckle code is bound to its client, its redirect URI and, when one was sent, its
//! PKCE challenge; a code presented otherwise is refused and left untouched, so the
//! rightful client still redeems it. Races and full client-binding rounds are in
//! `oauth_reuse` and `oauth_binding`; these are the single-shot injections.

use super::web_app;
use crate::oauth::{app, code_for, exchange};
use crate::on_both_databases;
use crate::testkit::*;
use buckle_core::pkce::s256;
use serde_json::json;

on_both_databases!(injected_codes_are_refused_and_left_for_their_client);

async fn injected_codes_are_refused_and_left_for_their_client(s: Server) {
    let alice = s.user("alice").await;
    let mallory = s.user("mallory").await;
    let a = s.login(&alice).await;
    let m = s.login(&mallory).await;
    let (victim_id, victim_secret) = web_app(&a, "Victim Web").await;
    let (evil_id, evil_secret) = web_app(&m, "Evil Web").await;
    let evil_spa = app(&m, "Evil Spa", "pkce", &["Account.readProfile"]).await;
    let evil_spa = evil_spa["app_id"].as_str().unwrap();

    // Alice's code for the victim app, injected into the attacker's web and SPA
    // clients (each authenticating as itself).
    let code = code_for(&s, &alice, &victim_id, "").await;
    exchange(&s, &evil_id, Some(&evil_secret), &code, json!({}))
        .await
        .error(400, "invalid_grant");
    exchange(
        &s,
        evil_spa,
        None,
        &code,
        json!({"code_verifier": "x".repeat(43)}),
    )
    .await
    .error(400, "invalid_grant");
    // The victim client, not fooled, still redeems it: nothing was used up.
    let t = exchange(&s, &victim_id, Some(&victim_secret), &code, json!({})).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    s.bearer(&access).get("/v1/users/me").await.ok();

    // The other way round: Mallory's own code injected into the victim client's
    // flow is refused by Buckle too (it is bound to Mallory's client), and does not
    // disturb Alice's live token.
    let evil_code = code_for(&s, &mallory, &evil_id, "").await;
    exchange(&s, &victim_id, Some(&victim_secret), &evil_code, json!({}))
        .await
        .error(400, "invalid_grant");
    s.bearer(&access).get("/v1/users/me").await.ok();

    // A PKCE-bound code: without its verifier, or with another, refused; then the
    // rightful client with the right verifier redeems it.
    let verifier = "the-rightful-verifier-of-the-victim-client-0123";
    let spa = app(&a, "Victim Spa", "pkce", &["Account.readProfile"]).await;
    let spa = spa["app_id"].as_str().unwrap();
    let extra = format!(
        "&code_challenge={}&code_challenge_method=S256",
        s256(verifier)
    );
    let code = code_for(&s, &alice, spa, &extra).await;
    exchange(&s, spa, None, &code, json!({}))
        .await
        .error(400, "invalid_request");
    exchange(
        &s,
        spa,
        None,
        &code,
        json!({"code_verifier": "y".repeat(43)}),
    )
    .await
    .error(400, "invalid_grant");
    exchange(&s, spa, None, &code, json!({"code_verifier": verifier}))
        .await
        .token();
}
