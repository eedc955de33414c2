//! The audit log's rows: appended by the server, read by the management API,
//! dropped after the retention period.

use crate::{Result, Store, with_pool, with_writer};
use buckle_core::{AccountId, OrgId};

/// One recorded security event.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Assigned by the database, in order.
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub actor_account_id: Option<AccountId>,
    pub via_token_id: Option<i64>,
    pub subject_account_id: Option<AccountId>,
    pub org_id: Option<OrgId>,
    pub target: String,
    pub client_addr: Option<String>,
    pub detail: String,
}

/// Which events a reader sees: newest first, `limit` at most.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only events of this organization.
    pub org_id: Option<OrgId>,
    /// Only events done by or concerning this account.
    pub account_id: Option<AccountId>,
    pub kind: Option<String>,
    pub since: Option<i64>,
    /// Only events older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    kind: String,
    actor_account_id: Option<i64>,
    via_token_id: Option<i64>,
    subject_account_id: Option<i64>,
    org_id: Option<String>,
    target: String,
    client_addr: Option<String>,
    detail: String,
}

impl TryFrom<AuditRow> for AuditRecord {
    type Error = crate::StoreError;
    fn try_from(r: AuditRow) -> Result<AuditRecord> {
        Ok(AuditRecord {
            id: r.id,
            at: r.at,
            kind: r.kind,
            actor_account_id: r.actor_account_id.map(AccountId),
            via_token_id: r.via_token_id,
            subject_account_id: r.subject_account_id.map(AccountId),
            org_id: r
                .org_id
                .map(|o| crate::typed::org_id("audit_events", "org_id", &o))
                .transpose()?,
            target: r.target,
            client_addr: r.client_addr,
            detail: r.detail,
        })
    }
}

macro_rules! columns {
    () => {
        "id, at, kind, actor_account_id, via_token_id, subject_account_id, org_id, target, client_addr, detail"
    };
}

impl Store {
    /// Appends an event; `id` of `e` is ignored (the database assigns it).
    pub async fn record_audit(&self, e: &AuditRecord) -> Result<()> {
        with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO audit_events (at, kind, actor_account_id, via_token_id, subject_account_id, org_id, target, client_addr, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(e.at)
        .bind(&e.kind)
        .bind(e.actor_account_id.map(AccountId::get))
        .bind(e.via_token_id)
        .bind(e.subject_account_id.map(AccountId::get))
        .bind(e.org_id.as_ref().map(OrgId::as_str))
        .bind(&e.target)
        .bind(&e.client_addr)
        .bind(&e.detail)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Events matching `q`; every filter is optional and bound as a parameter.
    pub async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        // The casts give PostgreSQL a type for parameters that may be NULL.
        crate::typed::all(with_pool!(self, |p| sqlx::query_as::<_, AuditRow>(
            concat!(
                "SELECT ",
                columns!(),
                " FROM audit_events
             WHERE (CAST($1 AS TEXT) IS NULL OR org_id = $1)
               AND (CAST($2 AS BIGINT) IS NULL OR actor_account_id = $2 OR subject_account_id = $2)
               AND (CAST($3 AS TEXT) IS NULL OR kind = $3)
               AND (CAST($4 AS BIGINT) IS NULL OR at >= $4)
               AND (CAST($5 AS BIGINT) IS NULL OR id < $5)
             ORDER BY id DESC LIMIT $6"
            )
        )
        .bind(q.org_id.as_ref().map(OrgId::as_str))
        .bind(q.account_id.map(AccountId::get))
        .bind(&q.kind)
        .bind(q.since)
        .bind(q.before_id)
        .bind(q.limit)
        .fetch_all(p)
        .await)?)
    }

    /// Drops events recorded before `before` (the retention period).
    pub async fn purge_audit(&self, before: i64) -> Result<u64> {
        Ok(with_writer!(self, |p| sqlx::query(
            "DELETE FROM audit_events WHERE at < $1"
        )
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
