//! RFC 9700 §4.4 Mix-Up Attacks. A client talking to several authorization servers
//! is tricked into sending a code from one to another's token endpoint. Buckle
//! names itself in every authorization response with `iss` (RFC 9207): on
//! approval, on denial and on error redirects, always its configured public URL,
//! whatever `Host` the request claims; clients compare it with the issuer they
//! asked. (`oauth::code_flow::authorization_responses_name_the_issuer` checks the basic case.)

use super::{consent_page, signed_in, web_app};
use crate::oauth::{CALLBACK, authorize_url};
use crate::testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_authorization_response_names_this_issuer() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, _) = web_app(&a, "Mix Up").await;
    let pkce = crate::oauth::app(&a, "Mix Up Spa", "pkce", &["Account.readProfile"]).await;
    let pkce_id = pkce["app_id"].as_str().unwrap();
    let b = signed_in(&s, &alice).await;
    let mut answers = Vec::new();
    for decision in ["approve", "deny"] {
        let page = consent_page(&b, &id, "").await;
        answers.push(location(&b.consent(&page, decision, "").await).unwrap());
    }
    let token_type =
        authorize_url(&id, CALLBACK, "").replace("response_type=code", "response_type=token");
    answers.push(location(&b.get(&token_type).await).unwrap());
    answers.push(location(&b.get(&authorize_url(pkce_id, CALLBACK, "")).await).unwrap());
    // A request that names another host does not change who answers.
    let spoofed = b
        .client
        .get(s.url(&token_type))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("forwarded", "host=evil.example;proto=https")
        .send()
        .await
        .unwrap();
    answers.push(location(&spoofed).unwrap());
    assert_eq!(answers.len(), 5);
    for to in &answers {
        assert!(to.starts_with(CALLBACK), "{to}");
        let q = query_params(to);
        assert_eq!(q["iss"], s.base, "{to}");
        assert_eq!(q["state"], "st-1", "{to}");
        // One issuer parameter, not one per layer.
        assert_eq!(to.matches("iss=").count(), 1, "{to}");
    }
    // A state smuggling a second issuer comes back as data, not as a parameter.
    let smuggling = authorize_url(&id, CALLBACK, "").replace(
        "state=st-1",
        &format!(
            "state={}",
            buckle_core::redirect::encode("x&iss=https://evil.example")
        ),
    );
    let page = b.get(&smuggling).await.text().await.unwrap();
    let to = location(&b.consent(&page, "approve", "").await).unwrap();
    let q = query_params(&to);
    assert_eq!(
        (q["iss"].as_str(), q["state"].as_str()),
        (s.base.as_str(), "x&iss=https://evil.example")
    );
    assert_eq!(to.matches("iss=").count(), 1, "{to}");
}
