//! Device usage and quotas of an enterprise's OAuth app: calls per day per device
//! and custom consumer, the top devices, and calls-per-day limits per device or
//! per consumer (a call over one gets 429/4013). The app's owners and admins only.

use super::Actor;
use super::apps::POINT;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::{ApiResult, Empty, Success, ok};
use crate::extract::{Json, Path, Query};
use crate::service::device_usage::{self as service, DEFAULT_DAYS};
use axum::extract::State;
use buckle_store::DeviceQuota;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    /// How many UTC days, ending today: 1 to 90, default 7.
    days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceCalls {
    /// '' when the token carried none.
    device_id: String,
    /// '' when the token carried none.
    custom_consumer: String,
    calls: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayUsage {
    /// `YYYY-MM-DD`, UTC.
    date: String,
    calls: i64,
    /// Most calls first.
    devices: Vec<DeviceCalls>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopDevice {
    device_id: String,
    calls: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageOut {
    app_id: String,
    /// Every day of the range, oldest first (days without calls have none).
    days: Vec<DayUsage>,
    /// The devices with the most calls over the range, at most 10.
    top_devices: Vec<TopDevice>,
}

/// `GET /api/manage/apps/{app_id}/device_usage[?days=]`.
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}/device_usage",
    summary = "Calls per UTC day per device and custom consumer, and the top devices (enterprise apps; owner or admins)",
    params(("app_id" = String, Path), UsageParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<UsageOut>), EnvelopeErrors)
)]
pub async fn usage(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
    Query(q): Query<UsageParams>,
) -> ApiResult<UsageOut> {
    actor.require(POINT)?;
    let usage = service::usage(&state, &actor, &app_id, q.days.unwrap_or(DEFAULT_DAYS)).await?;
    ok(UsageOut {
        app_id: usage.app.client_id,
        days: usage
            .days
            .into_iter()
            .map(|d| DayUsage {
                date: d.date,
                calls: d.calls,
                devices: d
                    .devices
                    .into_iter()
                    .map(|c| DeviceCalls {
                        device_id: c.device_id,
                        custom_consumer: c.custom_consumer,
                        calls: c.calls,
                    })
                    .collect(),
            })
            .collect(),
        top_devices: usage
            .top_devices
            .into_iter()
            .map(|t| TopDevice {
                device_id: t.device_id,
                calls: t.calls,
            })
            .collect(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaOut {
    /// `device` or `consumer`.
    kind: String,
    /// The device id or the custom consumer.
    subject: String,
    calls_per_day: i64,
    updated_at: i64,
}

impl From<DeviceQuota> for QuotaOut {
    fn from(q: DeviceQuota) -> QuotaOut {
        QuotaOut {
            kind: q.subject_kind,
            subject: q.subject,
            calls_per_day: q.calls_per_day,
            updated_at: q.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaList {
    items: Vec<QuotaOut>,
}

/// `GET /api/manage/apps/{app_id}/device_quotas`.
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}/device_quotas",
    summary = "An enterprise app's calls-per-day quotas per device and per custom consumer (owner or admins)",
    params(("app_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<QuotaList>), EnvelopeErrors)
)]
pub async fn list_quotas(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<QuotaList> {
    actor.require(POINT)?;
    let items = service::quotas(&state, &actor, &app_id)
        .await?
        .into_iter()
        .map(QuotaOut::from)
        .collect();
    ok(QuotaList { items })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "device", "subject": "dev-1", "calls_per_day": 1000}))]
pub struct SetQuota {
    /// `device` or `consumer`.
    kind: String,
    /// The device id or the custom consumer, as the tokens carry it.
    subject: String,
    /// 0 refuses every call.
    calls_per_day: i64,
}

/// `PUT /api/manage/apps/{app_id}/device_quotas`.
#[utoipa::path(
    put,
    path = "/api/manage/apps/{app_id}/device_quotas",
    summary = "Set the calls-per-day quota of one device or custom consumer of an enterprise app (owner or admins)",
    params(("app_id" = String, Path)),
    request_body = SetQuota,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<QuotaOut>), EnvelopeErrors)
)]
pub async fn set_quota(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
    Json(body): Json<SetQuota>,
) -> ApiResult<QuotaOut> {
    actor.require(POINT)?;
    let quota = service::set_quota(
        &state,
        &actor,
        &app_id,
        &body.kind,
        &body.subject,
        body.calls_per_day,
    )
    .await?;
    ok(quota.into())
}

/// `DELETE /api/manage/apps/{app_id}/device_quotas/{kind}/{subject}`.
#[utoipa::path(
    delete,
    path = "/api/manage/apps/{app_id}/device_quotas/{kind}/{subject}",
    summary = "Clear the quota of one device or custom consumer of an enterprise app (owner or admins)",
    params(("app_id" = String, Path), ("kind" = String, Path), ("subject" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn clear_quota(
    State(state): State<AppState>,
    actor: Actor,
    Path((app_id, kind, subject)): Path<(String, String, String)>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    service::clear_quota(&state, &actor, &app_id, &kind, &subject).await?;
    ok(Empty {})
}
