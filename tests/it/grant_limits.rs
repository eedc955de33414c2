//! Issue 7's grant policy, the cases `grant_policy.rs` leaves open: a personal
//! access token limited to one workspace and one hour cannot give an app more
//! points than it holds, authorize an app in an organization, or remove an
//! authorization (AppAuth or OBO) that reaches more or lives longer than itself;
//! nor touch the secret or keys of a stronger app. What stays within still works.

use crate::on_both_databases;
use crate::testkit::*;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    a_token_cannot_give_an_app_more_than_it_holds,
    a_token_cannot_touch_the_secret_or_keys_of_a_stronger_app,
    a_token_cannot_authorize_an_app_in_an_organization,
    a_token_cannot_remove_a_stronger_app_authorization,
    a_token_cannot_revoke_a_stronger_consent
);

const APPS: &str = "/api/manage/apps";
const CALLBACK: &str = "https://app.example.com/callback";

struct Narrow {
    user: User,
    session: Session,
    token: Bearer,
    workspace: String,
}

/// Alice's one-hour token for her personal workspace, with the management points.
async fn narrow(s: &Server) -> Narrow {
    let user = s.user("alice").await;
    let session = s.login(&user).await;
    let workspace = user.personal_workspace.to_string();
    let (_, secret) = session
        .pat(json!({"name": "narrow",
                    "permissions": ["Manage.tokens", "Manage.apps", "Bot.list", "Account.readProfile"],
                    "workspace_ids": [workspace], "expires_in": "1h"}))
        .await;
    Narrow {
        token: s.bearer(&secret),
        user,
        session,
        workspace,
    }
}

async fn patch(b: &Bearer, path: &str, body: Value) -> Reply {
    b.call(Method::PATCH, path, Some(body)).await
}

async fn delete(b: &Bearer, path: &str) -> Reply {
    b.call(Method::DELETE, path, None).await
}

#[track_caller]
fn refused(r: &Reply, words: &str) {
    let msg = r.fails(403, 4101);
    assert!(msg.contains(words), "{words:?} not in {msg:?}");
}

fn service_app(name: &str, points: &[&str]) -> Value {
    json!({"name": name, "app_type": "normal", "client_type": "service", "permissions": points})
}

fn app_path(app: &Value, rest: &str) -> String {
    format!("{APPS}/{}{rest}", app["app_id"].as_str().unwrap())
}

async fn a_token_cannot_give_an_app_more_than_it_holds(s: Server) {
    let n = narrow(&s).await;
    // Creating an app that declares a point the token lacks.
    let r = n
        .token
        .post(APPS, service_app("wide", &["Bot.list", "Workspace.list"]))
        .await;
    refused(&r, "(Workspace.list)");
    let listed = n.session.get(APPS).await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 0, "nothing was made");
    // An app within it is made; widening its points afterwards is refused.
    let app = n
        .token
        .post(APPS, service_app("narrow app", &["Bot.list"]))
        .await
        .ok()
        .clone();
    let r = patch(
        &n.token,
        &app_path(&app, ""),
        json!({"permissions": ["Bot.list", "Workspace.list"]}),
    )
    .await;
    refused(&r, "(Workspace.list)");
    let after = n.session.get(&app_path(&app, "")).await;
    assert_eq!(after.ok()["permissions"], json!(["Bot.list"]));
    // Narrowing stays possible.
    patch(
        &n.token,
        &app_path(&app, ""),
        json!({"permissions": ["Account.readProfile"]}),
    )
    .await
    .ok();
    // The console session (the account's full authority) may widen it.
    n.session
        .patch(
            &app_path(&app, ""),
            json!({"permissions": ["Bot.list", "Workspace.list"]}),
        )
        .await
        .ok();
}

async fn a_token_cannot_touch_the_secret_or_keys_of_a_stronger_app(s: Server) {
    let n = narrow(&s).await;
    let web = n
        .session
        .post(
            APPS,
            json!({"name": "strong web", "app_type": "normal", "client_type": "web",
                   "permissions": ["Account.readProfile", "Workspace.list"],
                   "redirect_uris": [CALLBACK]}),
        )
        .await
        .ok()
        .clone();
    refused(
        &n.token.post(&app_path(&web, "/secret"), json!({})).await,
        "(Workspace.list)",
    );
    // The secret made at creation still works: the app's token endpoint would
    // accept it; here it is enough that the stored hint did not change.
    let after = n.session.get(&app_path(&web, "")).await;
    assert_eq!(after.ok()["secret_last_chars"], web["secret_last_chars"]);

    let svc = n
        .session
        .post(
            APPS,
            service_app("strong svc", &["Bot.list", "Workspace.list"]),
        )
        .await
        .ok()
        .clone();
    let key = ServiceKey::new();
    refused(
        &n.token
            .post(
                &app_path(&svc, "/keys"),
                json!({"public_key": key.public_pem}),
            )
            .await,
        "(Workspace.list)",
    );
    let added = n
        .session
        .post(
            &app_path(&svc, "/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await;
    let fingerprint = added.ok()["fingerprint"].as_str().unwrap().to_string();
    refused(
        &delete(&n.token, &app_path(&svc, &format!("/keys/{fingerprint}"))).await,
        "(Workspace.list)",
    );
    let keys = n.session.get(&app_path(&svc, "/keys")).await;
    assert_eq!(keys.ok().as_array().unwrap().len(), 1, "the key stays");
    // Of an app within it, the token manages the keys.
    let own = n
        .token
        .post(APPS, service_app("own svc", &["Bot.list"]))
        .await
        .ok()
        .clone();
    let r = n
        .token
        .post(
            &app_path(&own, "/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await;
    let fp = r.ok()["fingerprint"].as_str().unwrap().to_string();
    delete(&n.token, &app_path(&own, &format!("/keys/{fp}")))
        .await
        .ok();
}

async fn a_token_cannot_authorize_an_app_in_an_organization(s: Server) {
    let n = narrow(&s).await;
    // Alice administers a team; her personal service app holds only points the
    // token holds.
    let team = n.session.team("acme").await;
    let app = n
        .session
        .post(APPS, service_app("svc", &["Bot.list"]))
        .await
        .ok()
        .clone();
    let r = n
        .token
        .post(
            &app_path(&app, "/authorizations"),
            json!({"organization_id": team, "all_workspaces": true}),
        )
        .await;
    refused(&r, "another edition");
    let listed = n.session.get(&app_path(&app, "/authorizations")).await;
    assert_eq!(listed.ok(), &json!([]));
    let installed = n
        .session
        .get(&format!("/api/manage/organizations/{team}/installations"))
        .await;
    assert_eq!(
        installed.ok()["installed_appauth"],
        json!([]),
        "nor installed there"
    );
    // The console session may.
    n.session
        .post(
            &app_path(&app, "/authorizations"),
            json!({"organization_id": team, "all_workspaces": true}),
        )
        .await
        .ok();
}

async fn a_token_cannot_remove_a_stronger_app_authorization(s: Server) {
    let n = narrow(&s).await;
    let app = n
        .session
        .post(APPS, service_app("svc", &["Bot.list"]))
        .await
        .ok()
        .clone();
    // Made in the console for the token's own workspace: it lasts until revoked,
    // so it outlives the one-hour token.
    let r = n
        .session
        .post(
            &app_path(&app, "/authorizations"),
            json!({"workspace_ids": [n.workspace]}),
        )
        .await;
    let id = r.ok()["authorization_id"].as_str().unwrap().to_string();
    let path = app_path(&app, &format!("/authorizations/{id}"));
    refused(&delete(&n.token, &path).await, "outlives it");
    let listed = n.session.get(&app_path(&app, "/authorizations")).await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 1, "it stays");
    // Widened to every workspace in the console: refused for the workspaces first.
    n.session
        .post(
            &app_path(&app, "/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await
        .ok();
    let listed = n.session.get(&app_path(&app, "/authorizations")).await;
    let id = listed.ok()[0]["authorization_id"]
        .as_str()
        .unwrap()
        .to_string();
    refused(
        &delete(&n.token, &app_path(&app, &format!("/authorizations/{id}"))).await,
        "all workspaces",
    );
    // The session removes it.
    n.session
        .delete(&app_path(&app, &format!("/authorizations/{id}")))
        .await
        .ok();
}

async fn a_token_cannot_revoke_a_stronger_consent(s: Server) {
    let n = narrow(&s).await;
    // Dave's web app, holding only a point the token holds.
    let dave = s.user("dave").await;
    let d = s.login(&dave).await;
    let web = d
        .post(
            APPS,
            json!({"name": "dave's web", "app_type": "normal", "client_type": "web",
                   "permissions": ["Account.readProfile"], "redirect_uris": [CALLBACK]}),
        )
        .await
        .ok()
        .clone();
    // Alice consents in her personal edition: every workspace, until revoked.
    let url = format!(
        "/api/permission/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=s",
        buckle_core::redirect::encode(web["app_id"].as_str().unwrap()),
        buckle_core::redirect::encode(CALLBACK)
    );
    let b = Browser::new(&s.base);
    let (status, page) = b.open_as(&url, &n.user).await;
    assert_eq!(status, 200, "{page}");
    let r = b.consent(&page, "approve", "").await;
    assert_eq!(r.status(), 303);
    let path = format!(
        "/api/manage/authorized_apps/{}",
        web["app_id"].as_str().unwrap()
    );
    refused(&delete(&n.token, &path).await, "all workspaces");
    let listed = n.session.get("/api/manage/authorized_apps").await;
    assert_eq!(
        listed.ok().as_array().unwrap().len(),
        1,
        "the consent stays"
    );
    // The session revokes it.
    n.session.delete(&path).await.ok();
    let listed = n.session.get("/api/manage/authorized_apps").await;
    assert_eq!(listed.ok(), &json!([]));
}
