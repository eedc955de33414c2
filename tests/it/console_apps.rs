//! The console's OAuth app pages (`/console/apps...`), over HTTP with a signed-in
//! browser-like client: the list, creation in two steps for each client type, a
//! web app's secret shown once, errors next to their fields in English and
//! Chinese, CSRF refusals that change nothing, disabling (the app's token is
//! refused) and enabling, deletion, keys (uploaded, then a JWT grant with it),
//! the owner authorizing their own personal service app, and an organization
//! member who may look but not authorize or delete.

use crate::oauth::{TOKEN, claims, header, jwt_token};
use crate::testkit::*;
use buckle_core::secret::hash_secret;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashMap;

fn en() -> HashMap<&'static str, &'static str> {
    buckle_server::web::i18n::parse(buckle_server::web::i18n::EN_SOURCE)
}

fn zh() -> HashMap<&'static str, &'static str> {
    buckle_server::web::i18n::parse(buckle_server::web::i18n::ZH_CN_SOURCE)
}

/// A page's text and status.
async fn open(b: &Browser, path: &str) -> (StatusCode, String) {
    let r = b.get(path).await;
    (r.status(), r.text().await.unwrap())
}

/// The CSRF token of the session, read from a console page.
async fn csrf(b: &Browser) -> String {
    let (status, page) = open(b, "/console/apps").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    form_field(&page, "csrf").expect("a csrf field")
}

/// A signed-in browser for `user`, and its CSRF token.
async fn signed_in(s: &Server, user: &User) -> (Browser, String) {
    let b = Browser::new(&s.base);
    b.sign_in(user).await;
    let token = csrf(&b).await;
    (b, token)
}

/// The text of the element with `id` (`<tag id="x">text</tag>`).
fn text_of(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{id}\""))?;
    let start = page[at..].find('>')? + at + 1;
    let end = page[start..].find('<')? + start;
    Some(page[start..end].to_string())
}

/// Posts the final creation form (both steps' fields).
async fn create(
    b: &Browser,
    csrf: &str,
    org: Option<&str>,
    name: &str,
    client_type: &str,
    points: &[&str],
    redirects: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("csrf", csrf),
        ("name", name),
        ("description", "made in a test"),
        ("app_type", "normal"),
        ("client_type", client_type),
    ];
    for p in points {
        form.push(("permissions", p));
    }
    if !redirects.is_empty() {
        form.push(("redirect_uris", redirects));
    }
    let path = match org {
        Some(o) => format!("/console/apps?org={o}"),
        None => "/console/apps".to_string(),
    };
    b.post_form(&path, &form).await
}

/// The client id of an app page address (`/console/apps/{id}[?org=..]`).
fn client_id_of(location: &str) -> String {
    let rest = location.strip_prefix("/console/apps/").expect(location);
    rest.split(['?', '/']).next().unwrap().to_string()
}

/// A service app of the signed-in person made through the pages; its client id.
async fn service_app(b: &Browser, csrf: &str, org: Option<&str>, name: &str) -> String {
    let r = create(
        b,
        csrf,
        org,
        name,
        "service",
        &["Account.readProfile", "Bot.list"],
        "",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    client_id_of(&location(&r).unwrap())
}

/// Uploads `key`'s public key on the keys page; returns the key id the page shows.
async fn upload_key(b: &Browser, csrf: &str, id: &str, key: &ServiceKey) -> String {
    let r = b
        .post_form(
            &format!("/console/apps/{id}/keys"),
            &[("csrf", csrf), ("public_key", &key.public_pem)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, page) = open(b, &location(&r).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    text_of(&page, "added-key").expect("the new key id is shown")
}

/// A JWT grant for app `id` signed by `key`, on the owner's default path.
async fn jwt_grant(s: &Server, id: &str, key: &ServiceKey) -> OAuthReply {
    let jwt = key.sign(&header(key), &claims(s, id));
    jwt_token(s, TOKEN, &jwt, json!({"duration_seconds": 900})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_in_two_steps_for_each_client_type() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let (b, csrf) = signed_in(&s, &alice).await;
    let en = en();

    let (status, page) = open(&b, "/console/apps").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(en["apps.empty"]), "{page}");
    assert!(page.contains("href=\"/console/apps/new\""), "{page}");
    let (status, page) = open(&b, "/console/apps/new").await;
    assert_eq!(status, StatusCode::OK);
    for c in ["web", "pkce", "device", "service"] {
        assert!(page.contains(&format!("value=\"{c}\"")), "{c}: {page}");
    }

    for (client_type, redirects) in [
        ("web", "https://example.com/cb"),
        ("pkce", "https://example.com/pkce"),
        ("device", ""),
        ("service", ""),
    ] {
        let name = format!("App {client_type}");
        // Step 1 shows step 2 with step 1 carried in hidden fields.
        let r = b
            .post_form(
                "/console/apps/new",
                &[
                    ("csrf", &csrf),
                    ("name", &name),
                    ("description", "d"),
                    ("app_type", "normal"),
                    ("client_type", client_type),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let step2 = r.text().await.unwrap();
        assert_eq!(form_field(&step2, "name").as_deref(), Some(name.as_str()));
        assert_eq!(
            form_field(&step2, "client_type").as_deref(),
            Some(client_type)
        );
        assert_eq!(
            step2.contains("name=\"redirect_uris\""),
            !redirects.is_empty(),
            "{client_type}"
        );
        assert!(step2.contains("value=\"Bot.list\""), "{step2}");

        let r = create(
            &b,
            &csrf,
            None,
            &name,
            client_type,
            &["Bot.list"],
            redirects,
        )
        .await;
        let stored = |id: String| {
            let s = &s;
            async move { s.state.store.app_by_client_id(&id).await.unwrap().unwrap() }
        };
        if client_type == "web" {
            // The secret is shown once, on the answer to the POST.
            assert_eq!(r.status(), StatusCode::OK);
            let page = r.text().await.unwrap();
            let secret = text_of(&page, "client-secret").expect("secret shown");
            let code = page.find("<code>").unwrap() + 6;
            let id = page[code..code + page[code..].find('<').unwrap()].to_string();
            let app = stored(id.clone()).await;
            assert_eq!(app.secret_hash, hash_secret(&secret));
            assert_eq!(app.redirect_uri_list(), vec![redirects]);
            // The app page never shows it again.
            let (_, app_page) = open(&b, &format!("/console/apps/{id}")).await;
            assert!(!app_page.contains(&secret));
        } else {
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            let id = client_id_of(&location(&r).unwrap());
            let app = stored(id.clone()).await;
            assert_eq!(app.client_type.as_str(), client_type);
            assert_eq!(app.name, name);
            assert_eq!(app.permissions, "Bot.list");
            let (status, page) = open(&b, &format!("/console/apps/{id}")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(page.contains(&id), "{page}");
            assert_eq!(
                page.contains(en["apps.keys_manage"]),
                client_type == "service"
            );
        }
    }
    let (_, list) = open(&b, "/console/apps").await;
    for c in ["web", "pkce", "device", "service"] {
        assert!(list.contains(&format!("App {c}</a>")), "{list}");
    }
    assert!(list.contains(en["apps.client.device"]), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_stand_next_to_their_fields_in_both_languages() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let (b, csrf) = signed_in(&s, &alice).await;
    let (en, zh) = (en(), zh());

    // Step 1: no name, no client type; in English, then by Accept-Language in Chinese.
    let step1 = [
        ("csrf", csrf.as_str()),
        ("name", "  "),
        ("description", ""),
        ("app_type", "normal"),
        ("client_type", ""),
    ];
    let r = b.post_form("/console/apps/new", &step1).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert_eq!(
        text_of(&page, "name-error").as_deref(),
        Some(en["field.name"])
    );
    assert!(page.contains("aria-describedby=\"name-error\""), "{page}");
    assert_eq!(
        text_of(&page, "client_type-error").as_deref(),
        Some(en["apps.choose_client_type"])
    );
    let r = b
        .client
        .post(format!("{}/console/apps/new", s.base))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .form(&step1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert_eq!(
        text_of(&page, "name-error").as_deref(),
        Some(zh["field.name"])
    );
    assert_eq!(
        text_of(&page, "client_type-error").as_deref(),
        Some(zh["apps.choose_client_type"])
    );

    // A channel app must be a service app.
    let r = b
        .post_form(
            "/console/apps/new",
            &[
                ("csrf", &csrf),
                ("name", "Chan"),
                ("app_type", "channel"),
                ("client_type", "web"),
            ],
        )
        .await;
    let page = r.text().await.unwrap();
    assert_eq!(
        text_of(&page, "client_type-error").as_deref(),
        Some(en["apps.channel_is_service"])
    );

    // Step 2: a redirect URI that is not one, next to the redirect URIs.
    let r = create(
        &b,
        &csrf,
        None,
        "Web",
        "web",
        &["Bot.list"],
        "https://example.com/cb#frag",
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(text_of(&page, "redirect_uris-error").is_some(), "{page}");
    assert!(
        page.contains("https://example.com/cb#frag</textarea>"),
        "what was typed stays: {page}"
    );
    assert!(page.contains("value=\"Bot.list\" checked"), "{page}");
    assert!(
        s.state
            .store
            .apps_of(buckle_core::AccountId(alice.id), None)
            .await
            .unwrap()
            .is_empty()
    );

    // No permission point chosen: said next to the picker, with a summary on top.
    let r = create(&b, &csrf, None, "Web", "web", &[], "https://example.com/cb").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert_eq!(
        text_of(&page, "permissions-error").as_deref(),
        Some(en["apps.points.choose"])
    );
    assert!(page.contains(en["apps.fix_below"]), "{page}");

    // A taken name goes back to step 1, next to the name, in the chosen language.
    let r = create(&b, &csrf, None, "Taken", "device", &["Bot.list"], "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b.get("/lang/zh-CN?next=/console/apps").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = create(&b, &csrf, None, "Taken", "device", &["Bot.list"], "").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains("<html lang=\"zh-CN\""), "{page}");
    assert_eq!(
        text_of(&page, "name-error").as_deref(),
        Some(zh["apps.name_taken"])
    );

    // The edit form: an empty name is refused next to the name and nothing changes.
    let id = client_id_of(&format!(
        "/console/apps/{}",
        s.state
            .store
            .apps_of(buckle_core::AccountId(alice.id), None)
            .await
            .unwrap()[0]
            .client_id
    ));
    let r = b
        .post_form(
            &format!("/console/apps/{id}"),
            &[
                ("csrf", &csrf),
                ("name", ""),
                ("description", "x"),
                ("permissions", "Bot.list"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert_eq!(
        text_of(&page, "name-error").as_deref(),
        Some(zh["field.name"])
    );
    let app = s.state.store.app_by_client_id(&id).await.unwrap().unwrap();
    assert_eq!(app.name, "Taken");
    // A good edit is saved.
    let r = b
        .post_form(
            &format!("/console/apps/{id}"),
            &[
                ("csrf", &csrf),
                ("name", "Renamed"),
                ("description", "new words"),
                ("permissions", "Bot.list"),
                ("permissions", "Account.readProfile"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let app = s.state.store.app_by_client_id(&id).await.unwrap().unwrap();
    assert_eq!(
        (app.name.as_str(), app.description.as_str()),
        ("Renamed", "new words")
    );
    assert!(
        app.permissions.contains("Account.readProfile"),
        "{}",
        app.permissions
    );

    // A bad PEM next to the key field, a pasted private key never echoed.
    let svc = service_app(&b, &csrf, None, "Svc").await;
    let key = ServiceKey::new();
    let r = b
        .post_form(
            &format!("/console/apps/{svc}/keys"),
            &[("csrf", &csrf), ("public_key", &key.private_pem)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert_eq!(
        text_of(&page, "public_key-error").as_deref(),
        Some(zh["apps.keys.bad_pem"])
    );
    let body_line = key.private_pem.lines().nth(1).unwrap();
    assert!(
        !page.contains(body_line),
        "the private key is not shown back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_this_sessions_csrf_change_nothing() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let (b, csrf) = signed_in(&s, &alice).await;
    let r = create(&b, "forged", None, "Forged", "device", &["Bot.list"], "").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        s.state
            .store
            .apps_of(buckle_core::AccountId(alice.id), None)
            .await
            .unwrap()
            .is_empty()
    );

    let id = service_app(&b, &csrf, None, "Real").await;
    let key = ServiceKey::new();
    for (path, extra) in [
        (format!("/console/apps/{id}/delete"), None),
        (format!("/console/apps/{id}/disable"), None),
        (
            format!("/console/apps/{id}/keys"),
            Some(key.public_pem.as_str()),
        ),
        (format!("/console/apps/{id}/authorize"), None),
        (format!("/console/apps/{id}"), None),
    ] {
        let mut form = vec![("csrf", "forged")];
        if let Some(pem) = extra {
            form.push(("public_key", pem));
        }
        let r = b.post_form(&path, &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let app = s.state.store.app_by_client_id(&id).await.unwrap().unwrap();
    assert!(app.enabled);
    assert_eq!(app.name, "Real");
    assert!(s.state.store.app_keys(app.id).await.unwrap().is_empty());
    assert!(
        s.state
            .store
            .grants_of_app(app.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_uploads_a_key_authorizes_then_disables_enables_and_deletes() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let (b, csrf) = signed_in(&s, &alice).await;
    let en = en();
    let id = service_app(&b, &csrf, None, "Signer").await;
    let key = ServiceKey::new();
    assert_eq!(upload_key(&b, &csrf, &id, &key).await, key.kid());
    let (_, keys_page) = open(&b, &format!("/console/apps/{id}/keys")).await;
    assert!(keys_page.contains(&key.kid()), "{keys_page}");
    assert!(keys_page.contains("/static/keys."), "{keys_page}");

    // Not yet authorized: the JWT flow is refused; the app page offers the owner
    // the button that authorizes it in their personal edition.
    let t = jwt_grant(&s, &id, &key).await;
    t.error(403, "access_deny");
    let (_, page) = open(&b, &format!("/console/apps/{id}")).await;
    assert!(page.contains(en["apps.auth.authorize_personal"]), "{page}");
    assert!(
        page.contains("/oauth/authorize-app?client_id="),
        "share link: {page}"
    );
    let r = b
        .post_form(
            &format!("/console/apps/{id}/authorize"),
            &[("csrf", &csrf), ("scope", "all")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = open(&b, &format!("/console/apps/{id}")).await;
    assert!(page.contains(en["apps.auth.personal"]), "{page}");
    let t = jwt_grant(&s, &id, &key).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    let me = s.bearer(&access).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_name"], json!("alice"));

    // Disabling confirms first, then the token is refused; enabling restores it.
    let (status, confirm) = open(&b, &format!("/console/apps/{id}/disable")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains(en["apps.disable_warning"]), "{confirm}");
    assert!(confirm.contains("class=\"danger\""), "{confirm}");
    assert!(s.bearer(&access).get("/v1/users/me").await.status == StatusCode::OK);
    let r = b
        .post_form(&format!("/console/apps/{id}/disable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
    let (_, page) = open(&b, &format!("/console/apps/{id}")).await;
    assert!(page.contains(en["apps.disabled_note"]), "{page}");
    let r = b
        .post_form(&format!("/console/apps/{id}/enable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        s.bearer(&access).get("/v1/users/me").await.status,
        StatusCode::OK
    );

    // Revoking the authorization confirms first and takes its tokens.
    let g = s.state.store.grants_of_app(
        s.state
            .store
            .app_by_client_id(&id)
            .await
            .unwrap()
            .unwrap()
            .id,
    );
    let grant_id = g.await.unwrap()[0].id;
    let (status, confirm) = open(
        &b,
        &format!("/console/apps/{id}/authorizations/{grant_id}/delete"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains(en["apps.auth.revoke_warning"]),
        "{confirm}"
    );
    let r = b
        .post_form(
            &format!("/console/apps/{id}/authorizations/{grant_id}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
    // Authorized again, a new token works.
    b.post_form(
        &format!("/console/apps/{id}/authorize"),
        &[("csrf", &csrf), ("scope", "all")],
    )
    .await;
    let t = jwt_grant(&s, &id, &key).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();

    // Deleting the key confirms first; JWTs signed with it are refused.
    let kid = key.kid();
    let (status, confirm) = open(&b, &format!("/console/apps/{id}/keys/{kid}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains(en["apps.keys.delete_warning"]),
        "{confirm}"
    );

    // Deleting the app confirms first, then its token and the app are gone.
    let (status, confirm) = open(&b, &format!("/console/apps/{id}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains(en["apps.delete_warning"]), "{confirm}");
    let r = b
        .post_form(&format!("/console/apps/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r).as_deref(), Some("/console/apps"));
    s.bearer(&access).get("/v1/users/me").await.fails(401, 4100);
    assert!(s.state.store.app_by_client_id(&id).await.unwrap().is_none());
    let (status, _) = open(&b, &format!("/console/apps/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_deleted_after_confirming_and_web_secrets_reset() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let (b, csrf) = signed_in(&s, &alice).await;
    let id = service_app(&b, &csrf, None, "Keys").await;
    let key = ServiceKey::new();
    let kid = upload_key(&b, &csrf, &id, &key).await;
    b.post_form(
        &format!("/console/apps/{id}/authorize"),
        &[("csrf", &csrf), ("scope", "all")],
    )
    .await;
    jwt_grant(&s, &id, &key).await.token();
    let r = b
        .post_form(
            &format!("/console/apps/{id}/keys/{kid}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let app = s.state.store.app_by_client_id(&id).await.unwrap().unwrap();
    assert!(s.state.store.app_keys(app.id).await.unwrap().is_empty());
    assert_eq!(
        jwt_grant(&s, &id, &key).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A web app's new secret: confirmed first, shown once, the old one replaced.
    let r = create(
        &b,
        &csrf,
        None,
        "Web",
        "web",
        &["Bot.list"],
        "https://example.com/cb",
    )
    .await;
    let page = r.text().await.unwrap();
    let old = text_of(&page, "client-secret").unwrap();
    let web = s
        .state
        .store
        .apps_of(buckle_core::AccountId(alice.id), None)
        .await
        .unwrap();
    let web = web.iter().find(|a| a.name == "Web").unwrap();
    let (status, _) = open(&b, &format!("/console/apps/{}/secret", web.client_id)).await;
    assert_eq!(status, StatusCode::OK);
    let r = b
        .post_form(
            &format!("/console/apps/{}/secret", web.client_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let new = text_of(&r.text().await.unwrap(), "client-secret").unwrap();
    assert_ne!(new, old);
    let app = s
        .state
        .store
        .app_by_client_id(&web.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.secret_hash, hash_secret(&new));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_member_may_look_but_not_authorize_or_delete() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .create()
        .await;
    let (alice, _) = acme.member("alice");
    let (bob, _) = acme.member("bob");
    let org = acme.id.as_str();
    let (a, a_csrf) = signed_in(&s, alice).await;
    let id = service_app(&a, &a_csrf, Some(org), "Team signer").await;
    let key = ServiceKey::new();
    let r = a
        .post_form(
            &format!("/console/apps/{id}/keys?org={org}"),
            &[("csrf", &a_csrf), ("public_key", &key.public_pem)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The app lives in the team's space, not in the personal one.
    let (status, _) = open(&a, &format!("/console/apps/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (b, b_csrf) = signed_in(&s, bob).await;
    let en = en();
    let (status, list) = open(&b, &format!("/console/apps?org={org}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Team signer"), "{list}");
    assert!(!list.contains("/console/apps/new"), "{list}");
    let (status, page) = open(&b, &format!("/console/apps/{id}?org={org}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(en["apps.read_only"]), "{page}");
    assert!(page.contains(en["apps.auth.admins_only"]), "{page}");
    assert!(!page.contains("/authorize?org="), "{page}");
    let (status, _) = open(&b, &format!("/console/apps/new?org={org}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = open(&b, &format!("/console/apps/{id}/delete?org={org}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for path in ["authorize", "delete", "disable"] {
        let r = b
            .post_form(
                &format!("/console/apps/{id}/{path}?org={org}"),
                &[("csrf", b_csrf.as_str()), ("scope", "all")]
                    [..if path == "authorize" { 2 } else { 1 }],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let r = create(&b, &b_csrf, Some(org), "Bob's", "device", &["Bot.list"], "").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let app = s.state.store.app_by_client_id(&id).await.unwrap().unwrap();
    assert!(app.enabled);
    assert!(
        s.state
            .store
            .grants_of_app(app.id)
            .await
            .unwrap()
            .is_empty()
    );

    // The admin authorizes it for the team; the JWT grant on the team's path works.
    let r = a
        .post_form(
            &format!("/console/apps/{id}/authorize?org={org}"),
            &[("csrf", &a_csrf), ("scope", "all")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let jwt = key.sign(&header(&key), &claims(&s, &id));
    let t = jwt_token(
        &s,
        &format!("/api/permission/oauth2/enterprise_id/{org}/token"),
        &jwt,
        json!({}),
    )
    .await;
    assert!(
        t.token()["access_token"]
            .as_str()
            .unwrap()
            .starts_with("czs_")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_may_reach_only_the_chosen_workspaces() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let (b, csrf) = signed_in(&s, &alice).await;
    let id = service_app(&b, &csrf, None, "Narrow").await;
    let (_, page) = open(&b, &format!("/console/apps/{id}")).await;
    let ws = alice.personal_workspace.to_string();
    assert!(page.contains(&format!("value=\"{ws}\"")), "{page}");
    let r = b
        .post_form(
            &format!("/console/apps/{id}/authorize"),
            &[("csrf", &csrf), ("scope", "some"), ("workspace_ids", &ws)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let app = s.state.store.app_by_client_id(&id).await.unwrap().unwrap();
    let grants = s.state.store.grants_of_app(app.id).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert!(!grants[0].all_workspaces);
    assert_eq!(
        grants[0].workspace_ids,
        vec![buckle_core::WorkspaceId(alice.personal_workspace)]
    );
    // A workspace that is not the person's is refused on the app's page.
    let r = b
        .post_form(
            &format!("/console/apps/{id}/authorize"),
            &[
                ("csrf", &csrf),
                ("scope", "some"),
                ("workspace_ids", "12345"),
            ],
        )
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"authorize-error\""), "{page}");
    let grants = s.state.store.grants_of_app(app.id).await.unwrap();
    assert_eq!(
        grants[0].workspace_ids,
        vec![buckle_core::WorkspaceId(alice.personal_workspace)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizations_name_their_team_not_its_id() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "Acme Robotics")
        .owner("alice")
        .create()
        .await;
    let (alice, alice_api) = acme.member("alice");
    let (b, csrf) = signed_in(&s, alice).await;
    let id = service_app(&b, &csrf, None, "Nightly report").await;
    alice_api
        .post(
            &format!("/api/manage/apps/{id}/authorizations"),
            json!({"organization_id": acme.id, "all_workspaces": true}),
        )
        .await
        .ok();
    let (status, page) = open(&b, &format!("/console/apps/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Team/enterprise “Acme Robotics”"), "{page}");
    assert!(
        !page.contains(&format!("Team/enterprise {}", acme.id)),
        "{page}"
    );
}
