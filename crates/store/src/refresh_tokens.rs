//! Refresh tokens: single use, rotated in the same transaction that stores their
//! successors (see `families`).

use crate::{NewUserTokens, Redeemed, Result, Store, with_pool};

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
        .bind(r.app_id)
        .bind(r.grant_id)
        .bind(r.account_id)
        .bind(r.created_at)
        .bind(r.expires_at)
    }};
}
pub(crate) use insert_refresh_token;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshToken {
    pub token_hash: String,
    pub family_id: i64,
    pub app_id: i64,
    pub grant_id: i64,
    pub account_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl Store {
    pub async fn insert_refresh_token(&self, r: &RefreshToken) -> Result<()> {
        with_pool!(self, |p| insert_refresh_token!(r)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A refresh token by the hash of its secret, used or not; reads only.
    pub async fn refresh_token(&self, hash: &str) -> Result<Option<RefreshToken>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, RefreshToken>(
            "SELECT token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at
             FROM oauth_refresh_tokens WHERE token_hash = $1"
        )
        .bind(hash)
        .fetch_optional(p)
        .await
        })?)
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
