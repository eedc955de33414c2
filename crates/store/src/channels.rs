//! Custom publish channels ("connectors"): a person's or an organization's, each
//! bound to at most one channel-type app, with the bots published to them; and the
//! bots a channel app's token was minted for.

use crate::typed::{self, read};
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, AppId, BotId, ChannelId, OrgId};

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: ChannelId,
    pub name: String,
    /// The owner: a person (`org_id` None) or an organization.
    pub owner_account_id: Option<AccountId>,
    pub org_id: Option<OrgId>,
    /// The bound channel-type app.
    pub app_id: Option<AppId>,
    pub created_by: AccountId,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct ChannelRow {
    id: i64,
    name: String,
    owner_account_id: Option<i64>,
    org_id: Option<String>,
    app_id: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ChannelRow> for Channel {
    type Error = StoreError;
    fn try_from(r: ChannelRow) -> Result<Channel> {
        Ok(Channel {
            id: ChannelId(r.id),
            name: r.name,
            owner_account_id: r.owner_account_id.map(AccountId),
            org_id: r
                .org_id
                .map(|o| typed::org_id("channels", "org_id", &o))
                .transpose()?,
            app_id: r.app_id.map(AppId),
            created_by: AccountId(r.created_by),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! channel_columns {
    () => {
        "id, name, owner_account_id, org_id, app_id, created_by, created_at, updated_at"
    };
}

/// A bot published to a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub bot_id: BotId,
    pub published_by: AccountId,
    pub published_at: i64,
}

#[derive(sqlx::FromRow)]
struct PublicationRow {
    bot_id: i64,
    published_by: i64,
    published_at: i64,
}

/// The bots a channel app's token reaches: its channel, and the bots published
/// there when it was minted (narrowed by its scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBots {
    pub channel_id: ChannelId,
    pub bot_ids: Vec<BotId>,
}

/// Stores a channel token's bots (see `Store::redeem_jti`).
pub(crate) const INSERT_BOTS: &str =
    "INSERT INTO oauth_token_bots (token_id, channel_id, bot_ids) VALUES ($1, $2, $3)";

pub(crate) fn encode_bot_ids(ids: &[BotId]) -> String {
    ids.iter()
        .map(|id| id.get().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn decode_bot_ids(value: &str) -> Result<Vec<BotId>> {
    value
        .split_whitespace()
        .map(|id| {
            read("oauth_token_bots", "bot_ids", id, |id| {
                id.parse().ok().map(BotId)
            })
        })
        .collect()
}

impl Store {
    /// Creates a channel unless its owner already has `limit` channels. Returns
    /// false when the limit is reached.
    pub async fn create_channel(&self, c: &Channel, limit: i64) -> Result<bool> {
        crate::text::storable(&[&c.name])?;
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            let n = crate::owner_limit::lock_owner_and_count!(
                tx,
                "channels",
                c.org_id.as_ref(),
                c.owner_account_id
            )
            .await?;
            if n >= limit {
                return Ok(false);
            }
            sqlx::query(concat!(
                "INSERT INTO channels (",
                channel_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(c.id.get())
            .bind(&c.name)
            .bind(c.owner_account_id.map(AccountId::get))
            .bind(c.org_id.as_ref().map(OrgId::as_str))
            .bind(c.app_id.map(AppId::get))
            .bind(c.created_by.get())
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(true)
        })
        .map_err(Into::into)
    }

    pub async fn channel(&self, id: ChannelId) -> Result<Option<Channel>> {
        typed::one(with_pool!(self, |p| sqlx::query_as::<_, ChannelRow>(
            concat!(
                "SELECT ",
                channel_columns!(),
                " FROM channels WHERE id = $1"
            )
        )
        .bind(id.get())
        .fetch_optional(p)
        .await)?)
    }

    /// The channel an app is bound to, if any.
    pub async fn channel_of_app(&self, app_id: AppId) -> Result<Option<Channel>> {
        typed::one(with_pool!(self, |p| sqlx::query_as::<_, ChannelRow>(
            concat!(
                "SELECT ",
                channel_columns!(),
                " FROM channels WHERE app_id = $1"
            )
        )
        .bind(app_id.get())
        .fetch_optional(p)
        .await)?)
    }

    /// A person's own channels (`org_id` None) or an organization's, oldest first.
    pub async fn channels_of(
        &self,
        account_id: AccountId,
        org_id: Option<&OrgId>,
    ) -> Result<Vec<Channel>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, ChannelRow>(concat!(
            "SELECT ",
            channel_columns!(),
            " FROM channels WHERE ((org_id IS NULL AND $1 IS NULL AND owner_account_id = $2) OR org_id = $1)
             ORDER BY created_at, id"
        ))
        .bind(org_id.map(OrgId::as_str))
        .bind(account_id.get())
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn rename_channel(&self, id: ChannelId, name: &str, now: i64) -> Result<bool> {
        crate::text::storable(&[name])?;
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE channels SET name = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(name)
        .bind(now)
        .bind(id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes a channel and its publications; its tokens then reach no bot.
    pub async fn delete_channel(&self, id: ChannelId) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query("DELETE FROM channels WHERE id = $1")
            .bind(id.get())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Binds (`Some`) or unbinds (`None`) a channel's app. An app already bound to
    /// another channel is a [`StoreError::Conflict`]. False when no such channel.
    pub async fn set_channel_app(
        &self,
        id: ChannelId,
        app_id: Option<AppId>,
        now: i64,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE channels SET app_id = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(app_id.map(AppId::get))
        .bind(now)
        .bind(id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Publishes a bot to a channel; false when it already was.
    pub async fn publish_bot(
        &self,
        channel_id: ChannelId,
        bot_id: BotId,
        by: AccountId,
        now: i64,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "INSERT INTO channel_publications (channel_id, bot_id, published_by, published_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (channel_id, bot_id) DO NOTHING"
        )
        .bind(channel_id.get())
        .bind(bot_id.get())
        .bind(by.get())
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Unpublishes a bot from a channel; false when it was not published there.
    pub async fn unpublish_bot(&self, channel_id: ChannelId, bot_id: BotId) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "DELETE FROM channel_publications WHERE channel_id = $1 AND bot_id = $2"
        )
        .bind(channel_id.get())
        .bind(bot_id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The bots published to a channel, in the order they were published.
    pub async fn publications(&self, channel_id: ChannelId) -> Result<Vec<Publication>> {
        let rows = with_pool!(self, |p| sqlx::query_as::<_, PublicationRow>(
            "SELECT bot_id, published_by, published_at FROM channel_publications
             WHERE channel_id = $1 ORDER BY published_at, bot_id"
        )
        .bind(channel_id.get())
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| Publication {
                bot_id: BotId(r.bot_id),
                published_by: AccountId(r.published_by),
                published_at: r.published_at,
            })
            .collect())
    }

    /// Whether a bot is published now to a channel still bound to `app_id` (the
    /// token check's question: unbinding the app cuts its tokens off too).
    pub async fn is_published(
        &self,
        channel_id: ChannelId,
        app_id: AppId,
        bot_id: BotId,
    ) -> Result<bool> {
        let row: Option<(i64,)> = with_pool!(self, |p| sqlx::query_as(
            "SELECT p.bot_id FROM channel_publications p JOIN channels c ON c.id = p.channel_id
             WHERE p.channel_id = $1 AND p.bot_id = $2 AND c.app_id = $3"
        )
        .bind(channel_id.get())
        .bind(bot_id.get())
        .bind(app_id.get())
        .fetch_optional(p)
        .await)?;
        Ok(row.is_some())
    }

    /// The bots a token reaches, if it has a bots limit.
    pub async fn token_bots(&self, token_id: i64) -> Result<Option<TokenBots>> {
        let row: Option<(i64, String)> = with_pool!(self, |p| sqlx::query_as(
            "SELECT channel_id, bot_ids FROM oauth_token_bots WHERE token_id = $1"
        )
        .bind(token_id)
        .fetch_optional(p)
        .await)?;
        row.map(|(channel_id, ids)| {
            Ok(TokenBots {
                channel_id: ChannelId(channel_id),
                bot_ids: decode_bot_ids(&ids)?,
            })
        })
        .transpose()
    }
}
