//! Devices that signed in to an account before (their cookie only as a digest):
//! a known device is not throttled by failures from elsewhere.

use crate::{Result, Store, with_pool, with_writer};
use buckle_core::AccountId;

impl Store {
    /// Remembers a device (by its cookie's digest) that signed in to `account_id`,
    /// keeping only the account's `keep` most recent devices.
    pub async fn add_known_device(
        &self,
        token_hash: &str,
        account_id: AccountId,
        now: i64,
        expires_at: i64,
        keep: i64,
    ) -> Result<()> {
        with_writer!(self, |p| sqlx::query(
            "INSERT INTO known_devices (token_hash, account_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)"
        )
        .bind(token_hash)
        .bind(account_id.get())
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        // The newest first; the one just added wins ties within its second.
        with_writer!(self, |p| sqlx::query(
            "DELETE FROM known_devices WHERE account_id = $1 AND token_hash NOT IN (
                 SELECT token_hash FROM known_devices WHERE account_id = $1
                 ORDER BY created_at DESC, CASE WHEN token_hash = $2 THEN 0 ELSE 1 END
                 LIMIT $3)"
        )
        .bind(account_id.get())
        .bind(token_hash)
        .bind(keep)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The account an unexpired known-device cookie belongs to.
    pub async fn known_device_account(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<AccountId>> {
        let id: Option<i64> = with_pool!(self, |p| sqlx::query_scalar(
            "SELECT account_id FROM known_devices WHERE token_hash = $1 AND expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(p)
        .await)?;
        Ok(id.map(AccountId))
    }

    pub async fn purge_expired_known_devices(&self, now: i64) -> Result<u64> {
        Ok(with_writer!(self, |p| sqlx::query(
            "DELETE FROM known_devices WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
