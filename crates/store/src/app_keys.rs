//! The public keys a service app signs its JWTs with, limited per app.

use crate::lite::fetch_optional;
use crate::{Result, Store, with_pool, with_writer};
use buckle_core::AppId;

#[derive(Debug, Clone)]
pub struct AppKey {
    pub app_id: AppId,
    pub fingerprint: String,
    pub public_pem: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct AppKeyRow {
    app_id: i64,
    fingerprint: String,
    public_pem: String,
    created_at: i64,
}

crate::lite::lite_row!(AppKeyRow {
    app_id,
    fingerprint,
    public_pem,
    created_at
});

impl From<AppKeyRow> for AppKey {
    fn from(r: AppKeyRow) -> AppKey {
        AppKey {
            app_id: AppId(r.app_id),
            fingerprint: r.fingerprint,
            public_pem: r.public_pem,
            created_at: r.created_at,
        }
    }
}

impl Store {
    /// Adds a public key unless the app has `limit` already; false when full.
    pub async fn add_app_key(&self, k: &AppKey, limit: i64) -> Result<bool> {
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            // Serialize key additions per app, as create_app does per owner.
            sqlx::query("UPDATE oauth_apps SET updated_at = updated_at WHERE id = $1")
                .bind(k.app_id.get())
                .execute(&mut *tx)
                .await?;
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM oauth_app_keys WHERE app_id = $1")
                .bind(k.app_id.get())
                .fetch_one(&mut *tx)
                .await?;
            if n >= limit {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO oauth_app_keys (app_id, fingerprint, public_pem, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(k.app_id.get())
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

    pub async fn app_keys(&self, app_id: AppId) -> Result<Vec<AppKey>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, AppKeyRow>(
            "SELECT app_id, fingerprint, public_pem, created_at FROM oauth_app_keys WHERE app_id = $1 ORDER BY created_at, fingerprint"
        )
        .bind(app_id.get())
        .fetch_all(p)
        .await
        })?
        .into_iter()
        .map(AppKey::from)
        .collect())
    }

    pub async fn app_key(&self, app_id: AppId, fingerprint: &str) -> Result<Option<AppKey>> {
        Ok(fetch_optional!(self, AppKeyRow, "SELECT app_id, fingerprint, public_pem, created_at FROM oauth_app_keys WHERE app_id = $1 AND fingerprint = $2", app_id.get(), fingerprint)?
        .map(AppKey::from))
    }

    pub async fn delete_app_key(&self, app_id: AppId, fingerprint: &str) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "DELETE FROM oauth_app_keys WHERE app_id = $1 AND fingerprint = $2"
        )
        .bind(app_id.get())
        .bind(fingerprint)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
