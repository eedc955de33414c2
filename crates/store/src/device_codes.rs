//! Device codes (RFC 8628): created pending, decided once by a person, redeemed
//! once by the device (see `families`).

use crate::grants::joined_grant_columns;
use crate::lite::fetch_optional;
use crate::typed::{self, word};
use crate::{Grant, NewUserTokens, Redeemed, Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, AppId, DeviceStatus, WorkspaceId};

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub device_code_hash: String,
    pub user_code: String,
    pub app_id: AppId,
    pub workspace_id: Option<WorkspaceId>,
    pub status: DeviceStatus,
    pub grant_id: Option<i64>,
    pub account_id: Option<AccountId>,
    pub poll_interval: i64,
    /// Milliseconds, so "too fast" is judged at sub-second precision.
    pub last_poll_at_ms: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeviceCodeRow {
    device_code_hash: String,
    user_code: String,
    app_id: i64,
    workspace_id: Option<i64>,
    status: String,
    grant_id: Option<i64>,
    account_id: Option<i64>,
    poll_interval: i64,
    last_poll_at_ms: Option<i64>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

crate::lite::lite_row!(DeviceCodeRow {
    device_code_hash,
    user_code,
    app_id,
    workspace_id,
    status,
    grant_id,
    account_id,
    poll_interval,
    last_poll_at_ms,
    created_at,
    expires_at,
    used_at
});

impl crate::batched::BySecret for DeviceCodeRow {
    fn secret_hash(&self) -> &str {
        &self.device_code_hash
    }
}

/// A device code's columns (`d`) and its grant's (`g`, see
/// `joined_grant_columns`).
macro_rules! device_with_grant_columns {
    () => {
        concat!(
            "d.device_code_hash, d.user_code, d.app_id, d.workspace_id, d.status, d.grant_id, d.account_id, d.poll_interval, d.last_poll_at_ms, d.created_at, d.expires_at, d.used_at, ",
            joined_grant_columns!()
        )
    };
}

/// One of them by its hash (`$1`), on SQLite.
const READ_ONE: &str = concat!(
    "SELECT ",
    device_with_grant_columns!(),
    " FROM oauth_device_codes d LEFT JOIN oauth_grants g ON g.id = d.grant_id WHERE d.device_code_hash = $1"
);

/// [`Store::device_code_and_grant`] for a batch on PostgreSQL (`batched.rs`).
pub(crate) const READ_ALL: &str = concat!(
    "SELECT i.n, ",
    device_with_grant_columns!(),
    " FROM unnest($1::text[]) WITH ORDINALITY AS i(hash, n)
      JOIN oauth_device_codes d ON d.device_code_hash = i.hash
      LEFT JOIN oauth_grants g ON g.id = d.grant_id"
);

impl TryFrom<DeviceCodeRow> for DeviceCode {
    type Error = StoreError;
    fn try_from(r: DeviceCodeRow) -> Result<DeviceCode> {
        Ok(DeviceCode {
            status: word(
                "oauth_device_codes",
                "status",
                &r.status,
                DeviceStatus::parse,
            )?,
            device_code_hash: r.device_code_hash,
            user_code: r.user_code,
            app_id: AppId(r.app_id),
            workspace_id: r.workspace_id.map(WorkspaceId),
            grant_id: r.grant_id,
            account_id: r.account_id.map(AccountId),
            poll_interval: r.poll_interval,
            last_poll_at_ms: r.last_poll_at_ms,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
        })
    }
}

macro_rules! device_columns {
    () => {
        "device_code_hash, user_code, app_id, workspace_id, status, grant_id, account_id, poll_interval, last_poll_at_ms, created_at, expires_at, used_at"
    };
}

impl Store {
    pub async fn insert_device_code(&self, d: &DeviceCode) -> Result<()> {
        with_writer!(self, |p| sqlx::query(concat!(
            "INSERT INTO oauth_device_codes (",
            device_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&d.device_code_hash)
        .bind(&d.user_code)
        .bind(d.app_id.get())
        .bind(d.workspace_id.map(WorkspaceId::get))
        .bind(d.status.as_str())
        .bind(d.grant_id)
        .bind(d.account_id.map(AccountId::get))
        .bind(d.poll_interval)
        .bind(d.last_poll_at_ms)
        .bind(d.created_at)
        .bind(d.expires_at)
        .bind(d.used_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn device_code_by_user_code(&self, user_code: &str) -> Result<Option<DeviceCode>> {
        typed::one(with_pool!(self, |p| sqlx::query_as::<_, DeviceCodeRow>(
            concat!(
                "SELECT ",
                device_columns!(),
                " FROM oauth_device_codes WHERE user_code = $1"
            )
        )
        .bind(user_code)
        .fetch_optional(p)
        .await)?)
    }

    /// A device code by the hash of its secret, with its grant (an approved
    /// code's) if that still exists; reads only. On PostgreSQL, batched with
    /// the other polls waiting.
    pub async fn device_code_and_grant(
        &self,
        hash: &str,
    ) -> Result<Option<(DeviceCode, Option<Grant>)>> {
        let found = self
            .by_secret(|b| &b.device_code_reads, READ_ONE, hash)
            .await?;
        found
            .map(|f| {
                let (row, grant) = f.split()?;
                Ok((DeviceCode::try_from(row)?, grant))
            })
            .transpose()
    }

    pub async fn device_code(&self, hash: &str) -> Result<Option<DeviceCode>> {
        typed::one(fetch_optional!(
            self,
            DeviceCodeRow,
            concat!(
                "SELECT ",
                device_columns!(),
                " FROM oauth_device_codes WHERE device_code_hash = $1"
            ),
            hash
        )?)
    }

    /// Approves or denies (`status`, the decision) a pending, unexpired device code;
    /// false if it was not pending. Deciding "pending" is no decision: `InvalidInput`.
    pub async fn decide_device_code(
        &self,
        user_code: &str,
        status: DeviceStatus,
        grant_id: Option<i64>,
        account_id: AccountId,
        now: i64,
    ) -> Result<bool> {
        if DeviceStatus::Pending.decide(status == DeviceStatus::Approved) != Ok(status) {
            return Err(StoreError::InvalidInput);
        }
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE oauth_device_codes SET status = $1, grant_id = $2, account_id = $3
             WHERE user_code = $4 AND status = 'pending' AND expires_at > $5"
        )
        .bind(status.as_str())
        .bind(grant_id)
        .bind(account_id.get())
        .bind(user_code)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn record_device_poll(&self, hash: &str, now_ms: i64) -> Result<()> {
        const RECORD: &str =
            "UPDATE oauth_device_codes SET last_poll_at_ms = $1 WHERE device_code_hash = $2";
        if let Some(lite) = &self.lite {
            let hash = hash.to_string();
            return lite
                .write(move |c| Ok(crate::lite::execute(c, RECORD, &[&now_ms, &hash])?))
                .await
                .map(|_| ());
        }
        with_writer!(self, |p| sqlx::query(RECORD)
            .bind(now_ms)
            .bind(hash)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Uses up an approved, unused device code and stores the tokens it is
    /// exchanged for (in a new family), atomically.
    pub async fn redeem_device_code(
        &self,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        self.redeem(crate::families::Secret::DeviceCode, hash, now, tokens)
            .await
    }
}
