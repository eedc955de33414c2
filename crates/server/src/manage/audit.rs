//! `GET /api/manage/audit_events`: the audit log, newest first.
//! Installation super admins read every event; an organization's admins read
//! its events (`organization_id`); everyone else reads the events they did or
//! that concern their account.

use super::Actor;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::Query;
use crate::service::audit::{self as service, AuditFilter};
use axum::extract::State;
use buckle_core::OrgId;
use buckle_store::AuditRecord;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

const POINT: &str = "Manage.audit";

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    organization_id: Option<String>,
    kind: Option<String>,
    /// Unix seconds: only events at or after.
    since: Option<i64>,
    /// The next page: events older than this id.
    before_id: Option<String>,
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventOut {
    id: String,
    at: i64,
    kind: String,
    actor_user_id: Option<String>,
    /// The token the actor used (`None`: a console session or the CLI).
    via_token_id: Option<String>,
    subject_user_id: Option<String>,
    organization_id: Option<String>,
    target: String,
    client_addr: Option<String>,
    detail: serde_json::Value,
}

impl From<AuditRecord> for AuditEventOut {
    fn from(r: AuditRecord) -> AuditEventOut {
        AuditEventOut {
            id: r.id.to_string(),
            at: r.at,
            kind: r.kind,
            actor_user_id: r.actor_account_id.map(|a| a.to_string()),
            via_token_id: r.via_token_id.map(|t| t.to_string()),
            subject_user_id: r.subject_account_id.map(|a| a.to_string()),
            organization_id: r.org_id.map(OrgId::into_string),
            target: r.target,
            client_addr: r.client_addr,
            detail: serde_json::from_str(&r.detail).unwrap_or_default(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/manage/audit_events",
    summary = "The audit log, newest first (Manage.audit): super admins see every event, organization admins their organization's (organization_id), others their own; kind, since, before_id, limit",
    params(AuditParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<AuditEventOut>>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<AuditParams>,
) -> ApiResult<Vec<AuditEventOut>> {
    actor.require(POINT)?;
    let filter = AuditFilter {
        organization_id: q.organization_id,
        kind: q.kind,
        since: q.since,
        before_id: q.before_id,
        limit: q.limit,
    };
    let rows = service::events(&state, &actor, filter).await?;
    ok(rows.into_iter().map(AuditEventOut::from).collect())
}
