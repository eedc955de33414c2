//! OAuth apps: a person's or an organization's registered clients. Creation is
//! counted against the owner's limit under the owner's lock, so concurrent
//! creations cannot pass it.

use crate::lite::fetch_optional;
use crate::typed::{self, word};
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, AppId, AppType, ClientType, OrgId};

#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub id: AppId,
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub app_type: AppType,
    pub client_type: ClientType,
    pub owner_account_id: Option<AccountId>,
    pub org_id: Option<OrgId>,
    pub created_by: AccountId,
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

#[derive(sqlx::FromRow)]
struct AppRow {
    id: i64,
    client_id: String,
    name: String,
    description: String,
    app_type: String,
    client_type: String,
    owner_account_id: Option<i64>,
    org_id: Option<String>,
    created_by: i64,
    permissions: String,
    redirect_uris: String,
    secret_hash: String,
    secret_hint: String,
    enabled: bool,
    connector_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

crate::lite::lite_row!(AppRow {
    id,
    client_id,
    name,
    description,
    app_type,
    client_type,
    owner_account_id,
    org_id,
    created_by,
    permissions,
    redirect_uris,
    secret_hash,
    secret_hint,
    enabled,
    connector_id,
    created_at,
    updated_at
});

impl TryFrom<AppRow> for OAuthApp {
    type Error = StoreError;
    fn try_from(r: AppRow) -> Result<OAuthApp> {
        Ok(OAuthApp {
            app_type: word("oauth_apps", "app_type", &r.app_type, AppType::parse)?,
            client_type: word(
                "oauth_apps",
                "client_type",
                &r.client_type,
                ClientType::parse,
            )?,
            id: AppId(r.id),
            client_id: r.client_id,
            name: r.name,
            description: r.description,
            owner_account_id: r.owner_account_id.map(AccountId),
            org_id: r
                .org_id
                .map(|o| typed::org_id("oauth_apps", "org_id", &o))
                .transpose()?,
            created_by: AccountId(r.created_by),
            permissions: r.permissions,
            redirect_uris: r.redirect_uris,
            secret_hash: r.secret_hash,
            secret_hint: r.secret_hint,
            enabled: r.enabled,
            connector_id: r.connector_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! app_columns {
    () => {
        "id, client_id, name, description, app_type, client_type, owner_account_id, org_id, created_by, permissions, redirect_uris, secret_hash, secret_hint, enabled, connector_id, created_at, updated_at"
    };
}

impl Store {
    /// Creates an app unless its owner already has `limit` apps.
    /// Returns false when the limit is reached.
    pub async fn create_app(&self, a: &OAuthApp, limit: i64) -> Result<bool> {
        crate::text::storable(&[
            &a.client_id,
            &a.name,
            &a.description,
            &a.permissions,
            &a.redirect_uris,
        ])?;
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            let n = crate::owner_limit::lock_owner_and_count!(
                tx,
                "oauth_apps",
                a.org_id.as_ref(),
                a.owner_account_id
            )
            .await?;
            if n >= limit {
                return Ok(false);
            }
            sqlx::query(concat!(
                "INSERT INTO oauth_apps (",
                app_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
            ))
            .bind(a.id.get())
            .bind(&a.client_id)
            .bind(&a.name)
            .bind(&a.description)
            .bind(a.app_type.as_str())
            .bind(a.client_type.as_str())
            .bind(a.owner_account_id.map(AccountId::get))
            .bind(a.org_id.as_ref().map(OrgId::as_str))
            .bind(a.created_by.get())
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

    pub async fn app(&self, id: AppId) -> Result<Option<OAuthApp>> {
        typed::one(fetch_optional!(
            self,
            AppRow,
            concat!("SELECT ", app_columns!(), " FROM oauth_apps WHERE id = $1"),
            id.get()
        )?)
    }

    pub async fn app_by_client_id(&self, client_id: &str) -> Result<Option<OAuthApp>> {
        typed::one(fetch_optional!(
            self,
            AppRow,
            concat!(
                "SELECT ",
                app_columns!(),
                " FROM oauth_apps WHERE client_id = $1"
            ),
            client_id
        )?)
    }

    /// A person's own apps (`org_id` None) or an organization's apps.
    pub async fn apps_of(
        &self,
        account_id: AccountId,
        org_id: Option<&OrgId>,
    ) -> Result<Vec<OAuthApp>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, AppRow>(concat!(
            "SELECT ",
            app_columns!(),
            " FROM oauth_apps WHERE ((org_id IS NULL AND $1 IS NULL AND owner_account_id = $2) OR org_id = $1)
             ORDER BY created_at, id"
        ))
        .bind(org_id.map(OrgId::as_str))
        .bind(account_id.get())
        .fetch_all(p)
        .await
        })?)
    }

    pub async fn update_app(
        &self,
        id: AppId,
        name: &str,
        description: &str,
        permissions: &str,
        redirect_uris: &str,
        now: i64,
    ) -> Result<bool> {
        crate::text::storable(&[name, description, permissions, redirect_uris])?;
        let n = with_writer!(self, |p| {
            sqlx::query(
            "UPDATE oauth_apps SET name = $1, description = $2, permissions = $3, redirect_uris = $4, updated_at = $5 WHERE id = $6"
        )
        .bind(name)
        .bind(description)
        .bind(permissions)
        .bind(redirect_uris)
        .bind(now)
        .bind(id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    pub async fn set_app_enabled(&self, id: AppId, enabled: bool, now: i64) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE oauth_apps SET enabled = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(enabled)
        .bind(now)
        .bind(id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn set_app_secret(
        &self,
        id: AppId,
        secret_hash: &str,
        hint: &str,
        now: i64,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| {
            sqlx::query(
            "UPDATE oauth_apps SET secret_hash = $1, secret_hint = $2, updated_at = $3 WHERE id = $4"
        )
        .bind(secret_hash)
        .bind(hint)
        .bind(now)
        .bind(id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Deletes an app and, through the foreign keys, everything it ever issued.
    pub async fn delete_app(&self, id: AppId) -> Result<bool> {
        let n = with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM oauth_jtis WHERE app_id = $1")
                .bind(id.get())
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query("DELETE FROM oauth_apps WHERE id = $1")
                .bind(id.get())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n == 1)
    }
}
