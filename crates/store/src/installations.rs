//! An app of another edition in an organization: requested by a member or
//! installed by an admin. Uninstalling removes the app's grants (so its tokens) there.

use crate::typed::{self, word};
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, AppId, ClientType, InstallStatus, OrgId};

#[derive(Debug, Clone)]
pub struct Installation {
    pub app_id: AppId,
    pub org_id: OrgId,
    pub status: InstallStatus,
    pub requested_by: AccountId,
    pub updated_at: i64,
    pub client_id: String,
    pub app_name: String,
    pub client_type: ClientType,
    pub app_org_id: Option<OrgId>,
}

#[derive(sqlx::FromRow)]
struct InstallationRow {
    app_id: i64,
    org_id: String,
    status: String,
    requested_by: i64,
    updated_at: i64,
    client_id: String,
    app_name: String,
    client_type: String,
    app_org_id: Option<String>,
}

impl TryFrom<InstallationRow> for Installation {
    type Error = StoreError;
    fn try_from(r: InstallationRow) -> Result<Installation> {
        Ok(Installation {
            status: word(
                "oauth_installations",
                "status",
                &r.status,
                InstallStatus::parse,
            )?,
            client_type: word(
                "oauth_apps",
                "client_type",
                &r.client_type,
                ClientType::parse,
            )?,
            app_id: AppId(r.app_id),
            org_id: typed::org_id("oauth_installations", "org_id", &r.org_id)?,
            requested_by: AccountId(r.requested_by),
            updated_at: r.updated_at,
            client_id: r.client_id,
            app_name: r.app_name,
            app_org_id: r
                .app_org_id
                .map(|o| typed::org_id("oauth_apps", "org_id", &o))
                .transpose()?,
        })
    }
}

impl Store {
    /// Marks an app installed in (or requested by) an organization. An existing
    /// `installed` row is never downgraded to `requested`.
    pub async fn upsert_installation(
        &self,
        app_id: AppId,
        org_id: &OrgId,
        status: InstallStatus,
        by: AccountId,
        now: i64,
    ) -> Result<()> {
        with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO oauth_installations (app_id, org_id, status, requested_by, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (app_id, org_id) DO UPDATE SET
                status = CASE WHEN oauth_installations.status = 'installed' THEN 'installed' ELSE excluded.status END,
                updated_at = excluded.updated_at"
        )
        .bind(app_id.get())
        .bind(org_id.as_str())
        .bind(status.as_str())
        .bind(by.get())
        .bind(now)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn installations_of(&self, org_id: &OrgId) -> Result<Vec<Installation>> {
        typed::all(with_pool!(self, |p| sqlx::query_as::<_, InstallationRow>(
            "SELECT i.app_id, i.org_id, i.status, i.requested_by, i.updated_at,
                    a.client_id, a.name AS app_name, a.client_type, a.org_id AS app_org_id
             FROM oauth_installations i JOIN oauth_apps a ON a.id = i.app_id
             WHERE i.org_id = $1 ORDER BY i.updated_at, a.name"
        )
        .bind(org_id.as_str())
        .fetch_all(p)
        .await)?)
    }

    pub async fn installation_status(
        &self,
        app_id: AppId,
        org_id: &OrgId,
    ) -> Result<Option<InstallStatus>> {
        let r: Option<(String,)> = with_pool!(self, |p| sqlx::query_as(
            "SELECT status FROM oauth_installations WHERE app_id = $1 AND org_id = $2"
        )
        .bind(app_id.get())
        .bind(org_id.as_str())
        .fetch_optional(p)
        .await)?;
        r.map(|(s,)| word("oauth_installations", "status", &s, InstallStatus::parse))
            .transpose()
    }

    /// Uninstalls: removes the installation and every grant (so every token) the
    /// app holds in the organization.
    pub async fn uninstall(&self, app_id: AppId, org_id: &OrgId) -> Result<bool> {
        let n = with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM oauth_grants WHERE app_id = $1 AND org_id = $2")
                .bind(app_id.get())
                .bind(org_id.as_str())
                .execute(&mut *tx)
                .await?;
            let n =
                sqlx::query("DELETE FROM oauth_installations WHERE app_id = $1 AND org_id = $2")
                    .bind(app_id.get())
                    .bind(org_id.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n == 1)
    }
}
