//! Issue 6, item 8: the audit log records every security event, never holds a
//! secret, shows each reader only what is theirs, and forgets after its retention.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    sign_in_events_are_recorded_with_the_address_and_never_the_typed_text,
    credential_and_app_events_are_recorded_without_secrets,
    readers_see_only_their_events,
    events_older_than_the_retention_are_dropped
);

fn kinds(events: &Value) -> Vec<String> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn credential_and_app_events_are_recorded_without_secrets(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    let (pat_id, pat) = session
        .pat(
            json!({"name": "ci", "permissions": ["Bot.list", "Manage.audit"],
                    "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let path = format!("/api/manage/personal_access_tokens/{pat_id}");
    session.patch(&path, json!({"name": "ci-2"})).await.ok();
    // A web app: its secret is shown once and must never reach the log.
    let r = session
        .post(
            "/api/manage/apps",
            json!({"name": "web", "app_type": "normal", "client_type": "web",
                   "permissions": ["Bot.list"], "redirect_uris": ["https://example.com/cb"]}),
        )
        .await;
    let web = r.ok()["app_id"].as_str().unwrap().to_string();
    let first_secret = r.ok()["client_secret"].as_str().unwrap().to_string();
    let r = session
        .post(&format!("/api/manage/apps/{web}/secret"), json!({}))
        .await;
    let second_secret = r.ok()["client_secret"].as_str().unwrap().to_string();
    session
        .post(&format!("/api/manage/apps/{web}/disable"), json!({}))
        .await
        .ok();
    session
        .post(&format!("/api/manage/apps/{web}/enable"), json!({}))
        .await
        .ok();
    session
        .patch(
            &format!("/api/manage/apps/{web}"),
            json!({"description": "edited"}),
        )
        .await
        .ok();
    // A service app: key added and removed, authorized and the authorization revoked.
    let r = session
        .post(
            "/api/manage/apps",
            json!({"name": "svc", "app_type": "normal", "client_type": "service",
                   "permissions": ["Bot.list"]}),
        )
        .await;
    let svc = r.ok()["app_id"].as_str().unwrap().to_string();
    let key = ServiceKey::new();
    let r = session
        .post(
            &format!("/api/manage/apps/{svc}/keys"),
            json!({"public_key": key.public_pem}),
        )
        .await;
    let fingerprint = r.ok()["fingerprint"].as_str().unwrap().to_string();
    session
        .delete(&format!("/api/manage/apps/{svc}/keys/{fingerprint}"))
        .await
        .ok();
    let r = session
        .post(
            &format!("/api/manage/apps/{svc}/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await;
    let authorization = r.ok()["authorization_id"].as_str().unwrap().to_string();
    session
        .delete(&format!(
            "/api/manage/apps/{svc}/authorizations/{authorization}"
        ))
        .await
        .ok();
    session
        .delete(&format!("/api/manage/apps/{svc}"))
        .await
        .ok();
    // A team installs and uninstalls the web app.
    let team = session.team("acme").await;
    session
        .post(
            &format!("/api/manage/organizations/{team}/installations/{web}"),
            json!({}),
        )
        .await
        .ok();
    session
        .delete(&format!(
            "/api/manage/organizations/{team}/installations/{web}"
        ))
        .await
        .ok();
    session.delete(&path).await.ok();

    let r = session.get("/api/manage/audit_events").await;
    let events = r.ok().clone();
    let mut seen = kinds(&events);
    seen.reverse();
    assert_eq!(
        seen,
        [
            "sign_in",
            "token_created",
            "token_edited",
            "app_created",
            "app_secret_reset",
            "app_disabled",
            "app_enabled",
            "app_edited",
            "app_created",
            "key_added",
            "key_removed",
            "authorization_granted",
            "authorization_revoked",
            "app_deleted",
            "app_installed",
            "app_uninstalled",
            "token_deleted",
        ]
    );
    let newest = &events[0];
    assert_eq!(newest["target"], pat_id.as_str());
    assert_eq!(newest["actor_user_id"], alice.id.to_string());
    assert_eq!(newest["via_token_id"], Value::Null, "a console session");
    assert_eq!(newest["detail"]["name"], "ci-2");
    let installed = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "app_installed")
        .unwrap();
    assert_eq!(installed["organization_id"], team.as_str());
    assert_eq!(installed["target"], web.as_str());
    let text = events.to_string();
    for secret in [&pat, &first_secret, &second_secret] {
        assert!(!text.contains(secret.as_str()), "a secret in the audit log");
    }
    // Filters: by kind, and the next page.
    let r = session
        .get("/api/manage/audit_events?kind=app_created")
        .await;
    assert_eq!(kinds(r.ok()), ["app_created", "app_created"]);
    let r = session.get("/api/manage/audit_events?limit=2").await;
    let page = r.ok().as_array().unwrap().clone();
    assert_eq!(page.len(), 2);
    let r = session
        .get(&format!(
            "/api/manage/audit_events?limit=2&before_id={}",
            page[1]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(kinds(r.ok()), ["app_installed", "app_deleted"]);
    session
        .get("/api/manage/audit_events?kind=made_up")
        .await
        .fails(400, 4000);
    session
        .get("/api/manage/audit_events?limit=0")
        .await
        .fails(400, 4000);
    // What a token does is recorded with the token's id; a token needs Manage.audit to read.
    let (tok_id, tok) = session
        .pat(
            json!({"name": "maker", "permissions": ["Manage.tokens", "Manage.audit", "Bot.list"],
                    "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let r = s
        .bearer(&tok)
        .post(
            "/api/manage/personal_access_tokens",
            json!({"name": "child", "permissions": ["Bot.list"], "all_workspaces": true,
                   "expires_in": "1h"}),
        )
        .await;
    let child_secret = r.ok()["token"].as_str().unwrap().to_string();
    let r = s
        .bearer(&tok)
        .get("/api/manage/audit_events?kind=token_created&limit=1")
        .await;
    let made = &r.ok()[0];
    assert_eq!(made["via_token_id"], tok_id.as_str());
    assert_eq!(made["detail"]["name"], "child");
    assert!(!r.body.to_string().contains(&child_secret));
    s.bearer(&child_secret)
        .get("/api/manage/audit_events")
        .await
        .fails(403, 4101);
}

async fn readers_see_only_their_events(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    a.simple_pat(&["Bot.list"]).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    a.post(
        &format!("/api/manage/organizations/{team}/service_access_tokens"),
        json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true,
               "expires_in": "30d"}),
    )
    .await
    .ok();
    // Bob sees none of Alice's events, and may not read the team's log.
    let r = b.get("/api/manage/audit_events").await;
    assert!(
        r.ok()
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_user_id"] == Value::String(bob.id.to_string())
                || e["subject_user_id"] == Value::String(bob.id.to_string())),
        "{r:?}"
    );
    assert!(!kinds(r.ok()).contains(&"token_created".to_string()));
    b.get(&format!("/api/manage/audit_events?organization_id={team}"))
        .await
        .fails(403, 4101);
    // The team's admin reads the team's events: the service token, not her PAT.
    let r = a
        .get(&format!("/api/manage/audit_events?organization_id={team}"))
        .await;
    let team_events = r.ok().as_array().unwrap().clone();
    assert_eq!(team_events.len(), 1, "{team_events:?}");
    assert_eq!(team_events[0]["detail"]["token_kind"], "sat");
    // The installation's super admin reads everything.
    let r = s.login(&root).await.get("/api/manage/audit_events").await;
    assert!(
        kinds(r.ok())
            .iter()
            .filter(|k| *k == "token_created")
            .count()
            >= 2
    );
}

async fn events_older_than_the_retention_are_dropped(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    a.simple_pat(&["Bot.list"]).await;
    buckle_server::housekeeping(&s.state).await;
    assert_eq!(
        a.get("/api/manage/audit_events").await.ok()[0]["kind"],
        "token_created"
    );
    // A year and a day later (the default retention is 365 days) it is gone.
    s.state.clock.advance(366 * 86_400);
    buckle_server::housekeeping(&s.state).await;
    let r = s.login(&alice).await.get("/api/manage/audit_events").await;
    assert!(
        !kinds(r.ok()).contains(&"token_created".to_string()),
        "{r:?}"
    );
}

async fn sign_in_events_are_recorded_with_the_address_and_never_the_typed_text(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let client = reqwest::Client::new();
    for (name, password) in [
        ("alice", "wrong-password-1"),
        ("a-password-typed-as-a-name", "x"),
    ] {
        let r = client
            .post(s.url("/api/manage/session"))
            .json(&json!({"user_name": name, "password": password}))
            .send()
            .await
            .unwrap();
        Reply::of(r).await.fails(401, 4100);
    }
    let session = s.login(&alice).await;
    session
        .post(
            "/api/manage/accounts/me/password",
            json!({"current_password": alice.password, "new_password": "a brand new passphrase"}),
        )
        .await
        .ok();
    let r = s.login(&root).await.get("/api/manage/audit_events").await;
    let events = r.ok().as_array().unwrap().clone();
    let mut seen: Vec<(String, Value)> = events
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["subject_user_id"].clone(),
            )
        })
        .collect();
    seen.reverse();
    let alice_id = Value::String(alice.id.to_string());
    let root_id = Value::String(root.id.to_string());
    assert_eq!(
        seen,
        [
            ("sign_in_failed".to_string(), alice_id.clone()),
            ("sign_in_failed".to_string(), Value::Null),
            ("sign_in".to_string(), alice_id.clone()),
            ("password_changed".to_string(), alice_id),
            ("sign_in".to_string(), root_id),
        ]
    );
    for e in &events {
        assert_eq!(e["client_addr"], "127.0.0.1", "{e}");
    }
    let text = r.body.to_string();
    for typed in [
        "a-password-typed-as-a-name",
        "wrong-password-1",
        "a brand new passphrase",
    ] {
        assert!(!text.contains(typed), "{typed} in the audit log");
    }
}
