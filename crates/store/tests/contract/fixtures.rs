//! Rows the contract tests start from, made through the store's own API.

use buckle_core::ids::new_id;
use buckle_core::{
    AccountId, AppId, AppType, ClientType, DeviceStatus, GrantKind, GrantOwner, OrgId, OrgKind,
    TokenKind, WorkspaceId,
};
use buckle_store::{
    AccessToken, AuthCode, DeviceCode, Grant, NewAccount, NewOAuthToken, NewUserTokens, OAuthApp,
    Organization, RefreshToken, Store,
};

/// A personal access token of `person`, for every workspace, unused (not stored).
pub fn pat(person: AccountId) -> AccessToken {
    AccessToken {
        id: new_id(),
        kind: TokenKind::Personal,
        token_hash: digest(),
        hint: "hint".into(),
        name: "pat".into(),
        account_id: Some(person),
        org_id: None,
        created_by: person,
        permissions: "Bot.list".into(),
        all_workspaces: true,
        workspace_ids: Vec::new(),
        created_at: NOW,
        expires_at: None,
        last_used_at: None,
    }
}

/// Far from any expiry: the tests are about single use and cascades, not time.
pub const NOW: i64 = 1_700_000_000;
pub const LATER: i64 = NOW + 3600;

/// A random hex-looking digest, unique per call.
pub fn digest() -> String {
    format!(
        "{:064x}",
        u128::from(new_id() as u64) << 64 | u128::from(new_id() as u64)
    )
}

pub async fn account(store: &Store) -> AccountId {
    let id = AccountId::random();
    store
        .create_account(
            &NewAccount {
                id,
                user_name: format!("user{id}"),
                nick_name: "someone".into(),
                avatar_url: String::new(),
                password_hash: String::new(),
                is_super_admin: false,
                created_at: NOW,
            },
            WorkspaceId::random(),
        )
        .await
        .expect("create account");
    id
}

pub async fn organization(store: &Store, creator: AccountId) -> OrgId {
    let id = OrgId::random();
    store
        .create_organization(
            &Organization {
                id: id.clone(),
                kind: OrgKind::Team,
                name: format!("team {id}"),
                token_max_days: None,
                created_at: NOW,
            },
            creator,
        )
        .await
        .expect("create organization");
    id
}

/// An app as `create_app` wants it (owned by `owner`, or by `org`).
pub fn new_app(owner: AccountId, org: Option<&OrgId>, client_type: ClientType) -> OAuthApp {
    let id = AppId::random();
    OAuthApp {
        id,
        client_id: format!("{id}"),
        name: format!("app {id}"),
        description: String::new(),
        app_type: AppType::Normal,
        client_type,
        owner_account_id: org.is_none().then_some(owner),
        org_id: org.cloned(),
        created_by: owner,
        permissions: "Bot.list".into(),
        redirect_uris: "https://example.com/cb".into(),
        secret_hash: String::new(),
        secret_hint: String::new(),
        enabled: true,
        connector_id: None,
        created_at: NOW,
        updated_at: NOW,
    }
}

pub async fn app(
    store: &Store,
    owner: AccountId,
    org: Option<&OrgId>,
    client_type: ClientType,
) -> OAuthApp {
    let a = new_app(owner, org, client_type);
    assert!(store.create_app(&a, 1000).await.expect("create app"));
    a
}

/// A grant of `app`, stored; its id is the stored one.
pub async fn grant(
    store: &Store,
    app: &OAuthApp,
    kind: GrantKind,
    owner: GrantOwner,
    edition: Option<&OrgId>,
) -> Grant {
    let mut g = Grant {
        id: new_id(),
        app_id: app.id,
        kind,
        owner,
        edition: edition.cloned(),
        permissions: "Bot.list".into(),
        all_workspaces: true,
        workspace_ids: Vec::new(),
        created_by: AccountId(1),
        created_at: NOW,
    };
    g.id = store.upsert_grant(&g).await.expect("upsert grant");
    g
}

/// A person's OBO grant of `app`, in `edition`.
pub async fn obo_grant(
    store: &Store,
    app: &OAuthApp,
    person: AccountId,
    edition: Option<&OrgId>,
) -> Grant {
    grant(
        store,
        app,
        GrantKind::Obo,
        GrantOwner::Account(person),
        edition,
    )
    .await
}

/// A user access token and refresh token for `grant`, in `family`; only hashes.
pub fn user_tokens(grant: &Grant, family: i64) -> NewUserTokens {
    NewUserTokens {
        access: NewOAuthToken {
            id: new_id(),
            token_hash: digest(),
            kind: TokenKind::UserOauth,
            app_id: grant.app_id,
            grant_id: grant.id,
            account_id: grant.account(),
            org_id: grant.org().cloned(),
            permissions: grant.permissions.clone(),
            all_workspaces: true,
            workspace_ids: Vec::new(),
            session_name: None,
            device_id: None,
            custom_consumer: None,
            family_id: Some(family),
            created_at: NOW,
            expires_at: LATER,
        },
        refresh: RefreshToken {
            token_hash: digest(),
            family_id: family,
            app_id: grant.app_id,
            grant_id: grant.id,
            account_id: grant.account().unwrap_or(AccountId(1)),
            created_at: NOW,
            expires_at: LATER,
            used_at: None,
        },
    }
}

/// Issues a user access and refresh token for `grant` (as a redeemed code would);
/// returns them.
pub async fn issued_tokens(store: &Store, grant: &Grant) -> NewUserTokens {
    let code = code(store, grant).await;
    let tokens = user_tokens(grant, code.family_id);
    assert_eq!(
        store
            .redeem_code(&code.code_hash, NOW, &tokens)
            .await
            .unwrap(),
        buckle_store::Redeemed::Issued
    );
    tokens
}

/// An unused authorization code for `grant`, in a new family.
pub async fn code(store: &Store, grant: &Grant) -> AuthCode {
    let c = AuthCode {
        code_hash: digest(),
        app_id: grant.app_id,
        grant_id: grant.id,
        account_id: grant.account().unwrap_or(AccountId(1)),
        redirect_uri: "https://example.com/cb".into(),
        code_challenge: None,
        challenge_method: None,
        family_id: new_id(),
        created_at: NOW,
        expires_at: LATER,
        used_at: None,
    };
    store.insert_code(&c).await.expect("insert code");
    c
}

/// A pending device code of `app`.
pub async fn device_code(store: &Store, app: &OAuthApp) -> DeviceCode {
    let d = DeviceCode {
        device_code_hash: digest(),
        user_code: format!("{:08}", new_id() % 100_000_000),
        app_id: app.id,
        workspace_id: None,
        status: DeviceStatus::Pending,
        grant_id: None,
        account_id: None,
        poll_interval: 5,
        last_poll_at_ms: None,
        created_at: NOW,
        expires_at: LATER,
        used_at: None,
    };
    store
        .insert_device_code(&d)
        .await
        .expect("insert device code");
    d
}
