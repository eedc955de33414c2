//! OAuth access tokens (`czu_` for a person, `czs_` for an app as itself), as
//! hashes; the token check reads one joined with its app's state.

use crate::accounts::joined_account_columns;
use crate::typed::{self, word};
use crate::{AccountProfile, Result, Store, StoreError, with_writer};
use buckle_core::{AccountId, AppId, InstallStatus, OrgId, TokenKind, WorkspaceId};

/// How an OAuth access token's kind is stored; only `czu` and `czs` are OAuth tokens.
pub(crate) fn stored_kind(kind: TokenKind) -> Result<&'static str> {
    match kind {
        TokenKind::UserOauth | TokenKind::AppOauth => kind.stored().ok_or(StoreError::InvalidInput),
        _ => Err(StoreError::InvalidInput),
    }
}

fn read_kind(s: &str) -> Result<TokenKind> {
    typed::read("oauth_tokens", "kind", s, |s| {
        TokenKind::from_stored(s)
            .ok()
            .filter(|k| matches!(k, TokenKind::UserOauth | TokenKind::AppOauth))
    })
}

/// The INSERT of a `NewOAuthToken` whose kind is stored as `$kind` (see
/// `stored_kind`), bound, for a pool or a transaction.
pub(crate) const INSERT: &str = "INSERT INTO oauth_tokens (id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

/// [`INSERT`] of `t` on a SQLite connection used directly (`lite.rs`).
pub(crate) fn insert_lite(
    c: &rusqlite::Connection,
    t: &NewOAuthToken,
    kind: &'static str,
) -> rusqlite::Result<usize> {
    crate::lite::execute(
        c,
        INSERT,
        &[
            &t.id,
            &t.token_hash,
            &kind,
            &t.app_id.get(),
            &t.grant_id,
            &t.account_id.map(AccountId::get),
            &t.org_id.as_ref().map(OrgId::as_str),
            &t.permissions,
            &t.all_workspaces,
            &crate::encode_ids(&t.workspace_ids),
            &t.session_name,
            &t.device_id,
            &t.custom_consumer,
            &t.family_id,
            &t.created_at,
            &t.expires_at,
        ],
    )
}

/// Binds `$1`-`$16` of a batch statement (`batched.rs`): one array per column
/// of `oauth_tokens::INSERT`, one element per token, with each token's stored
/// kind.
pub(crate) fn bind_token_arrays<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    tokens: &[(&'q NewOAuthToken, &'static str)],
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    fn column<'q, T>(
        tokens: &[(&'q NewOAuthToken, &'static str)],
        f: impl Fn(&'q NewOAuthToken) -> T,
    ) -> Vec<T> {
        tokens.iter().map(|(t, _)| f(t)).collect()
    }
    q.bind(column(tokens, |t| t.id))
        .bind(column(tokens, |t| t.token_hash.as_str()))
        .bind(tokens.iter().map(|(_, kind)| *kind).collect::<Vec<_>>())
        .bind(column(tokens, |t| t.app_id.get()))
        .bind(column(tokens, |t| t.grant_id))
        .bind(column(tokens, |t| t.account_id.map(AccountId::get)))
        .bind(column(tokens, |t| t.org_id.as_ref().map(OrgId::as_str)))
        .bind(column(tokens, |t| t.permissions.as_str()))
        .bind(column(tokens, |t| t.all_workspaces))
        .bind(column(tokens, |t| crate::encode_ids(&t.workspace_ids)))
        .bind(column(tokens, |t| t.session_name.as_deref()))
        .bind(column(tokens, |t| t.device_id.as_deref()))
        .bind(column(tokens, |t| t.custom_consumer.as_deref()))
        .bind(column(tokens, |t| t.family_id))
        .bind(column(tokens, |t| t.created_at))
        .bind(column(tokens, |t| t.expires_at))
}

macro_rules! insert_oauth_token {
    ($t:expr, $kind:expr) => {{
        let t: &NewOAuthToken = $t;
        let kind: &'static str = $kind;
        sqlx::query($crate::oauth_tokens::INSERT)
            .bind(t.id)
            .bind(&t.token_hash)
            .bind(kind)
            .bind(t.app_id.get())
            .bind(t.grant_id)
            .bind(t.account_id.map(buckle_core::AccountId::get))
            .bind(t.org_id.as_ref().map(buckle_core::OrgId::as_str))
            .bind(&t.permissions)
            .bind(t.all_workspaces)
            .bind($crate::encode_ids(&t.workspace_ids))
            .bind(&t.session_name)
            .bind(&t.device_id)
            .bind(&t.custom_consumer)
            .bind(t.family_id)
            .bind(t.created_at)
            .bind(t.expires_at)
    }};
}
pub(crate) use insert_oauth_token;

/// An OAuth access token as stored (only the hash of the secret).
#[derive(Debug, Clone)]
pub struct NewOAuthToken {
    pub id: i64,
    pub token_hash: String,
    /// `UserOauth` (`czu`) or `AppOauth` (`czs`); any other kind is refused.
    pub kind: TokenKind,
    pub app_id: AppId,
    pub grant_id: i64,
    pub account_id: Option<AccountId>,
    pub org_id: Option<OrgId>,
    pub permissions: String,
    pub all_workspaces: bool,
    pub workspace_ids: Vec<WorkspaceId>,
    pub session_name: Option<String>,
    pub device_id: Option<String>,
    pub custom_consumer: Option<String>,
    pub family_id: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An OAuth access token as the hot path reads it: the record, with its app's state
/// and, for organization tokens, the app's installation there.
#[derive(Debug, Clone)]
pub struct OAuthToken {
    pub record: NewOAuthToken,
    pub app_enabled: bool,
    pub app_name: String,
    pub app_permissions: String,
    pub client_id: String,
    pub app_org_id: Option<OrgId>,
    pub installation: Option<InstallStatus>,
    /// A channel app's token: the bots it reaches. `None`: no bots limit.
    pub bots: Option<crate::channels::TokenBots>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct OAuthTokenRow {
    id: i64,
    token_hash: String,
    kind: String,
    app_id: i64,
    grant_id: i64,
    account_id: Option<i64>,
    org_id: Option<String>,
    permissions: String,
    all_workspaces: bool,
    workspace_ids: String,
    session_name: Option<String>,
    device_id: Option<String>,
    custom_consumer: Option<String>,
    family_id: Option<i64>,
    created_at: i64,
    expires_at: i64,
    app_enabled: bool,
    app_name: String,
    app_permissions: String,
    client_id: String,
    app_org_id: Option<String>,
    installation: Option<String>,
    bots_channel_id: Option<i64>,
    bot_ids: Option<String>,
}

impl crate::batched::BySecret for OAuthTokenRow {
    fn secret_hash(&self) -> &str {
        &self.token_hash
    }
}

/// OAuth tokens with their apps' state and the accounts they act for; the
/// reads below add which.
macro_rules! token_and_account {
    () => {
        concat!(
            "SELECT t.id, t.token_hash, t.kind, t.app_id, t.grant_id, t.account_id, t.org_id, t.permissions, t.all_workspaces,
                    t.workspace_ids, t.session_name, t.device_id, t.custom_consumer, t.family_id, t.created_at, t.expires_at,
                    a.enabled AS app_enabled, a.name AS app_name, a.permissions AS app_permissions, a.client_id, a.org_id AS app_org_id, i.status AS installation,
                    b.channel_id AS bots_channel_id, b.bot_ids, ",
            joined_account_columns!(),
            " FROM oauth_tokens t
             JOIN oauth_apps a ON a.id = t.app_id
             LEFT JOIN oauth_installations i ON i.app_id = t.app_id AND i.org_id = t.org_id
             LEFT JOIN oauth_token_bots b ON b.token_id = t.id
             LEFT JOIN accounts ac ON ac.id = t.account_id"
        )
    };
}

/// One of them by its hash (`$1`), on SQLite.
const READ_ONE: &str = concat!(token_and_account!(), " WHERE t.token_hash = $1");

/// Many OAuth tokens, as the token check reads them, by their hashes (`$1`),
/// for a batch of token checks on PostgreSQL (`batched.rs`).
pub(crate) const READ_ALL: &str = concat!(
    "SELECT asked.n, x.* FROM unnest($1::text[]) WITH ORDINALITY AS asked(hash, n) CROSS JOIN LATERAL (",
    token_and_account!(),
    " WHERE t.token_hash = asked.hash) x"
);

crate::lite::lite_row!(OAuthTokenRow {
    id,
    token_hash,
    kind,
    app_id,
    grant_id,
    account_id,
    org_id,
    permissions,
    all_workspaces,
    workspace_ids,
    session_name,
    device_id,
    custom_consumer,
    family_id,
    created_at,
    expires_at,
    app_enabled,
    app_name,
    app_permissions,
    client_id,
    app_org_id,
    installation,
    bots_channel_id,
    bot_ids
});

impl TryFrom<OAuthTokenRow> for OAuthToken {
    type Error = StoreError;
    fn try_from(r: OAuthTokenRow) -> Result<OAuthToken> {
        let installation = match &r.installation {
            Some(s) => Some(word(
                "oauth_installations",
                "status",
                s,
                InstallStatus::parse,
            )?),
            None => None,
        };
        let bots = match (r.bots_channel_id, &r.bot_ids) {
            (Some(channel_id), Some(ids)) => Some(crate::channels::TokenBots {
                channel_id: buckle_core::ChannelId(channel_id),
                bot_ids: crate::channels::decode_bot_ids(ids)?,
            }),
            _ => None,
        };
        Ok(OAuthToken {
            bots,
            record: NewOAuthToken {
                id: r.id,
                token_hash: r.token_hash,
                kind: read_kind(&r.kind)?,
                app_id: AppId(r.app_id),
                grant_id: r.grant_id,
                account_id: r.account_id.map(AccountId),
                org_id: r
                    .org_id
                    .map(|o| typed::org_id("oauth_tokens", "org_id", &o))
                    .transpose()?,
                permissions: r.permissions,
                all_workspaces: r.all_workspaces,
                workspace_ids: typed::id_list("oauth_tokens", "workspace_ids", &r.workspace_ids)?,
                session_name: r.session_name,
                device_id: r.device_id,
                custom_consumer: r.custom_consumer,
                family_id: r.family_id,
                created_at: r.created_at,
                expires_at: r.expires_at,
            },
            app_enabled: r.app_enabled,
            app_name: r.app_name,
            app_permissions: r.app_permissions,
            client_id: r.client_id,
            app_org_id: r
                .app_org_id
                .map(|o| typed::org_id("oauth_apps", "org_id", &o))
                .transpose()?,
            installation,
        })
    }
}

impl Store {
    pub async fn insert_oauth_token(&self, t: &NewOAuthToken) -> Result<()> {
        let kind = stored_kind(t.kind)?;
        with_writer!(self, |p| insert_oauth_token!(t, kind)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn oauth_token_by_hash(&self, token_hash: &str) -> Result<Option<OAuthToken>> {
        Ok(self
            .oauth_token_and_account_by_hash(token_hash)
            .await?
            .map(|(token, _)| token))
    }

    /// The hot path for OAuth tokens: one indexed read joined with the app's
    /// state, and with the account a user token acts for (`None` for an app
    /// token), which `users.me` shows. On PostgreSQL, batched with the other
    /// token checks waiting.
    pub async fn oauth_token_and_account_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(OAuthToken, Option<AccountProfile>)>> {
        let found = self
            .by_secret(|b| &b.oauth_token_reads, READ_ONE, token_hash)
            .await?;
        found
            .map(|f| {
                let (row, account) = f.split()?;
                Ok((OAuthToken::try_from(row)?, account))
            })
            .transpose()
    }

    /// Deletes one OAuth access token (RFC 7009 revocation of an access token);
    /// `false` when it was already gone.
    pub async fn delete_oauth_token(&self, id: i64) -> Result<bool> {
        let deleted = with_writer!(self, |p| sqlx::query(
            "DELETE FROM oauth_tokens WHERE id = $1"
        )
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(deleted == 1)
    }
}
