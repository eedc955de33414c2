//! Token families: the tokens one authorization code or device code led to,
//! through every refresh. Redeeming a single-use secret (code, refresh token,
//! device code) and revoking a family both lock the family's row first, so the
//! single-use rules hold across several Buckle processes and a replay revokes
//! every token the family has.

use crate::group_commit::on_conn;
use crate::lite;
use crate::oauth_tokens::{insert_oauth_token, stored_kind};
use crate::refresh_tokens::insert_refresh_token;
use crate::{NewOAuthToken, RefreshToken, Result, Store, with_writer};
use std::sync::Arc;

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

/// Locks a family's row (making it if new) and reads whether it was revoked.
const LOCK_FAMILY: &str = "INSERT INTO oauth_families (family_id, revoked_at) VALUES ($1, NULL)
     ON CONFLICT (family_id) DO UPDATE SET revoked_at = oauth_families.revoked_at
     RETURNING revoked_at";
pub(crate) const GRANT_EXISTS: &str = "SELECT id FROM oauth_grants WHERE id = $1";

/// [`Store::redeem`]'s unit on a SQLite file used directly: the same steps.
fn redeem_lite(
    c: &rusqlite::Connection,
    use_up: &str,
    hash: &str,
    now: i64,
    tokens: &NewUserTokens,
    kind: &'static str,
) -> Result<Redeemed> {
    let (access, refresh) = (&tokens.access, &tokens.refresh);
    if lite::optional::<(i64,)>(c, GRANT_EXISTS, &[&access.grant_id])?.is_none() {
        return Ok(Redeemed::AuthorizationGone);
    }
    let revoked_at = lite::optional::<(Option<i64>,)>(c, LOCK_FAMILY, &[&refresh.family_id])?;
    if revoked_at.is_some_and(|(at,)| at.is_some()) {
        return Ok(Redeemed::FamilyRevoked);
    }
    if lite::execute(c, use_up, &[&hash, &now])? != 1 {
        return Ok(Redeemed::AlreadyUsed);
    }
    crate::oauth_tokens::insert_lite(c, access, kind)?;
    crate::refresh_tokens::insert_lite(c, refresh)?;
    Ok(Redeemed::Issued)
}

impl Store {
    /// In one transaction, shared with other grants (`group_commit`): checks the
    /// authorization still exists, locks the tokens' family (refusing a revoked
    /// one), uses up the secret with `use_up` (a conditional update binding its
    /// hash and `now`), then stores the new tokens. Answers once that committed.
    /// A concurrent request for the same secret or family waits for the commit
    /// (or runs after it in the same transaction), so by the time it finds the
    /// secret used, the tokens it would revoke exist. Only `Issued` writes
    /// anything that matters: the other answers leave the secret as it was.
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
        let (hash, tokens) = (Arc::<str>::from(hash), Arc::new(tokens.clone()));
        if let Some(lite) = &self.lite {
            return lite
                .write(move |c| redeem_lite(c, use_up, &hash, now, &tokens, kind))
                .await;
        }
        self.grouped
            .run(move |conn| {
                let (hash, tokens) = (hash.clone(), tokens.clone());
                Box::pin(async move {
                    let (access, refresh) = (&tokens.access, &tokens.refresh);
                    on_conn!(conn, |c| {
                        // Checked first, so that a deleted authorization writes
                        // nothing (its tokens' foreign keys would refuse them).
                        let grant: Option<(i64,)> = sqlx::query_as(GRANT_EXISTS)
                            .bind(access.grant_id)
                            .fetch_optional(&mut *c)
                            .await?;
                        if grant.is_none() {
                            return Ok(Redeemed::AuthorizationGone);
                        }
                        // A write: the family's row lock on PostgreSQL.
                        let (revoked_at,): (Option<i64>,) = sqlx::query_as(LOCK_FAMILY)
                            .bind(refresh.family_id)
                            .fetch_one(&mut *c)
                            .await?;
                        if revoked_at.is_some() {
                            return Ok(Redeemed::FamilyRevoked);
                        }
                        let used = sqlx::query(use_up)
                            .bind(&*hash)
                            .bind(now)
                            .execute(&mut *c)
                            .await?
                            .rows_affected();
                        if used != 1 {
                            return Ok(Redeemed::AlreadyUsed);
                        }
                        insert_oauth_token!(access, kind).execute(&mut *c).await?;
                        insert_refresh_token!(refresh).execute(&mut *c).await?;
                        Ok(Redeemed::Issued)
                    })
                })
            })
            .await
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
