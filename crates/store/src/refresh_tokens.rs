//! Refresh tokens: single use, rotated in the same transaction that stores their
//! successors (see `families`).

use crate::{NewUserTokens, Redeemed, Result, Store, with_pool, with_writer};
use buckle_core::{AccountId, AppId};

/// The INSERT of an unused `RefreshToken`, bound, for a pool or a transaction.
macro_rules! insert_refresh_token {
    ($r:expr) => {{
        let r: &RefreshToken = $r;
        sqlx::query(
            "INSERT INTO oauth_refresh_tokens (token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(&r.token_hash)
        .bind(r.family_id)
        .bind(r.app_id.get())
        .bind(r.grant_id)
        .bind(r.account_id.get())
        .bind(r.created_at)
        .bind(r.expires_at)
    }};
}
pub(crate) use insert_refresh_token;

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub token_hash: String,
    pub family_id: i64,
    pub app_id: AppId,
    pub grant_id: i64,
    pub account_id: AccountId,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RefreshTokenRow {
    token_hash: String,
    family_id: i64,
    app_id: i64,
    grant_id: i64,
    account_id: i64,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl From<RefreshTokenRow> for RefreshToken {
    fn from(r: RefreshTokenRow) -> RefreshToken {
        RefreshToken {
            token_hash: r.token_hash,
            family_id: r.family_id,
            app_id: AppId(r.app_id),
            grant_id: r.grant_id,
            account_id: AccountId(r.account_id),
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
        }
    }
}

impl Store {
    pub async fn insert_refresh_token(&self, r: &RefreshToken) -> Result<()> {
        with_writer!(self, |p| insert_refresh_token!(r)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A refresh token by the hash of its secret, used or not; reads only.
    pub async fn refresh_token(&self, hash: &str) -> Result<Option<RefreshToken>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, RefreshTokenRow>(
            "SELECT token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at
             FROM oauth_refresh_tokens WHERE token_hash = $1"
        )
        .bind(hash)
        .fetch_optional(p)
        .await
        })?
        .map(RefreshToken::from))
    }

    /// Uses up an unused refresh token and stores its successors, atomically (rotation).
    pub async fn redeem_refresh_token(
        &self,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        self.redeem(
            "UPDATE oauth_refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
            hash,
            now,
            tokens,
        )
        .await
    }
}
