//! Cascades the server relies on: deleting an app, a grant, an installation or a
//! membership takes every credential that hung from it, and nothing else.

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_both_engines};
use buckle_core::{ClientType, GrantKind, GrantOwner, InstallStatus};
use buckle_store::{AccessToken, AppKey, NewUserTokens, Store};

on_both_engines!(
    deleting_an_app_removes_everything_it_issued,
    uninstalling_removes_the_apps_tokens_in_that_organization_only,
    deleting_a_grant_removes_its_codes_and_tokens_only,
    removing_a_member_removes_their_credentials_there_only,
);

/// Whether both tokens of an issuance are still stored.
async fn live(store: &Store, t: &NewUserTokens) -> (bool, bool) {
    (
        store
            .oauth_token_by_hash(&t.access.token_hash)
            .await
            .unwrap()
            .is_some(),
        store
            .refresh_token(&t.refresh.token_hash)
            .await
            .unwrap()
            .is_some(),
    )
}

async fn deleting_an_app_removes_everything_it_issued(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let app = fixtures::app(s, person, None, ClientType::Web).await;
    let other = fixtures::app(s, person, None, ClientType::Web).await;
    let grant = fixtures::obo_grant(s, &app, person, None).await;
    let other_grant = fixtures::obo_grant(s, &other, person, None).await;
    let tokens = fixtures::issued_tokens(s, &grant).await;
    let other_tokens = fixtures::issued_tokens(s, &other_grant).await;
    let unused_code = fixtures::code(s, &grant).await;
    let device = fixtures::device_code(s, &app).await;
    let key = AppKey {
        app_id: app.id,
        fingerprint: "fp".into(),
        public_pem: "pem".into(),
        created_at: NOW,
    };
    assert!(s.add_app_key(&key, 3).await.unwrap());
    assert!(s.use_jti(app.id, "jti", NOW + 60).await.unwrap());

    assert!(s.delete_app(app.id).await.unwrap());
    assert!(s.app(app.id).await.unwrap().is_none());
    assert!(s.app_keys(app.id).await.unwrap().is_empty());
    assert!(s.grant(grant.id).await.unwrap().is_none());
    assert!(s.code(&unused_code.code_hash).await.unwrap().is_none());
    assert_eq!(live(s, &tokens).await, (false, false));
    assert!(
        s.device_code(&device.device_code_hash)
            .await
            .unwrap()
            .is_none()
    );
    // Its JWT ids went too: nothing of it is left behind.
    assert!(s.use_jti(app.id, "jti", NOW + 60).await.unwrap());
    // The other app is untouched.
    assert!(s.grant(other_grant.id).await.unwrap().is_some());
    assert_eq!(live(s, &other_tokens).await, (true, true));
    assert!(!s.delete_app(app.id).await.unwrap(), "deleted once");
}

async fn uninstalling_removes_the_apps_tokens_in_that_organization_only(db: TestDb) {
    let s = &db.store;
    let maker = fixtures::account(s).await;
    let member = fixtures::account(s).await;
    let org = fixtures::organization(s, member).await;
    // A person's app, used by a member in the organization and in their own edition.
    let app = fixtures::app(s, maker, None, ClientType::Web).await;
    let in_org = fixtures::obo_grant(s, &app, member, Some(&org)).await;
    let personal = fixtures::obo_grant(s, &app, member, None).await;
    s.upsert_installation(app.id, &org, InstallStatus::Installed, member, NOW)
        .await
        .unwrap();
    let org_tokens = fixtures::issued_tokens(s, &in_org).await;
    let personal_tokens = fixtures::issued_tokens(s, &personal).await;
    // A service app authorized by the organization itself.
    let service = fixtures::app(s, maker, None, ClientType::Service).await;
    let appauth = fixtures::grant(
        s,
        &service,
        GrantKind::AppAuth,
        GrantOwner::Organization(org.clone()),
        Some(&org),
    )
    .await;
    s.upsert_installation(service.id, &org, InstallStatus::Installed, member, NOW)
        .await
        .unwrap();

    assert!(s.uninstall(app.id, &org).await.unwrap());
    assert_eq!(s.installation_status(app.id, &org).await.unwrap(), None);
    assert!(s.grant(in_org.id).await.unwrap().is_none());
    assert_eq!(live(s, &org_tokens).await, (false, false));
    assert!(s.grant(personal.id).await.unwrap().is_some());
    assert_eq!(live(s, &personal_tokens).await, (true, true));
    // Another app's installation there is untouched.
    assert!(s.grant(appauth.id).await.unwrap().is_some());
    assert_eq!(
        s.installation_status(service.id, &org).await.unwrap(),
        Some(InstallStatus::Installed)
    );
    assert!(
        !s.uninstall(app.id, &org).await.unwrap(),
        "uninstalled once"
    );
}

async fn deleting_a_grant_removes_its_codes_and_tokens_only(db: TestDb) {
    let s = &db.store;
    let a = fixtures::account(s).await;
    let b = fixtures::account(s).await;
    let app = fixtures::app(s, a, None, ClientType::Device).await;
    let ga = fixtures::obo_grant(s, &app, a, None).await;
    let gb = fixtures::obo_grant(s, &app, b, None).await;
    let ta = fixtures::issued_tokens(s, &ga).await;
    let tb = fixtures::issued_tokens(s, &gb).await;
    let code_a = fixtures::code(s, &ga).await;
    let device = fixtures::device_code(s, &app).await;
    assert!(
        s.decide_device_code(
            &device.user_code,
            buckle_core::DeviceStatus::Approved,
            Some(ga.id),
            a,
            NOW
        )
        .await
        .unwrap()
    );

    assert!(s.delete_grant(ga.id).await.unwrap());
    assert!(s.grant(ga.id).await.unwrap().is_none());
    assert_eq!(live(s, &ta).await, (false, false));
    assert!(s.code(&code_a.code_hash).await.unwrap().is_none());
    assert!(
        s.device_code(&device.device_code_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.grant(gb.id).await.unwrap().is_some());
    assert_eq!(live(s, &tb).await, (true, true));
}

fn pat(account: buckle_core::AccountId, org: Option<&buckle_core::OrgId>) -> AccessToken {
    AccessToken {
        org_id: org.cloned(),
        ..fixtures::pat(account)
    }
}

async fn removing_a_member_removes_their_credentials_there_only(db: TestDb) {
    let s = &db.store;
    let admin = fixtures::account(s).await;
    let member = fixtures::account(s).await;
    let org = fixtures::organization(s, admin).await;
    s.invite(
        1,
        &org,
        "x",
        buckle_core::Role::Member,
        admin,
        NOW,
        NOW + 60,
    )
    .await
    .unwrap();
    // Join through an accepted invitation, as the server does.
    let joined = s.accept_invitation(1, "x", member, NOW).await.unwrap();
    assert!(
        matches!(joined, buckle_store::Accepted::Joined { .. }),
        "{joined:?}"
    );
    let org_pat = pat(member, Some(&org));
    let own_pat = pat(member, None);
    s.insert_token(&org_pat).await.unwrap();
    s.insert_token(&own_pat).await.unwrap();
    let app = fixtures::app(s, admin, Some(&org), ClientType::Web).await;
    let in_org = fixtures::obo_grant(s, &app, member, Some(&org)).await;
    let personal = fixtures::obo_grant(s, &app, member, None).await;
    let org_tokens = fixtures::issued_tokens(s, &in_org).await;
    // The organization's own grant is not the member's.
    let service = fixtures::app(s, admin, Some(&org), ClientType::Service).await;
    let appauth = fixtures::grant(
        s,
        &service,
        GrantKind::AppAuth,
        GrantOwner::Organization(org.clone()),
        None,
    )
    .await;

    assert!(s.remove_organization_member(&org, member).await.unwrap());
    assert_eq!(s.role_in(&org, member).await.unwrap(), None);
    assert!(s.token_by_id(org_pat.id).await.unwrap().is_none());
    assert!(s.token_by_id(own_pat.id).await.unwrap().is_some());
    assert!(s.grant(in_org.id).await.unwrap().is_none());
    assert_eq!(live(s, &org_tokens).await, (false, false));
    assert!(s.grant(personal.id).await.unwrap().is_some());
    let kept = s
        .grant(appauth.id)
        .await
        .unwrap()
        .expect("the organization's grant");
    assert_eq!(kept.owner, GrantOwner::Organization(org.clone()));
    assert_eq!(kept.edition.as_ref(), Some(&org));
    assert_eq!(kept.account(), None);
}
