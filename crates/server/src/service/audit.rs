//! Reading the audit log, newest first. Installation super admins read every
//! event; an organization's admins read its events; everyone else reads the
//! events they did or that concern their account.

use super::{Caller, ServiceError, ServiceResult, id_of};
use crate::AppState;
use buckle_core::audit::AuditKind;
use buckle_store::{AuditQuery, AuditRecord};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

/// Which events, as the caller wrote the filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub organization_id: Option<String>,
    pub kind: Option<String>,
    /// Unix seconds: only events at or after.
    pub since: Option<i64>,
    /// The next page: events older than this id.
    pub before_id: Option<String>,
    pub limit: Option<i64>,
}

/// The events the caller may read that match the filter.
pub async fn events(
    state: &AppState,
    caller: &Caller,
    f: AuditFilter,
) -> ServiceResult<Vec<AuditRecord>> {
    let kind = match f.kind.as_deref() {
        Some(k) => Some(
            AuditKind::parse(k)
                .ok_or_else(|| {
                    ServiceError::invalid("kind", format!("kind: unknown event kind {k:?}."))
                })?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let limit = f.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServiceError::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    let before_id = f
        .before_id
        .as_deref()
        .map(|b| id_of(b, "before_id", "before_id", buckle_core::ids::parse_id))
        .transpose()?;
    let (org_id, account_id) = match f.organization_id.as_deref() {
        Some(org) => {
            let org = super::organizations::org_of(org)?;
            caller.require_org_admin(state, &org).await?;
            (Some(org), None)
        }
        None if caller.account.is_super_admin => (None, None),
        None => (None, Some(caller.account.id)),
    };
    Ok(state
        .store
        .audit_events(&AuditQuery {
            org_id,
            account_id,
            kind,
            since: f.since,
            before_id,
            limit,
        })
        .await?)
}
