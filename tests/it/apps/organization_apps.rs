//! An organization's apps: admins create and change them, members only read them,
//! outsiders see nothing.

use super::*;
use crate::on_both_databases;

on_both_databases!(organization_apps_and_roles);

async fn organization_apps_and_roles(s: Server) {
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .admin("carol")
        .create()
        .await;
    let ((_, a), (bob, b), (_, c)) = (
        acme.member("alice"),
        acme.member("bob"),
        acme.member("carol"),
    );
    let d = s.login(&s.user("dave").await).await;
    let team = acme.id.clone();

    // Members may not create; admins and super admins may; outsiders see nothing.
    b.post(APPS, in_org(web_app("by member"), &team))
        .await
        .fails(403, 4101);
    d.post(APPS, in_org(web_app("by outsider"), &team))
        .await
        .fails(404, 4200);
    let by_carol = create(c, in_org(web_app("by admin"), &team)).await;
    let by_alice = create(a, in_org(service_app("by super admin"), &team)).await;
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
