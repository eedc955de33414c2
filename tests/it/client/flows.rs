//! Every flow of the client crate against Buckle.

use super::{path_of, pkcs1_pem};
use crate::oauth::{CALLBACK, app, service_app};
use crate::on_both_databases;
use crate::testkit::*;
use buckle_client::{
    BoxFuture, Client, Credential, DevicePoll, Error, FallbackChain, JwtAuth, OAuthClient,
    OAuthTokenAuth, Pkce, PrivateKey, TokenAuth,
};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_databases!(
    token_auth_and_typed_errors,
    jwt_auth_caches_and_renews,
    web_code_flow_refresh_and_revocation,
    pkce_flow,
    device_flow_polling,
    fallback_chain_on_4100_and_4101,
    fallback_chain_through_a_workspace_move,
);

async fn token_auth_and_typed_errors(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let pat = a.simple_pat(&["Account.readProfile"]).await;
    let client = Client::new(&s.base, TokenAuth::new(pat)).unwrap();
    let me = client.users_me().await.unwrap();
    assert_eq!(me.user_id, alice.id.to_string());
    assert_eq!(me.user_name, "alice");
    let bad = Client::new(&s.base, TokenAuth::new("pat_nothing")).unwrap();
    let e = bad.users_me().await.unwrap_err();
    match &e {
        Error::Api {
            status,
            code,
            msg,
            logid,
        } => {
            assert_eq!((*status, *code), (401, 4100));
            assert!(!msg.is_empty());
            assert!(logid.as_deref().is_some_and(|l| !l.is_empty()), "{e:?}");
        }
        other => panic!("expected a Coze error, got {other:?}"),
    }
    assert!(e.is_credential_refused());
    // A base URL that is no URL is refused up front, not at the first call.
    assert!(matches!(
        Client::new("not a url", TokenAuth::new("x")),
        Err(Error::Config(_))
    ));
    assert!(matches!(PrivateKey::from_pem("junk"), Err(Error::Key(_))));
}

async fn jwt_auth_caches_and_renews(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, key) = service_app(&s, &a, "Svc Client").await;
    for pem in [key.private_pem.clone(), pkcs1_pem(&key)] {
        let auth = Arc::new(
            JwtAuth::new(&s.base, &id, key.kid(), PrivateKey::from_pem(&pem).unwrap()).unwrap(),
        );
        // Concurrent callers of a fresh credential share one token.
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let auth = auth.clone();
                tokio::spawn(async move { auth.token().await.unwrap() })
            })
            .collect();
        let mut tokens = Vec::new();
        for c in calls {
            tokens.push(c.await.unwrap());
        }
        assert!(tokens.iter().all(|t| t == &tokens[0]));
        assert!(tokens[0].access_token.starts_with("czs_"));
        assert!(tokens[0].expires_at > buckle_core::now_unix() + 800);
        // Cached: the same token again.
        assert_eq!(auth.token().await.unwrap(), tokens[0]);
        let me = Client::new(&s.base, SharedCredential(auth.clone()))
            .unwrap()
            .users_me()
            .await
            .unwrap();
        assert_eq!(me.user_id, alice.id.to_string());
    }
    // A token within `renew_before` of its expiry is renewed before it is used.
    let auth = JwtAuth::new(
        &s.base,
        &id,
        key.kid(),
        PrivateKey::from_pem(&key.private_pem).unwrap(),
    )
    .unwrap()
    .with_duration(Duration::from_secs(600))
    .with_renew_before(Duration::from_secs(590));
    let first = auth.token().await.unwrap();
    let near_expiry = auth.token().await.unwrap();
    assert_eq!(
        first, near_expiry,
        "590 s before expiry is still fresh enough"
    );
    let auth = auth.with_renew_before(Duration::from_secs(600));
    let renewed = auth.token().await.unwrap();
    assert_ne!(renewed.access_token, first.access_token);
    // Both work until they expire: renewal does not revoke.
    s.bearer(&renewed.access_token)
        .get("/v1/users/me")
        .await
        .ok();
    // A wrong kid: the OAuth error, typed.
    let wrong = JwtAuth::new(
        &s.base,
        &id,
        "not-a-kid",
        PrivateKey::from_pem(&key.private_pem).unwrap(),
    )
    .unwrap();
    let e = wrong.token().await.unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_client"), "{e:?}");
}

/// An `Arc` of a credential used as one.
struct SharedCredential<C>(Arc<C>);

impl<C: Credential> Credential for SharedCredential<C> {
    fn access_token(&self) -> BoxFuture<'_, buckle_client::Result<String>> {
        self.0.access_token()
    }
}

async fn browser_code(s: &Server, user: &User, url: &str) -> String {
    let b = Browser::new(&s.base);
    let (status, page) = b.open_as(path_of(url, &s.base), user).await;
    assert_eq!(status, 200, "{page}");
    let r = b.consent(&page, "approve", "").await;
    let to = location(&r).unwrap();
    let q = query_params(&to);
    assert_eq!(q["state"], "client-state");
    q["code"].clone()
}

async fn web_code_flow_refresh_and_revocation(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Web Client", "web", &["Account.readProfile"]).await;
    let (id, secret) = (
        web["app_id"].as_str().unwrap(),
        web["client_secret"].as_str().unwrap(),
    );
    let oauth = OAuthClient::new(&s.base, id).unwrap();
    let url = oauth.authorize_url(CALLBACK, "client-state", None);
    let code = browser_code(&s, &alice, &url).await;
    // Without the secret a web app is refused.
    let e = oauth
        .exchange_code(&code, CALLBACK, None, None)
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_client"));
    let token = oauth
        .exchange_code(&code, CALLBACK, Some(secret), None)
        .await
        .unwrap();
    assert!(token.access_token.starts_with("czu_"));
    let refreshed = oauth
        .refresh(token.refresh_token.as_deref().unwrap(), Some(secret))
        .await
        .unwrap();
    assert_ne!(refreshed.access_token, token.access_token);
    // The used refresh token is refused: invalid_grant.
    let e = oauth
        .refresh(token.refresh_token.as_deref().unwrap(), Some(secret))
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_grant"));

    // A new chain, kept fresh by OAuthTokenAuth: a token inside the margin is refreshed.
    let code = browser_code(
        &s,
        &alice,
        &oauth.authorize_url(CALLBACK, "client-state", None),
    )
    .await;
    let token = oauth
        .exchange_code(&code, CALLBACK, Some(secret), None)
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let auth = OAuthTokenAuth::new(oauth.clone(), token.clone(), Some(secret.to_string()))
        .with_renew_before(Duration::from_secs(3600))
        .on_refresh(move |t| seen2.lock().unwrap().push(t.access_token.clone()));
    let t1 = auth.token().await.unwrap();
    assert_ne!(t1.access_token, token.access_token);
    assert_eq!(*seen.lock().unwrap(), vec![t1.access_token.clone()]);
    let client = Client::new(&s.base, auth).unwrap();
    client.users_me().await.unwrap();
    // Revoking the refresh token ends every token of the chain.
    oauth
        .revoke(t1.refresh_token.as_deref().unwrap(), Some(secret))
        .await
        .unwrap();
    s.bearer(&t1.access_token)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    // Unknown tokens revoke fine too; a wrong secret does not.
    oauth.revoke("unknown", Some(secret)).await.unwrap();
    let e = oauth.revoke("unknown", Some("wrong")).await.unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_client"));
}

async fn pkce_flow(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let spa = app(&a, "Spa Client", "pkce", &["Account.readProfile"]).await;
    let oauth = OAuthClient::new(&s.base, spa["app_id"].as_str().unwrap()).unwrap();
    let pkce = Pkce::new();
    let url = oauth.authorize_url(CALLBACK, "client-state", Some(&pkce));
    assert!(url.contains("code_challenge_method=S256"));
    let code = browser_code(&s, &alice, &url).await;
    let e = oauth
        .exchange_code(&code, CALLBACK, None, Some(&Pkce::new()))
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_grant"));
    let code = browser_code(&s, &alice, &url).await;
    let token = oauth
        .exchange_code(&code, CALLBACK, None, Some(&pkce))
        .await
        .unwrap();
    let client = Client::new(&s.base, TokenAuth::new(token.access_token.clone())).unwrap();
    client.users_me().await.unwrap();
    let refreshed = oauth
        .refresh(token.refresh_token.as_deref().unwrap(), None)
        .await
        .unwrap();
    // Revoking the access token ends it alone.
    oauth.revoke(&refreshed.access_token, None).await.unwrap();
    s.bearer(&refreshed.access_token)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    oauth
        .refresh(refreshed.refresh_token.as_deref().unwrap(), None)
        .await
        .unwrap();
}

async fn device_flow_polling(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = app(&a, "Tv Client", "device", &["Account.readProfile"]).await;
    let oauth = OAuthClient::new(&s.base, dev["app_id"].as_str().unwrap()).unwrap();

    let b = Browser::new(&s.base);
    // Denied: access_denied, typed.
    let device = oauth.device_code().await.unwrap();
    let poller = {
        let (oauth, device) = (oauth.clone(), device.clone());
        tokio::spawn(async move { oauth.poll_device_token(&device, |_| {}).await })
    };
    b.device_decision(&device.user_code, &alice, "deny", "")
        .await;
    let e = tokio::time::timeout(Duration::from_secs(20), poller)
        .await
        .expect("the poll ends")
        .unwrap()
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("access_denied"), "{e:?}");

    // Approved after a slow_down: the server's clock stands still, so the
    // client's second poll comes "too soon" and must wait 5 seconds more.
    s.state.clock.freeze();
    let device = oauth.device_code().await.unwrap();
    assert_eq!(
        device.verification_url(),
        format!("{}/oauth/device?user_code={}", s.base, device.user_code)
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let poller = {
        let (oauth, device, events) = (oauth.clone(), device.clone(), events.clone());
        tokio::spawn(async move {
            oauth
                .poll_device_token(&device, |p| events.lock().unwrap().push(p.clone()))
                .await
        })
    };
    tokio::time::timeout(Duration::from_secs(20), async {
        while !events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, DevicePoll::SlowDown { .. }))
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the server asks the client to slow down");
    let (status, _) = b
        .device_decision(&device.user_code, &alice, "approve", "")
        .await;
    assert_eq!(status, 200);
    s.state.clock.advance(30);
    let token = tokio::time::timeout(Duration::from_secs(20), poller)
        .await
        .expect("the poll ends")
        .unwrap()
        .unwrap();
    s.bearer(&token.access_token).get("/v1/users/me").await.ok();
    let events = events.lock().unwrap().clone();
    assert!(
        matches!(events[0], DevicePoll::Pending { interval, .. } if interval == Duration::from_secs(1)),
        "{events:?}"
    );
    assert_eq!(
        events[1],
        DevicePoll::SlowDown {
            interval: Duration::from_secs(6)
        }
    );
    assert_eq!(
        events.len(),
        2,
        "no poll before the longer interval: {events:?}"
    );

    // Expired: the server says expired_token, the client DeviceCodeExpired.
    let device = oauth.device_code().await.unwrap();
    s.state.clock.advance(301);
    let e = oauth.poll_device_token(&device, |_| {}).await.unwrap_err();
    assert!(matches!(e, Error::DeviceCodeExpired), "{e:?}");
}

/// A credential that counts how often it is asked for its token.
struct Counted {
    inner: TokenAuth,
    asked: Arc<AtomicUsize>,
}

impl Credential for Counted {
    fn access_token(&self) -> BoxFuture<'_, buckle_client::Result<String>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.inner.access_token()
    }
}

fn counted(token: &str) -> (Counted, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    (
        Counted {
            inner: TokenAuth::new(token),
            asked: asked.clone(),
        },
        asked,
    )
}

async fn fallback_chain_on_4100_and_4101(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let lacking = a.simple_pat(&["Bot.list"]).await;
    let (good_id, good) = a
        .pat(serde_json::json!({"name": "good", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    // Each refusal alone, as the server gives it.
    let e = Client::new(&s.base, TokenAuth::new("pat_revoked"))
        .unwrap()
        .users_me()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(4100));
    let e = Client::new(&s.base, TokenAuth::new(lacking.clone()))
        .unwrap()
        .users_me()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(4101));

    let (c1, n1) = counted("pat_revoked");
    let (c2, n2) = counted(&lacking);
    let (c3, n3) = counted(&good);
    let client = Client::new(&s.base, FallbackChain::new().with(c1).with(c2).with(c3)).unwrap();
    let me = client.users_me().await.unwrap();
    assert_eq!(me.user_name, "alice");
    assert_eq!(client.chain().preferred(), 2);
    let counts = || {
        (
            n1.load(Ordering::SeqCst),
            n2.load(Ordering::SeqCst),
            n3.load(Ordering::SeqCst),
        )
    };
    assert_eq!(counts(), (1, 1, 1));
    // Remembered: the next call goes straight to the one that worked.
    client.users_me().await.unwrap();
    assert_eq!(counts(), (1, 1, 2));
    // An error that is no credential's fault is not retried with another.
    let e = client.get("/v1/no/such/path").await.unwrap_err();
    assert!(!e.is_credential_refused(), "{e:?}");
    assert_eq!(counts(), (1, 1, 3));
    // When the one that worked stops working, the chain moves on and wraps around.
    a.delete(&format!("/api/manage/personal_access_tokens/{good_id}"))
        .await
        .ok();
    let e = client.users_me().await.unwrap_err();
    assert!(matches!(e, Error::AllCredentialsFailed(_)), "{e:?}");
    assert!(e.is_credential_refused());
    assert_eq!(counts(), (2, 2, 4));
}

/// The migration guide's plan with the Rust client: a personal and a team PAT
/// in one chain keep every call succeeding before, during and after the
/// workspace moves into the team; the team PAT serves once the personal one
/// gets 4101 for the workspace, and the person's conversation (account level)
/// stays readable with the personal PAT throughout.
async fn fallback_chain_through_a_workspace_move(s: Server) {
    let acme = Org::build(&s, "acme").owner("ann").create().await;
    let (ann, a) = acme.member("ann");
    let mover = s.login(ann).await;
    let ws = a.workspace("moving", None).await;
    let points = [
        "Bot.list",
        "Bot.create",
        "Conversation.create",
        "Conversation.list",
    ];
    let personal = a.simple_pat(&points).await;
    let team = acme.pat("ann", &points).await;
    s.bearer(&personal)
        .post(
            "/v1/bot/create",
            json!({"space_id": ws.to_string(), "name": "helper"}),
        )
        .await
        .ok();
    let made = s
        .bearer(&personal)
        .post("/v1/conversation/create", json!({}))
        .await;
    let conversation = made.ok()["id"].as_str().unwrap().to_string();
    let bots = Client::new(
        &s.base,
        FallbackChain::new()
            .with(TokenAuth::new(personal.clone()))
            .with(TokenAuth::new(team)),
    )
    .unwrap();
    let conversations = Client::new(&s.base, TokenAuth::new(personal)).unwrap();

    let mut served_by = Vec::new();
    let mut moved = None;
    let mut mover = Some(mover);
    for i in 0..30 {
        if i == 5 {
            let (org, session) = (acme.id.clone(), mover.take().expect("one move"));
            moved = Some(tokio::spawn(async move {
                session
                    .post(
                        &format!("/api/manage/workspaces/{ws}/move"),
                        json!({"organization_id": org}),
                    )
                    .await
                    .ok()
                    .clone()
            }));
        }
        let listed = bots
            .get(&format!("/v1/bots?workspace_id={ws}"))
            .await
            .unwrap_or_else(|e| panic!("round {i}: {e:?}"));
        let names: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["helper"], "round {i}");
        served_by.push(bots.chain().preferred());
        let kept = conversations
            .get(&format!(
                "/v1/conversation/retrieve?conversation_id={conversation}"
            ))
            .await
            .unwrap_or_else(|e| panic!("round {i}: {e:?}"));
        assert_eq!(kept["id"], json!(conversation), "round {i}");
        if i == 20 {
            moved.take().expect("the move started").await.unwrap();
        }
    }
    assert_eq!(served_by[..5], [0; 5], "before the move: {served_by:?}");
    assert_eq!(served_by[21..], [1; 9], "after the move: {served_by:?}");
    let switched = served_by.iter().position(|b| *b == 1).unwrap();
    assert!(
        served_by[switched..].iter().all(|b| *b == 1),
        "{served_by:?}"
    );
}
