//! Refresh tokens: single use, rotated in the same transaction that stores their
//! successors (see `families`).

use crate::grants::joined_grant_columns;
use crate::lite::fetch_optional;
use crate::{Grant, NewUserTokens, Redeemed, Result, Store, with_writer};
use buckle_core::{AccountId, AppId};

pub(crate) const INSERT: &str = "INSERT INTO oauth_refresh_tokens (token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)";

/// [`INSERT`] of `r` on a SQLite connection used directly (`lite.rs`).
pub(crate) fn insert_lite(c: &rusqlite::Connection, r: &RefreshToken) -> rusqlite::Result<usize> {
    crate::lite::execute(
        c,
        INSERT,
        &[
            &r.token_hash,
            &r.family_id,
            &r.app_id.get(),
            &r.grant_id,
            &r.account_id.get(),
            &r.created_at,
            &r.expires_at,
        ],
    )
}

/// The INSERT of an unused `RefreshToken`, bound, for a pool or a transaction.
macro_rules! insert_refresh_token {
    ($r:expr) => {{
        let r: &RefreshToken = $r;
        sqlx::query($crate::refresh_tokens::INSERT)
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
pub(crate) struct RefreshTokenRow {
    token_hash: String,
    family_id: i64,
    app_id: i64,
    grant_id: i64,
    account_id: i64,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

crate::lite::lite_row!(RefreshTokenRow {
    token_hash,
    family_id,
    app_id,
    grant_id,
    account_id,
    created_at,
    expires_at,
    used_at
});

impl crate::batched::BySecret for RefreshTokenRow {
    fn secret_hash(&self) -> &str {
        &self.token_hash
    }
}

/// A refresh token's columns (`r`) and its grant's (`g`, see
/// `joined_grant_columns`).
macro_rules! refresh_with_grant_columns {
    () => {
        concat!(
            "r.token_hash, r.family_id, r.app_id, r.grant_id, r.account_id, r.created_at, r.expires_at, r.used_at, ",
            joined_grant_columns!()
        )
    };
}

/// One of them by its hash (`$1`), on SQLite.
const READ_ONE: &str = concat!(
    "SELECT ",
    refresh_with_grant_columns!(),
    " FROM oauth_refresh_tokens r LEFT JOIN oauth_grants g ON g.id = r.grant_id WHERE r.token_hash = $1"
);

/// [`Store::refresh_token_and_grant`] for a batch on PostgreSQL (`batched.rs`).
pub(crate) const READ_ALL: &str = concat!(
    "SELECT i.n, ",
    refresh_with_grant_columns!(),
    " FROM unnest($1::text[]) WITH ORDINALITY AS i(hash, n)
      JOIN oauth_refresh_tokens r ON r.token_hash = i.hash
      LEFT JOIN oauth_grants g ON g.id = r.grant_id"
);

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
        Ok(fetch_optional!(self, RefreshTokenRow, "SELECT token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at
             FROM oauth_refresh_tokens WHERE token_hash = $1", hash)?
        .map(RefreshToken::from))
    }

    /// A refresh token by the hash of its secret, with its grant if that still
    /// exists; reads only. On PostgreSQL, batched with the other refreshes
    /// waiting.
    pub async fn refresh_token_and_grant(
        &self,
        hash: &str,
    ) -> Result<Option<(RefreshToken, Option<Grant>)>> {
        let found = self
            .by_secret(|b| &b.refresh_token_reads, READ_ONE, hash)
            .await?;
        found
            .map(|f| {
                f.split()
                    .map(|(token, grant)| (RefreshToken::from(token), grant))
            })
            .transpose()
    }

    /// Uses up an unused refresh token and stores its successors, atomically (rotation).
    pub async fn redeem_refresh_token(
        &self,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        self.redeem(crate::families::Secret::RefreshToken, hash, now, tokens)
            .await
    }
}
