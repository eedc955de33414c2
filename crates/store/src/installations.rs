//! An app of another edition in an organization: requested by a member or
//! installed by an admin. Uninstalling removes the app's grants (so its tokens) there.

use crate::{Result, Store, with_pool};

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

impl Store {
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
}
