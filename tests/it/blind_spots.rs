//! Blind spots of the suite (issue 6, item 10): AppAuth authorizations limited to
//! some workspaces, inputs only the Go and Java SDKs send, service access tokens
//! stored only as hashes, operator-only and team-level refusals on the consent and
//! device pages, forged CSRF on both forms, and enterprises with Coze-style ids.

use crate::oauth::{CALLBACK, TOKEN, app, claims, code_for, exchange, header, jwt_token};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    appauth_limited_to_some_workspaces_reaches_only_those,
    authorize_without_state_or_with_an_empty_one_completes,
    go_sdk_extra_fields_are_accepted_on_every_grant,
    jwt_grant_duration_defaults_to_900_seconds_and_stops_below_a_day,
    service_access_tokens_are_stored_only_as_hashes,
    operator_points_are_refused_to_non_operators_on_every_path,
    team_level_device_approval_needs_an_admin,
    pinning_a_workspace_of_someone_else_is_refused,
    forged_csrf_grants_nothing,
    enterprise_with_a_chosen_id_end_to_end,
);

/// domain.md's sentence for a team/enterprise-level app and a plain member.
const TEAM_LEVEL_REFUSAL: &str = "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it.";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A service app of `session`'s account (or of `org`) with one key and no
/// authorization yet.
async fn keyed_service_app(session: &Session, name: &str, points: &[&str]) -> (String, ServiceKey) {
    let svc = app(session, name, "service", points).await;
    let id = svc["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    session
        .post(
            &format!("/api/manage/apps/{id}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await
        .ok();
    (id, key)
}

fn access(r: &OAuthReply) -> String {
    r.token()["access_token"].as_str().unwrap().to_string()
}

async fn authorized_apps(session: &Session) -> Vec<Value> {
    session
        .get("/api/manage/authorized_apps")
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

/// Item 1: an AppAuth authorization listing workspaces gives a `czs_` token that
/// reaches exactly those, in the personal edition and in an organization.
async fn appauth_limited_to_some_workspaces_reaches_only_those(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let inside = a.workspace("inside", None).await;
    let outside = a.workspace("outside", None).await;
    let (id, key) = keyed_service_app(&a, "Limited", &["Bot.list"]).await;
    let g = a
        .post(
            &format!("/api/manage/apps/{id}/authorizations"),
            json!({"workspace_ids": [inside.to_string()]}),
        )
        .await;
    assert_eq!(g.ok()["all_workspaces"], json!(false));
    let t = access(
        &jwt_token(
            &s,
            TOKEN,
            &key.sign(&header(&key), &claims(&s, &id)),
            json!({}),
        )
        .await,
    );
    assert!(t.starts_with("czs_"));
    let bots = |ws: i64| format!("/v1/bots?workspace_id={ws}");
    s.bearer(&t).get(&bots(inside)).await.ok();
    s.bearer(&t).get(&bots(outside)).await.fails(403, 4101);
    s.bearer(&t)
        .get(&bots(alice.personal_workspace))
        .await
        .fails(403, 4101);

    // The same for an organization's authorization with a list.
    let team = a.team("acme").await;
    let org_in = a.workspace("org inside", Some(&team)).await;
    let org_out = a.workspace("org outside", Some(&team)).await;
    let (oid, okey) = keyed_service_app(&a, "Org Limited", &["Bot.list"]).await;
    a.post(
        &format!("/api/manage/apps/{oid}/authorizations"),
        json!({"organization_id": team, "workspace_ids": [org_in.to_string()]}),
    )
    .await
    .ok();
    let path = format!("/api/permission/oauth2/enterprise_id/{team}/token");
    let ot = access(
        &jwt_token(
            &s,
            &path,
            &okey.sign(&header(&okey), &claims(&s, &oid)),
            json!({}),
        )
        .await,
    );
    assert!(ot.starts_with("czs_"));
    s.bearer(&ot).get(&bots(org_in)).await.ok();
    s.bearer(&ot).get(&bots(org_out)).await.fails(403, 4101);
    s.bearer(&ot).get(&bots(inside)).await.fails(403, 4101);
}

/// Item 2: the Go and Java SDKs may send no `state`, or an empty one; the flow
/// completes and the redirect carries no state or an empty one.
async fn authorize_without_state_or_with_an_empty_one_completes(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Stateless", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str();
    for state_part in ["", "&state="] {
        let url = format!(
            "/api/permission/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}{state_part}",
            buckle_core::redirect::encode(id),
            buckle_core::redirect::encode(CALLBACK)
        );
        let b = Browser::new(&s.base);
        let (status, page) = b.open_as(&url, &alice).await;
        assert_eq!(status, 200, "{state_part:?}: {page}");
        let r = b.consent(&page, "approve", "").await;
        assert_eq!(r.status(), 303, "{state_part:?}");
        let to = location(&r).unwrap();
        assert!(to.starts_with(CALLBACK), "{to}");
        let q = query_params(&to);
        assert!(
            q.get("state").is_none_or(|v| v.is_empty()),
            "{state_part:?}: {to}"
        );
        let t = exchange(&s, id, secret, &q["code"], json!({})).await;
        s.bearer(&access(&t)).get("/v1/users/me").await.ok();
    }
}

/// Item 2: the Go SDK's token bodies carry fields Buckle does not read
/// (`client_id` and `account_id` as an integer and `enterprise_id` on the JWT
/// grant, `log_id` everywhere); they are ignored, not refused.
async fn go_sdk_extra_fields_are_accepted_on_every_grant(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, key) = keyed_service_app(&a, "Go Service", &["Bot.list"]).await;
    a.post(
        &format!("/api/manage/apps/{id}/authorizations"),
        json!({"all_workspaces": true}),
    )
    .await
    .ok();
    let extras = json!({"client_id": id, "account_id": alice.id, "enterprise_id": "", "log_id": "go-1", "duration_seconds": 900});
    let t = jwt_token(
        &s,
        TOKEN,
        &key.sign(&header(&key), &claims(&s, &id)),
        extras,
    )
    .await;
    s.bearer(&access(&t))
        .get(&format!(
            "/v1/bots?workspace_id={}",
            alice.personal_workspace
        ))
        .await
        .ok();

    let web = app(&a, "Go Web", "web", &["Account.readProfile"]).await;
    let wid = web["app_id"].as_str().unwrap();
    let secret = web["client_secret"].as_str();
    let code = code_for(&s, &alice, wid, "").await;
    let t = exchange(
        &s,
        wid,
        secret,
        &code,
        json!({"log_id": "go-2", "code_verifier": ""}),
    )
    .await;
    let refresh = t.token()["refresh_token"].as_str().unwrap().to_string();
    let r = oauth_post(
        &s.base,
        TOKEN,
        secret,
        json!({"client_id": wid, "grant_type": "refresh_token", "refresh_token": refresh, "log_id": "go-3"}),
    )
    .await;
    s.bearer(&access(&r)).get("/v1/users/me").await.ok();
}

/// Item 2: without `duration_seconds` a JWT grant token lives 900 s; 86399 is the
/// longest accepted and 86400 is refused (the wire protocol's bound).
async fn jwt_grant_duration_defaults_to_900_seconds_and_stops_below_a_day(s: Server) {
    s.state.clock.freeze();
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, key) = crate::oauth::service_app(&s, &a, "Durations").await;
    let sign = || key.sign(&header(&key), &claims(&s, &id));
    let now = s.state.clock.now();
    let t = jwt_token(&s, TOKEN, &sign(), json!({})).await;
    assert_eq!(t.token()["expires_in"], json!(now + 900));
    let t = jwt_token(&s, TOKEN, &sign(), json!({"duration_seconds": 86399})).await;
    assert_eq!(t.token()["expires_in"], json!(now + 86399));
    let msg = jwt_token(&s, TOKEN, &sign(), json!({"duration_seconds": 86400}))
        .await
        .error(400, "invalid_request");
    assert!(msg.contains("duration_seconds"), "{msg}");
    // The default token really stops working at its end, not later.
    let short = access(&jwt_token(&s, TOKEN, &sign(), json!({})).await);
    s.bearer(&short).get("/v1/users/me").await.ok();
    s.state.clock.advance(901);
    s.bearer(&short).get("/v1/users/me").await.fails(401, 4100);
}

/// Item 3: a service access token's row holds its SHA-256 hash; the secret is in
/// no column.
async fn service_access_tokens_are_stored_only_as_hashes(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let team = a.team("acme").await;
    let r = a
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let sat = r.ok()["token"].as_str().unwrap().to_string();
    let sat_id: i64 = r.ok()["id"].as_str().unwrap().parse().unwrap();
    let stored = s.state.store.token_by_id(sat_id).await.unwrap().unwrap();
    assert_eq!(stored.kind, buckle_core::TokenKind::Service);
    let hash = buckle_core::secret::hash_secret(&sat);
    assert_eq!(hash.len(), 64, "a SHA-256 hex digest");
    assert_eq!(stored.token_hash, hash);
    let mut cells = Vec::new();
    for c in [
        "token_hash",
        "hint",
        "name",
        "kind",
        "org_id",
        "permissions",
        "workspace_ids",
    ] {
        cells.extend(crate::oauth_hashes::column(&s, "access_tokens", c).await);
    }
    assert!(cells.contains(&hash));
    let body = sat.split_once('_').map_or(sat.as_str(), |(_, b)| b);
    assert!(
        !cells.iter().any(|c| c.contains(body)),
        "the service access token is stored in the clear"
    );
    // And the token works, so the hash is what it is found by.
    let ws = a.workspace("w", Some(&team)).await;
    s.bearer(&sat)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .ok();
}

/// Item 4: operator-only points are refused to an organization admin who is not
/// an installation super admin, on a service access token and on consent.
async fn operator_points_are_refused_to_non_operators_on_every_path(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let team = a.team("acme").await;
    let carol = s.user("carol").await;
    a.add_member(&team, "carol", "admin").await.ok();
    let c = s.login(&carol).await;
    let path = format!("/api/manage/organizations/{team}/service_access_tokens");
    // The team's super admin and a plain admin: neither is an installation super admin.
    for who in [&a, &c] {
        for points in [
            json!(["Token.introspect"]),
            json!(["Bot.list", "Token.introspect"]),
        ] {
            let msg = who
                .post(
                    &path,
                    json!({"name": "op", "permissions": points, "all_workspaces": true, "expires_in": "1d"}),
                )
                .await
                .fails(403, 4101)
                .to_string();
            assert!(
                msg.contains("super admin of this Buckle installation"),
                "{msg}"
            );
        }
    }
    let listed = a.get(&path).await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 0, "nothing made");
    // The same admin may make a service access token without the operator point.
    c.post(
        &path,
        json!({"name": "plain", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
    )
    .await
    .ok();

    // Consent to an app holding an operator point: refused to alice, allowed to root.
    let root = s.super_admin("root").await;
    let r = s.login(&root).await;
    let web = app(
        &r,
        "Operator Web",
        "web",
        &["Account.readProfile", "Token.introspect"],
    )
    .await;
    let id = web["app_id"].as_str().unwrap();
    let b = Browser::new(&s.base);
    let (status, page) = b
        .open_as(&crate::oauth::authorize_url(id, CALLBACK, ""), &alice)
        .await;
    // The page shows (it lists what the app asks for); the consent is refused.
    assert_eq!(status, 200, "{page}");
    let resp = b.consent(&page, "approve", "").await;
    assert_eq!(resp.status(), 403);
    assert!(location(&resp).is_none(), "no redirect, no code");
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("This app declares operator permissions; only a super admin of this installation can authorize it."),
        "{html}"
    );
    assert!(
        authorized_apps(&a).await.is_empty(),
        "alice authorized nothing"
    );
    let code = code_for(&s, &root, id, "").await;
    exchange(&s, id, web["client_secret"].as_str(), &code, json!({}))
        .await
        .token();
}

async fn device_code(s: &Server, path: &str, client_id: &str) -> (String, String) {
    let d = oauth_post(&s.base, path, None, json!({"client_id": client_id})).await;
    (
        d.token()["device_code"].as_str().unwrap().to_string(),
        d.token()["user_code"].as_str().unwrap().to_string(),
    )
}

async fn poll(s: &Server, client_id: &str, device_code: &str) -> OAuthReply {
    oauth_post(
        &s.base,
        TOKEN,
        None,
        json!({"client_id": client_id, "grant_type": DEVICE_GRANT, "device_code": device_code}),
    )
    .await
}

/// Item 4: on the device verification page, an app declaring team/enterprise-level
/// points is refused to a plain member with domain.md's sentence, and an admin
/// approves it.
async fn team_level_device_approval_needs_an_admin(s: Server) {
    let owner = s.user("owner").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let o = s.login(&owner).await;
    let team = o.team("acme").await;
    o.add_member(&team, "bob", "member").await.ok();
    o.add_member(&team, "carol", "admin").await.ok();
    let dev = app(&o, "Team Level Tv", "device", &["Organization.listMembers"]).await;
    let id = dev["app_id"].as_str().unwrap().to_string();
    let (dc, uc) = device_code(&s, "/api/permission/oauth2/device/code", &id).await;
    let (status, page) = Browser::new(&s.base)
        .device_decision(&uc, &bob, "approve", &team)
        .await;
    assert_ne!(status, 200, "{page}");
    assert!(page.contains(TEAM_LEVEL_REFUSAL), "{page}");
    poll(&s, &id, &dc).await.error(400, "authorization_pending");
    assert!(authorized_apps(&s.login(&bob).await).await.is_empty());

    let (dc, uc) = device_code(&s, "/api/permission/oauth2/device/code", &id).await;
    let (status, page) = Browser::new(&s.base)
        .device_decision(&uc, &carol, "approve", &team)
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(access(&poll(&s, &id, &dc).await).starts_with("czu_"));
    let granted = authorized_apps(&s.login(&carol).await).await;
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0]["organization_id"], json!(team));
}

/// Item 4: the workspace-pinned device path names a workspace; a person who is not
/// its member cannot approve it.
async fn pinning_a_workspace_of_someone_else_is_refused(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let secret_ws = a.workspace("alice only", None).await;
    let b = s.login(&bob).await;
    let dev = app(&b, "Bob Tv", "device", &["Bot.list"]).await;
    let id = dev["app_id"].as_str().unwrap().to_string();
    let (dc, uc) = device_code(
        &s,
        &format!("/api/permission/oauth2/workspace_id/{secret_ws}/device/code"),
        &id,
    )
    .await;
    let refusal = "That workspace does not exist, or you are not a member of it.";
    // The verification page refuses to show the request at all...
    let browser = Browser::new(&s.base);
    let (status, page) = browser
        .open_as(&format!("/oauth/device?user_code={uc}"), &bob)
        .await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains(refusal), "{page}");
    assert!(!page.contains("alice only"), "the name is not told");
    // ...and a form posted directly (with this session's genuine CSRF token) too.
    let (_, own_uc) = device_code(&s, "/api/permission/oauth2/device/code", &id).await;
    let (_, own_page) = browser
        .open_as(&format!("/oauth/device?user_code={own_uc}"), &bob)
        .await;
    let csrf = form_field(&own_page, "csrf").unwrap();
    let r = browser
        .post_form(
            "/oauth/device",
            &[
                ("user_code", uc.as_str()),
                ("csrf", csrf.as_str()),
                ("decision", "approve"),
                ("edition", ""),
            ],
        )
        .await;
    assert_ne!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains(refusal), "{page}");
    assert!(!page.contains("alice only"), "the name is not told");
    poll(&s, &id, &dc).await.error(400, "authorization_pending");
    assert!(authorized_apps(&b).await.is_empty());
}

/// Item 4: the consent form and the device form refuse a missing, wrong or other
/// session's CSRF token, and nothing is granted.
async fn forged_csrf_grants_nothing(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let web = app(&a, "Csrf Web", "web", &["Account.readProfile"]).await;
    let id = web["app_id"].as_str().unwrap();
    let b = Browser::new(&s.base);
    let (status, page) = b
        .open_as(&crate::oauth::authorize_url(id, CALLBACK, ""), &alice)
        .await;
    assert_eq!(status, 200);
    // Another session of the same person has its own token.
    let other = Browser::new(&s.base);
    let (_, other_page) = other
        .open_as(&crate::oauth::authorize_url(id, CALLBACK, ""), &alice)
        .await;
    let other_csrf = form_field(&other_page, "csrf").unwrap();
    let own_csrf = form_field(&page, "csrf").unwrap();
    assert_ne!(other_csrf, own_csrf);
    let base: Vec<(String, String)> = ["client_id", "redirect_uri", "state"]
        .iter()
        .map(|f| (f.to_string(), form_field(&page, f).unwrap_or_default()))
        .collect();
    for csrf in [None, Some(""), Some("wrong"), Some(other_csrf.as_str())] {
        let mut form: Vec<(&str, &str)> =
            base.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        form.push(("decision", "approve"));
        form.push(("edition", ""));
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let r = b.post_form("/api/permission/oauth2/consent", &form).await;
        assert!(r.status().is_client_error(), "{csrf:?}: {}", r.status());
        assert!(location(&r).is_none(), "{csrf:?}: no redirect, no code");
    }
    assert!(
        authorized_apps(&a).await.is_empty(),
        "consent granted nothing"
    );

    let dev = app(&a, "Csrf Tv", "device", &["Account.readProfile"]).await;
    let did = dev["app_id"].as_str().unwrap().to_string();
    let (dc, uc) = device_code(&s, "/api/permission/oauth2/device/code", &did).await;
    let (status, dpage) = b
        .open_as(&format!("/oauth/device?user_code={uc}"), &alice)
        .await;
    assert_eq!(status, 200);
    let typed = form_field(&dpage, "user_code").unwrap();
    for csrf in [None, Some(""), Some("wrong"), Some(other_csrf.as_str())] {
        let mut form = vec![
            ("user_code", typed.as_str()),
            ("decision", "approve"),
            ("edition", ""),
        ];
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let r = b.post_form("/oauth/device", &form).await;
        assert!(r.status().is_client_error(), "{csrf:?}: {}", r.status());
    }
    poll(&s, &did, &dc)
        .await
        .error(400, "authorization_pending");
    assert!(
        authorized_apps(&a).await.is_empty(),
        "the device form granted nothing"
    );
    // The genuine form still works afterwards (the refusals burned nothing).
    let (status, _) = b.device_decision(&uc, &alice, "approve", "").await;
    assert_eq!(status, 200);
    poll(&s, &did, &dc).await.token();
    assert_eq!(authorized_apps(&a).await.len(), 1);
}

/// Item 5: an enterprise made by an installation super admin with a Coze-style
/// id; a service app authorized for it gets a `czs_` token through
/// `/enterprise_id/{id}/token` and uses it on the enterprise's workspace.
async fn enterprise_with_a_chosen_id_end_to_end(s: Server) {
    let root = s.super_admin("root").await;
    let r = s.login(&root).await;
    let ent_id = "volcano_2105850123";
    let created = r
        .post(
            "/api/manage/organizations",
            json!({"name": "Volcano", "kind": "enterprise", "id": ent_id}),
        )
        .await;
    assert_eq!(created.ok()["id"], json!(ent_id));
    assert_eq!(created.ok()["kind"], json!("enterprise"));
    // The id is taken now; bad ids and ids for teams are refused; a plain enterprise
    // still gets a generated id.
    r.post(
        "/api/manage/organizations",
        json!({"name": "Again", "kind": "enterprise", "id": ent_id}),
    )
    .await
    .fails(409, 4000);
    for bad in ["", "a/b", "with space", "x.y", &"x".repeat(65)] {
        r.post(
            "/api/manage/organizations",
            json!({"name": "Bad", "kind": "enterprise", "id": bad}),
        )
        .await
        .fails(400, 4000);
    }
    r.post(
        "/api/manage/organizations",
        json!({"name": "Team", "kind": "team", "id": "my_team"}),
    )
    .await
    .fails(400, 4000);
    let plain = r
        .post(
            "/api/manage/organizations",
            json!({"name": "Plain", "kind": "enterprise"}),
        )
        .await;
    assert!(plain.ok()["id"].as_str().unwrap().parse::<i64>().is_ok());
    // Only installation super admins make enterprises, chosen id or not.
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    a.post(
        "/api/manage/organizations",
        json!({"name": "Mine", "kind": "enterprise", "id": "mine_1"}),
    )
    .await
    .fails(403, 4101);
    let got = r.get(&format!("/api/manage/organizations/{ent_id}")).await;
    assert_eq!(got.ok()["kind"], json!("enterprise"));

    let ws = r.workspace("volcano space", Some(ent_id)).await;
    let (id, key) = keyed_service_app(&r, "Volcano Service", &["Bot.list", "Workspace.list"]).await;
    let path = format!("/api/permission/oauth2/enterprise_id/{ent_id}/token");
    let sign = || key.sign(&header(&key), &claims(&s, &id));
    jwt_token(&s, &path, &sign(), json!({}))
        .await
        .error(403, "access_deny");
    r.post(
        &format!("/api/manage/apps/{id}/authorizations"),
        json!({"organization_id": ent_id, "all_workspaces": true}),
    )
    .await
    .ok();
    let t = access(&jwt_token(&s, &path, &sign(), json!({})).await);
    assert!(t.starts_with("czs_"));
    s.bearer(&t)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .ok();
    s.bearer(&t)
        .get(&format!(
            "/v1/bots?workspace_id={}",
            root.personal_workspace
        ))
        .await
        .fails(403, 4101);
    let listed = s.bearer(&t).get("/v1/workspaces").await;
    assert_eq!(
        listed.ok()["workspaces"][0]["enterprise_id"],
        json!(ent_id),
        "{:?}",
        listed.ok()
    );
}
