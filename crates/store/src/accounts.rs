//! Accounts: people who sign in. Creating one also creates its personal workspace.

use crate::lite::fetch_optional;
use crate::{Result, Store, with_pool, with_writer};
use buckle_core::{AccountId, WorkspaceId};

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub user_name: String,
    pub nick_name: String,
    pub avatar_url: String,
    pub password_hash: String,
    pub is_super_admin: bool,
    pub created_at: i64,
}

/// How an account is stored; `pub(crate)` so sessions can read the same row.
#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    user_name: String,
    nick_name: String,
    avatar_url: String,
    password_hash: String,
    is_super_admin: bool,
    created_at: i64,
}

crate::lite::lite_row!(AccountRow {
    id,
    user_name,
    nick_name,
    avatar_url,
    password_hash,
    is_super_admin,
    created_at
});

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Account {
        Account {
            id: AccountId(r.id),
            user_name: r.user_name,
            nick_name: r.nick_name,
            avatar_url: r.avatar_url,
            password_hash: r.password_hash,
            is_super_admin: r.is_super_admin,
            created_at: r.created_at,
        }
    }
}

/// What `users.me` and introspection show of an account: never its password
/// hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountProfile {
    pub id: AccountId,
    pub user_name: String,
    pub nick_name: String,
    pub avatar_url: String,
    pub is_super_admin: bool,
}

impl From<Account> for AccountProfile {
    fn from(a: Account) -> AccountProfile {
        AccountProfile {
            id: a.id,
            user_name: a.user_name,
            nick_name: a.nick_name,
            avatar_url: a.avatar_url,
            is_super_admin: a.is_super_admin,
        }
    }
}

/// The account a token acts for, read beside the token by
/// `LEFT JOIN accounts ac ON ac.id = t.account_id`: its columns named `ac_*`.
macro_rules! joined_account_columns {
    () => {
        "ac.id AS ac_id, ac.user_name AS ac_user_name, ac.nick_name AS ac_nick_name, ac.avatar_url AS ac_avatar_url, ac.is_super_admin AS ac_is_super_admin"
    };
}
pub(crate) use joined_account_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct JoinedAccountRow {
    ac_id: Option<i64>,
    ac_user_name: Option<String>,
    ac_nick_name: Option<String>,
    ac_avatar_url: Option<String>,
    ac_is_super_admin: Option<bool>,
}

crate::lite::lite_row!(JoinedAccountRow {
    ac_id,
    ac_user_name,
    ac_nick_name,
    ac_avatar_url,
    ac_is_super_admin
});

impl crate::joined::JoinedRow for JoinedAccountRow {
    type Value = AccountProfile;

    fn found(self) -> Result<Option<AccountProfile>> {
        let Some(id) = self.ac_id else {
            return Ok(None);
        };
        use crate::joined::need;
        Ok(Some(AccountProfile {
            id: AccountId(id),
            user_name: need(self.ac_user_name, "accounts", "user_name")?,
            nick_name: need(self.ac_nick_name, "accounts", "nick_name")?,
            avatar_url: need(self.ac_avatar_url, "accounts", "avatar_url")?,
            is_super_admin: need(self.ac_is_super_admin, "accounts", "is_super_admin")?,
        }))
    }
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: AccountId,
    pub user_name: String,
    pub nick_name: String,
    pub avatar_url: String,
    pub password_hash: String,
    pub is_super_admin: bool,
    pub created_at: i64,
}

macro_rules! columns {
    () => {
        "id, user_name, nick_name, avatar_url, password_hash, is_super_admin, created_at"
    };
}

impl Store {
    /// Creates an account and the personal workspace every account starts with.
    pub async fn create_account(
        &self,
        a: &NewAccount,
        personal_workspace_id: WorkspaceId,
    ) -> Result<()> {
        crate::text::storable(&[&a.user_name, &a.nick_name, &a.avatar_url])?;
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO accounts (id, user_name, nick_name, avatar_url, password_hash, is_super_admin, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(a.id.get())
            .bind(&a.user_name)
            .bind(&a.nick_name)
            .bind(&a.avatar_url)
            .bind(&a.password_hash)
            .bind(a.is_super_admin)
            .bind(a.created_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO workspaces (id, name, org_id, owner_account_id, created_at) VALUES ($1, $2, NULL, $3, $4)",
            )
            .bind(personal_workspace_id.get())
            .bind("Personal")
            .bind(a.id.get())
            .bind(a.created_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO workspace_members (workspace_id, account_id, role, joined_at) VALUES ($1, $2, 'owner', $3)",
            )
            .bind(personal_workspace_id.get())
            .bind(a.id.get())
            .bind(a.created_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn account_by_id(&self, id: AccountId) -> Result<Option<Account>> {
        let q = concat!("SELECT ", columns!(), " FROM accounts WHERE id = $1");
        Ok(fetch_optional!(self, AccountRow, q, id.get())?.map(Account::from))
    }

    pub async fn account_by_name(&self, user_name: &str) -> Result<Option<Account>> {
        let q = concat!("SELECT ", columns!(), " FROM accounts WHERE user_name = $1");
        Ok(with_pool!(self, |p| sqlx::query_as::<_, AccountRow>(q)
            .bind(user_name)
            .fetch_optional(p)
            .await)?
        .map(Account::from))
    }

    pub async fn count_accounts(&self) -> Result<i64> {
        let n: (i64,) = with_pool!(self, |p| sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(p)
            .await)?;
        Ok(n.0)
    }

    pub async fn list_accounts(&self, offset: i64, limit: i64) -> Result<Vec<Account>> {
        let q = concat!(
            "SELECT ",
            columns!(),
            " FROM accounts ORDER BY created_at, id LIMIT $1 OFFSET $2"
        );
        Ok(with_pool!(self, |p| sqlx::query_as::<_, AccountRow>(q)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await)?
        .into_iter()
        .map(Account::from)
        .collect())
    }

    pub async fn set_password(&self, id: AccountId, password_hash: &str) -> Result<bool> {
        let r = with_writer!(self, |p| sqlx::query(
            "UPDATE accounts SET password_hash = $1 WHERE id = $2"
        )
        .bind(password_hash)
        .bind(id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }

    pub async fn update_profile(
        &self,
        id: AccountId,
        nick_name: &str,
        avatar_url: &str,
    ) -> Result<bool> {
        crate::text::storable(&[nick_name, avatar_url])?;
        let r = with_writer!(self, |p| sqlx::query(
            "UPDATE accounts SET nick_name = $1, avatar_url = $2 WHERE id = $3"
        )
        .bind(nick_name)
        .bind(avatar_url)
        .bind(id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }
}
