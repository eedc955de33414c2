//! The share link of a personal service app, opened by its owner: the owner
//! authorizes the app in their own personal edition there (AppAuth), so the JWT
//! flow works without the management API; anyone else in the personal edition
//! still cannot.

use super::*;
use crate::on_both_databases;

on_both_databases!(the_owner_authorizes_a_personal_service_app_from_its_share_link);

/// A personal service app with one public key and no authorization yet.
async fn unauthorized_service_app(session: &Session, name: &str) -> (String, ServiceKey) {
    let svc = app(session, name, "service", &["Account.readProfile"]).await;
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

/// The CSRF token of a browser's session (the pages and the API share it).
async fn session_csrf(b: &Browser) -> String {
    let r: Value = b.get("/api/manage/session").await.json().await.unwrap();
    r["data"]["csrf_token"].as_str().unwrap().to_string()
}

async fn decide(b: &Browser, client_id: &str, organization_id: &str, csrf: &str) -> (u16, String) {
    let r = b
        .post_form(
            "/oauth/authorize-app",
            &[
                ("client_id", client_id),
                ("organization_id", organization_id),
                ("csrf", csrf),
            ],
        )
        .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn the_owner_authorizes_a_personal_service_app_from_its_share_link(s: Server) {
    let dave = s.user("dave").await;
    let d = s.login(&dave).await;
    let (id, key) = unauthorized_service_app(&d, "Dave's Service").await;
    let url = d
        .get(&format!("/api/manage/apps/{id}/share_link"))
        .await
        .ok()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let sign = || key.sign(&header(&key), &claims(&s, &id));
    let own_account = format!("/api/permission/oauth2/account/{}/token", dave.id);
    let msg = jwt_token(&s, TOKEN, &sign(), json!({}))
        .await
        .error(403, "access_deny");
    assert!(msg.contains("not authorized in this account"), "{msg}");

    // Someone else in the personal edition (no team) is turned away by the link,
    // and a decision they forge for the personal edition is refused.
    let eve = s.user("eve").await;
    let eb = Browser::new(&s.base);
    let (status, page) = eb.open_as(&url, &eve).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("<form method=\"post\" action=\"/oauth/authorize-app\""));
    let eve_csrf = session_csrf(&eb).await;
    let (status, page) = decide(&eb, &id, "", &eve_csrf).await;
    assert_eq!(status, 403, "{page}");
    let msg = jwt_token(
        &s,
        &format!("/api/permission/oauth2/account/{}/token", eve.id),
        &sign(),
        json!({}),
    )
    .await
    .error(403, "access_deny");
    assert!(msg.contains("not authorized"), "{msg}");
    jwt_token(&s, TOKEN, &sign(), json!({}))
        .await
        .error(403, "access_deny");

    // The owner opens the link: their personal edition is offered, and one
    // click authorizes the app there.
    let db = Browser::new(&s.base);
    let (status, page) = db.open_as(&url, &dave).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Dave&#39;s Service"), "{page}");
    assert!(
        page.contains("<option value=\"\">My personal edition</option>"),
        "{page}"
    );
    let csrf = form_field(&page, "csrf").unwrap();
    let (status, page) = decide(&db, &id, "", &csrf).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Dave&#39;s Service may now act as itself in your personal edition."),
        "{page}"
    );

    // The JWT flow now gets tokens, by the owner's authorization and by account.
    let t = jwt_token(&s, TOKEN, &sign(), json!({})).await;
    let access = t.token()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        s.bearer(&access).get("/v1/users/me").await.ok()["user_name"],
        json!("dave")
    );
    jwt_token(&s, &own_account, &sign(), json!({}))
        .await
        .token();
    let auths = d
        .get(&format!("/api/manage/apps/{id}/authorizations"))
        .await;
    let auths = auths.ok().as_array().unwrap().clone();
    assert_eq!(auths.len(), 1);
    assert_eq!(auths[0]["organization_id"], Value::Null);
    assert_eq!(auths[0]["account_id"], json!(dave.id.to_string()));
    // Still nobody else's.
    jwt_token(
        &s,
        &format!("/api/permission/oauth2/account/{}/token", eve.id),
        &sign(),
        json!({}),
    )
    .await
    .error(403, "access_deny");
}
