//! JWT ids already used, per app: a JWT bearer assertion is accepted once.

use crate::families::GRANT_EXISTS;
use crate::group_commit::Conn;
use crate::lite;
use crate::oauth_tokens::{insert_lite, insert_oauth_token, stored_kind};
use crate::{NewOAuthToken, Result, Store, StoreError, TokenBots, with_writer};
use buckle_core::{AccountId, AppId, OrgId};
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
    /// In one transaction shared with other grants (`group_commit`): records the
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
        self.grouped
            .run(move |conn| {
                let (jti, token, bots) = (jti.clone(), token.clone(), bots.clone());
                Box::pin(async move {
                    match conn {
                        Conn::Postgres(c) => {
                            redeem_in_one_statement(c, &jti, jti_expires_at, &token, kind, &bots)
                                .await
                        }
                        Conn::Sqlite(c) => {
                            redeem_in_steps(c, &jti, jti_expires_at, &token, kind, &bots).await
                        }
                    }
                })
            })
            .await
    }
}

/// [`Store::redeem_jti`]'s unit on PostgreSQL, in one statement that takes the
/// steps of [`redeem_in_steps`] in the same order: each CTE runs only if the one
/// before it let it. Parameters: `$1`-`$16` the token as in
/// `oauth_tokens::INSERT`, `$17` the `jti`, `$18` until when it is kept, `$19`
/// and `$20` the channel and bots (`NULL` for a token of no channel).
const REDEEM_JTI: &str = "WITH fresh AS (
        INSERT INTO oauth_jtis (app_id, jti, expires_at) VALUES ($4, $17, $18)
        ON CONFLICT (app_id, jti) DO NOTHING
        RETURNING 1),
    grant_row AS (SELECT id FROM oauth_grants WHERE id = $5 AND EXISTS (SELECT 1 FROM fresh)),
    token AS (
        INSERT INTO oauth_tokens (id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
        WHERE EXISTS (SELECT 1 FROM grant_row)
        RETURNING id),
    bots AS (
        INSERT INTO oauth_token_bots (token_id, channel_id, bot_ids)
        SELECT id, $19, $20 FROM token WHERE $19 IS NOT NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM fresh), EXISTS (SELECT 1 FROM grant_row),
           (SELECT count(*) FROM token), (SELECT count(*) FROM bots)";

async fn redeem_in_one_statement(
    c: &mut sqlx::PgConnection,
    jti: &str,
    jti_expires_at: i64,
    t: &NewOAuthToken,
    kind: &'static str,
    bots: &Option<(i64, String)>,
) -> Result<JtiRedeemed> {
    let (channel, bot_ids) = match bots {
        Some((channel, ids)) => (Some(*channel), Some(ids.as_str())),
        None => (None, None),
    };
    let (fresh, grant_exists, tokens, bot_rows): (bool, bool, i64, i64) =
        sqlx::query_as(REDEEM_JTI)
            .bind(t.id)
            .bind(&t.token_hash)
            .bind(kind)
            .bind(t.app_id.get())
            .bind(t.grant_id)
            .bind(t.account_id.map(AccountId::get))
            .bind(t.org_id.as_ref().map(OrgId::as_str))
            .bind(&t.permissions)
            .bind(t.all_workspaces)
            .bind(crate::encode_ids(&t.workspace_ids))
            .bind(&t.session_name)
            .bind(&t.device_id)
            .bind(&t.custom_consumer)
            .bind(t.family_id)
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(jti)
            .bind(jti_expires_at)
            .bind(channel)
            .bind(bot_ids)
            .fetch_one(c)
            .await?;
    if !fresh {
        return Ok(JtiRedeemed::Replayed);
    }
    if !grant_exists {
        return Ok(JtiRedeemed::AuthorizationGone);
    }
    if tokens != 1 || bot_rows != i64::from(channel.is_some()) {
        return Err(StoreError::Db(sqlx::Error::Protocol(
            "a JWT grant used its jti up but stored no token".into(),
        )));
    }
    Ok(JtiRedeemed::Issued)
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
