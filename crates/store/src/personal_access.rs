//! Organization credentials let reach an admin's own personal account-level
//! resources: one of their organization PATs, or an app's AppAuth authorization
//! in the organization. Each row goes with its token or grant (foreign keys).

use crate::{Result, Store, with_pool, with_writer};
use buckle_core::AccountId;

/// Which credential a switch belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessHolder {
    /// A personal access token (by row id).
    Token(i64),
    /// An AppAuth authorization (by grant id).
    Grant(i64),
}

impl AccessHolder {
    fn id(self) -> i64 {
        match self {
            AccessHolder::Token(id) | AccessHolder::Grant(id) => id,
        }
    }

    /// The statements for this holder's column (static text, as sqlx asks).
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            AccessHolder::Token(_) => (
                "INSERT INTO personal_account_access (token_id, account_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (token_id) DO UPDATE SET account_id = excluded.account_id
                 WHERE personal_account_access.account_id <> excluded.account_id",
                "DELETE FROM personal_account_access WHERE token_id = $1",
                "SELECT account_id FROM personal_account_access WHERE token_id = $1",
            ),
            AccessHolder::Grant(_) => (
                "INSERT INTO personal_account_access (grant_id, account_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (grant_id) DO UPDATE SET account_id = excluded.account_id
                 WHERE personal_account_access.account_id <> excluded.account_id",
                "DELETE FROM personal_account_access WHERE grant_id = $1",
                "SELECT account_id FROM personal_account_access WHERE grant_id = $1",
            ),
        }
    }
}

impl Store {
    /// Lets the credential reach `account`'s personal account-level resources
    /// (`Some`), or stops it (`None`). Returns whether anything changed.
    pub async fn set_personal_access(
        &self,
        holder: AccessHolder,
        account: Option<AccountId>,
        now: i64,
    ) -> Result<bool> {
        let n = match account {
            Some(account) => with_writer!(self, |p| sqlx::query(holder.sql().0)
                .bind(holder.id())
                .bind(account.get())
                .bind(now)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?,
            None => with_writer!(self, |p| sqlx::query(holder.sql().1)
                .bind(holder.id())
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?,
        };
        Ok(n > 0)
    }

    /// The account whose personal account-level resources the credential may
    /// reach, if its switch is on.
    pub async fn personal_access(&self, holder: AccessHolder) -> Result<Option<AccountId>> {
        let row: Option<(i64,)> = with_pool!(self, |p| sqlx::query_as(holder.sql().2)
            .bind(holder.id())
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(a,)| AccountId(a)))
    }
}
