//! AppAuth: a service app authorized as itself, in its owner's personal edition or by
//! an organization's admin (also through the share link), and removed with its tokens.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    appauth_in_the_personal_edition,
    appauth_for_an_organization,
    share_link_and_authorization_by_another_admin,
);

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
        (g.kind.as_str(), g.account(), g.org()),
        ("appauth", Some(buckle_core::AccountId(alice.id)), None)
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
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .admin("carol")
        .workspace("team ws")
        .create()
        .await;
    let ((alice, a), (_, b), (carol, c)) = (
        acme.member("alice"),
        acme.member("bob"),
        acme.member("carol"),
    );
    let (team, team_ws) = (acme.id.clone(), acme.workspace("team ws"));
    let d = s.login(&s.user("dave").await).await;
    let other_team = d.team("dave co").await;

    let mut body = service_app("team service");
    body["permissions"] = json!(["Organization.listMembers", "Bot.list"]);
    let app = create(a, in_org(body, &team)).await;
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
        (g.kind.as_str(), g.account(), g.org().map(|o| o.as_str())),
        ("appauth", None, Some(team.as_str()))
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
            .installation_status(g.app_id, &buckle_core::OrgId::parse(&team).unwrap())
            .await
            .unwrap(),
        Some(buckle_core::InstallStatus::Installed)
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
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .create()
        .await;
    let ((_, a), (_, b)) = (acme.member("alice"), acme.member("bob"));
    let d = s.login(&s.user("dave").await).await;
    let team = acme.id.clone();

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
