//! OAuth app management under `/api/manage`: apps and their types, the client
//! secret, public keys, AppAuth authorizations and the share link, installations
//! in teams, and the apps a person authorized.

use crate::on_both_databases;
use crate::testkit::*;
use aws_lc_rs::encoding::AsDer;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use buckle_core::rsa_key::RsaPublicKey;
use serde_json::{Value, json};

on_both_databases!(
    creating_apps_and_the_secret_shown_once,
    personal_edition_app_limit,
    app_names_are_unique_across_owners,
    app_names_are_normalized_and_visible,
    plain_http_redirect_uris_only_on_loopback,
    app_and_client_types,
    redirect_uri_validation,
    permission_levels_of_apps,
    organization_apps_and_roles,
    editing_cannot_change_types,
    enable_disable_and_delete,
    public_keys_of_service_apps,
    appauth_in_the_personal_edition,
    appauth_for_an_organization,
    share_link_and_authorization_by_another_admin,
    installations_list_install_uninstall,
    authorized_apps_list_and_revoke,
    management_through_tokens_needs_manage_apps,
    organization_edition_app_limit,
);

const TEAM_LEVEL_MSG: &str = "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it.";
const APPS: &str = "/api/manage/apps";

fn now() -> i64 {
    buckle_core::now_unix()
}

fn web_app(name: &str) -> Value {
    json!({
        "name": name,
        "app_type": "normal",
        "client_type": "web",
        "permissions": ["Account.readProfile"],
        "redirect_uris": ["https://app.example.com/callback"],
    })
}

fn service_app(name: &str) -> Value {
    json!({
        "name": name,
        "app_type": "normal",
        "client_type": "service",
        "permissions": ["Bot.list", "Account.readProfile"],
        "redirect_uris": [],
    })
}

fn in_org(mut app: Value, org: &str) -> Value {
    app["organization_id"] = json!(org);
    app
}

/// Creates an app and returns the create response's data.
async fn create(sess: &Session, body: Value) -> Value {
    sess.post(APPS, body).await.ok().clone()
}

fn app_path(app: &Value, rest: &str) -> String {
    format!("{APPS}/{}{rest}", app["app_id"].as_str().unwrap())
}

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn stored_app(s: &Server, app: &Value) -> buckle_store::OAuthApp {
    s.state
        .store
        .app_by_client_id(app["app_id"].as_str().unwrap())
        .await
        .unwrap()
        .expect("the app is stored")
}

fn obo_grant(app_id: i64, account_id: i64, org: &str) -> buckle_store::Grant {
    buckle_store::Grant {
        id: buckle_core::ids::new_id(),
        app_id,
        kind: "obo".to_string(),
        account_id,
        org_id: org.to_string(),
        permissions: "Account.readProfile".to_string(),
        all_workspaces: true,
        workspace_ids: String::new(),
        created_by: account_id,
        created_at: now(),
    }
}

fn oauth_token(grant: &buckle_store::Grant, secret_hash: &str) -> buckle_store::NewOAuthToken {
    buckle_store::NewOAuthToken {
        id: buckle_core::ids::new_id(),
        token_hash: secret_hash.to_string(),
        kind: if grant.kind == "obo" { "czu" } else { "czs" }.to_string(),
        app_id: grant.app_id,
        grant_id: grant.id,
        account_id: (grant.account_id != 0).then_some(grant.account_id),
        org_id: (!grant.org_id.is_empty()).then(|| grant.org_id.clone()),
        permissions: grant.permissions.clone(),
        all_workspaces: grant.all_workspaces,
        workspace_ids: grant.workspace_ids.clone(),
        session_name: None,
        device_id: None,
        custom_consumer: None,
        family_id: None,
        created_at: now(),
        expires_at: now() + 900,
    }
}

async fn creating_apps_and_the_secret_shown_once(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let made = create(
        &a,
        json!({
            "name": "  Web thing  ",
            "description": "A web backend",
            "app_type": "normal",
            "client_type": "web",
            "permissions": ["Account.readProfile", "Bot.list", "Bot.list"],
            "redirect_uris": ["https://app.example.com/callback", "http://127.0.0.1:8080/callback"],
        }),
    )
    .await;
    let client_id = made["app_id"].as_str().unwrap().to_string();
    let digits = client_id
        .strip_suffix(".app.buckle")
        .expect("client id suffix");
    assert_eq!(digits.len(), 32, "{client_id}");
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{client_id}");
    let secret = made["client_secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 48);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(made["secret_last_chars"], json!(&secret[44..]));
    assert_eq!(made["name"], json!("Web thing"));
    assert_eq!(made["description"], json!("A web backend"));
    assert_eq!(made["app_type"], json!("normal"));
    assert_eq!(made["client_type"], json!("web"));
    assert_eq!(made["organization_id"], Value::Null);
    assert_eq!(made["owner_user_id"], json!(alice.id.to_string()));
    assert_eq!(
        made["permissions"],
        json!(["Account.readProfile", "Bot.list"])
    );
    assert_eq!(
        made["redirect_uris"],
        json!([
            "https://app.example.com/callback",
            "http://127.0.0.1:8080/callback"
        ])
    );
    assert_eq!(made["enabled"], json!(true));
    assert_eq!(made["public_keys"], json!([]));
    assert!(made["created_at"].as_i64().unwrap() > 0);

    // Stored as a hash only; never shown again.
    let stored = stored_app(&s, &made).await;
    assert_eq!(
        stored.secret_hash,
        buckle_core::secret::hash_secret(&secret)
    );
    let got = a.get(&app_path(&made, "")).await;
    let text = got.body.to_string();
    assert!(!text.contains(&secret), "{text}");
    assert!(!text.contains(&stored.secret_hash), "{text}");
    assert!(got.ok().get("client_secret").is_none());
    assert_eq!(got.ok()["secret_last_chars"], json!(&secret[44..]));
    let list = a.get(APPS).await;
    assert!(!list.body.to_string().contains(&secret));
    assert_eq!(names(list.ok(), "app_id"), vec![client_id.clone()]);

    // A new secret replaces the old one and is shown once.
    let reset = a.post(&app_path(&made, "/secret"), json!({})).await;
    let new_secret = reset.ok()["client_secret"].as_str().unwrap().to_string();
    assert_eq!(new_secret.len(), 48);
    assert_ne!(new_secret, secret);
    assert_eq!(
        stored_app(&s, &made).await.secret_hash,
        buckle_core::secret::hash_secret(&new_secret)
    );
    assert!(
        !a.get(&app_path(&made, ""))
            .await
            .body
            .to_string()
            .contains(&new_secret)
    );

    // Other client types have no secret.
    for (name, client_type, uris) in [
        ("Pkce thing", "pkce", json!(["com.example.app:/callback"])),
        ("Device thing", "device", json!([])),
        ("Service thing", "service", json!([])),
    ] {
        let other = create(
            &a,
            json!({"name": name, "app_type": "normal", "client_type": client_type, "permissions": ["Account.readProfile"], "redirect_uris": uris}),
        )
        .await;
        assert!(other.get("client_secret").is_none(), "{other}");
        assert_eq!(other["secret_last_chars"], Value::Null);
        assert_eq!(stored_app(&s, &other).await.secret_hash, "");
        let refused = a.post(&app_path(&other, "/secret"), json!({})).await;
        refused.fails(400, 4000);
    }

    // Unknown ids and other people's apps are 404.
    a.get(&format!(
        "{APPS}/00000000000000000000000000000000.app.buckle"
    ))
    .await
    .fails(404, 4200);
    let bob = s.user("bob").await;
    let b = s.login(&bob).await;
    b.get(&app_path(&made, "")).await.fails(404, 4200);
    b.post(&app_path(&made, "/secret"), json!({}))
        .await
        .fails(404, 4200);
    assert_eq!(b.get(APPS).await.ok(), &json!([]));
}

async fn personal_edition_app_limit(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    for i in 0..10 {
        create(&a, service_app(&format!("app {i}"))).await;
    }
    let refused = a.post(APPS, service_app("app 10")).await;
    assert_eq!(
        refused.fails(400, 4000),
        "This edition allows at most 10 OAuth apps."
    );
    assert_eq!(a.get(APPS).await.ok().as_array().unwrap().len(), 10);
    // The limit is per person; a team's apps count separately.
    let bob = s.user("bob").await;
    let b = s.login(&bob).await;
    create(&b, service_app("bob's app")).await;
    let team = a.team("acme").await;
    create(&a, in_org(service_app("team app"), &team)).await;
    // Deleting one makes room again.
    let first = a.get(APPS).await.ok()[0].clone();
    a.delete(&app_path(&first, "")).await.ok();
    create(&a, service_app("app 10")).await;
}

async fn app_names_are_unique_across_owners(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    create(&a, web_app("Shared name")).await;
    let refused = b.post(APPS, service_app("Shared name")).await;
    assert_eq!(
        refused.fails(409, 4000),
        "An app with that name already exists."
    );
    let team = b.team("bobco").await;
    b.post(APPS, in_org(service_app("Shared name"), &team))
        .await
        .fails(409, 4000);
    // Renaming onto a taken name is refused too; the app keeps its name.
    let other = create(&b, service_app("Other name")).await;
    b.patch(&app_path(&other, ""), json!({"name": "Shared name"}))
        .await
        .fails(409, 4000);
    assert_eq!(
        b.get(&app_path(&other, "")).await.ok()["name"],
        json!("Other name")
    );
    // Bad names.
    for bad in ["", "   ", &"x".repeat(101)] {
        a.post(APPS, web_app(bad)).await.fails(400, 4000);
    }
    create(&a, web_app(&"y".repeat(100))).await;
}

/// The name is what a person trusts on the consent page: one spelling per look
/// (NFC), nothing invisible that reorders or hides characters.
async fn app_names_are_normalized_and_visible(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    // "Café" typed with a combining accent is stored precomposed...
    let made = create(&a, web_app("Cafe\u{301} Pay")).await;
    assert_eq!(made["name"], json!("Caf\u{E9} Pay"));
    assert_eq!(stored_app(&s, &made).await.name, "Caf\u{E9} Pay");
    // ...so the precomposed spelling is the same, taken name.
    b.post(APPS, service_app("Caf\u{E9} Pay"))
        .await
        .fails(409, 4000);
    b.post(APPS, service_app("Cafe\u{301} Pay"))
        .await
        .fails(409, 4000);
    for bad in [
        "Pay\u{202E}lapyaP",      // right-to-left override
        "Caf\u{E9}\u{200B} Pay",  // zero-width space
        "\u{FEFF}Bank",           // byte order mark
        "Bank \u{2067}x\u{2069}", // right-to-left isolate
        "Bank\u{200D}",           // zero-width joiner
    ] {
        let msg = b
            .post(APPS, service_app(bad))
            .await
            .fails(400, 4000)
            .to_string();
        assert!(msg.contains("U+"), "{bad:?}: {msg}");
        a.patch(&app_path(&made, ""), json!({"name": bad}))
            .await
            .fails(400, 4000);
    }
    // The same rule holds for the other names people read.
    let zw = "Team\u{200B}";
    a.post(
        "/api/manage/organizations",
        json!({"name": zw, "kind": "team"}),
    )
    .await
    .fails(400, 4000);
    a.post("/api/manage/workspaces", json!({"name": zw}))
        .await
        .fails(400, 4000);
    a.post(
        "/api/manage/personal_access_tokens",
        json!({"name": zw, "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
    )
    .await
    .fails(400, 4000);
    let team = a.team("Cre\u{300}me").await;
    assert_eq!(
        a.get(&format!("/api/manage/organizations/{team}"))
            .await
            .ok()["name"],
        json!("Cr\u{E8}me")
    );
}

/// Codes sent to a plain-http redirect URI cross the network in clear, except on
/// loopback where they never leave the machine.
async fn plain_http_redirect_uris_only_on_loopback(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let with_uris = |name: &str, uris: Value| json!({"name": name, "app_type": "normal", "client_type": "web", "permissions": ["Account.readProfile"], "redirect_uris": uris});
    for bad in [
        "http://app.example.com/cb",
        "http://10.0.0.7:8080/cb",
        "http://localhost.evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://[::2]/cb",
    ] {
        let msg = a
            .post(APPS, with_uris("insecure", json!([bad])))
            .await
            .fails(400, 4000)
            .to_string();
        assert!(msg.contains("loopback"), "{bad}: {msg}");
    }
    let made = create(
        &a,
        with_uris(
            "loopback",
            json!([
                "http://127.0.0.1:9/cb",
                "http://[::1]:9/cb",
                "http://localhost/cb",
                "https://app.example.com/cb"
            ]),
        ),
    )
    .await;
    // Edits follow the same rule, and a refused edit changes nothing.
    a.patch(
        &app_path(&made, ""),
        json!({"redirect_uris": ["https://app.example.com/cb", "http://app.example.com/cb"]}),
    )
    .await
    .fails(400, 4000);
    assert_eq!(
        a.get(&app_path(&made, "")).await.ok()["redirect_uris"][3],
        json!("https://app.example.com/cb")
    );
    let pkce = json!({"name": "pkce", "app_type": "normal", "client_type": "pkce", "permissions": ["Account.readProfile"], "redirect_uris": ["http://192.168.1.2/cb"]});
    a.post(APPS, pkce).await.fails(400, 4000);
}

/// `allow_insecure_redirect_uris = true` is the operator's explicit way out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_may_allow_insecure_redirect_uris() {
    let s = Server::start_configured(|c| c.allow_insecure_redirect_uris = true).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let mut app = web_app("intranet");
    app["redirect_uris"] = json!(["http://intranet.example/cb"]);
    assert_eq!(
        create(&a, app).await["redirect_uris"],
        json!(["http://intranet.example/cb"])
    );
}

async fn app_and_client_types(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let mut channel = web_app("Channel via web");
    channel["app_type"] = json!("channel");
    let msg = a.post(APPS, channel).await.fails(400, 4000).to_string();
    assert!(msg.contains("service"), "{msg}");
    for client_type in ["pkce", "device"] {
        a.post(
            APPS,
            json!({"name": "channel", "app_type": "channel", "client_type": client_type, "permissions": ["Connector.botChat"], "redirect_uris": if client_type == "pkce" { json!(["https://x.example/cb"]) } else { json!([]) }}),
        )
        .await
        .fails(400, 4000);
    }
    let ok_channel = create(
        &a,
        json!({"name": "channel", "app_type": "channel", "client_type": "service", "permissions": ["Connector.botChat"]}),
    )
    .await;
    assert_eq!(ok_channel["app_type"], json!("channel"));
    assert_eq!(ok_channel["client_type"], json!("service"));

    let mut bad_type = web_app("bad type");
    bad_type["client_type"] = json!("desktop");
    a.post(APPS, bad_type).await.fails(400, 4000);
    let mut bad_app_type = web_app("bad app type");
    bad_app_type["app_type"] = json!("partner");
    a.post(APPS, bad_app_type).await.fails(400, 4000);
    let mut unknown_point = web_app("unknown point");
    unknown_point["permissions"] = json!(["Bot.fly"]);
    let msg = a
        .post(APPS, unknown_point)
        .await
        .fails(400, 4000)
        .to_string();
    assert!(msg.contains("Bot.fly"), "{msg}");
    let mut no_points = web_app("no points");
    no_points["permissions"] = json!([]);
    a.post(APPS, no_points).await.fails(400, 4000);
    let mut extra = web_app("extra");
    extra["client_secret"] = json!("mine");
    a.post(APPS, extra).await.fails(400, 4000);
    // Web and PKCE apps need redirect URIs; device and service apps have none.
    for client_type in ["web", "pkce"] {
        a.post(
            APPS,
            json!({"name": "no uris", "app_type": "normal", "client_type": client_type, "permissions": ["Account.readProfile"], "redirect_uris": []}),
        )
        .await
        .fails(400, 4000);
        a.post(
            APPS,
            json!({"name": "no uris", "app_type": "normal", "client_type": client_type, "permissions": ["Account.readProfile"]}),
        )
        .await
        .fails(400, 4000);
    }
    for client_type in ["device", "service"] {
        a.post(
            APPS,
            json!({"name": "with uris", "app_type": "normal", "client_type": client_type, "permissions": ["Account.readProfile"], "redirect_uris": ["https://x.example/cb"]}),
        )
        .await
        .fails(400, 4000);
    }
    // Only the channel app was made.
    assert_eq!(names(a.get(APPS).await.ok(), "name"), vec!["channel"]);
}

async fn redirect_uri_validation(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let with_uris = |uris: Value| json!({"name": "uris", "app_type": "normal", "client_type": "web", "permissions": ["Account.readProfile"], "redirect_uris": uris});
    for bad in [
        json!(["javascript:alert(1)"]),
        json!(["https://app.example.com/cb#fragment"]),
        json!(["/relative/callback"]),
        json!(["callback"]),
        json!(["https:///no-host"]),
        json!(["https://user@evil.example/cb"]),
        json!(["data:text/html,hi"]),
        json!(["https://app.example.com/a b"]),
        json!([""]),
        json!(["https://app.example.com/cb", "https://app.example.com/cb"]),
    ] {
        let r = a.post(APPS, with_uris(bad.clone())).await;
        let msg = r.fails(400, 4000);
        assert!(msg.contains("redirect_uris["), "{bad}: {msg}");
    }
    let eleven: Vec<String> = (0..11)
        .map(|i| format!("https://app.example.com/cb{i}"))
        .collect();
    a.post(APPS, with_uris(json!(eleven)))
        .await
        .fails(400, 4000);
    let ten = &eleven[..10];
    let made = create(&a, with_uris(json!(ten))).await;
    assert_eq!(made["redirect_uris"], json!(ten));
    let pkce = create(
        &a,
        json!({"name": "mobile", "app_type": "normal", "client_type": "pkce", "permissions": ["Account.readProfile"], "redirect_uris": ["com.example.app:/oauth", "http://localhost:3000/cb?x=1"]}),
    )
    .await;
    assert_eq!(
        pkce["redirect_uris"],
        json!(["com.example.app:/oauth", "http://localhost:3000/cb?x=1"])
    );
    // The same rules apply to edits.
    a.patch(
        &app_path(&made, ""),
        json!({"redirect_uris": ["javascript:alert(1)"]}),
    )
    .await
    .fails(400, 4000);
    a.patch(&app_path(&made, ""), json!({"redirect_uris": []}))
        .await
        .fails(400, 4000);
    let edited = a
        .patch(
            &app_path(&made, ""),
            json!({"redirect_uris": ["https://new.example.com/cb"]}),
        )
        .await;
    assert_eq!(
        edited.ok()["redirect_uris"],
        json!(["https://new.example.com/cb"])
    );
}

async fn permission_levels_of_apps(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let r = s.login(&root).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "admin").await.ok();
    let b = s.login(&bob).await;
    let mut team_level = service_app("team level");
    team_level["permissions"] = json!(["Organization.listMembers", "Bot.list"]);
    // Any app may declare team/enterprise-level points; the refusal comes when a
    // non-admin authorizes it (see oauth::organization_installation_gates_obo_tokens).
    let personal_team_level = create(&a, team_level.clone()).await;
    assert_eq!(
        personal_team_level["permissions"],
        json!(["Bot.list", "Organization.listMembers"])
    );
    let made = create(&b, in_org(service_app("team level 2"), &team)).await;
    let edited = b
        .patch(
            &app_path(&made, ""),
            json!({"permissions": ["Organization.listWorkspaces"]}),
        )
        .await;
    assert_eq!(
        edited.ok()["permissions"],
        json!(["Organization.listWorkspaces"])
    );
    // AppAuth of a personal app with team-level points: there is no admin in a
    // personal edition, so the owner's own authorization is refused.
    let refused = a
        .post(
            &app_path(&personal_team_level, "/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    // Operator-only points need an installation super admin.
    let mut operator = service_app("introspector");
    operator["permissions"] = json!(["Token.introspect"]);
    a.post(APPS, operator.clone()).await.fails(403, 4101);
    b.post(APPS, in_org(operator.clone(), &team))
        .await
        .fails(403, 4101);
    let made = create(&r, operator).await;
    assert_eq!(made["permissions"], json!(["Token.introspect"]));
}

async fn organization_apps_and_roles(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let d = s.login(&dave).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    a.add_member(&team, "carol", "admin").await.ok();

    // Members may not create; admins and super admins may; outsiders see nothing.
    b.post(APPS, in_org(web_app("by member"), &team))
        .await
        .fails(403, 4101);
    d.post(APPS, in_org(web_app("by outsider"), &team))
        .await
        .fails(404, 4200);
    let by_carol = create(&c, in_org(web_app("by admin"), &team)).await;
    let by_alice = create(&a, in_org(service_app("by super admin"), &team)).await;
    assert_eq!(by_carol["organization_id"], json!(team));
    assert_eq!(by_carol["owner_user_id"], Value::Null);
    let org_apps = format!("{APPS}?organization_id={team}");
    // Members list and read the team's apps; personal lists stay personal.
    assert_eq!(
        names(b.get(&org_apps).await.ok(), "name"),
        vec!["by admin", "by super admin"]
    );
    assert_eq!(b.get(APPS).await.ok(), &json!([]));
    assert_eq!(a.get(APPS).await.ok(), &json!([]));
    let seen = b.get(&app_path(&by_carol, "")).await;
    assert!(seen.ok().get("client_secret").is_none());
    d.get(&org_apps).await.fails(404, 4200);
    d.get(&app_path(&by_carol, "")).await.fails(404, 4200);

    // Members may not change them.
    b.patch(&app_path(&by_carol, ""), json!({"name": "renamed"}))
        .await
        .fails(403, 4101);
    b.post(&app_path(&by_carol, "/disable"), json!({}))
        .await
        .fails(403, 4101);
    b.post(&app_path(&by_carol, "/secret"), json!({}))
        .await
        .fails(403, 4101);
    b.delete(&app_path(&by_alice, "")).await.fails(403, 4101);
    d.patch(&app_path(&by_carol, ""), json!({"name": "renamed"}))
        .await
        .fails(404, 4200);
    d.delete(&app_path(&by_alice, "")).await.fails(404, 4200);

    // Any admin may, not only the creator.
    let renamed = c
        .patch(
            &app_path(&by_alice, ""),
            json!({"name": "renamed by carol"}),
        )
        .await;
    assert_eq!(renamed.ok()["name"], json!("renamed by carol"));
    let off = a.post(&app_path(&by_carol, "/disable"), json!({})).await;
    assert_eq!(off.ok()["enabled"], json!(false));
    c.post(&app_path(&by_carol, "/secret"), json!({}))
        .await
        .ok();
    c.delete(&app_path(&by_alice, "")).await.ok();
    assert_eq!(names(b.get(&org_apps).await.ok(), "name"), vec!["by admin"]);

    // A member who is promoted may; one who is demoted may not.
    a.patch(
        &format!("/api/manage/organizations/{team}/members/{}", bob.id),
        json!({"role": "admin"}),
    )
    .await
    .ok();
    b.post(&app_path(&by_carol, "/enable"), json!({}))
        .await
        .ok();
}

async fn editing_cannot_change_types(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let made = create(&a, web_app("editable")).await;
    let path = app_path(&made, "");
    for body in [
        json!({"client_type": "service"}),
        json!({"app_type": "channel"}),
        json!({"name": "x", "client_type": "web"}),
    ] {
        let msg = a.patch(&path, body).await.fails(400, 4000).to_string();
        assert!(msg.contains("cannot be changed"), "{msg}");
    }
    a.patch(&path, json!({"client_id": "mine"}))
        .await
        .fails(400, 4000);
    a.patch(&path, json!({"permissions": []}))
        .await
        .fails(400, 4000);
    a.patch(&path, json!({"description": "x".repeat(1001)}))
        .await
        .fails(400, 4000);
    let edited = a
        .patch(
            &path,
            json!({"name": "edited", "description": "now described", "permissions": ["Bot.read", "Bot.list"]}),
        )
        .await;
    let e = edited.ok();
    assert_eq!(e["name"], json!("edited"));
    assert_eq!(e["description"], json!("now described"));
    assert_eq!(e["permissions"], json!(["Bot.list", "Bot.read"]));
    assert_eq!(e["client_type"], json!("web"));
    assert_eq!(e["app_type"], json!("normal"));
    assert_eq!(e["redirect_uris"], made["redirect_uris"]);
    assert_eq!(e["secret_last_chars"], made["secret_last_chars"]);
    assert!(e.get("client_secret").is_none());
    // An empty edit changes nothing.
    let same = a.patch(&path, json!({})).await;
    assert_eq!(same.ok()["name"], json!("edited"));
    assert_eq!(
        a.get(&path).await.ok()["description"],
        json!("now described")
    );
}

async fn enable_disable_and_delete(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let made = create(&a, web_app("toggled")).await;
    let off = a.post(&app_path(&made, "/disable"), json!({})).await;
    assert_eq!(off.ok()["enabled"], json!(false));
    assert!(!stored_app(&s, &made).await.enabled);
    assert_eq!(
        a.get(&app_path(&made, "")).await.ok()["enabled"],
        json!(false)
    );
    b.post(&app_path(&made, "/enable"), json!({}))
        .await
        .fails(404, 4200);
    let on = a.post(&app_path(&made, "/enable"), json!({})).await;
    assert_eq!(on.ok()["enabled"], json!(true));

    // Deleting removes the app and everything it was given.
    let stored = stored_app(&s, &made).await;
    let grant = obo_grant(stored.id, bob.id, "");
    let gid = s.state.store.upsert_grant(&grant).await.unwrap();
    let token_hash = buckle_core::secret::hash_secret("czu_for_the_deleted_app");
    s.state
        .store
        .insert_oauth_token(&oauth_token(&grant, &token_hash))
        .await
        .unwrap();
    b.delete(&app_path(&made, "")).await.fails(404, 4200);
    a.delete(&app_path(&made, "")).await.ok();
    a.get(&app_path(&made, "")).await.fails(404, 4200);
    a.delete(&app_path(&made, "")).await.fails(404, 4200);
    assert!(s.state.store.grant(gid).await.unwrap().is_none());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&token_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(a.get(APPS).await.ok(), &json!([]));
    // The name is free again.
    create(&a, web_app("toggled")).await;
}

async fn public_keys_of_service_apps(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let app = create(&a, service_app("signer")).await;
    let keys = app_path(&app, "/keys");

    let key = ServiceKey::new();
    let (kp, pkcs1_pem) = (&key.pair, key.public_pem.clone());
    let expected = RsaPublicKey::from_pem(&pkcs1_pem).unwrap();
    let added = a.post(&keys, json!({"public_key": pkcs1_pem})).await;
    let fingerprint = added.ok()["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint, expected.thumbprint());
    assert_eq!(fingerprint.len(), 43);
    assert!(added.ok()["created_at"].as_i64().unwrap() > 0);
    // The same key again, in SPKI form this time, is a duplicate.
    let dup = a
        .post(&keys, json!({"public_key": expected.to_pem()}))
        .await;
    dup.fails(409, 4000);
    // Listed with the normalized public PEM; shown on the app.
    let list = a.get(&keys).await;
    let l = list.ok().as_array().unwrap().clone();
    assert_eq!(l.len(), 1);
    assert_eq!(l[0]["fingerprint"], json!(fingerprint));
    assert_eq!(l[0]["public_pem"], json!(expected.to_pem()));
    let shown = a.get(&app_path(&app, "")).await;
    assert_eq!(
        shown.ok()["public_keys"][0]["fingerprint"],
        json!(fingerprint)
    );

    // A private key is refused, neither stored nor echoed.
    let private_der = kp.as_der().unwrap();
    let private_b64 = STANDARD.encode(private_der.as_ref());
    let private_pem =
        format!("-----BEGIN PRIVATE KEY-----\n{private_b64}\n-----END PRIVATE KEY-----\n");
    let refused = a.post(&keys, json!({"public_key": private_pem})).await;
    let msg = refused.fails(400, 4000).to_string();
    assert!(msg.contains("private key"), "{msg}");
    assert!(!refused.body.to_string().contains(&private_b64[..40]));
    let stored = s
        .state
        .store
        .app_keys(stored_app(&s, &app).await.id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        stored.iter().all(
            |k| !k.public_pem.contains("PRIVATE") && !k.public_pem.contains(&private_b64[..40])
        )
    );
    // Garbage is refused with a clear message.
    let msg = a
        .post(&keys, json!({"public_key": "hello"}))
        .await
        .fails(400, 4000)
        .to_string();
    assert!(msg.contains("PEM"), "{msg}");
    a.post(&keys, json!({"key": "x"})).await.fails(400, 4000);

    // At most three keys.
    let mut prints = vec![fingerprint.clone()];
    for _ in 0..2 {
        let pem = ServiceKey::new().public_pem;
        let r = a.post(&keys, json!({"public_key": pem})).await;
        prints.push(r.ok()["fingerprint"].as_str().unwrap().to_string());
    }
    let fourth = ServiceKey::new().public_pem;
    let refused = a.post(&keys, json!({"public_key": fourth.clone()})).await;
    assert_eq!(
        refused.fails(400, 4000),
        "An app may hold at most 3 public keys."
    );
    assert_eq!(a.get(&keys).await.ok().as_array().unwrap().len(), 3);

    // Only the owner changes keys; others do not even see the app.
    b.post(&keys, json!({"public_key": fourth.clone()}))
        .await
        .fails(404, 4200);
    b.get(&keys).await.fails(404, 4200);
    b.delete(&format!("{keys}/{fingerprint}"))
        .await
        .fails(404, 4200);
    // Deleting one makes room.
    a.delete(&format!("{keys}/{fingerprint}")).await.ok();
    a.delete(&format!("{keys}/{fingerprint}"))
        .await
        .fails(404, 4200);
    let left = names(a.get(&keys).await.ok(), "fingerprint");
    prints.remove(0);
    prints.sort();
    assert_eq!(left, prints);
    a.post(&keys, json!({"public_key": fourth})).await.ok();

    // Keys belong to service apps only.
    let web = create(&a, web_app("no keys")).await;
    let pem = ServiceKey::new().public_pem;
    a.post(&app_path(&web, "/keys"), json!({"public_key": pem}))
        .await
        .fails(400, 4000);
    a.get(&app_path(&web, "/keys")).await.fails(400, 4000);
}

async fn appauth_in_the_personal_edition(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let app = create(&a, service_app("personal service")).await;
    let auths = app_path(&app, "/authorizations");
    let ws2 = a.workspace("second", None).await;

    let made = a
        .post(
            &auths,
            json!({"workspace_ids": [alice.personal_workspace.to_string(), ws2.to_string()]}),
        )
        .await;
    let m = made.ok().clone();
    assert_eq!(m["app_id"], app["app_id"]);
    assert_eq!(m["organization_id"], Value::Null);
    assert_eq!(m["account_id"], json!(alice.id.to_string()));
    assert_eq!(m["all_workspaces"], json!(false));
    assert_eq!(
        m["workspace_ids"],
        json!([alice.personal_workspace.to_string(), ws2.to_string()])
    );
    assert_eq!(m["permissions"], json!(["Account.readProfile", "Bot.list"]));
    let gid: i64 = m["authorization_id"].as_str().unwrap().parse().unwrap();
    let g = s.state.store.grant(gid).await.unwrap().unwrap();
    assert_eq!(
        (g.kind.as_str(), g.account_id, g.org_id.as_str()),
        ("appauth", alice.id, "")
    );
    // Authorizing again replaces the scope of the same authorization.
    let again = a.post(&auths, json!({"all_workspaces": true})).await;
    assert_eq!(again.ok()["authorization_id"], m["authorization_id"]);
    assert_eq!(again.ok()["all_workspaces"], json!(true));
    assert_eq!(again.ok()["workspace_ids"], json!([]));

    // Workspace rules.
    a.post(
        &auths,
        json!({"all_workspaces": true, "workspace_ids": [ws2.to_string()]}),
    )
    .await
    .fails(400, 4000);
    a.post(
        &auths,
        json!({"workspace_ids": [bob.personal_workspace.to_string()]}),
    )
    .await
    .fails(400, 4000);
    let team = a.team("acme").await;
    let team_ws = a.workspace("team ws", Some(&team)).await;
    a.post(&auths, json!({"workspace_ids": [team_ws.to_string()]}))
        .await
        .fails(400, 4000);
    a.post(&auths, json!({"workspace_ids": ["not-a-number"]}))
        .await
        .fails(400, 4000);
    a.post(&auths, json!({"all_workspaces": true, "scope": "x"}))
        .await
        .fails(400, 4000);

    // Someone else cannot authorize it in their personal edition.
    let msg = b
        .post(&auths, json!({"all_workspaces": true}))
        .await
        .fails(403, 4101)
        .to_string();
    assert!(msg.contains("owner"), "{msg}");
    b.get(&auths).await.fails(404, 4200);

    // Only service apps are authorized as themselves.
    let web = create(&a, web_app("web app")).await;
    let r = a
        .post(
            &app_path(&web, "/authorizations"),
            json!({"all_workspaces": true}),
        )
        .await;
    assert_eq!(r.fails(400, 4000), "invalid app type");

    // Listing and deleting.
    let list = a.get(&auths).await;
    assert_eq!(names(list.ok(), "authorization_id"), vec![gid.to_string()]);
    let token_hash = buckle_core::secret::hash_secret("czs_personal");
    s.state
        .store
        .insert_oauth_token(&oauth_token(&g, &token_hash))
        .await
        .unwrap();
    b.delete(&format!("{auths}/{gid}")).await.fails(404, 4200);
    a.delete(&format!("{auths}/{gid}")).await.ok();
    a.delete(&format!("{auths}/{gid}")).await.fails(404, 4200);
    a.delete(&format!("{auths}/abc")).await.fails(400, 4000);
    assert_eq!(a.get(&auths).await.ok(), &json!([]));
    assert!(s.state.store.grant(gid).await.unwrap().is_none());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&token_hash)
            .await
            .unwrap()
            .is_none(),
        "the authorization's tokens die with it"
    );
}

async fn appauth_for_an_organization(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let d = s.login(&dave).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    a.add_member(&team, "carol", "admin").await.ok();
    let other_team = d.team("dave co").await;
    let team_ws = a.workspace("team ws", Some(&team)).await;

    let mut body = service_app("team service");
    body["permissions"] = json!(["Organization.listMembers", "Bot.list"]);
    let app = create(&a, in_org(body, &team)).await;
    let auths = app_path(&app, "/authorizations");
    let for_team = json!({"organization_id": team, "workspace_ids": [team_ws.to_string()]});

    // Members and outsiders may not; an organization app stays in its organization.
    b.post(&auths, for_team.clone()).await.fails(403, 4101);
    d.post(&auths, for_team.clone()).await.fails(404, 4200);
    a.post(&auths, json!({"all_workspaces": true}))
        .await
        .fails(400, 4000);
    a.post(
        &auths,
        json!({"organization_id": other_team, "all_workspaces": true}),
    )
    .await
    .fails(400, 4000);
    a.post(
        &auths,
        json!({"organization_id": team, "workspace_ids": [alice.personal_workspace.to_string()]}),
    )
    .await
    .fails(400, 4000);

    // Any admin may authorize it, team-level points included.
    let made = c.post(&auths, for_team).await;
    let m = made.ok().clone();
    assert_eq!(m["organization_id"], json!(team));
    assert_eq!(m["account_id"], Value::Null);
    assert_eq!(m["workspace_ids"], json!([team_ws.to_string()]));
    assert_eq!(
        m["permissions"],
        json!(["Bot.list", "Organization.listMembers"])
    );
    let gid: i64 = m["authorization_id"].as_str().unwrap().parse().unwrap();
    let g = s.state.store.grant(gid).await.unwrap().unwrap();
    assert_eq!(
        (g.kind.as_str(), g.account_id, g.org_id.as_str()),
        ("appauth", 0, team.as_str())
    );

    // It shows as an installed AppAuth app.
    let installs = format!("/api/manage/organizations/{team}/installations");
    let list = a.get(&installs).await;
    let l = list.ok();
    assert_eq!(l["installed_appauth"].as_array().unwrap().len(), 1);
    let item = &l["installed_appauth"][0];
    assert_eq!(item["app_id"], app["app_id"]);
    assert_eq!(item["name"], json!("team service"));
    assert_eq!(item["client_type"], json!("service"));
    assert_eq!(item["status"], json!("installed"));
    assert_eq!(item["requested_by"], json!(carol.id.to_string()));
    assert_eq!(l["installed_obo"], json!([]));
    assert_eq!(l["not_installed_obo"], json!([]));
    assert_eq!(
        s.state
            .store
            .installation_status(g.app_id, &team)
            .await
            .unwrap()
            .as_deref(),
        Some("installed")
    );

    // Admins list and remove it; members may not.
    b.get(&auths).await.fails(403, 4101);
    assert_eq!(
        names(a.get(&auths).await.ok(), "authorization_id"),
        vec![gid.to_string()]
    );
    b.delete(&format!("{auths}/{gid}")).await.fails(403, 4101);
    d.delete(&format!("{auths}/{gid}")).await.fails(404, 4200);
    a.delete(&format!("{auths}/{gid}")).await.ok();
    assert!(s.state.store.grant(gid).await.unwrap().is_none());
    let list = a.get(&installs).await;
    assert_eq!(list.ok()["installed_appauth"], json!([]));
}

async fn share_link_and_authorization_by_another_admin(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let d = s.login(&dave).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();

    // Dave's personal service app and its link.
    let app = create(&d, service_app("dave's service")).await;
    let client_id = app["app_id"].as_str().unwrap();
    let link = d.get(&app_path(&app, "/share_link")).await;
    assert_eq!(
        link.ok()["url"],
        json!(format!(
            "{}/oauth/authorize-app?client_id={client_id}",
            s.base
        ))
    );
    a.get(&app_path(&app, "/share_link")).await.fails(404, 4200);
    let web = create(&d, web_app("dave's web")).await;
    d.get(&app_path(&web, "/share_link")).await.fails(400, 4000);

    // Alice administers acme and authorizes Dave's app for it; Bob may not.
    let auths = app_path(&app, "/authorizations");
    b.post(
        &auths,
        json!({"organization_id": team, "all_workspaces": true}),
    )
    .await
    .fails(403, 4101);
    let made = a
        .post(
            &auths,
            json!({"organization_id": team, "all_workspaces": true}),
        )
        .await;
    let gid = made.ok()["authorization_id"].as_str().unwrap().to_string();
    assert_eq!(made.ok()["organization_id"], json!(team));
    // Dave (the owner) sees it among the app's authorizations, next to his own.
    d.post(&auths, json!({"all_workspaces": true})).await.ok();
    let listed = d.get(&auths).await;
    let orgs: Vec<Value> = listed
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["organization_id"].clone())
        .collect();
    assert_eq!(orgs.len(), 2);
    assert!(orgs.contains(&json!(team)) && orgs.contains(&Value::Null));
    let installs = format!("/api/manage/organizations/{team}/installations");
    assert_eq!(
        names(&a.get(&installs).await.ok()["installed_appauth"], "app_id"),
        vec![client_id.to_string()]
    );
    // The organization's authorization is the organization's to remove.
    d.delete(&format!("{auths}/{gid}")).await.fails(404, 4200);
    a.delete(&format!("{auths}/{gid}")).await.ok();
    assert_eq!(a.get(&installs).await.ok()["installed_appauth"], json!([]));
    assert_eq!(d.get(&auths).await.ok().as_array().unwrap().len(), 1);
}

async fn installations_list_install_uninstall(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let d = s.login(&dave).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    let installs = format!("/api/manage/organizations/{team}/installations");

    // Dave publishes a web app and a device app; Bob asks to use them in acme
    // (what the consent page records for an app acme has not installed).
    let web = create(&d, web_app("dave's web")).await;
    let device = create(
        &d,
        json!({"name": "dave's device", "app_type": "normal", "client_type": "device", "permissions": ["Account.readProfile"]}),
    )
    .await;
    let web_id = stored_app(&s, &web).await.id;
    let device_id = stored_app(&s, &device).await.id;
    for id in [web_id, device_id] {
        s.state
            .store
            .upsert_installation(id, &team, "requested", bob.id, now())
            .await
            .unwrap();
    }
    let list = a.get(&installs).await;
    let l = list.ok();
    assert_eq!(l["installed_appauth"], json!([]));
    assert_eq!(l["installed_obo"], json!([]));
    let requested = l["not_installed_obo"].as_array().unwrap();
    assert_eq!(requested.len(), 2);
    assert!(requested.iter().all(
        |i| i["status"] == json!("requested") && i["requested_by"] == json!(bob.id.to_string())
    ));
    assert_eq!(
        names(&l["not_installed_obo"], "app_id"),
        names(&json!([web.clone(), device.clone()]), "app_id")
    );

    // Only admins see and decide.
    b.get(&installs).await.fails(403, 4101);
    d.get(&installs).await.fails(404, 4200);
    b.post(
        &format!("{installs}/{}", web["app_id"].as_str().unwrap()),
        json!({}),
    )
    .await
    .fails(403, 4101);

    // Installing approves the request.
    let web_install = format!("{installs}/{}", web["app_id"].as_str().unwrap());
    let done = a.post(&web_install, json!({})).await;
    assert_eq!(done.ok()["status"], json!("installed"));
    assert_eq!(done.ok()["app_id"], web["app_id"]);
    // A later request does not downgrade it.
    s.state
        .store
        .upsert_installation(web_id, &team, "requested", bob.id, now())
        .await
        .unwrap();
    let l = a.get(&installs).await.ok().clone();
    assert_eq!(
        names(&l["installed_obo"], "app_id"),
        vec![web["app_id"].as_str().unwrap().to_string()]
    );
    assert_eq!(
        names(&l["not_installed_obo"], "app_id"),
        vec![device["app_id"].as_str().unwrap().to_string()]
    );

    // Uninstalling deletes every grant and token the app holds in acme, and nothing else.
    let in_team = obo_grant(web_id, bob.id, &team);
    let in_team_id = s.state.store.upsert_grant(&in_team).await.unwrap();
    let personal = obo_grant(web_id, bob.id, "");
    let personal_id = s.state.store.upsert_grant(&personal).await.unwrap();
    let token_hash = buckle_core::secret::hash_secret("czu_in_team");
    s.state
        .store
        .insert_oauth_token(&oauth_token(&in_team, &token_hash))
        .await
        .unwrap();
    b.delete(&web_install).await.fails(403, 4101);
    a.delete(&web_install).await.ok();
    a.delete(&web_install).await.fails(404, 4200);
    assert!(s.state.store.grant(in_team_id).await.unwrap().is_none());
    assert!(s.state.store.grant(personal_id).await.unwrap().is_some());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&token_hash)
            .await
            .unwrap()
            .is_none()
    );
    let l = a.get(&installs).await.ok().clone();
    assert_eq!(l["installed_obo"], json!([]));
    // Refusing a request is uninstalling it.
    let device_install = format!("{installs}/{}", device["app_id"].as_str().unwrap());
    a.delete(&device_install).await.ok();
    assert_eq!(a.get(&installs).await.ok()["not_installed_obo"], json!([]));
    // Admins may install without a request; service apps are authorized instead.
    a.post(&device_install, json!({})).await.ok();
    let service = create(&d, service_app("dave's service")).await;
    a.post(
        &format!("{installs}/{}", service["app_id"].as_str().unwrap()),
        json!({}),
    )
    .await
    .fails(400, 4000);
    a.post(
        &format!("{installs}/00000000000000000000000000000000.app.buckle"),
        json!({}),
    )
    .await
    .fails(404, 4200);
}

async fn authorized_apps_list_and_revoke(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let d = s.login(&dave).await;
    let team = a.team("acme").await;
    let web = create(&d, web_app("dave's web")).await;
    let pkce = create(
        &d,
        json!({"name": "dave's pkce", "app_type": "normal", "client_type": "pkce", "permissions": ["Account.readProfile"], "redirect_uris": ["com.dave.app:/cb"]}),
    )
    .await;
    let web_id = stored_app(&s, &web).await.id;
    let pkce_id = stored_app(&s, &pkce).await.id;

    // Alice authorized the web app personally and in acme, and the PKCE app; Bob the web app.
    let personal = obo_grant(web_id, alice.id, "");
    let personal_id = s.state.store.upsert_grant(&personal).await.unwrap();
    let in_team = obo_grant(web_id, alice.id, &team);
    s.state.store.upsert_grant(&in_team).await.unwrap();
    let pkce_grant = obo_grant(pkce_id, alice.id, "");
    s.state.store.upsert_grant(&pkce_grant).await.unwrap();
    let bobs = obo_grant(web_id, bob.id, "");
    let bobs_id = s.state.store.upsert_grant(&bobs).await.unwrap();
    let alice_token = buckle_core::secret::hash_secret("czu_alice");
    let bob_token = buckle_core::secret::hash_secret("czu_bob");
    s.state
        .store
        .insert_oauth_token(&oauth_token(&personal, &alice_token))
        .await
        .unwrap();
    s.state
        .store
        .insert_oauth_token(&oauth_token(&bobs, &bob_token))
        .await
        .unwrap();

    let list = a.get("/api/manage/authorized_apps").await;
    let l = list.ok().as_array().unwrap().clone();
    assert_eq!(l.len(), 3);
    let web_items: Vec<&Value> = l.iter().filter(|x| x["app_id"] == web["app_id"]).collect();
    assert_eq!(web_items.len(), 2);
    assert!(web_items.iter().all(|x| x["name"] == json!("dave's web")
        && x["client_type"] == json!("web")
        && x["authorized_at"].as_i64().unwrap() > 0));
    let orgs: Vec<Value> = web_items
        .iter()
        .map(|x| x["organization_id"].clone())
        .collect();
    assert!(orgs.contains(&Value::Null) && orgs.contains(&json!(team)));
    assert!(
        l.iter()
            .any(|x| x["app_id"] == pkce["app_id"] && x["client_type"] == json!("pkce"))
    );
    assert_eq!(
        b.get("/api/manage/authorized_apps")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(d.get("/api/manage/authorized_apps").await.ok(), &json!([]));

    // Revoking removes every authorization of that app for Alice, and its tokens.
    let revoke = format!(
        "/api/manage/authorized_apps/{}",
        web["app_id"].as_str().unwrap()
    );
    a.delete(&revoke).await.ok();
    a.delete(&revoke).await.fails(404, 4200);
    d.delete(&revoke).await.fails(404, 4200);
    a.delete("/api/manage/authorized_apps/00000000000000000000000000000000.app.buckle")
        .await
        .fails(404, 4200);
    assert!(s.state.store.grant(personal_id).await.unwrap().is_none());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&alice_token)
            .await
            .unwrap()
            .is_none()
    );
    let l = a.get("/api/manage/authorized_apps").await.ok().clone();
    assert_eq!(
        names(&l, "app_id"),
        vec![pkce["app_id"].as_str().unwrap().to_string()]
    );
    // Bob's authorization and token are untouched.
    assert!(s.state.store.grant(bobs_id).await.unwrap().is_some());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&bob_token)
            .await
            .unwrap()
            .is_some()
    );
}

async fn management_through_tokens_needs_manage_apps(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let without = s.bearer(&a.simple_pat(&["Manage.tokens"]).await);
    let msg = without.get(APPS).await.fails(403, 4101).to_string();
    assert!(msg.contains("Manage.apps"), "{msg}");
    without
        .post(APPS, service_app("through a token"))
        .await
        .fails(403, 4101);
    let with = s.bearer(
        &a.simple_pat(&["Manage.apps", "Account.readProfile", "Bot.list"])
            .await,
    );
    let made = with.post(APPS, service_app("through a token")).await;
    let client_id = made.ok()["app_id"].as_str().unwrap().to_string();
    assert_eq!(
        names(with.get(APPS).await.ok(), "app_id"),
        vec![client_id.clone()]
    );
    with.get(&format!("{APPS}/{client_id}")).await.ok();
    without
        .get(&format!("{APPS}/{client_id}"))
        .await
        .fails(403, 4101);
    without
        .get("/api/manage/authorized_apps")
        .await
        .fails(403, 4101);
    // The point is in the catalog, for forms.
    let catalog = a.get("/api/manage/permissions").await;
    let point = catalog
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == json!("Manage.apps"))
        .cloned()
        .expect("Manage.apps is in the catalog");
    assert_eq!(point["level"], json!("account"));
    assert_eq!(point["operator_only"], json!(false));
    assert!(!point["description_zh"].as_str().unwrap().is_empty());
}

async fn organization_edition_app_limit(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let team = a.team("busy").await;
    // The personal edition's 10 do not count against the team's 100.
    for i in 0..10 {
        create(&a, service_app(&format!("personal {i}"))).await;
    }
    for i in 0..100 {
        create(&a, in_org(service_app(&format!("team app {i}")), &team)).await;
    }
    let refused = a
        .post(APPS, in_org(service_app("team app 100"), &team))
        .await;
    assert!(refused.fails(400, 4000).contains("100"));
    let listed = a.get(&format!("{APPS}?organization_id={team}")).await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 100);
}
