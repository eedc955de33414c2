//! Device usage and quotas of an enterprise's OAuth app: calls per day per device
//! and custom consumer, the top devices, and calls-per-day limits per device or
//! per consumer (a call over one gets 429/4013). The app's owners and admins only.

use super::Actor;
use super::apps::POINT;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::device_usage::{Dimension, day_of};
use crate::error::{ApiError, ApiResult, Empty, Success, ok};
use crate::extract::{Json, Path, Query};
use crate::service::ServiceError;
use crate::service::apps as apps_service;
use axum::extract::State;
use buckle_core::OrgKind;
use buckle_store::{DeviceQuota, OAuthApp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};

const DEFAULT_DAYS: i64 = 7;
const MAX_DAYS: i64 = 90;
const TOP_DEVICES: usize = 10;
const MAX_SUBJECT: usize = 128;

/// An app the caller administers, of an enterprise organization.
async fn enterprise_app(
    state: &AppState,
    actor: &Actor,
    app_id: &str,
) -> Result<OAuthApp, ApiError> {
    actor.require(POINT)?;
    let (app, _) = apps_service::managed(state, actor, app_id).await?;
    let enterprise = match &app.org_id {
        Some(org) => state
            .store
            .organization(org)
            .await?
            .is_some_and(|o| o.kind == OrgKind::Enterprise),
        None => false,
    };
    if !enterprise {
        return Err(ServiceError::forbidden(
            "Device usage and quotas are available to enterprise organizations' apps only.",
        )
        .into());
    }
    Ok(app)
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01), proleptic Gregorian.
pub fn date_of(day: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

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
    let app = enterprise_app(&state, &actor, &app_id).await?;
    let days = q.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "days must be 1 to {MAX_DAYS}."
        )));
    }
    let now = state.clock.now();
    // This process's latest counts first, so the answer includes them.
    state.device_usage.flush(&state.store, now).await?;
    let today = day_of(now);
    let from = today - days + 1;
    let rows = state.store.device_usage_of_app(app.id, from, today).await?;
    let mut by_day: BTreeMap<i64, Vec<DeviceCalls>> =
        (from..=today).map(|d| (d, Vec::new())).collect();
    let mut per_device: HashMap<String, i64> = HashMap::new();
    for r in rows {
        if !r.device_id.is_empty() {
            *per_device.entry(r.device_id.clone()).or_insert(0) += r.calls;
        }
        by_day.entry(r.day).or_default().push(DeviceCalls {
            device_id: r.device_id,
            custom_consumer: r.custom_consumer,
            calls: r.calls,
        });
    }
    let mut top: Vec<TopDevice> = per_device
        .into_iter()
        .map(|(device_id, calls)| TopDevice { device_id, calls })
        .collect();
    top.sort_by(|a, b| {
        b.calls
            .cmp(&a.calls)
            .then_with(|| a.device_id.cmp(&b.device_id))
    });
    top.truncate(TOP_DEVICES);
    ok(UsageOut {
        app_id: app.client_id,
        days: by_day
            .into_iter()
            .map(|(day, devices)| DayUsage {
                date: date_of(day),
                calls: devices.iter().map(|d| d.calls).sum(),
                devices,
            })
            .collect(),
        top_devices: top,
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
    let app = enterprise_app(&state, &actor, &app_id).await?;
    let items = state
        .store
        .device_quotas()
        .await?
        .into_iter()
        .filter(|q| q.app_id == app.id)
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

fn subject_of(kind: &str, subject: &str) -> Result<Dimension, ApiError> {
    let dim = Dimension::parse(kind)
        .ok_or_else(|| ApiError::bad_request("kind must be device or consumer."))?;
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        return Err(ApiError::bad_request(format!(
            "subject must have 1 to {MAX_SUBJECT} characters."
        )));
    }
    Ok(dim)
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
    let app = enterprise_app(&state, &actor, &app_id).await?;
    let dim = subject_of(&body.kind, &body.subject)?;
    if body.calls_per_day < 0 {
        return Err(ApiError::bad_request("calls_per_day must be 0 or more."));
    }
    let quota = DeviceQuota {
        app_id: app.id,
        subject_kind: dim.as_str().to_string(),
        subject: body.subject,
        calls_per_day: body.calls_per_day,
        updated_at: state.clock.now(),
    };
    state.store.set_device_quota(&quota).await?;
    state.device_usage.set_quota(&quota);
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
    let app = enterprise_app(&state, &actor, &app_id).await?;
    let dim = subject_of(&kind, &subject)?;
    if !state
        .store
        .clear_device_quota(app.id, dim.as_str(), &subject)
        .await?
    {
        return Err(ApiError::not_found("Quota not found."));
    }
    state.device_usage.clear_quota(app.id, dim, &subject);
    ok(Empty {})
}
