//! Authorization codes: single use, redeemed in the same transaction that stores
//! the tokens they are exchanged for (see `families`).

use crate::grants::joined_grant_columns;
use crate::lite::fetch_optional;
use crate::{Grant, NewUserTokens, Redeemed, Result, Store, with_writer};
use buckle_core::{AccountId, AppId};

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub code_hash: String,
    pub app_id: AppId,
    pub grant_id: i64,
    pub account_id: AccountId,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub challenge_method: Option<String>,
    pub family_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuthCodeRow {
    code_hash: String,
    app_id: i64,
    grant_id: i64,
    account_id: i64,
    redirect_uri: String,
    code_challenge: Option<String>,
    challenge_method: Option<String>,
    family_id: i64,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

crate::lite::lite_row!(AuthCodeRow {
    code_hash,
    app_id,
    grant_id,
    account_id,
    redirect_uri,
    code_challenge,
    challenge_method,
    family_id,
    created_at,
    expires_at,
    used_at
});

impl crate::batched::BySecret for AuthCodeRow {
    fn secret_hash(&self) -> &str {
        &self.code_hash
    }
}

/// A code's columns (`c`) and its grant's (`g`, see `joined_grant_columns`).
macro_rules! code_with_grant_columns {
    () => {
        concat!(
            "c.code_hash, c.app_id, c.grant_id, c.account_id, c.redirect_uri, c.code_challenge, c.challenge_method, c.family_id, c.created_at, c.expires_at, c.used_at, ",
            joined_grant_columns!()
        )
    };
}

/// One of them by its hash (`$1`), on SQLite.
const READ_ONE: &str = concat!(
    "SELECT ",
    code_with_grant_columns!(),
    " FROM oauth_codes c LEFT JOIN oauth_grants g ON g.id = c.grant_id WHERE c.code_hash = $1"
);

/// [`Store::code_and_grant`] for a batch on PostgreSQL (`batched.rs`).
pub(crate) const READ_ALL: &str = concat!(
    "SELECT i.n, ",
    code_with_grant_columns!(),
    " FROM unnest($1::text[]) WITH ORDINALITY AS i(hash, n)
      JOIN oauth_codes c ON c.code_hash = i.hash
      LEFT JOIN oauth_grants g ON g.id = c.grant_id"
);

impl From<AuthCodeRow> for AuthCode {
    fn from(r: AuthCodeRow) -> AuthCode {
        AuthCode {
            code_hash: r.code_hash,
            app_id: AppId(r.app_id),
            grant_id: r.grant_id,
            account_id: AccountId(r.account_id),
            redirect_uri: r.redirect_uri,
            code_challenge: r.code_challenge,
            challenge_method: r.challenge_method,
            family_id: r.family_id,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
        }
    }
}

impl Store {
    pub async fn insert_code(&self, c: &AuthCode) -> Result<()> {
        crate::text::storable(&[
            &c.redirect_uri,
            c.code_challenge.as_deref().unwrap_or_default(),
            c.challenge_method.as_deref().unwrap_or_default(),
        ])?;
        with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO oauth_codes (code_hash, app_id, grant_id, account_id, redirect_uri, code_challenge, challenge_method, family_id, created_at, expires_at, used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)"
        )
        .bind(&c.code_hash)
        .bind(c.app_id.get())
        .bind(c.grant_id)
        .bind(c.account_id.get())
        .bind(&c.redirect_uri)
        .bind(&c.code_challenge)
        .bind(&c.challenge_method)
        .bind(c.family_id)
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// A code by the hash of its secret, used or not; reads only.
    pub async fn code(&self, code_hash: &str) -> Result<Option<AuthCode>> {
        Ok(fetch_optional!(self, AuthCodeRow, "SELECT code_hash, app_id, grant_id, account_id, redirect_uri, code_challenge, challenge_method, family_id, created_at, expires_at, used_at
             FROM oauth_codes WHERE code_hash = $1", code_hash)?
        .map(AuthCode::from))
    }

    /// A code by the hash of its secret, with its grant if that still exists;
    /// reads only. On PostgreSQL, batched with the other exchanges waiting.
    pub async fn code_and_grant(
        &self,
        code_hash: &str,
    ) -> Result<Option<(AuthCode, Option<Grant>)>> {
        let found = self
            .by_secret(|b| &b.code_reads, READ_ONE, code_hash)
            .await?;
        found
            .map(|f| f.split().map(|(code, grant)| (AuthCode::from(code), grant)))
            .transpose()
    }

    /// Uses up an unused code and stores the tokens it is exchanged for, atomically.
    pub async fn redeem_code(
        &self,
        code_hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        self.redeem(crate::families::Secret::Code, code_hash, now, tokens)
            .await
    }
}
