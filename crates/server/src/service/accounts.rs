//! Accounts: creation (by a super admin, the CLI, or first start).

use super::{Caller, ServiceError, ServiceResult, clean_name};
use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_store::{Account, NewAccount, StoreError};

/// The shape of a user name: 1 to 64 letters, digits, '_', '-' or '.'.
pub fn is_user_name(user_name: &str) -> bool {
    !user_name.is_empty()
        && user_name.len() <= 64
        && user_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// An account to create. No `Debug`: it holds a password.
pub struct NewAccountRequest<'a> {
    pub user_name: &'a str,
    /// `None`: an account that signs in through an identity provider only.
    pub password: Option<&'a str>,
    /// Defaults to the user name.
    pub nick_name: Option<&'a str>,
    pub super_admin: bool,
}

/// Creates an account and its personal workspace. A taken user name is
/// [`ServiceError::Conflict`].
pub async fn create(state: &AppState, req: NewAccountRequest<'_>) -> ServiceResult<Account> {
    let user_name = req.user_name.trim();
    if !is_user_name(user_name) {
        return Err(ServiceError::invalid(
            "user_name",
            "user_name must have 1 to 64 characters: letters, digits, '_', '-' or '.'.",
        ));
    }
    let nick = match req.nick_name {
        Some(n) => clean_name(n, "nick_name", 64)?,
        None => user_name.to_string(),
    };
    let password_hash = match req.password {
        Some(p) => {
            crate::password::check_strength(p).map_err(|m| ServiceError::invalid("password", m))?;
            let p = p.to_string();
            tokio::task::spawn_blocking(move || crate::password::hash(&p))
                .await
                .map_err(|_| ServiceError::Internal)?
        }
        None => String::new(),
    };
    let a = NewAccount {
        id: buckle_core::AccountId::random(),
        user_name: user_name.to_string(),
        nick_name: nick,
        avatar_url: String::new(),
        password_hash,
        is_super_admin: req.super_admin,
        created_at: state.clock.now(),
    };
    match state
        .store
        .create_account(&a, buckle_core::WorkspaceId::random())
        .await
    {
        Err(StoreError::Conflict) => {
            return Err(ServiceError::conflict("That user name is taken."));
        }
        r => r?,
    }
    // A new account and its new workspace: no cache holds anything of them yet.
    state
        .store
        .account_by_id(a.id)
        .await?
        .ok_or(ServiceError::Internal)
}

/// The installation's accounts, a page at a time (super admins).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    offset: i64,
    limit: i64,
) -> ServiceResult<Vec<Account>> {
    caller.require_super_admin()?;
    Ok(state.store.list_accounts(offset, limit).await?)
}

/// A profile edit; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ProfileEdit {
    pub nick_name: Option<String>,
    /// An http(s) URL, or empty for none.
    pub avatar_url: Option<String>,
}

/// The caller edits their own profile, from a session only: a token cannot.
pub async fn update_profile(
    state: &AppState,
    caller: &Caller,
    edit: ProfileEdit,
) -> ServiceResult<Account> {
    if caller.token.is_some() {
        return Err(ServiceError::forbidden(
            "Edit your profile from a signed-in console session.",
        ));
    }
    let nick = match &edit.nick_name {
        Some(n) => clean_name(n, "nick_name", 64)?,
        None => caller.account.nick_name.clone(),
    };
    let avatar = match edit.avatar_url {
        Some(u)
            if u.is_empty()
                || ((u.starts_with("https://") || u.starts_with("http://"))
                    && u.len() <= 2048
                    && !u.chars().any(char::is_whitespace)) =>
        {
            u
        }
        Some(_) => {
            return Err(ServiceError::invalid(
                "avatar_url",
                "avatar_url must be an http(s) URL of at most 2048 characters, or empty.",
            ));
        }
        None => caller.account.avatar_url.clone(),
    };
    state
        .store
        .update_profile(caller.account.id, &nick, &avatar)
        .await?;
    state.credentials.forget(CredentialChange::Account {
        account_id: caller.account.id,
    });
    state
        .store
        .account_by_id(caller.account.id)
        .await?
        .ok_or(ServiceError::Internal)
}
