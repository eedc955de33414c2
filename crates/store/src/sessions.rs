//! Console sessions, stored as hashes of their cookie.

use crate::accounts::AccountRow;
use crate::{Account, Result, Store, with_pool, with_writer};
use buckle_core::AccountId;

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        account_id: AccountId,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO console_sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(token_hash)
        .bind(account_id.get())
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The account behind an unexpired session.
    pub async fn session_account(&self, token_hash: &str, now: i64) -> Result<Option<Account>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, AccountRow>(
            "SELECT a.id, a.user_name, a.nick_name, a.avatar_url, a.password_hash, a.is_super_admin, a.created_at
             FROM console_sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(p)
        .await
        })?
        .map(Account::from))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        with_writer!(self, |p| sqlx::query(
            "DELETE FROM console_sessions WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Ends every session of an account (after a password change).
    pub async fn delete_sessions_of(&self, account_id: AccountId) -> Result<()> {
        with_writer!(self, |p| sqlx::query(
            "DELETE FROM console_sessions WHERE account_id = $1"
        )
        .bind(account_id.get())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn purge_expired_sessions(&self, now: i64) -> Result<u64> {
        Ok(with_writer!(self, |p| sqlx::query(
            "DELETE FROM console_sessions WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
