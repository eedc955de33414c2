//! JWT ids already used, per app: a JWT bearer assertion is accepted once.

use crate::BoxFuture;
use crate::batched::BatchStatement;
use crate::families::GRANT_EXISTS;
use crate::lite;
use crate::oauth_tokens::{bind_token_arrays, insert_lite, insert_oauth_token, stored_kind};
use crate::{Grouped, NewOAuthToken, Result, Store, StoreError, TokenBots, with_writer};
use buckle_core::AppId;
use std::sync::Arc;

use crate::channels::{INSERT_BOTS, encode_bot_ids};

const USE_JTI: &str = "INSERT INTO oauth_jtis (app_id, jti, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (app_id, jti) DO NOTHING";

impl Store {
    /// Records a JWT id; false if the app used it before (a replay).
    pub async fn use_jti(&self, app_id: AppId, jti: &str, expires_at: i64) -> Result<bool> {
        let n = with_writer!(self, |p| {
            sqlx::query(USE_JTI)
                .bind(app_id.get())
                .bind(jti)
                .bind(expires_at)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}

/// What presenting a JWT for an app token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JtiRedeemed {
    /// The `jti` is used up now and the token is stored.
    Issued,
    /// The app used this `jti` before; nothing was written.
    Replayed,
    /// The authorization was deleted meanwhile; the `jti` is used up, no token stored.
    AuthorizationGone,
}

impl Store {
    /// In one transaction shared with other grants (group commit: `lite.rs`,
    /// `batched.rs`, `group_commit.rs`): records the
    /// JWT's id (single use, by the primary key, across processes) and stores
    /// the app token it is exchanged for, with the bots a channel app's token
    /// reaches (a channel token never exists without them). Answers once that
    /// committed.
    pub async fn redeem_jti(
        &self,
        jti: &str,
        jti_expires_at: i64,
        token: &NewOAuthToken,
        bots: Option<&TokenBots>,
    ) -> Result<JtiRedeemed> {
        let kind = stored_kind(token.kind)?;
        let (jti, token) = (Arc::<str>::from(jti), Arc::new(token.clone()));
        let bots = Arc::new(bots.map(|b| (b.channel_id.get(), encode_bot_ids(&b.bot_ids))));
        if let Some(lite) = &self.lite {
            return lite
                .write(move |c| {
                    let fresh =
                        lite::execute(c, USE_JTI, &[&token.app_id.get(), &&*jti, &jti_expires_at])?;
                    if fresh != 1 {
                        return Ok(JtiRedeemed::Replayed);
                    }
                    if lite::optional::<(i64,)>(c, GRANT_EXISTS, &[&token.grant_id])?.is_none() {
                        return Ok(JtiRedeemed::AuthorizationGone);
                    }
                    insert_lite(c, &token, kind)?;
                    if let Some((channel, bot_ids)) = &*bots {
                        lite::execute(c, INSERT_BOTS, &[&token.id, channel, bot_ids])?;
                    }
                    Ok(JtiRedeemed::Issued)
                })
                .await;
        }
        let sqlite = match &self.grouped {
            Grouped::Postgres(batches) => {
                let used = JtiUse {
                    jti,
                    expires_at: jti_expires_at,
                    token,
                    kind,
                    bots,
                };
                return batches.jtis.run(used).await;
            }
            Grouped::Sqlite(sqlite) => sqlite,
        };
        sqlite
            .run(move |conn| {
                let (jti, token, bots) = (jti.clone(), token.clone(), bots.clone());
                Box::pin(async move {
                    redeem_in_steps(conn, &jti, jti_expires_at, &token, kind, &bots).await
                })
            })
            .await
    }
}

/// PostgreSQL's JWT grants, a batch at a time in one statement that takes the
/// steps of [`redeem_in_steps`] in the same order for every grant (a row of
/// `input`, numbered `n`), each a CTE that lets through only the rows the step
/// before it let through: the `jti` is recorded (of two rows of the batch with
/// one `jti`, only the first is tried), the authorization must exist, then the
/// token and its bots are stored. One row per grant tells which step stopped
/// it. Parameters: arrays, one element per grant: `$1`-`$16` the token as in
/// `oauth_tokens::INSERT`, `$17` the `jti`, `$18` until when it is kept, `$19`
/// and `$20` the channel and bots (`NULL` for a token of no channel).
const USE_JTIS: &str = "WITH input AS (
        SELECT * FROM unnest(
            $1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
            $7::text[], $8::text[], $9::boolean[], $10::text[], $11::text[], $12::text[],
            $13::text[], $14::bigint[], $15::bigint[], $16::bigint[],
            $17::text[], $18::bigint[], $19::bigint[], $20::text[])
        WITH ORDINALITY AS i(id, token_hash, kind, app_id, grant_id, account_id, org_id,
            permissions, all_workspaces, workspace_ids, session_name, device_id,
            custom_consumer, family_id, created_at, expires_at,
            jti, jti_expires_at, channel_id, bot_ids, n)),
    candidates AS (
        SELECT DISTINCT ON (app_id, jti) n, app_id, jti, jti_expires_at
        FROM input ORDER BY app_id, jti, n),
    fresh AS (
        INSERT INTO oauth_jtis (app_id, jti, expires_at)
        SELECT app_id, jti, jti_expires_at FROM candidates ORDER BY app_id, jti
        ON CONFLICT (app_id, jti) DO NOTHING
        RETURNING app_id, jti),
    fresh_n AS (SELECT c.n FROM candidates c JOIN fresh f ON f.app_id = c.app_id AND f.jti = c.jti),
    granted AS (
        SELECT i.n FROM input i
        WHERE i.n IN (SELECT n FROM fresh_n)
          AND EXISTS (SELECT 1 FROM oauth_grants g WHERE g.id = i.grant_id)),
    token AS (
        INSERT INTO oauth_tokens (id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at)
        SELECT id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at
        FROM input WHERE n IN (SELECT n FROM granted)
        RETURNING 1),
    bots AS (
        INSERT INTO oauth_token_bots (token_id, channel_id, bot_ids)
        SELECT id, channel_id, bot_ids FROM input
        WHERE n IN (SELECT n FROM granted) AND channel_id IS NOT NULL
        RETURNING 1)
    SELECT i.n IN (SELECT n FROM fresh_n), i.n IN (SELECT n FROM granted),
           (SELECT count(*) FROM token), (SELECT count(*) FROM bots)
    FROM input i ORDER BY i.n";

/// One JWT grant as [`UseJtis`] takes it.
pub(crate) struct JtiUse {
    jti: Arc<str>,
    expires_at: i64,
    token: Arc<NewOAuthToken>,
    kind: &'static str,
    bots: Arc<Option<(i64, String)>>,
}

/// PostgreSQL's JWT grants, a batch at a time in [`USE_JTIS`].
pub(crate) struct UseJtis;

impl BatchStatement for UseJtis {
    type Item = JtiUse;
    type Answer = JtiRedeemed;

    fn run<'c>(
        &'c self,
        conn: &'c mut sqlx::PgConnection,
        items: &'c [JtiUse],
    ) -> BoxFuture<'c, Result<Vec<JtiRedeemed>>> {
        Box::pin(async move {
            let tokens: Vec<_> = items.iter().map(|u| (&*u.token, u.kind)).collect();
            let rows: Vec<(bool, bool, i64, i64)> =
                bind_token_arrays(sqlx::query_as(USE_JTIS), &tokens)
                    .bind(items.iter().map(|u| &*u.jti).collect::<Vec<_>>())
                    .bind(items.iter().map(|u| u.expires_at).collect::<Vec<_>>())
                    .bind(
                        items
                            .iter()
                            .map(|u| u.bots.as_ref().as_ref().map(|b| b.0))
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        items
                            .iter()
                            .map(|u| u.bots.as_ref().as_ref().map(|b| b.1.as_str()))
                            .collect::<Vec<_>>(),
                    )
                    .fetch_all(conn)
                    .await?;
            let issued = rows.iter().filter(|(_, granted, ..)| *granted).count() as i64;
            let with_bots = items
                .iter()
                .zip(&rows)
                .filter(|(u, (_, granted, ..))| *granted && u.bots.is_some())
                .count() as i64;
            // Cannot happen: every grant let through inserts its rows or fails
            // the statement. The statement has committed, so if it did, the
            // grants fail closed: run again alone, they find their `jti` used.
            if rows
                .first()
                .is_some_and(|(_, _, tokens, bots)| *tokens != issued || *bots != with_bots)
            {
                return Err(StoreError::Db(sqlx::Error::Protocol(
                    "a JWT grant used its jti up but stored no token".into(),
                )));
            }
            Ok(rows
                .into_iter()
                .map(|(fresh, granted, ..)| match (fresh, granted) {
                    (false, _) => JtiRedeemed::Replayed,
                    (true, false) => JtiRedeemed::AuthorizationGone,
                    (true, true) => JtiRedeemed::Issued,
                })
                .collect())
        })
    }
}

/// [`Store::redeem_jti`]'s unit on an in-memory SQLite database (no file for
/// `lite`), through sqlx: the `jti` first, then the authorization, then the token.
async fn redeem_in_steps(
    c: &mut sqlx::SqliteConnection,
    jti: &str,
    jti_expires_at: i64,
    token: &NewOAuthToken,
    kind: &'static str,
    bots: &Option<(i64, String)>,
) -> Result<JtiRedeemed> {
    let fresh = sqlx::query(USE_JTI)
        .bind(token.app_id.get())
        .bind(jti)
        .bind(jti_expires_at)
        .execute(&mut *c)
        .await?
        .rows_affected();
    if fresh != 1 {
        return Ok(JtiRedeemed::Replayed);
    }
    // Checked before the insert, which the foreign key would refuse.
    let grant: Option<(i64,)> = sqlx::query_as(GRANT_EXISTS)
        .bind(token.grant_id)
        .fetch_optional(&mut *c)
        .await?;
    if grant.is_none() {
        return Ok(JtiRedeemed::AuthorizationGone);
    }
    insert_oauth_token!(token, kind).execute(&mut *c).await?;
    if let Some((channel, bot_ids)) = bots {
        sqlx::query(INSERT_BOTS)
            .bind(token.id)
            .bind(*channel)
            .bind(bot_ids)
            .execute(&mut *c)
            .await?;
    }
    Ok(JtiRedeemed::Issued)
}
