//! JWT ids already used, per app: a JWT bearer assertion is accepted once.

use crate::families::GRANT_EXISTS;
use crate::group_commit::on_conn;
use crate::lite;
use crate::oauth_tokens::{insert_lite, insert_oauth_token, stored_kind};
use crate::{NewOAuthToken, Result, Store, TokenBots, with_writer};
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
                    on_conn!(conn, |c| {
                        let fresh = sqlx::query(USE_JTI)
                            .bind(token.app_id.get())
                            .bind(&*jti)
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
                        insert_oauth_token!(&*token, kind).execute(&mut *c).await?;
                        if let Some((channel, bot_ids)) = &*bots {
                            sqlx::query(INSERT_BOTS)
                                .bind(token.id)
                                .bind(*channel)
                                .bind(bot_ids)
                                .execute(&mut *c)
                                .await?;
                        }
                        Ok(JtiRedeemed::Issued)
                    })
                })
            })
            .await
    }
}
