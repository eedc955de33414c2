//! Bad input is refused as `InvalidInput` on both engines, never a panic or a
//! database error: NUL in client text (PostgreSQL cannot store it), and values a
//! column cannot hold (an access token that is not a PAT or SAT, "deciding" a
//! device code back to pending, an organization's grant in another organization).

use crate::fixtures::{self, NOW};
use crate::kit::{TestDb, on_both_engines};
use buckle_core::{ClientType, DeviceStatus, GrantKind, GrantOwner, OrgId, Role, TokenKind};
use buckle_store::{NewAccount, StoreError};

on_both_engines!(
    nul_in_text_is_invalid_input,
    values_no_column_holds_are_invalid_input
);

#[track_caller]
fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::InvalidInput)), "{r:?}");
}

async fn nul_in_text_is_invalid_input(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    let mut app = fixtures::new_app(person, None, ClientType::Web);
    app.name = "a\0b".into();
    invalid(s.create_app(&app, 10).await);
    assert!(
        s.apps_of(person, None).await.unwrap().is_empty(),
        "nothing stored"
    );
    let app = fixtures::app(s, person, None, ClientType::Web).await;
    invalid(s.update_app(app.id, "ok", "de\0sc", "", "", NOW).await);
    assert_eq!(s.app(app.id).await.unwrap().unwrap().description, "");
    invalid(
        s.create_account(
            &NewAccount {
                id: buckle_core::AccountId::random(),
                user_name: "nul\0".into(),
                nick_name: "n".into(),
                avatar_url: String::new(),
                password_hash: String::new(),
                is_super_admin: false,
                created_at: NOW,
            },
            buckle_core::WorkspaceId::random(),
        )
        .await,
    );
    invalid(s.update_profile(person, "\0", "").await);
    let org = fixtures::organization(s, person).await;
    invalid(
        s.invite(1, &org, "x\0", Role::Member, person, NOW, NOW + 60)
            .await,
    );
    let mut token = fixtures::pat(person);
    token.name = "\0".into();
    invalid(s.insert_token(&token).await);
    let grant = fixtures::obo_grant(s, &app, person, None).await;
    let mut code = fixtures::code(s, &grant).await;
    code.code_hash = fixtures::digest();
    code.redirect_uri = "https://example.com/\0".into();
    invalid(s.insert_code(&code).await);
    // Reads of such text find nothing, or refuse it: never a server error.
    let read = s.account_by_name("nul\0").await;
    assert!(
        matches!(read, Ok(None) | Err(StoreError::InvalidInput)),
        "{read:?}"
    );
}

async fn values_no_column_holds_are_invalid_input(db: TestDb) {
    let s = &db.store;
    let person = fixtures::account(s).await;
    // An access token is a PAT or a SAT.
    let mut token = fixtures::pat(person);
    token.kind = TokenKind::UserOauth;
    invalid(s.insert_token(&token).await);
    assert!(s.token_by_id(token.id).await.unwrap().is_none());
    // An OAuth token is czu or czs.
    let app = fixtures::app(s, person, None, ClientType::Web).await;
    let grant = fixtures::obo_grant(s, &app, person, None).await;
    let mut tokens = fixtures::user_tokens(&grant, buckle_core::ids::new_id());
    tokens.access.kind = TokenKind::Personal;
    invalid(s.insert_oauth_token(&tokens.access).await);
    // ... also when a code is redeemed for it, and the code stays unused.
    let code = fixtures::code(s, &grant).await;
    tokens.refresh.family_id = code.family_id;
    tokens.access.family_id = Some(code.family_id);
    invalid(s.redeem_code(&code.code_hash, NOW, &tokens).await);
    assert_eq!(
        s.code(&code.code_hash).await.unwrap().unwrap().used_at,
        None
    );
    // A device code is decided to approved or denied, not back to pending.
    let device = fixtures::device_code(s, &app).await;
    invalid(
        s.decide_device_code(&device.user_code, DeviceStatus::Pending, None, person, NOW)
            .await,
    );
    // An organization's grant is given in that organization.
    let org = fixtures::organization(s, person).await;
    let elsewhere = OrgId::random();
    let service = fixtures::app(s, person, Some(&org), ClientType::Service).await;
    let mut g = fixtures::obo_grant(s, &service, person, None).await;
    g.id = buckle_core::ids::new_id();
    g.kind = GrantKind::AppAuth;
    g.owner = GrantOwner::Organization(org.clone());
    g.edition = Some(elsewhere);
    invalid(s.upsert_grant(&g).await);
}
