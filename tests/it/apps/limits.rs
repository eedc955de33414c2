//! How many apps an edition may hold: 10 per person, 100 per organization, counted apart.

use super::*;
use crate::on_both_databases;

on_both_databases!(personal_edition_app_limit, organization_edition_app_limit);

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
