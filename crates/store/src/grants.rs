//! Grants (authorizations): what an app may do, on behalf of a person (OBO) or
//! as itself (AppAuth). Deleting one deletes, through the foreign keys, every
//! code and token issued under it. The table keeps `account_id` 0 and `org_id` ''
//! for "none" (so its uniqueness constraint holds); only this file sees them.

use crate::lite::fetch_optional;
use crate::typed::{self, word};
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, AppId, ClientType, GrantKind, GrantOwner, OrgId, WorkspaceId};

/// An authorization of an app.
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: i64,
    pub app_id: AppId,
    pub kind: GrantKind,
    /// Whose authorization it is: a person (every OBO grant, and AppAuth in the
    /// personal edition) or an organization (AppAuth there).
    pub owner: GrantOwner,
    /// The organization it was given in; `None` for the personal edition. For an
    /// organization's own grant it is that organization.
    pub edition: Option<OrgId>,
    pub permissions: String,
    pub all_workspaces: bool,
    pub workspace_ids: Vec<WorkspaceId>,
    pub created_by: AccountId,
    pub created_at: i64,
}

impl Grant {
    /// The organization it was given in, if any.
    pub fn org(&self) -> Option<&OrgId> {
        self.edition.as_ref()
    }

    /// The person it belongs to, if it belongs to one.
    pub fn account(&self) -> Option<AccountId> {
        self.owner.account()
    }
}

/// A grant with the app it belongs to, for lists.
#[derive(Debug, Clone)]
pub struct GrantWithApp {
    pub id: i64,
    pub app_id: AppId,
    pub kind: GrantKind,
    pub owner: GrantOwner,
    pub edition: Option<OrgId>,
    pub permissions: String,
    pub all_workspaces: bool,
    pub workspace_ids: Vec<WorkspaceId>,
    pub created_at: i64,
    pub client_id: String,
    pub app_name: String,
    pub client_type: ClientType,
}

impl GrantWithApp {
    pub fn org(&self) -> Option<&OrgId> {
        self.edition.as_ref()
    }

    pub fn account(&self) -> Option<AccountId> {
        self.owner.account()
    }
}

/// The stored `(account_id, org_id)` of an owner in an edition.
fn owner_columns(owner: &GrantOwner, edition: Option<&OrgId>) -> Result<(i64, String)> {
    match owner {
        GrantOwner::Account(a) => Ok((
            a.get(),
            edition.map(|o| o.as_str().to_string()).unwrap_or_default(),
        )),
        GrantOwner::Organization(o) if edition.is_none_or(|e| e == o) => {
            Ok((0, o.as_str().to_string()))
        }
        // An organization's grant given in another organization names nothing real.
        GrantOwner::Organization(_) => Err(StoreError::InvalidInput),
    }
}

/// The owner and edition stored as `(account_id, org_id)`.
fn owner_of(kind: GrantKind, account_id: i64, org_id: &str) -> Result<(GrantOwner, Option<OrgId>)> {
    let edition = match org_id {
        "" => None,
        o => Some(typed::org_id("oauth_grants", "org_id", o)?),
    };
    match (account_id, &edition) {
        (0, Some(org)) if kind == GrantKind::AppAuth => {
            Ok((GrantOwner::Organization(org.clone()), edition))
        }
        // Neither a person nor an organization, or an OBO grant of no person.
        (0, _) => Err(typed::corrupt("oauth_grants", "account_id", "0")),
        (a, _) => Ok((GrantOwner::Account(AccountId(a)), edition)),
    }
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: i64,
    app_id: i64,
    kind: String,
    account_id: i64,
    org_id: String,
    permissions: String,
    all_workspaces: bool,
    workspace_ids: String,
    created_by: i64,
    created_at: i64,
}

crate::lite::lite_row!(GrantRow {
    id,
    app_id,
    kind,
    account_id,
    org_id,
    permissions,
    all_workspaces,
    workspace_ids,
    created_by,
    created_at
});

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Grant> {
        let kind = word("oauth_grants", "kind", &r.kind, GrantKind::parse)?;
        let (owner, edition) = owner_of(kind, r.account_id, &r.org_id)?;
        Ok(Grant {
            id: r.id,
            app_id: AppId(r.app_id),
            kind,
            owner,
            edition,
            permissions: r.permissions,
            all_workspaces: r.all_workspaces,
            workspace_ids: typed::id_list("oauth_grants", "workspace_ids", &r.workspace_ids)?,
            created_by: AccountId(r.created_by),
            created_at: r.created_at,
        })
    }
}

/// A grant read beside the row that names it, by `LEFT JOIN oauth_grants g`:
/// its columns named `g_*`, all `NULL` when it is gone.
macro_rules! joined_grant_columns {
    () => {
        "g.id AS g_id, g.app_id AS g_app_id, g.kind AS g_kind, g.account_id AS g_account_id, g.org_id AS g_org_id, g.permissions AS g_permissions, g.all_workspaces AS g_all_workspaces, g.workspace_ids AS g_workspace_ids, g.created_by AS g_created_by, g.created_at AS g_created_at"
    };
}
pub(crate) use joined_grant_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct JoinedGrantRow {
    g_id: Option<i64>,
    g_app_id: Option<i64>,
    g_kind: Option<String>,
    g_account_id: Option<i64>,
    g_org_id: Option<String>,
    g_permissions: Option<String>,
    g_all_workspaces: Option<bool>,
    g_workspace_ids: Option<String>,
    g_created_by: Option<i64>,
    g_created_at: Option<i64>,
}

crate::lite::lite_row!(JoinedGrantRow {
    g_id,
    g_app_id,
    g_kind,
    g_account_id,
    g_org_id,
    g_permissions,
    g_all_workspaces,
    g_workspace_ids,
    g_created_by,
    g_created_at
});

impl crate::joined::JoinedRow for JoinedGrantRow {
    type Value = Grant;

    fn found(self) -> Result<Option<Grant>> {
        let Some(id) = self.g_id else {
            return Ok(None);
        };
        use crate::joined::need;
        const T: &str = "oauth_grants";
        Grant::try_from(GrantRow {
            id,
            app_id: need(self.g_app_id, T, "app_id")?,
            kind: need(self.g_kind, T, "kind")?,
            account_id: need(self.g_account_id, T, "account_id")?,
            org_id: need(self.g_org_id, T, "org_id")?,
            permissions: need(self.g_permissions, T, "permissions")?,
            all_workspaces: need(self.g_all_workspaces, T, "all_workspaces")?,
            workspace_ids: need(self.g_workspace_ids, T, "workspace_ids")?,
            created_by: need(self.g_created_by, T, "created_by")?,
            created_at: need(self.g_created_at, T, "created_at")?,
        })
        .map(Some)
    }
}

macro_rules! grant_columns {
    () => {
        "id, app_id, kind, account_id, org_id, permissions, all_workspaces, workspace_ids, created_by, created_at"
    };
}

#[derive(sqlx::FromRow)]
struct GrantWithAppRow {
    id: i64,
    app_id: i64,
    kind: String,
    account_id: i64,
    org_id: String,
    permissions: String,
    all_workspaces: bool,
    workspace_ids: String,
    created_at: i64,
    client_id: String,
    app_name: String,
    client_type: String,
}

impl TryFrom<GrantWithAppRow> for GrantWithApp {
    type Error = StoreError;
    fn try_from(r: GrantWithAppRow) -> Result<GrantWithApp> {
        let kind = word("oauth_grants", "kind", &r.kind, GrantKind::parse)?;
        let (owner, edition) = owner_of(kind, r.account_id, &r.org_id)?;
        Ok(GrantWithApp {
            id: r.id,
            app_id: AppId(r.app_id),
            kind,
            owner,
            edition,
            permissions: r.permissions,
            all_workspaces: r.all_workspaces,
            workspace_ids: typed::id_list("oauth_grants", "workspace_ids", &r.workspace_ids)?,
            created_at: r.created_at,
            client_id: r.client_id,
            app_name: r.app_name,
            client_type: word(
                "oauth_apps",
                "client_type",
                &r.client_type,
                ClientType::parse,
            )?,
        })
    }
}

impl Store {
    /// Records an authorization, replacing the scope of an earlier one with the same
    /// (app, kind, account, organization); returns its id.
    pub async fn upsert_grant(&self, g: &Grant) -> Result<i64> {
        let (account_id, org_id) = owner_columns(&g.owner, g.edition.as_ref())?;
        let (id,): (i64,) = with_writer!(self, |p| {
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
        .bind(g.app_id.get())
        .bind(g.kind.as_str())
        .bind(account_id)
        .bind(&org_id)
        .bind(&g.permissions)
        .bind(g.all_workspaces)
        .bind(crate::encode_ids(&g.workspace_ids))
        .bind(g.created_by.get())
        .bind(g.created_at)
        .fetch_one(p)
        .await
        })?;
        Ok(id)
    }

    pub async fn grant(&self, id: i64) -> Result<Option<Grant>> {
        typed::one(fetch_optional!(
            self,
            GrantRow,
            concat!(
                "SELECT ",
                grant_columns!(),
                " FROM oauth_grants WHERE id = $1"
            ),
            id
        )?)
    }

    pub async fn find_grant(
        &self,
        app_id: AppId,
        kind: GrantKind,
        owner: &GrantOwner,
        edition: Option<&OrgId>,
    ) -> Result<Option<Grant>> {
        let (account_id, org_id) = owner_columns(owner, edition)?;
        typed::one(fetch_optional!(
            self,
            GrantRow,
            concat!(
                "SELECT ",
                grant_columns!(),
                " FROM oauth_grants WHERE app_id = $1 AND kind = $2 AND account_id = $3 AND org_id = $4"
            ),
            app_id.get(),
            kind.as_str(),
            account_id,
            &org_id
        )?)
    }

    pub async fn grants_of_app(&self, app_id: AppId) -> Result<Vec<Grant>> {
        typed::all(with_pool!(self, |p| sqlx::query_as::<_, GrantRow>(
            concat!(
                "SELECT ",
                grant_columns!(),
                " FROM oauth_grants WHERE app_id = $1 ORDER BY created_at, id"
            )
        )
        .bind(app_id.get())
        .fetch_all(p)
        .await)?)
    }

    /// The apps a person authorized to act for them (OBO), with the app.
    pub async fn obo_grants_of(&self, account_id: AccountId) -> Result<Vec<GrantWithApp>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, GrantWithAppRow>(
            "SELECT g.id, g.app_id, g.kind, g.account_id, g.org_id, g.permissions, g.all_workspaces, g.workspace_ids, g.created_at,
                    a.client_id, a.name AS app_name, a.client_type
             FROM oauth_grants g JOIN oauth_apps a ON a.id = g.app_id
             WHERE g.kind = 'obo' AND g.account_id = $1 ORDER BY g.created_at, g.id"
        )
        .bind(account_id.get())
        .fetch_all(p)
        .await
        })?)
    }

    /// Every authorization a person gave in their personal edition (OBO and
    /// AppAuth), with the app.
    pub async fn personal_grants_of(&self, account_id: AccountId) -> Result<Vec<GrantWithApp>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, GrantWithAppRow>(
            "SELECT g.id, g.app_id, g.kind, g.account_id, g.org_id, g.permissions, g.all_workspaces, g.workspace_ids, g.created_at,
                    a.client_id, a.name AS app_name, a.client_type
             FROM oauth_grants g JOIN oauth_apps a ON a.id = g.app_id
             WHERE g.account_id = $1 AND g.org_id = '' ORDER BY g.created_at, g.id"
        )
        .bind(account_id.get())
        .fetch_all(p)
        .await
        })?)
    }

    /// An organization's own AppAuth authorizations, with the app.
    pub async fn appauth_grants_of_organization(
        &self,
        org_id: &OrgId,
    ) -> Result<Vec<GrantWithApp>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, GrantWithAppRow>(
            "SELECT g.id, g.app_id, g.kind, g.account_id, g.org_id, g.permissions, g.all_workspaces, g.workspace_ids, g.created_at,
                    a.client_id, a.name AS app_name, a.client_type
             FROM oauth_grants g JOIN oauth_apps a ON a.id = g.app_id
             WHERE g.kind = 'appauth' AND g.account_id = 0 AND g.org_id = $1 ORDER BY g.created_at, g.id"
        )
        .bind(org_id.as_str())
        .fetch_all(p)
        .await
        })?)
    }

    /// Deletes a grant and, through the foreign keys, its codes and tokens.
    pub async fn delete_grant(&self, id: i64) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "DELETE FROM oauth_grants WHERE id = $1"
        )
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes a person's OBO grants for an app (revoking all its tokens for them).
    pub async fn delete_obo_grants(&self, app_id: AppId, account_id: AccountId) -> Result<u64> {
        Ok(with_writer!(self, |p| sqlx::query(
            "DELETE FROM oauth_grants WHERE app_id = $1 AND kind = 'obo' AND account_id = $2"
        )
        .bind(app_id.get())
        .bind(account_id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
