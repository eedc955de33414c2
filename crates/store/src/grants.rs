//! Grants (authorizations): what an app may do, on behalf of a person (OBO) or
//! as itself (AppAuth). Deleting one deletes, through the foreign keys, every
//! code and token issued under it.

use crate::{Result, Store, with_pool};

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

impl Store {
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
}
