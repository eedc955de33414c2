//! App and client types and the points an app may declare: channel apps are service
//! apps, redirect URIs only where a code flow exists, operator-only points only for
//! installation super admins.

use super::*;
use crate::on_both_databases;

on_both_databases!(app_and_client_types, permission_levels_of_apps);

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

async fn permission_levels_of_apps(s: Server) {
    let r = s.login(&s.super_admin("root").await).await;
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .admin("bob")
        .create()
        .await;
    let ((_, a), (_, b)) = (acme.member("alice"), acme.member("bob"));
    let team = acme.id.clone();
    let mut team_level = service_app("team level");
    team_level["permissions"] = json!(["Organization.listMembers", "Bot.list"]);
    // Any app may declare team/enterprise-level points; the refusal comes when a
    // non-admin authorizes it (see oauth::organizations::organization_installation_gates_obo_tokens).
    let personal_team_level = create(a, team_level.clone()).await;
    assert_eq!(
        personal_team_level["permissions"],
        json!(["Bot.list", "Organization.listMembers"])
    );
    let made = create(b, in_org(service_app("team level 2"), &team)).await;
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
