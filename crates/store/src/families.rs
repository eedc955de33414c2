//! Token families: the tokens one authorization code or device code led to,
//! through every refresh. Redeeming a single-use secret (code, refresh token,
//! device code) and revoking a family both lock the family's row first, so the
//! single-use rules hold across several Buckle processes and a replay revokes
//! every token the family has.

use crate::BoxFuture;
use crate::batched::BatchStatement;
use crate::lite;
use crate::oauth_tokens::{bind_token_arrays, insert_oauth_token, stored_kind};
use crate::refresh_tokens::insert_refresh_token;
use crate::{Grouped, NewOAuthToken, RefreshToken, Result, Store, StoreError, with_writer};
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
/// redemption of a whole batch as one statement ([`RedeemAll`]).
///
/// PostgreSQL's statement takes, for every redemption of the batch (a row of
/// `input`, numbered `n`), SQLite's steps in the same order: each is a CTE
/// that lets through only the rows the step before it let through. The
/// authorization must exist; the family's row is then locked (made if new;
/// each family once, in order) and must not be revoked; the secret is used up
/// by a conditional update (which, waiting on a concurrent use, re-reads the
/// row and finds it used; two rows of the batch for one secret update it
/// once, so one of them wins); only then are the tokens inserted. One row per
/// redemption tells which step stopped it. Parameters: arrays, one element
/// per redemption: `$1`-`$16` the access token as in `oauth_tokens::INSERT`,
/// `$17`-`$23` the refresh token as in `refresh_tokens::INSERT`, `$24` the
/// secret's hash, `$25` now.
macro_rules! statements {
    ($table:literal, $key:literal, $also:literal) => {
        (
            concat!(
                "UPDATE ", $table, " SET used_at = $2 WHERE ", $key, " = $1", $also,
                " AND used_at IS NULL"
            ),
            concat!(
                "WITH input AS (
                     SELECT * FROM unnest(
                         $1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
                         $7::text[], $8::text[], $9::boolean[], $10::text[], $11::text[], $12::text[],
                         $13::text[], $14::bigint[], $15::bigint[], $16::bigint[],
                         $17::text[], $18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[],
                         $22::bigint[], $23::bigint[], $24::text[], $25::bigint[])
                     WITH ORDINALITY AS i(id, token_hash, kind, app_id, grant_id, account_id, org_id,
                         permissions, all_workspaces, workspace_ids, session_name, device_id,
                         custom_consumer, family_id, created_at, expires_at,
                         r_token_hash, r_family_id, r_app_id, r_grant_id, r_account_id, r_created_at,
                         r_expires_at, secret_hash, now, n)),
                 granted AS (
                     SELECT i.n, i.r_family_id FROM input i
                     WHERE EXISTS (SELECT 1 FROM oauth_grants g WHERE g.id = i.grant_id)),
                 family AS (
                     INSERT INTO oauth_families (family_id, revoked_at)
                     SELECT DISTINCT r_family_id, NULL::bigint FROM granted ORDER BY 1
                     ON CONFLICT (family_id) DO UPDATE SET revoked_at = oauth_families.revoked_at
                     RETURNING family_id, revoked_at),
                 used AS (
                     UPDATE ", $table, " s SET used_at = i.now FROM input i
                     WHERE s.", $key, " = i.secret_hash", $also, " AND s.used_at IS NULL
                       AND i.n IN (SELECT n FROM granted)
                       AND EXISTS (SELECT 1 FROM family f
                                   WHERE f.family_id = i.r_family_id AND f.revoked_at IS NULL)
                     RETURNING i.n),
                 access AS (
                     INSERT INTO oauth_tokens (id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at)
                     SELECT id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at
                     FROM input WHERE n IN (SELECT n FROM used)
                     RETURNING 1),
                 refresh AS (
                     INSERT INTO oauth_refresh_tokens (token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at)
                     SELECT r_token_hash, r_family_id, r_app_id, r_grant_id, r_account_id, r_created_at, r_expires_at, NULL::bigint
                     FROM input WHERE n IN (SELECT n FROM used)
                     RETURNING 1)
                 SELECT i.n IN (SELECT n FROM granted),
                        (SELECT f.revoked_at FROM family f WHERE f.family_id = i.r_family_id),
                        i.n IN (SELECT n FROM used),
                        (SELECT count(*) FROM access) + (SELECT count(*) FROM refresh)
                 FROM input i ORDER BY i.n"
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

/// One redemption as [`RedeemAll`] takes it.
pub(crate) struct Redemption {
    hash: Arc<str>,
    now: i64,
    tokens: Arc<NewUserTokens>,
    kind: &'static str,
}

/// PostgreSQL's redemptions of one kind of secret, a batch at a time, in
/// [`statements!`]'s one statement.
pub(crate) struct RedeemAll {
    statement: &'static str,
}

impl RedeemAll {
    pub(crate) fn of(secret: Secret) -> RedeemAll {
        RedeemAll {
            statement: secret.statements().1,
        }
    }
}

impl BatchStatement for RedeemAll {
    type Item = Redemption;
    type Answer = Redeemed;

    fn run<'c>(
        &'c self,
        conn: &'c mut sqlx::PgConnection,
        items: &'c [Redemption],
    ) -> BoxFuture<'c, Result<Vec<Redeemed>>> {
        Box::pin(async move {
            let access: Vec<_> = items.iter().map(|r| (&r.tokens.access, r.kind)).collect();
            let refresh = || items.iter().map(|r| &r.tokens.refresh);
            let rows: Vec<(bool, Option<i64>, bool, i64)> =
                bind_token_arrays(sqlx::query_as(self.statement), &access)
                    .bind(refresh().map(|r| r.token_hash.as_str()).collect::<Vec<_>>())
                    .bind(refresh().map(|r| r.family_id).collect::<Vec<_>>())
                    .bind(refresh().map(|r| r.app_id.get()).collect::<Vec<_>>())
                    .bind(refresh().map(|r| r.grant_id).collect::<Vec<_>>())
                    .bind(refresh().map(|r| r.account_id.get()).collect::<Vec<_>>())
                    .bind(refresh().map(|r| r.created_at).collect::<Vec<_>>())
                    .bind(refresh().map(|r| r.expires_at).collect::<Vec<_>>())
                    .bind(items.iter().map(|r| &*r.hash).collect::<Vec<_>>())
                    .bind(items.iter().map(|r| r.now).collect::<Vec<_>>())
                    .fetch_all(conn)
                    .await?;
            let issued = rows.iter().filter(|(_, _, used, _)| *used).count() as i64;
            // Cannot happen: every redemption let through inserts its two rows
            // or fails the statement. The statement has committed, so if it
            // did, the redemptions fail closed: run again alone, they find
            // their secret used.
            if rows
                .first()
                .is_some_and(|(.., inserted)| *inserted != 2 * issued)
            {
                return Err(StoreError::Db(sqlx::Error::Protocol(
                    "a redemption used its secret up but stored no tokens".into(),
                )));
            }
            Ok(rows
                .into_iter()
                .map(|(granted, revoked_at, used, _)| {
                    if !granted {
                        Redeemed::AuthorizationGone
                    } else if revoked_at.is_some() {
                        Redeemed::FamilyRevoked
                    } else if !used {
                        Redeemed::AlreadyUsed
                    } else {
                        Redeemed::Issued
                    }
                })
                .collect())
        })
    }
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
    /// In one transaction, shared with other grants (group commit: `lite.rs`,
    /// `batched.rs`, `group_commit.rs`): checks the
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
        let use_up = secret.statements().0;
        let (hash, tokens) = (Arc::<str>::from(hash), Arc::new(tokens.clone()));
        if let Some(lite) = &self.lite {
            return lite
                .write(move |c| redeem_lite(c, use_up, &hash, now, &tokens, kind))
                .await;
        }
        let sqlite = match &self.grouped {
            Grouped::Postgres(batches) => {
                let redemption = Redemption {
                    hash,
                    now,
                    tokens,
                    kind,
                };
                return batches.redeemer(secret).run(redemption).await;
            }
            Grouped::Sqlite(sqlite) => sqlite,
        };
        sqlite
            .run(move |conn| {
                let (hash, tokens) = (hash.clone(), tokens.clone());
                Box::pin(
                    async move { redeem_in_steps(conn, use_up, &hash, now, &tokens, kind).await },
                )
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
