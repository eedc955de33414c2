//! Members of a workspace and their roles; the owner cannot be removed.

use crate::typed::{self, word};
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, WorkspaceId, WorkspaceRole};

#[derive(Debug, Clone)]
pub struct WorkspaceMember {
    pub account_id: AccountId,
    pub user_name: String,
    pub nick_name: String,
    pub avatar_url: String,
    pub role: WorkspaceRole,
}

#[derive(sqlx::FromRow)]
struct WorkspaceMemberRow {
    account_id: i64,
    user_name: String,
    nick_name: String,
    avatar_url: String,
    role: String,
}

impl TryFrom<WorkspaceMemberRow> for WorkspaceMember {
    type Error = StoreError;
    fn try_from(r: WorkspaceMemberRow) -> Result<WorkspaceMember> {
        Ok(WorkspaceMember {
            role: word("workspace_members", "role", &r.role, WorkspaceRole::parse)?,
            account_id: AccountId(r.account_id),
            user_name: r.user_name,
            nick_name: r.nick_name,
            avatar_url: r.avatar_url,
        })
    }
}

impl Store {
    pub async fn workspace_members(&self, id: WorkspaceId) -> Result<Vec<WorkspaceMember>> {
        typed::all(with_pool!(self, |p| {
            sqlx::query_as::<_, WorkspaceMemberRow>(
                "SELECT a.id AS account_id, a.user_name, a.nick_name, a.avatar_url, m.role
             FROM workspace_members m JOIN accounts a ON a.id = m.account_id
             WHERE m.workspace_id = $1 ORDER BY m.joined_at, a.id",
            )
            .bind(id.get())
            .fetch_all(p)
            .await
        })?)
    }

    pub async fn workspace_role(
        &self,
        id: WorkspaceId,
        account_id: AccountId,
    ) -> Result<Option<WorkspaceRole>> {
        let r: Option<(String,)> = with_pool!(self, |p| sqlx::query_as(
            "SELECT role FROM workspace_members WHERE workspace_id = $1 AND account_id = $2"
        )
        .bind(id.get())
        .bind(account_id.get())
        .fetch_optional(p)
        .await)?;
        r.map(|(role,)| word("workspace_members", "role", &role, WorkspaceRole::parse))
            .transpose()
    }

    pub async fn add_workspace_member(
        &self,
        id: WorkspaceId,
        account_id: AccountId,
        role: WorkspaceRole,
        now: i64,
    ) -> Result<()> {
        with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO workspace_members (workspace_id, account_id, role, joined_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(id.get())
        .bind(account_id.get())
        .bind(role.as_str())
        .bind(now)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn remove_workspace_member(
        &self,
        id: WorkspaceId,
        account_id: AccountId,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| {
            sqlx::query(
            "DELETE FROM workspace_members WHERE workspace_id = $1 AND account_id = $2 AND role <> 'owner'"
        )
        .bind(id.get())
        .bind(account_id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}
