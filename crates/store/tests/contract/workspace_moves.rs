//! Moving a personal workspace into an organization, the lists its preview reads,
//! and the personal account access switch of organization credentials.

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_both_engines, race};
use buckle_core::{AccountId, ClientType, GrantKind, GrantOwner, OrgId, Role, WorkspaceId};
use buckle_store::{AccessHolder, AccessToken, Store, Workspace};

on_both_engines!(
    a_workspace_moves_once_and_only_its_owning_admins_own,
    racing_moves_move_it_once,
    the_preview_lists_hold_each_edition_s_grants,
    the_personal_access_switch_goes_with_its_credential,
);

async fn personal_workspace(s: &Store, owner: AccountId) -> WorkspaceId {
    let id = WorkspaceId::random();
    s.create_workspace(&Workspace {
        id,
        name: "moving".into(),
        org_id: None,
        owner_account_id: owner,
        created_at: NOW,
    })
    .await
    .unwrap();
    id
}

/// `person` joins `org` with `role`, through an invitation as the server does.
async fn join(s: &Store, org: &OrgId, inviter: AccountId, person: AccountId, role: Role) {
    let id = buckle_core::ids::new_id();
    // The fixture's accounts are named after their ids.
    let name = format!("user{person}");
    s.invite(id, org, &name, role, inviter, NOW, NOW + 60)
        .await
        .unwrap();
    let joined = s.accept_invitation(id, &name, person, NOW).await.unwrap();
    assert!(
        matches!(joined, buckle_store::Accepted::Joined { .. }),
        "{joined:?}"
    );
}

fn pat(account: AccountId, org: Option<&OrgId>) -> AccessToken {
    AccessToken {
        org_id: org.cloned(),
        ..fixtures::pat(account)
    }
}

async fn a_workspace_moves_once_and_only_its_owning_admins_own(db: TestDb) {
    let s = &db.store;
    let admin = fixtures::account(s).await;
    let member = fixtures::account(s).await;
    let org = fixtures::organization(s, admin).await;
    join(s, &org, admin, member, Role::Member).await;
    let members = personal_workspace(s, member).await;
    let admins = personal_workspace(s, admin).await;

    // A plain member's own workspace, and someone else's: nothing moves.
    assert!(!s.move_workspace_into(members, member, &org).await.unwrap());
    assert!(!s.move_workspace_into(members, admin, &org).await.unwrap());
    // An organization one is not in.
    let elsewhere = fixtures::organization(s, member).await;
    assert!(
        !s.move_workspace_into(admins, admin, &elsewhere)
            .await
            .unwrap()
    );
    assert_eq!(s.workspace(members).await.unwrap().unwrap().org_id, None);
    assert_eq!(s.workspace(admins).await.unwrap().unwrap().org_id, None);

    assert!(s.move_workspace_into(admins, admin, &org).await.unwrap());
    let moved = s.workspace(admins).await.unwrap().unwrap();
    assert_eq!(moved.org_id.as_ref(), Some(&org));
    assert_eq!(moved.owner_account_id, admin);
    // Its owner stays its owner; it now lists in the organization's edition.
    assert_eq!(
        s.workspace_role(admins, admin).await.unwrap(),
        Some(buckle_core::WorkspaceRole::Owner)
    );
    let in_org = s.workspaces_of(admin, Some(&org)).await.unwrap();
    assert!(in_org.iter().any(|w| w.id == admins));
    let personal = s.workspaces_of(admin, None).await.unwrap();
    assert!(personal.iter().all(|w| w.id != admins));
    // Once in an organization it never moves again, even into another.
    assert!(!s.move_workspace_into(admins, admin, &org).await.unwrap());
    let second = fixtures::organization(s, admin).await;
    assert!(!s.move_workspace_into(admins, admin, &second).await.unwrap());
    // A member promoted to admin may move theirs.
    s.set_organization_role(&org, member, Role::Admin)
        .await
        .unwrap();
    assert!(s.move_workspace_into(members, member, &org).await.unwrap());
}

async fn racing_moves_move_it_once(db: TestDb) {
    let s = db.store.clone();
    let admin = fixtures::account(&s).await;
    let orgs = [
        fixtures::organization(&s, admin).await,
        fixtures::organization(&s, admin).await,
    ];
    let ws = personal_workspace(&s, admin).await;
    let moved = race(8, |i| {
        let (s, org) = (s.clone(), orgs[i % 2].clone());
        async move { s.move_workspace_into(ws, admin, &org).await.unwrap() }
    })
    .await;
    assert_eq!(moved.iter().filter(|m| **m).count(), 1, "{moved:?}");
    let now_in = s.workspace(ws).await.unwrap().unwrap().org_id.unwrap();
    let winner = moved.iter().position(|m| *m).unwrap();
    assert_eq!(now_in, orgs[winner % 2]);
}

async fn the_preview_lists_hold_each_edition_s_grants(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let other = fixtures::account(s).await;
    let org = fixtures::organization(s, person).await;
    let web = fixtures::app(s, person, None, ClientType::Web).await;
    let service = fixtures::app(s, person, None, ClientType::Service).await;
    let personal_obo = fixtures::obo_grant(s, &web, person, None).await;
    let org_obo = fixtures::obo_grant(s, &web, person, Some(&org)).await;
    let personal_appauth = fixtures::grant(
        s,
        &service,
        GrantKind::AppAuth,
        GrantOwner::Account(person),
        None,
    )
    .await;
    let org_appauth = fixtures::grant(
        s,
        &service,
        GrantKind::AppAuth,
        GrantOwner::Organization(org.clone()),
        None,
    )
    .await;
    fixtures::obo_grant(s, &web, other, None).await;

    let mut personal: Vec<i64> = s
        .personal_grants_of(person)
        .await
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect();
    personal.sort_unstable();
    let mut want = vec![personal_obo.id, personal_appauth.id];
    want.sort_unstable();
    assert_eq!(personal, want);
    let in_org = s.appauth_grants_of_organization(&org).await.unwrap();
    assert_eq!(in_org.len(), 1);
    assert_eq!(in_org[0].id, org_appauth.id);
    assert_eq!(in_org[0].app_name, service.name);
    assert!(in_org.iter().all(|g| g.id != org_obo.id));
}

async fn the_personal_access_switch_goes_with_its_credential(db: TestDb) {
    let s = &db.store;
    let admin = fixtures::account(s).await;
    let other_admin = fixtures::account(s).await;
    let org = fixtures::organization(s, admin).await;
    let token = pat(admin, Some(&org));
    s.insert_token(&token).await.unwrap();
    let holder = AccessHolder::Token(token.id);
    assert_eq!(s.personal_access(holder).await.unwrap(), None);
    assert!(
        s.set_personal_access(holder, Some(admin), NOW)
            .await
            .unwrap()
    );
    // Turning on what is on changes nothing.
    assert!(
        !s.set_personal_access(holder, Some(admin), NOW)
            .await
            .unwrap()
    );
    assert_eq!(s.personal_access(holder).await.unwrap(), Some(admin));
    assert!(s.set_personal_access(holder, None, NOW).await.unwrap());
    assert!(!s.set_personal_access(holder, None, NOW).await.unwrap());
    assert_eq!(s.personal_access(holder).await.unwrap(), None);

    // A grant's switch is its own, and another admin's replaces the first.
    let service = fixtures::app(s, admin, Some(&org), ClientType::Service).await;
    let grant = fixtures::grant(
        s,
        &service,
        GrantKind::AppAuth,
        GrantOwner::Organization(org.clone()),
        None,
    )
    .await;
    let on_grant = AccessHolder::Grant(grant.id);
    assert!(
        s.set_personal_access(on_grant, Some(admin), NOW)
            .await
            .unwrap()
    );
    assert!(
        s.set_personal_access(on_grant, Some(other_admin), NOW)
            .await
            .unwrap()
    );
    assert_eq!(
        s.personal_access(on_grant).await.unwrap(),
        Some(other_admin)
    );
    // A token and a grant with the same number are different credentials.
    assert_eq!(
        s.personal_access(AccessHolder::Token(grant.id))
            .await
            .unwrap(),
        None
    );

    // Deleting the credential deletes its switch (a later row with the same id
    // would not inherit it).
    s.set_personal_access(holder, Some(admin), NOW)
        .await
        .unwrap();
    assert!(s.delete_token(token.id).await.unwrap());
    assert!(s.delete_grant(grant.id).await.unwrap());
    assert_eq!(s.personal_access(holder).await.unwrap(), None);
    assert_eq!(s.personal_access(on_grant).await.unwrap(), None);
    // A credential that does not exist cannot be switched on.
    assert!(
        s.set_personal_access(AccessHolder::Token(token.id), Some(admin), NOW)
            .await
            .is_err()
    );
}
