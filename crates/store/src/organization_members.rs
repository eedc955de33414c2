//! Members of an organization and their roles. Removing a member also removes
//! what they held there (workspace memberships, PATs, OBO grants).

use crate::lite::fetch_optional;
use crate::typed;
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, OrgId, Role};

#[derive(Debug, Clone)]
pub struct OrgMember {
    pub account_id: AccountId,
    pub user_name: String,
    pub nick_name: String,
    pub avatar_url: String,
    pub role: Role,
    pub joined_at: i64,
}

#[derive(sqlx::FromRow)]
struct OrgMemberRow {
    account_id: i64,
    user_name: String,
    nick_name: String,
    avatar_url: String,
    role: String,
    joined_at: i64,
}

impl TryFrom<OrgMemberRow> for OrgMember {
    type Error = StoreError;
    fn try_from(r: OrgMemberRow) -> Result<OrgMember> {
        Ok(OrgMember {
            role: typed::role("organization_members", &r.role)?,
            account_id: AccountId(r.account_id),
            user_name: r.user_name,
            nick_name: r.nick_name,
            avatar_url: r.avatar_url,
            joined_at: r.joined_at,
        })
    }
}

impl Store {
    /// The account's role in the organization, or `None` when it is not a member.
    pub async fn role_in(&self, org_id: &OrgId, account_id: AccountId) -> Result<Option<Role>> {
        let r = fetch_optional!(
            self,
            (String,),
            "SELECT role FROM organization_members WHERE org_id = $1 AND account_id = $2",
            org_id.as_str(),
            account_id.get()
        )?;
        r.map(|(role,)| typed::role("organization_members", &role))
            .transpose()
    }

    pub async fn organization_members(&self, org_id: &OrgId) -> Result<Vec<OrgMember>> {
        typed::all(with_pool!(self, |p| sqlx::query_as::<_, OrgMemberRow>(
            "SELECT a.id AS account_id, a.user_name, a.nick_name, a.avatar_url, m.role, m.joined_at
             FROM organization_members m JOIN accounts a ON a.id = m.account_id
             WHERE m.org_id = $1 ORDER BY m.joined_at, a.id"
        )
        .bind(org_id.as_str())
        .fetch_all(p)
        .await)?)
    }

    pub async fn set_organization_role(
        &self,
        org_id: &OrgId,
        account_id: AccountId,
        role: Role,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE organization_members SET role = $1 WHERE org_id = $2 AND account_id = $3"
        )
        .bind(role.as_str())
        .bind(org_id.as_str())
        .bind(account_id.get())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Removes a member from the organization and its workspaces, and deletes the
    /// personal access tokens and OBO authorizations (with their tokens) they had
    /// there: people's tokens do not outlive their membership.
    pub async fn remove_organization_member(
        &self,
        org_id: &OrgId,
        account_id: AccountId,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "DELETE FROM organization_members WHERE org_id = $1 AND account_id = $2",
            )
            .bind(org_id.as_str())
            .bind(account_id.get())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "DELETE FROM workspace_members WHERE account_id = $1
                 AND workspace_id IN (SELECT id FROM workspaces WHERE org_id = $2)",
            )
            .bind(account_id.get())
            .bind(org_id.as_str())
            .execute(&mut *tx)
            .await?;
            // Their consents to OBO apps in the organization go too, with every token.
            sqlx::query(
                "DELETE FROM oauth_grants WHERE kind = 'obo' AND account_id = $1 AND org_id = $2",
            )
            .bind(account_id.get())
            .bind(org_id.as_str())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM access_tokens WHERE kind = 'pat' AND account_id = $1 AND org_id = $2",
            )
            .bind(account_id.get())
            .bind(org_id.as_str())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n == 1)
    }

    pub async fn count_super_admins(&self, org_id: &OrgId) -> Result<i64> {
        let n: (i64,) = with_pool!(self, |p| {
            sqlx::query_as(
            "SELECT COUNT(*) FROM organization_members WHERE org_id = $1 AND role = 'super_admin'"
        )
        .bind(org_id.as_str())
        .fetch_one(p)
        .await
        })?;
        Ok(n.0)
    }
}
