//! Token families: the tokens one authorization code or device code led to,
//! through every refresh. Redeeming a single-use secret (code, refresh token,
//! device code) and revoking a family both lock the family's row first, so the
//! single-use rules hold across several Buckle processes and a replay revokes
//! every token the family has.

use crate::oauth_tokens::{insert_oauth_token, stored_kind};
use crate::refresh_tokens::insert_refresh_token;
use crate::{NewOAuthToken, RefreshToken, Result, Store, with_writer};

/// What redeeming a code, refresh token or device code for new tokens did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    /// Used up now, and the new tokens are stored.
    Issued,
    /// Another request used it first; nothing was written. For a code or refresh
    /// token that is a replay: its family must be revoked.
    AlreadyUsed,
    /// Its family was revoked; nothing was written.
    FamilyRevoked,
    /// Its authorization or app was deleted meanwhile; nothing was written.
    AuthorizationGone,
}

/// The access and refresh token one exchange issues, in one family. Only hashes.
#[derive(Debug, Clone)]
pub struct NewUserTokens {
    pub access: NewOAuthToken,
    pub refresh: RefreshToken,
}

impl Store {
    /// In one transaction: locks the tokens' family (refusing a revoked one), uses up
    /// the secret with `use_up` (a conditional update binding its hash and `now`),
    /// then stores the new tokens. A concurrent request for the same secret or family
    /// waits for the commit, so by the time it finds the secret used, the tokens it
    /// would revoke exist; a failure anywhere leaves the secret unused.
    pub(crate) async fn redeem(
        &self,
        use_up: &'static str,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        let (access, refresh) = (&tokens.access, &tokens.refresh);
        debug_assert_eq!(access.family_id, Some(refresh.family_id));
        let kind = stored_kind(access.kind)?;
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            // A write first: the family's row lock on PostgreSQL, the write lock on SQLite.
            let (revoked_at,): (Option<i64>,) = sqlx::query_as(
                "INSERT INTO oauth_families (family_id, revoked_at) VALUES ($1, NULL)
                 ON CONFLICT (family_id) DO UPDATE SET revoked_at = oauth_families.revoked_at
                 RETURNING revoked_at",
            )
            .bind(refresh.family_id)
            .fetch_one(&mut *tx)
            .await?;
            if revoked_at.is_some() {
                return Ok(Redeemed::FamilyRevoked);
            }
            let used = sqlx::query(use_up)
                .bind(hash)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if used != 1 {
                return Ok(Redeemed::AlreadyUsed);
            }
            let stored = match insert_oauth_token!(access, kind).execute(&mut *tx).await {
                Ok(_) => insert_refresh_token!(refresh).execute(&mut *tx).await,
                Err(e) => Err(e),
            };
            match stored {
                Ok(_) => {}
                // The grant or app went between the checks and now.
                Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                    return Ok(Redeemed::AuthorizationGone);
                }
                Err(e) => return Err(e.into()),
            }
            tx.commit().await?;
            Ok::<Redeemed, sqlx::Error>(Redeemed::Issued)
        })
        .map_err(Into::into)
    }

    /// Revokes a family for good (a replayed code or refresh token): marks it revoked,
    /// so it never gets a token again, and deletes every access and refresh token it
    /// has. Marking it first waits for an issuance into it in progress (see `redeem`),
    /// whose tokens the deletes then see.
    pub async fn revoke_family(&self, family_id: i64, now: i64) -> Result<()> {
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO oauth_families (family_id, revoked_at) VALUES ($1, $2)
                 ON CONFLICT (family_id) DO UPDATE
                 SET revoked_at = COALESCE(oauth_families.revoked_at, excluded.revoked_at)",
            )
            .bind(family_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM oauth_tokens WHERE family_id = $1")
                .bind(family_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM oauth_refresh_tokens WHERE family_id = $1")
                .bind(family_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }
}
