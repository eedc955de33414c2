//! OAuth access tokens (`czu_` for a person, `czs_` for an app as itself), as
//! hashes; the token check reads one joined with its app's state.

use crate::{Result, Store, with_pool};

/// The INSERT of a `NewOAuthToken`, bound, for a pool or a transaction.
macro_rules! insert_oauth_token {
    ($t:expr) => {{
        let t: &NewOAuthToken = $t;
        sqlx::query(
            "INSERT INTO oauth_tokens (id, token_hash, kind, app_id, grant_id, account_id, org_id, permissions, all_workspaces, workspace_ids, session_name, device_id, custom_consumer, family_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(t.id)
        .bind(&t.token_hash)
        .bind(&t.kind)
        .bind(t.app_id)
        .bind(t.grant_id)
        .bind(t.account_id)
        .bind(&t.org_id)
        .bind(&t.permissions)
        .bind(t.all_workspaces)
        .bind(&t.workspace_ids)
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
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NewOAuthToken {
    pub id: i64,
    pub token_hash: String,
    pub kind: String,
    pub app_id: i64,
    pub grant_id: i64,
    pub account_id: Option<i64>,
    pub org_id: Option<String>,
    pub permissions: String,
    pub all_workspaces: bool,
    pub workspace_ids: String,
    pub session_name: Option<String>,
    pub device_id: Option<String>,
    pub custom_consumer: Option<String>,
    pub family_id: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An OAuth access token as the hot path reads it: the record, with its app's state
/// and, for organization tokens, the app's installation there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OAuthToken {
    #[sqlx(flatten)]
    pub record: NewOAuthToken,
    pub app_enabled: bool,
    pub app_name: String,
    pub app_permissions: String,
    pub client_id: String,
    pub app_org_id: Option<String>,
    pub installation: Option<String>,
}

impl Store {
    pub async fn insert_oauth_token(&self, t: &NewOAuthToken) -> Result<()> {
        with_pool!(self, |p| insert_oauth_token!(t)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The hot path for OAuth tokens: one indexed read joined with the app's state.
    pub async fn oauth_token_by_hash(&self, token_hash: &str) -> Result<Option<OAuthToken>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, OAuthToken>(
            "SELECT t.id, t.token_hash, t.kind, t.app_id, t.grant_id, t.account_id, t.org_id, t.permissions, t.all_workspaces,
                    t.workspace_ids, t.session_name, t.device_id, t.custom_consumer, t.family_id, t.created_at, t.expires_at,
                    a.enabled AS app_enabled, a.name AS app_name, a.permissions AS app_permissions, a.client_id, a.org_id AS app_org_id, i.status AS installation
             FROM oauth_tokens t
             JOIN oauth_apps a ON a.id = t.app_id
             LEFT JOIN oauth_installations i ON i.app_id = t.app_id AND i.org_id = t.org_id
             WHERE t.token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await
        })?)
    }
}
