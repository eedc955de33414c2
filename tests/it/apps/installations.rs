//! Installations in an organization: requests, install, uninstall (deleting the app's
//! grants and tokens there) and refusal, by admins only.

use super::*;
use crate::on_both_databases;

on_both_databases!(installations_list_install_uninstall);

async fn installations_list_install_uninstall(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .create()
        .await;
    let ((_, a), (bob, b)) = (acme.member("alice"), acme.member("bob"));
    let d = s.login(&s.user("dave").await).await;
    let team = acme.id.clone();
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
            .upsert_installation(
                id,
                &buckle_core::OrgId::parse(&team).unwrap(),
                buckle_core::InstallStatus::Requested,
                buckle_core::AccountId(bob.id),
                now(),
            )
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
        .upsert_installation(
            web_id,
            &buckle_core::OrgId::parse(&team).unwrap(),
            buckle_core::InstallStatus::Requested,
            buckle_core::AccountId(bob.id),
            now(),
        )
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
