//! OAuth apps, keys, grants (authorizations), installations, codes and tokens.
//! Single-use rules (codes, refresh tokens, device codes, JWT ids) are enforced by
//! atomic conditional writes, so they hold across several Buckle processes. A code,
//! refresh token or device code is used up in the same transaction that stores the
//! tokens it is exchanged for, under its family's lock (see `redeem`).

use crate::{Result, Store, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OAuthApp {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub app_type: String,
    pub client_type: String,
    pub owner_account_id: Option<i64>,
    pub org_id: Option<String>,
    pub created_by: i64,
    pub permissions: String,
    pub redirect_uris: String,
    pub secret_hash: String,
    pub secret_hint: String,
    pub enabled: bool,
    pub connector_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl OAuthApp {
    pub fn redirect_uri_list(&self) -> Vec<&str> {
        self.redirect_uris
            .lines()
            .filter(|l| !l.is_empty())
            .collect()
    }
}

macro_rules! app_columns {
    () => {
        "id, client_id, name, description, app_type, client_type, owner_account_id, org_id, created_by, permissions, redirect_uris, secret_hash, secret_hint, enabled, connector_id, created_at, updated_at"
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppKey {
    pub app_id: i64,
    pub fingerprint: String,
    pub public_pem: String,
    pub created_at: i64,
}

/// An authorization of an app. `account_id` 0 and `org_id` "" mean "none".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Grant {
    pub id: i64,
    pub app_id: i64,
    pub kind: String,
    pub account_id: i64,
    pub org_id: String,
    pub permissions: String,
    pub all_workspaces: bool,
    pub workspace_ids: String,
    pub created_by: i64,
    pub created_at: i64,
}

impl Grant {
    pub fn org(&self) -> Option<&str> {
        (!self.org_id.is_empty()).then_some(self.org_id.as_str())
    }

    pub fn account(&self) -> Option<i64> {
        (self.account_id != 0).then_some(self.account_id)
    }
}

macro_rules! grant_columns {
    () => {
        "id, app_id, kind, account_id, org_id, permissions, all_workspaces, workspace_ids, created_by, created_at"
    };
}

/// A grant with the app it belongs to, for lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantWithApp {
    pub id: i64,
    pub app_id: i64,
    pub kind: String,
    pub account_id: i64,
    pub org_id: String,
    pub permissions: String,
    pub all_workspaces: bool,
    pub workspace_ids: String,
    pub created_at: i64,
    pub client_id: String,
    pub app_name: String,
    pub client_type: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Installation {
    pub app_id: i64,
    pub org_id: String,
    pub status: String,
    pub requested_by: i64,
    pub updated_at: i64,
    pub client_id: String,
    pub app_name: String,
    pub client_type: String,
    pub app_org_id: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthCode {
    pub code_hash: String,
    pub app_id: i64,
    pub grant_id: i64,
    pub account_id: i64,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub challenge_method: Option<String>,
    pub family_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceCode {
    pub device_code_hash: String,
    pub user_code: String,
    pub app_id: i64,
    pub workspace_id: Option<i64>,
    pub status: String,
    pub grant_id: Option<i64>,
    pub account_id: Option<i64>,
    pub poll_interval: i64,
    /// Milliseconds, so "too fast" is judged at sub-second precision.
    pub last_poll_at_ms: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

macro_rules! device_columns {
    () => {
        "device_code_hash, user_code, app_id, workspace_id, status, grant_id, account_id, poll_interval, last_poll_at_ms, created_at, expires_at, used_at"
    };
}

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

/// The INSERT of an unused `RefreshToken`, bound, for a pool or a transaction.
macro_rules! insert_refresh_token {
    ($r:expr) => {{
        let r: &RefreshToken = $r;
        sqlx::query(
            "INSERT INTO oauth_refresh_tokens (token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(&r.token_hash)
        .bind(r.family_id)
        .bind(r.app_id)
        .bind(r.grant_id)
        .bind(r.account_id)
        .bind(r.created_at)
        .bind(r.expires_at)
    }};
}

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

/// The access and refresh token one exchange issues, in one family. Only hashes.
#[derive(Debug, Clone)]
pub struct NewUserTokens {
    pub access: NewOAuthToken,
    pub refresh: RefreshToken,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshToken {
    pub token_hash: String,
    pub family_id: i64,
    pub app_id: i64,
    pub grant_id: i64,
    pub account_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl Store {
    // ---- apps -------------------------------------------------------------

    /// Creates an app unless its owner already has `limit` apps.
    /// Returns false when the limit is reached.
    pub async fn create_app(&self, a: &OAuthApp, limit: i64) -> Result<bool> {
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // Lock the owner first (a no-op update: a row lock on PostgreSQL, the write
            // lock on SQLite), so concurrent creations cannot both pass the count.
            match &a.org_id {
                Some(org) => sqlx::query("UPDATE organizations SET id = id WHERE id = $1").bind(org).execute(&mut *tx).await?,
                None => sqlx::query("UPDATE accounts SET id = id WHERE id = $1").bind(a.owner_account_id).execute(&mut *tx).await?,
            };
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM oauth_apps WHERE
                 ((org_id IS NULL AND $1 IS NULL AND owner_account_id = $2) OR org_id = $1)",
            )
            .bind(&a.org_id)
            .bind(a.owner_account_id)
            .fetch_one(&mut *tx)
            .await?;
            if n >= limit {
                return Ok(false);
            }
            sqlx::query(concat!(
                "INSERT INTO oauth_apps (",
                app_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
            ))
            .bind(a.id)
            .bind(&a.client_id)
            .bind(&a.name)
            .bind(&a.description)
            .bind(&a.app_type)
            .bind(&a.client_type)
            .bind(a.owner_account_id)
            .bind(&a.org_id)
            .bind(a.created_by)
            .bind(&a.permissions)
            .bind(&a.redirect_uris)
            .bind(&a.secret_hash)
            .bind(&a.secret_hint)
            .bind(a.enabled)
            .bind(&a.connector_id)
            .bind(a.created_at)
            .bind(a.updated_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(true)
        })
        .map_err(Into::into)
    }

    pub async fn app(&self, id: i64) -> Result<Option<OAuthApp>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, OAuthApp>(
            concat!("SELECT ", app_columns!(), " FROM oauth_apps WHERE id = $1")
        )
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn app_by_client_id(&self, client_id: &str) -> Result<Option<OAuthApp>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, OAuthApp>(
            concat!(
                "SELECT ",
                app_columns!(),
                " FROM oauth_apps WHERE client_id = $1"
            )
        )
        .bind(client_id)
        .fetch_optional(p)
        .await)?)
    }

    /// A person's own apps (`org_id` None) or an organization's apps.
    pub async fn apps_of(&self, account_id: i64, org_id: Option<&str>) -> Result<Vec<OAuthApp>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, OAuthApp>(concat!(
            "SELECT ",
            app_columns!(),
            " FROM oauth_apps WHERE ((org_id IS NULL AND $1 IS NULL AND owner_account_id = $2) OR org_id = $1)
             ORDER BY created_at, id"
        ))
        .bind(org_id)
        .bind(account_id)
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn update_app(
        &self,
        id: i64,
        name: &str,
        description: &str,
        permissions: &str,
        redirect_uris: &str,
        now: i64,
    ) -> Result<bool> {
        let n = with_pool!(self, |p| {
            sqlx::query(
            "UPDATE oauth_apps SET name = $1, description = $2, permissions = $3, redirect_uris = $4, updated_at = $5 WHERE id = $6"
        )
        .bind(name)
        .bind(description)
        .bind(permissions)
        .bind(redirect_uris)
        .bind(now)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    pub async fn set_app_enabled(&self, id: i64, enabled: bool, now: i64) -> Result<bool> {
        let n = with_pool!(self, |p| sqlx::query(
            "UPDATE oauth_apps SET enabled = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(enabled)
        .bind(now)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn set_app_secret(
        &self,
        id: i64,
        secret_hash: &str,
        hint: &str,
        now: i64,
    ) -> Result<bool> {
        let n = with_pool!(self, |p| {
            sqlx::query(
            "UPDATE oauth_apps SET secret_hash = $1, secret_hint = $2, updated_at = $3 WHERE id = $4"
        )
        .bind(secret_hash)
        .bind(hint)
        .bind(now)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Deletes an app and, through the foreign keys, everything it ever issued.
    pub async fn delete_app(&self, id: i64) -> Result<bool> {
        let n = with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM oauth_jtis WHERE app_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query("DELETE FROM oauth_apps WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n == 1)
    }

    // ---- keys -------------------------------------------------------------

    /// Adds a public key unless the app has `limit` already; false when full.
    pub async fn add_app_key(&self, k: &AppKey, limit: i64) -> Result<bool> {
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // Serialize key additions per app, as create_app does per owner.
            sqlx::query("UPDATE oauth_apps SET updated_at = updated_at WHERE id = $1")
                .bind(k.app_id)
                .execute(&mut *tx)
                .await?;
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM oauth_app_keys WHERE app_id = $1")
                .bind(k.app_id)
                .fetch_one(&mut *tx)
                .await?;
            if n >= limit {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO oauth_app_keys (app_id, fingerprint, public_pem, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(k.app_id)
            .bind(&k.fingerprint)
            .bind(&k.public_pem)
            .bind(k.created_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(true)
        })
        .map_err(Into::into)
    }

    pub async fn app_keys(&self, app_id: i64) -> Result<Vec<AppKey>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, AppKey>(
            "SELECT app_id, fingerprint, public_pem, created_at FROM oauth_app_keys WHERE app_id = $1 ORDER BY created_at, fingerprint"
        )
        .bind(app_id)
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn app_key(&self, app_id: i64, fingerprint: &str) -> Result<Option<AppKey>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, AppKey>(
            "SELECT app_id, fingerprint, public_pem, created_at FROM oauth_app_keys WHERE app_id = $1 AND fingerprint = $2"
        )
        .bind(app_id)
        .bind(fingerprint)
        .fetch_optional(p)
        .await
        })?)
    }

    pub async fn delete_app_key(&self, app_id: i64, fingerprint: &str) -> Result<bool> {
        let n = with_pool!(self, |p| sqlx::query(
            "DELETE FROM oauth_app_keys WHERE app_id = $1 AND fingerprint = $2"
        )
        .bind(app_id)
        .bind(fingerprint)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    // ---- grants and installations ------------------------------------------

    /// Records an authorization, replacing the scope of an earlier one with the same
    /// (app, kind, account, organization); returns its id.
    pub async fn upsert_grant(&self, g: &Grant) -> Result<i64> {
        let (id,): (i64,) = with_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO oauth_grants (id, app_id, kind, account_id, org_id, permissions, all_workspaces, workspace_ids, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (app_id, kind, account_id, org_id) DO UPDATE SET
                permissions = excluded.permissions,
                all_workspaces = excluded.all_workspaces,
                workspace_ids = excluded.workspace_ids,
                created_by = excluded.created_by
             RETURNING id"
        )
        .bind(g.id)
        .bind(g.app_id)
        .bind(&g.kind)
        .bind(g.account_id)
        .bind(&g.org_id)
        .bind(&g.permissions)
        .bind(g.all_workspaces)
        .bind(&g.workspace_ids)
        .bind(g.created_by)
        .bind(g.created_at)
        .fetch_one(p)
        .await
        })?;
        Ok(id)
    }

    pub async fn grant(&self, id: i64) -> Result<Option<Grant>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, Grant>(concat!(
            "SELECT ",
            grant_columns!(),
            " FROM oauth_grants WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn find_grant(
        &self,
        app_id: i64,
        kind: &str,
        account_id: i64,
        org_id: &str,
    ) -> Result<Option<Grant>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, Grant>(concat!(
            "SELECT ",
            grant_columns!(),
            " FROM oauth_grants WHERE app_id = $1 AND kind = $2 AND account_id = $3 AND org_id = $4"
        ))
        .bind(app_id)
        .bind(kind)
        .bind(account_id)
        .bind(org_id)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn grants_of_app(&self, app_id: i64) -> Result<Vec<Grant>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, Grant>(concat!(
            "SELECT ",
            grant_columns!(),
            " FROM oauth_grants WHERE app_id = $1 ORDER BY created_at, id"
        ))
        .bind(app_id)
        .fetch_all(p)
        .await)?)
    }

    /// The apps a person authorized to act for them (OBO), with the app.
    pub async fn obo_grants_of(&self, account_id: i64) -> Result<Vec<GrantWithApp>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, GrantWithApp>(
            "SELECT g.id, g.app_id, g.kind, g.account_id, g.org_id, g.permissions, g.all_workspaces, g.workspace_ids, g.created_at,
                    a.client_id, a.name AS app_name, a.client_type
             FROM oauth_grants g JOIN oauth_apps a ON a.id = g.app_id
             WHERE g.kind = 'obo' AND g.account_id = $1 ORDER BY g.created_at, g.id"
        )
        .bind(account_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// Deletes a grant and, through the foreign keys, its codes and tokens.
    pub async fn delete_grant(&self, id: i64) -> Result<bool> {
        let n = with_pool!(self, |p| sqlx::query(
            "DELETE FROM oauth_grants WHERE id = $1"
        )
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes a person's OBO grants for an app (revoking all its tokens for them).
    pub async fn delete_obo_grants(&self, app_id: i64, account_id: i64) -> Result<u64> {
        Ok(with_pool!(self, |p| sqlx::query(
            "DELETE FROM oauth_grants WHERE app_id = $1 AND kind = 'obo' AND account_id = $2"
        )
        .bind(app_id)
        .bind(account_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Marks an app installed in (or requested by) an organization. An existing
    /// `installed` row is never downgraded to `requested`.
    pub async fn upsert_installation(
        &self,
        app_id: i64,
        org_id: &str,
        status: &str,
        by: i64,
        now: i64,
    ) -> Result<()> {
        with_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO oauth_installations (app_id, org_id, status, requested_by, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (app_id, org_id) DO UPDATE SET
                status = CASE WHEN oauth_installations.status = 'installed' THEN 'installed' ELSE excluded.status END,
                updated_at = excluded.updated_at"
        )
        .bind(app_id)
        .bind(org_id)
        .bind(status)
        .bind(by)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn installations_of(&self, org_id: &str) -> Result<Vec<Installation>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, Installation>(
            "SELECT i.app_id, i.org_id, i.status, i.requested_by, i.updated_at,
                    a.client_id, a.name AS app_name, a.client_type, a.org_id AS app_org_id
             FROM oauth_installations i JOIN oauth_apps a ON a.id = i.app_id
             WHERE i.org_id = $1 ORDER BY i.updated_at, a.name"
        )
        .bind(org_id)
        .fetch_all(p)
        .await)?)
    }

    pub async fn installation_status(&self, app_id: i64, org_id: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = with_pool!(self, |p| sqlx::query_as(
            "SELECT status FROM oauth_installations WHERE app_id = $1 AND org_id = $2"
        )
        .bind(app_id)
        .bind(org_id)
        .fetch_optional(p)
        .await)?;
        Ok(r.map(|r| r.0))
    }

    /// Uninstalls: removes the installation and every grant (so every token) the
    /// app holds in the organization.
    pub async fn uninstall(&self, app_id: i64, org_id: &str) -> Result<bool> {
        let n = with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM oauth_grants WHERE app_id = $1 AND org_id = $2")
                .bind(app_id)
                .bind(org_id)
                .execute(&mut *tx)
                .await?;
            let n =
                sqlx::query("DELETE FROM oauth_installations WHERE app_id = $1 AND org_id = $2")
                    .bind(app_id)
                    .bind(org_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n == 1)
    }

    // ---- authorization codes ----------------------------------------------

    pub async fn insert_code(&self, c: &AuthCode) -> Result<()> {
        with_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO oauth_codes (code_hash, app_id, grant_id, account_id, redirect_uri, code_challenge, challenge_method, family_id, created_at, expires_at, used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)"
        )
        .bind(&c.code_hash)
        .bind(c.app_id)
        .bind(c.grant_id)
        .bind(c.account_id)
        .bind(&c.redirect_uri)
        .bind(&c.code_challenge)
        .bind(&c.challenge_method)
        .bind(c.family_id)
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// A code by the hash of its secret, used or not; reads only.
    pub async fn code(&self, code_hash: &str) -> Result<Option<AuthCode>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, AuthCode>(
            "SELECT code_hash, app_id, grant_id, account_id, redirect_uri, code_challenge, challenge_method, family_id, created_at, expires_at, used_at
             FROM oauth_codes WHERE code_hash = $1"
        )
        .bind(code_hash)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Uses up an unused code and stores the tokens it is exchanged for, atomically.
    pub async fn redeem_code(
        &self,
        code_hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        self.redeem(
            "UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
            code_hash,
            now,
            tokens,
        )
        .await
    }

    /// In one transaction: locks the tokens' family (refusing a revoked one), uses up
    /// the secret with `use_up` (a conditional update binding its hash and `now`),
    /// then stores the new tokens. A concurrent request for the same secret or family
    /// waits for the commit, so by the time it finds the secret used, the tokens it
    /// would revoke exist; a failure anywhere leaves the secret unused.
    async fn redeem(
        &self,
        use_up: &'static str,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        let (access, refresh) = (&tokens.access, &tokens.refresh);
        debug_assert_eq!(access.family_id, Some(refresh.family_id));
        with_pool!(self, |p| {
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
            let stored = match insert_oauth_token!(access).execute(&mut *tx).await {
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

    // ---- device codes -------------------------------------------------------

    pub async fn insert_device_code(&self, d: &DeviceCode) -> Result<()> {
        with_pool!(self, |p| sqlx::query(concat!(
            "INSERT INTO oauth_device_codes (",
            device_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&d.device_code_hash)
        .bind(&d.user_code)
        .bind(d.app_id)
        .bind(d.workspace_id)
        .bind(&d.status)
        .bind(d.grant_id)
        .bind(d.account_id)
        .bind(d.poll_interval)
        .bind(d.last_poll_at_ms)
        .bind(d.created_at)
        .bind(d.expires_at)
        .bind(d.used_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn device_code_by_user_code(&self, user_code: &str) -> Result<Option<DeviceCode>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, DeviceCode>(
            concat!(
                "SELECT ",
                device_columns!(),
                " FROM oauth_device_codes WHERE user_code = $1"
            )
        )
        .bind(user_code)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn device_code(&self, hash: &str) -> Result<Option<DeviceCode>> {
        Ok(with_pool!(self, |p| sqlx::query_as::<_, DeviceCode>(
            concat!(
                "SELECT ",
                device_columns!(),
                " FROM oauth_device_codes WHERE device_code_hash = $1"
            )
        )
        .bind(hash)
        .fetch_optional(p)
        .await)?)
    }

    /// Approves or denies a pending, unexpired device code; false if it was not pending.
    pub async fn decide_device_code(
        &self,
        user_code: &str,
        status: &str,
        grant_id: Option<i64>,
        account_id: i64,
        now: i64,
    ) -> Result<bool> {
        let n = with_pool!(self, |p| sqlx::query(
            "UPDATE oauth_device_codes SET status = $1, grant_id = $2, account_id = $3
             WHERE user_code = $4 AND status = 'pending' AND expires_at > $5"
        )
        .bind(status)
        .bind(grant_id)
        .bind(account_id)
        .bind(user_code)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn record_device_poll(&self, hash: &str, now_ms: i64) -> Result<()> {
        with_pool!(self, |p| sqlx::query(
            "UPDATE oauth_device_codes SET last_poll_at_ms = $1 WHERE device_code_hash = $2"
        )
        .bind(now_ms)
        .bind(hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Uses up an approved, unused device code and stores the tokens it is
    /// exchanged for (in a new family), atomically.
    pub async fn redeem_device_code(
        &self,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        self.redeem(
            "UPDATE oauth_device_codes SET used_at = $2
             WHERE device_code_hash = $1 AND status = 'approved' AND used_at IS NULL",
            hash,
            now,
            tokens,
        )
        .await
    }

    // ---- tokens -------------------------------------------------------------

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

    /// Revokes a family for good (a replayed code or refresh token): marks it revoked,
    /// so it never gets a token again, and deletes every access and refresh token it
    /// has. Marking it first waits for an issuance into it in progress (see `redeem`),
    /// whose tokens the deletes then see.
    pub async fn revoke_family(&self, family_id: i64, now: i64) -> Result<()> {
        with_pool!(self, |p| {
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

    pub async fn insert_refresh_token(&self, r: &RefreshToken) -> Result<()> {
        with_pool!(self, |p| insert_refresh_token!(r)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A refresh token by the hash of its secret, used or not; reads only.
    pub async fn refresh_token(&self, hash: &str) -> Result<Option<RefreshToken>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, RefreshToken>(
            "SELECT token_hash, family_id, app_id, grant_id, account_id, created_at, expires_at, used_at
             FROM oauth_refresh_tokens WHERE token_hash = $1"
        )
        .bind(hash)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Uses up an unused refresh token and stores its successors, atomically (rotation).
    pub async fn redeem_refresh_token(
        &self,
        hash: &str,
        now: i64,
        tokens: &NewUserTokens,
    ) -> Result<Redeemed> {
        self.redeem(
            "UPDATE oauth_refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
            hash,
            now,
            tokens,
        )
        .await
    }

    /// Records a JWT id; false if the app used it before (a replay).
    pub async fn use_jti(&self, app_id: i64, jti: &str, expires_at: i64) -> Result<bool> {
        let n = with_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO oauth_jtis (app_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT (app_id, jti) DO NOTHING"
        )
        .bind(app_id)
        .bind(jti)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Drops what can no longer be used: expired codes, device codes, tokens, jtis.
    pub async fn purge_expired_oauth(&self, now: i64) -> Result<()> {
        with_pool!(self, |p| {
            for q in [
                "DELETE FROM oauth_codes WHERE expires_at <= $1",
                "DELETE FROM oauth_device_codes WHERE expires_at <= $1",
                "DELETE FROM oauth_tokens WHERE expires_at <= $1",
                "DELETE FROM oauth_refresh_tokens WHERE expires_at <= $1",
                // JWTs are accepted up to a minute past exp.
                "DELETE FROM oauth_jtis WHERE expires_at + 120 <= $1",
            ] {
                sqlx::query(q).bind(now).execute(p).await?;
            }
            // A family nothing refers to any more cannot be presented again.
            sqlx::query(
                "DELETE FROM oauth_families WHERE
                 NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.family_id = oauth_families.family_id)
                 AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE r.family_id = oauth_families.family_id)
                 AND NOT EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.family_id = oauth_families.family_id)",
            )
            .execute(p)
            .await?;
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }
}
