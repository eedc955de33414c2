//! RFC 9700 §4.8 PKCE Downgrade Attack. An attacker strips `code_challenge` from the
//! victim's authorization request, then redeems the intercepted code with any (or
//! no) verifier. Buckle stores whether a code was bound and how: a code issued
//! without a challenge refuses a verifier, a bound code refuses a missing verifier
//! and a `plain`-style verifier for an S256 challenge, and a PKCE (public) app
//! cannot get a code without a challenge at all, not even through the consent form.

use super::{consent_page, signed_in, web_app};
use crate::oauth::{CALLBACK, app, authorize_url, code_for, exchange};
use crate::on_both_databases;
use crate::testkit::*;
use buckle_core::pkce::s256;
use serde_json::json;

on_both_databases!(stripped_or_swapped_challenges_do_not_redeem);

async fn stripped_or_swapped_challenges_do_not_redeem(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let verifier = "a-verifier-of-forty-three-characters-or-more-0";
    let challenge = s256(verifier);
    let bound = format!("&code_challenge={challenge}&code_challenge_method=S256");

    // A confidential client's code issued without a challenge refuses a verifier.
    let (web, secret) = web_app(&a, "Downgrade Web").await;
    let code = code_for(&s, &alice, &web, "").await;
    let msg = exchange(
        &s,
        &web,
        Some(&secret),
        &code,
        json!({"code_verifier": verifier}),
    )
    .await
    .error(400, "invalid_grant");
    assert!(msg.contains("code_challenge"), "{msg}");

    // A bound code refuses no verifier and the challenge sent back as a verifier.
    let spa = app(&a, "Downgrade Spa", "pkce", &["Account.readProfile"]).await;
    let spa = spa["app_id"].as_str().unwrap();
    let code = code_for(&s, &alice, spa, &bound).await;
    exchange(&s, spa, None, &code, json!({}))
        .await
        .error(400, "invalid_request");
    exchange(&s, spa, None, &code, json!({"code_verifier": challenge}))
        .await
        .error(400, "invalid_grant");
    // ... and the rightful verifier still redeems it.
    exchange(&s, spa, None, &code, json!({"code_verifier": verifier}))
        .await
        .token();

    // A PKCE app's request stripped of its challenge gets an error, not a page.
    let b = signed_in(&s, &alice).await;
    let r = b.get(&authorize_url(spa, CALLBACK, "")).await;
    let q = query_params(&location(&r).unwrap());
    assert_eq!(q["error"], "invalid_request");
    assert!(!q.contains_key("code"));
    // Nor does a consent form with the challenge removed produce a code.
    let page = consent_page(&b, spa, &bound).await;
    let stripped = page
        .replace(&format!("value=\"{challenge}\""), "value=\"\"")
        .replace("value=\"S256\"", "value=\"\"");
    assert_ne!(stripped, page);
    let r = b.consent(&stripped, "approve", "").await;
    let q = query_params(&location(&r).unwrap());
    assert_eq!(q["error"], "invalid_request");
    assert!(!q.contains_key("code"));
    // The genuine form works.
    let r = b.consent(&page, "approve", "").await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    exchange(&s, spa, None, &code, json!({"code_verifier": verifier}))
        .await
        .token();
}
