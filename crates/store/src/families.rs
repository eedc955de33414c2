//! Token families: the tokens one authorization code or device code led to,
//! through every refresh. Redeeming a single-use secret (code, refresh token,
//! device code) and revoking a family both lock the family's row first, so the
//! single-use rules hold across several Buckle processes and a replay revokes
//! every token the family has.

use crate::group_commit::Conn;
use crate::lite;
use crate::oauth_tokens::{insert_oauth_token, stored_kind};
use crate::refresh_tokens::insert_refresh_token;
use crate::{NewOAuthToken, RefreshToken, Result, Store, StoreError, with_writer};
use buckle_core::{AccountId, OrgId};
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

/// The single-use secret a redemption uses up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Secret {
    Code,
    RefreshToken,
    DeviceCode,
}

/// A redemption's statements for the secret in `$table` keyed by `$key`, used
/// only when `$also` holds too: SQLite's conditional update (hash `$1`, now
/// `$2`), run after the checks as a statement of its own, and PostgreSQL's
/// whole redemption as one statement.
///
/// PostgreSQL's statement does in one round trip what SQLite's steps do one by
/// one, in the same order: each step is a CTE that runs only if the step before
/// it let it (it reads that step's output). The authorization must exist; the
/// family's row is then locked (made if new) and must not be revoked; the
/// secret is used up by a conditional update (which, waiting on a concurrent
/// use, re-reads the row and finds it used); only then are the tokens
/// inserted. Its one row tells which step stopped it. Parameters: `$1`-`$16`
/// the access token as in `oauth_tokens::INSERT`, `$17`-`$23` the refresh
/// token as in `refresh_tokens::INSERT`, `$24` the secret's hash, `$25` now.
macro_rules! statements {
    ($table:literal, $key:literal, $also:literal) => {
        (
            concat!(
                "UPDATE ", $table, " SET used_at = $2 WHERE ", $key, " = $1", $also,
                " AND used_at IS NULL"
            ),
            concat!(
                "WITH grant_row AS (SELECT id FROM oauth_grants WHERE id = $5),
                 family AS (
                     INSERT INTO oauth_families (family_id, revoked_at)
                     SELECT $18, NULL WHERE EXISTS (SELECT 1 FROM grant_row)
                     ON CONFLICT (family_id) DO UPDATE SET revoked_at = oauth_families.revoked_at
                     RETURNING revoked_at),
                 used AS (
                     UPDATE ", $table, " SET used_at = $25 WHERE ", $key, " = $24", $also,
                " AND used_at IS NULL
                       AND EXISTS (SELECT 1 FROM family WHERE revoked_at IS NULL)
                     RETURNING 1),
                 access AS (
                     INSERT INTO oauth_tokens (id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at)
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
                     WHERE EXISTS (SELECT 1 FROM used)
                     RETURNING 1),
                 refresh AS (
                     INSERT INTO oauth_refresh_tokens (token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at)
                     SELECT $17, $18, $19, $20, $21, $22, $23, NULL
                     WHERE EXISTS (SELECT 1 FROM used)
                     RETURNING 1)
                 SELECT EXISTS (SELECT 1 FROM grant_row),
                        (SELECT revoked_at FROM family),
                        EXISTS (SELECT 1 FROM used),
                        (SELECT count(*) FROM access) + (SELECT count(*) FROM refresh)"
            ),
        )
    };
}

impl Secret {
    /// (SQLite's conditional update, PostgreSQL's whole redemption.)
    fn statements(self) -> (&'static str, &'static str) {
        match self {
            Secret::Code => statements!("oauth_codes", "code_hash", ""),
            Secret::RefreshToken => statements!("oauth_refresh_tokens", "token_hash", ""),
            Secret::DeviceCode => {
                statements!(
                    "oauth_device_codes",
                    "device_code_hash",
                    " AND status = 'approved'"
                )
            }
        }
    }
}

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

/// [`Store::redeem`]'s unit on PostgreSQL: [`statements!`]'s one statement.
async fn redeem_in_one_statement(
    c: &mut sqlx::PgConnection,
    statement: &'static str,
    hash: &str,
    now: i64,
    tokens: &NewUserTokens,
    kind: &'static str,
) -> Result<Redeemed> {
    let (a, r) = (&tokens.access, &tokens.refresh);
    let (grant_exists, revoked_at, used, inserted): (bool, Option<i64>, bool, i64) =
        sqlx::query_as(statement)
            .bind(a.id)
            .bind(&a.token_hash)
            .bind(kind)
            .bind(a.app_id.get())
            .bind(a.grant_id)
            .bind(a.account_id.map(AccountId::get))
            .bind(a.org_id.as_ref().map(OrgId::as_str))
            .bind(&a.permissions)
            .bind(a.all_workspaces)
            .bind(crate::encode_ids(&a.workspace_ids))
            .bind(&a.session_name)
            .bind(&a.device_id)
            .bind(&a.custom_consumer)
            .bind(a.family_id)
            .bind(a.created_at)
            .bind(a.expires_at)
            .bind(&r.token_hash)
            .bind(r.family_id)
            .bind(r.app_id.get())
            .bind(r.grant_id)
            .bind(r.account_id.get())
            .bind(r.created_at)
            .bind(r.expires_at)
            .bind(hash)
            .bind(now)
            .fetch_one(c)
            .await?;
    Ok(if !grant_exists {
        Redeemed::AuthorizationGone
    } else if revoked_at.is_some() {
        Redeemed::FamilyRevoked
    } else if !used {
        Redeemed::AlreadyUsed
    } else if inserted != 2 {
        return Err(StoreError::Db(sqlx::Error::Protocol(
            "a redemption used its secret up but stored no tokens".into(),
        )));
    } else {
        Redeemed::Issued
    })
}

/// [`Store::redeem`]'s unit on an in-memory SQLite database (no file for
/// `lite`): the same steps as [`redeem_lite`], through sqlx.
async fn redeem_in_steps(
    c: &mut sqlx::SqliteConnection,
    use_up: &'static str,
    hash: &str,
    now: i64,
    tokens: &NewUserTokens,
    kind: &'static str,
) -> Result<Redeemed> {
    let (access, refresh) = (&tokens.access, &tokens.refresh);
    // Checked first, so that a deleted authorization writes nothing (its
    // tokens' foreign keys would refuse them).
    let grant: Option<(i64,)> = sqlx::query_as(GRANT_EXISTS)
        .bind(access.grant_id)
        .fetch_optional(&mut *c)
        .await?;
    if grant.is_none() {
        return Ok(Redeemed::AuthorizationGone);
    }
    let (revoked_at,): (Option<i64>,) = sqlx::query_as(LOCK_FAMILY)
        .bind(refresh.family_id)
        .fetch_one(&mut *c)
        .await?;
    if revoked_at.is_some() {
        return Ok(Redeemed::FamilyRevoked);
    }
    let used = sqlx::query(use_up)
        .bind(hash)
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
}

impl Store {
    /// In one transaction, shared with other grants (`group_commit`): checks the
    /// authorization still exists, locks the tokens' family (refusing a revoked
    /// one), uses up `secret` (a conditional update of the row with `hash`),
    /// then stores the new tokens. Answers once that committed.
    /// A concurrent request for the same secret or family waits for the commit
    /// (or runs after it in the same transaction), so by the time it finds the
    /// secret used, the tokens it would revoke exist. Only `Issued` writes
    /// anything that matters: the other answers leave the secret as it was.
    pub(crate) async fn redeem(
        &self,
        secret: Secret,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        let (access, refresh) = (&tokens.access, &tokens.refresh);
        debug_assert_eq!(access.family_id, Some(refresh.family_id));
        let kind = stored_kind(access.kind)?;
        let (use_up, in_one_statement) = secret.statements();
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
                    match conn {
                        Conn::Postgres(c) => {
                            redeem_in_one_statement(c, in_one_statement, &hash, now, &tokens, kind)
                                .await
                        }
                        Conn::Sqlite(c) => {
                            redeem_in_steps(c, use_up, &hash, now, &tokens, kind).await
                        }
                    }
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
