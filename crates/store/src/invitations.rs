//! Invitations to join an organization, used up when accepted.

use crate::typed;
use crate::{Result, Store, StoreError, with_pool, with_writer};
use buckle_core::{AccountId, OrgId, OrgKind, Role};

/// A pending invitation to join an organization, with the organization's name.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub org_name: String,
    pub user_name: String,
    pub role: Role,
    pub invited_by: AccountId,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: i64,
    org_id: String,
    org_kind: String,
    org_name: String,
    user_name: String,
    role: String,
    invited_by: i64,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;
    fn try_from(r: InvitationRow) -> Result<Invitation> {
        Ok(Invitation {
            role: typed::role("organization_invitations", &r.role)?,
            id: r.id,
            org_id: typed::org_id("organization_invitations", "org_id", &r.org_id)?,
            org_kind: typed::word("organizations", "kind", &r.org_kind, OrgKind::parse)?,
            org_name: r.org_name,
            user_name: r.user_name,
            invited_by: AccountId(r.invited_by),
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

/// What accepting an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// The invitee joined `org_id` with `role`.
    Joined { org_id: OrgId, role: Role },
    /// The invitee was already a member; the invitation is used up all the same.
    AlreadyMember { org_id: OrgId },
    /// No such pending invitation for this user name.
    Gone,
}

/// The columns of [`Invitation`], from `organization_invitations i JOIN organizations o`.
macro_rules! select_invitations {
    ($where:literal) => {
        concat!(
            "SELECT i.id, i.org_id, o.kind AS org_kind, o.name AS org_name, i.user_name, i.role,
                    i.invited_by, i.created_at, i.expires_at
             FROM organization_invitations i JOIN organizations o ON o.id = i.org_id WHERE ",
            $where
        )
    };
}

impl Store {
    /// Invites `user_name` (an existing account's or not) with `role`; inviting
    /// the same name again replaces the role, inviter and expiry. Returns the id.
    #[allow(clippy::too_many_arguments)]
    pub async fn invite(
        &self,
        id: i64,
        org_id: &OrgId,
        user_name: &str,
        role: Role,
        invited_by: AccountId,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        crate::text::storable(&[user_name])?;
        let r: (i64,) = with_writer!(self, |p| {
            sqlx::query_as(
            "INSERT INTO organization_invitations (id, org_id, user_name, role, invited_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (org_id, user_name) DO UPDATE SET role = excluded.role,
                 invited_by = excluded.invited_by, created_at = excluded.created_at,
                 expires_at = excluded.expires_at
             RETURNING id"
        )
        .bind(id)
        .bind(org_id.as_str())
        .bind(user_name)
        .bind(role.as_str())
        .bind(invited_by.get())
        .bind(now)
        .bind(expires_at)
        .fetch_one(p)
        .await
        })?;
        Ok(r.0)
    }

    /// Pending, unexpired invitations of an organization.
    pub async fn invitations_of_organization(
        &self,
        org_id: &OrgId,
        now: i64,
    ) -> Result<Vec<Invitation>> {
        let q =
            select_invitations!("i.org_id = $1 AND i.expires_at > $2 ORDER BY i.created_at, i.id");
        typed::all(with_pool!(self, |p| sqlx::query_as::<_, InvitationRow>(q)
            .bind(org_id.as_str())
            .bind(now)
            .fetch_all(p)
            .await)?)
    }

    /// Pending, unexpired invitations addressed to a user name.
    pub async fn invitations_for(&self, user_name: &str, now: i64) -> Result<Vec<Invitation>> {
        let q = select_invitations!(
            "i.user_name = $1 AND i.expires_at > $2 ORDER BY i.created_at, i.id"
        );
        typed::all(with_pool!(self, |p| sqlx::query_as::<_, InvitationRow>(q)
            .bind(user_name)
            .bind(now)
            .fetch_all(p)
            .await)?)
    }

    /// One pending, unexpired invitation addressed to `user_name`.
    pub async fn invitation_for(
        &self,
        id: i64,
        user_name: &str,
        now: i64,
    ) -> Result<Option<Invitation>> {
        let q = select_invitations!("i.id = $1 AND i.user_name = $2 AND i.expires_at > $3");
        typed::one(with_pool!(self, |p| sqlx::query_as::<_, InvitationRow>(q)
            .bind(id)
            .bind(user_name)
            .bind(now)
            .fetch_optional(p)
            .await)?)
    }

    /// Deletes an invitation of `org_id` (cancel) or addressed to `user_name`
    /// (decline); true when one was pending.
    pub async fn delete_invitation(
        &self,
        id: i64,
        org_id: Option<&OrgId>,
        user_name: Option<&str>,
    ) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "DELETE FROM organization_invitations WHERE id = $1
             AND ($2 IS NULL OR org_id = $2) AND ($3 IS NULL OR user_name = $3)"
        )
        .bind(id)
        .bind(org_id.map(OrgId::as_str))
        .bind(user_name)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Uses up the invitation addressed to `user_name` and makes `account_id` a
    /// member with its role, in one transaction: two accepts cannot both join.
    pub async fn accept_invitation(
        &self,
        id: i64,
        user_name: &str,
        account_id: AccountId,
        now: i64,
    ) -> Result<Accepted> {
        let r = with_writer!(self, |p| async {
            let mut tx = p.begin().await?;
            let claimed: Option<(String, String)> = sqlx::query_as(
                "DELETE FROM organization_invitations
                 WHERE id = $1 AND user_name = $2 AND expires_at > $3
                 RETURNING org_id, role",
            )
            .bind(id)
            .bind(user_name)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((org_id, role)) = claimed else {
                return Ok::<Accepted, StoreError>(Accepted::Gone);
            };
            // A corrupt role fails here, before the commit: the invitation stays.
            let role = typed::role("organization_invitations", &role)?;
            let org_id = typed::org_id("organization_invitations", "org_id", &org_id)?;
            let joined = sqlx::query(
                "INSERT INTO organization_members (org_id, account_id, role, joined_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, account_id) DO NOTHING",
            )
            .bind(org_id.as_str())
            .bind(account_id.get())
            .bind(role.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            tx.commit().await?;
            Ok::<Accepted, StoreError>(if joined {
                Accepted::Joined { org_id, role }
            } else {
                Accepted::AlreadyMember { org_id }
            })
        }
        .await)?;
        Ok(r)
    }
}
