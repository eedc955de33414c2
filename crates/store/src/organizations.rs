//! Organizations (teams and enterprises) and the editions their members see.

use crate::typed;
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, OrgId, OrgKind, Role};

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub token_max_days: Option<i64>,
    pub created_at: i64,
}

/// An organization as one of its members sees it.
#[derive(Debug, Clone)]
pub struct Membership {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub token_max_days: Option<i64>,
    pub created_at: i64,
    pub role: Role,
}

#[derive(sqlx::FromRow)]
struct OrganizationRow {
    id: String,
    kind: String,
    name: String,
    token_max_days: Option<i64>,
    created_at: i64,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = StoreError;
    fn try_from(r: OrganizationRow) -> Result<Organization> {
        Ok(Organization {
            kind: typed::word("organizations", "kind", &r.kind, OrgKind::parse)?,
            id: typed::org_id("organizations", "id", &r.id)?,
            name: r.name,
            token_max_days: r.token_max_days,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    id: String,
    kind: String,
    name: String,
    token_max_days: Option<i64>,
    created_at: i64,
    role: String,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;
    fn try_from(r: MembershipRow) -> Result<Membership> {
        Ok(Membership {
            role: typed::role("organization_members", &r.role)?,
            kind: typed::word("organizations", "kind", &r.kind, OrgKind::parse)?,
            id: typed::org_id("organizations", "id", &r.id)?,
            name: r.name,
            token_max_days: r.token_max_days,
            created_at: r.created_at,
        })
    }
}

impl Store {
    /// Creates an organization with its creator as super admin.
    pub async fn create_organization(&self, org: &Organization, creator: AccountId) -> Result<()> {
        crate::text::storable(&[&org.name])?;
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO organizations (id, kind, name, token_max_days, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(org.id.as_str())
            .bind(org.kind.as_str())
            .bind(&org.name)
            .bind(org.token_max_days)
            .bind(org.created_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO organization_members (org_id, account_id, role, joined_at) VALUES ($1, $2, 'super_admin', $3)",
            )
            .bind(org.id.as_str())
            .bind(creator.get())
            .bind(org.created_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn organization(&self, id: &OrgId) -> Result<Option<Organization>> {
        typed::one(with_pool!(self, |p| sqlx::query_as::<_, OrganizationRow>(
            "SELECT id, kind, name, token_max_days, created_at FROM organizations WHERE id = $1"
        )
        .bind(id.as_str())
        .fetch_optional(p)
        .await)?)
    }

    pub async fn organizations_of(&self, account_id: AccountId) -> Result<Vec<Membership>> {
        typed::all(with_pool!(self, |p| sqlx::query_as::<_, MembershipRow>(
            "SELECT o.id, o.kind, o.name, o.token_max_days, o.created_at, m.role
             FROM organization_members m JOIN organizations o ON o.id = m.org_id
             WHERE m.account_id = $1 ORDER BY o.created_at, o.id"
        )
        .bind(account_id.get())
        .fetch_all(p)
        .await)?)
    }

    pub async fn set_token_policy(
        &self,
        org_id: &OrgId,
        token_max_days: Option<i64>,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE organizations SET token_max_days = $1 WHERE id = $2"
        )
        .bind(token_max_days)
        .bind(org_id.as_str())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
