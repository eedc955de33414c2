//! Workspaces: a person's personal one and an organization's.

use crate::typed::{self, word};
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, OrgId, WorkspaceId, WorkspaceRole};

#[derive(Debug, Clone)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub org_id: Option<OrgId>,
    pub owner_account_id: AccountId,
    pub created_at: i64,
}

/// A workspace with the viewing account's role in it.
#[derive(Debug, Clone)]
pub struct WorkspaceOfAccount {
    pub id: WorkspaceId,
    pub name: String,
    pub org_id: Option<OrgId>,
    pub owner_account_id: AccountId,
    pub created_at: i64,
    pub role: WorkspaceRole,
}

#[derive(sqlx::FromRow)]
struct WorkspaceOfAccountRow {
    id: i64,
    name: String,
    org_id: Option<String>,
    owner_account_id: i64,
    created_at: i64,
    role: String,
}

impl TryFrom<WorkspaceOfAccountRow> for WorkspaceOfAccount {
    type Error = StoreError;
    fn try_from(r: WorkspaceOfAccountRow) -> Result<WorkspaceOfAccount> {
        Ok(WorkspaceOfAccount {
            role: word("workspace_members", "role", &r.role, WorkspaceRole::parse)?,
            id: WorkspaceId(r.id),
            name: r.name,
            org_id: org_of(r.org_id)?,
            owner_account_id: AccountId(r.owner_account_id),
            created_at: r.created_at,
        })
    }
}

/// A workspace's organization column (`NULL`: a personal workspace).
fn org_of(org_id: Option<String>) -> Result<Option<OrgId>> {
    org_id
        .map(|o| typed::org_id("workspaces", "org_id", &o))
        .transpose()
}

#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    id: i64,
    name: String,
    org_id: Option<String>,
    owner_account_id: i64,
    created_at: i64,
}

impl TryFrom<WorkspaceRow> for Workspace {
    type Error = StoreError;
    fn try_from(r: WorkspaceRow) -> Result<Workspace> {
        Ok(Workspace {
            id: WorkspaceId(r.id),
            name: r.name,
            org_id: org_of(r.org_id)?,
            owner_account_id: AccountId(r.owner_account_id),
            created_at: r.created_at,
        })
    }
}

impl Store {
    pub async fn create_workspace(&self, w: &Workspace) -> Result<()> {
        crate::text::storable(&[&w.name])?;
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO workspaces (id, name, org_id, owner_account_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(w.id.get())
            .bind(&w.name)
            .bind(w.org_id.as_ref().map(OrgId::as_str))
            .bind(w.owner_account_id.get())
            .bind(w.created_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO workspace_members (workspace_id, account_id, role, joined_at) VALUES ($1, $2, 'owner', $3)",
            )
            .bind(w.id.get())
            .bind(w.owner_account_id.get())
            .bind(w.created_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>> {
        typed::one(with_pool!(self, |p| sqlx::query_as::<_, WorkspaceRow>(
            "SELECT id, name, org_id, owner_account_id, created_at FROM workspaces WHERE id = $1"
        )
        .bind(id.get())
        .fetch_optional(p)
        .await)?)
    }

    /// The workspace and whether `account_id` is a member of it, in one round trip.
    pub async fn workspace_for(
        &self,
        id: WorkspaceId,
        account_id: AccountId,
    ) -> Result<Option<(Workspace, bool)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            org_id: Option<String>,
            owner_account_id: i64,
            created_at: i64,
            is_member: bool,
        }
        let row = with_pool!(self, |p| {
            sqlx::query_as::<_, Row>(
            "SELECT w.id, w.name, w.org_id, w.owner_account_id, w.created_at,
                    EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id AND m.account_id = $2) AS is_member
             FROM workspaces w WHERE w.id = $1"
        )
        .bind(id.get())
        .bind(account_id.get())
        .fetch_optional(p)
        .await
        })?;
        row.map(|r| {
            Ok((
                Workspace {
                    id: WorkspaceId(r.id),
                    name: r.name,
                    org_id: org_of(r.org_id)?,
                    owner_account_id: AccountId(r.owner_account_id),
                    created_at: r.created_at,
                },
                r.is_member,
            ))
        })
        .transpose()
    }

    /// Workspaces an account belongs to, in one edition (`None`: personal edition).
    pub async fn workspaces_of(
        &self,
        account_id: AccountId,
        org_id: Option<&OrgId>,
    ) -> Result<Vec<WorkspaceOfAccount>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, WorkspaceOfAccountRow>(
                "SELECT w.id, w.name, w.org_id, w.owner_account_id, w.created_at, m.role
             FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
             WHERE m.account_id = $1 AND ((w.org_id IS NULL AND $2 IS NULL) OR w.org_id = $2)
             ORDER BY w.created_at, w.id",
            )
            .bind(account_id.get())
            .bind(org_id.map(OrgId::as_str))
            .fetch_all(p)
            .await
        })?)
    }

    /// Every workspace of an organization.
    pub async fn workspaces_of_organization(&self, org_id: &OrgId) -> Result<Vec<Workspace>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, WorkspaceRow>(
            "SELECT id, name, org_id, owner_account_id, created_at FROM workspaces WHERE org_id = $1 ORDER BY created_at, id"
        )
        .bind(org_id.as_str())
        .fetch_all(p)
        .await
        })?)
    }

    /// Moves a personal workspace of `owner` into `org_id`, in one statement that
    /// also checks, at commit, that it is still personal and theirs and that they
    /// are still an admin of the organization. Members (the owner), bots and
    /// everything else stay with the workspace. Returns whether it moved.
    pub async fn move_workspace_into(
        &self,
        id: WorkspaceId,
        owner: AccountId,
        org_id: &OrgId,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE workspaces SET org_id = $3
             WHERE id = $1 AND owner_account_id = $2 AND org_id IS NULL
               AND EXISTS (SELECT 1 FROM organization_members m
                           WHERE m.org_id = $3 AND m.account_id = $2
                             AND m.role IN ('super_admin', 'admin'))"
        )
        .bind(id.get())
        .bind(owner.get())
        .bind(org_id.as_str())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
