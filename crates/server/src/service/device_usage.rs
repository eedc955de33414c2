//! Device usage and quotas of an enterprise's OAuth app: calls per UTC day per
//! device and custom consumer, the top devices, and calls-per-day limits per
//! device or per consumer (a call over one gets 429/4013). The app's owners and
//! admins only; the management API and the console page both call these.

use super::{Caller, ServiceError, ServiceResult};
use crate::AppState;
use crate::device_usage::{Dimension, day_of};
use crate::service::apps as apps_service;
use buckle_core::OrgKind;
use buckle_store::{DeviceQuota, OAuthApp};
use std::collections::{BTreeMap, HashMap};

pub const DEFAULT_DAYS: i64 = 7;
pub const MAX_DAYS: i64 = 90;
const TOP_DEVICES: usize = 10;
const MAX_SUBJECT: usize = 128;

/// An app the caller administers, of an enterprise organization.
pub async fn enterprise_app(
    state: &AppState,
    caller: &Caller,
    app_id: &str,
) -> ServiceResult<OAuthApp> {
    let (app, _) = apps_service::managed(state, caller, app_id).await?;
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
        ));
    }
    Ok(app)
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01, UTC).
pub fn date_of(day: i64) -> String {
    crate::web::when::day(day.saturating_mul(86_400))
}

/// One device and consumer's calls on one day.
pub struct DeviceCalls {
    /// '' when the token carried none.
    pub device_id: String,
    /// '' when the token carried none.
    pub custom_consumer: String,
    pub calls: i64,
}

/// One UTC day of an app's usage.
pub struct DayUsage {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub calls: i64,
    /// Most calls first.
    pub devices: Vec<DeviceCalls>,
}

/// A device's calls over the whole range.
pub struct TopDevice {
    pub device_id: String,
    pub calls: i64,
}

/// An app's usage over a range of days ending today.
pub struct Usage {
    pub app: OAuthApp,
    /// Every day of the range, oldest first (days without calls have no devices).
    pub days: Vec<DayUsage>,
    /// The devices with the most calls over the range, at most 10.
    pub top_devices: Vec<TopDevice>,
}

/// The usage of `app_id` over the `days` UTC days ending today (1 to 90).
pub async fn usage(
    state: &AppState,
    caller: &Caller,
    app_id: &str,
    days: i64,
) -> ServiceResult<Usage> {
    let app = enterprise_app(state, caller, app_id).await?;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ServiceError::invalid(
            "days",
            format!("days must be 1 to {MAX_DAYS}."),
        ));
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
    Ok(Usage {
        app,
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

/// The quotas of an enterprise app the caller administers.
pub async fn quotas(
    state: &AppState,
    caller: &Caller,
    app_id: &str,
) -> ServiceResult<Vec<DeviceQuota>> {
    let app = enterprise_app(state, caller, app_id).await?;
    Ok(state
        .store
        .device_quotas()
        .await?
        .into_iter()
        .filter(|q| q.app_id == app.id)
        .collect())
}

/// The dimension named `kind`, with a subject of the right length.
fn subject_of(kind: &str, subject: &str) -> ServiceResult<Dimension> {
    let dim = Dimension::parse(kind)
        .ok_or_else(|| ServiceError::invalid("kind", "kind must be device or consumer."))?;
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        return Err(ServiceError::invalid(
            "subject",
            format!("subject must have 1 to {MAX_SUBJECT} characters."),
        ));
    }
    Ok(dim)
}

/// Sets the calls-per-day quota of one device (`kind` "device") or custom
/// consumer ("consumer") of an enterprise app; 0 refuses every call.
pub async fn set_quota(
    state: &AppState,
    caller: &Caller,
    app_id: &str,
    kind: &str,
    subject: &str,
    calls_per_day: i64,
) -> ServiceResult<DeviceQuota> {
    let app = enterprise_app(state, caller, app_id).await?;
    let dim = subject_of(kind, subject)?;
    if calls_per_day < 0 {
        return Err(ServiceError::invalid(
            "calls_per_day",
            "calls_per_day must be 0 or more.",
        ));
    }
    let quota = DeviceQuota {
        app_id: app.id,
        subject_kind: dim.as_str().to_string(),
        subject: subject.to_string(),
        calls_per_day,
        updated_at: state.clock.now(),
    };
    state.store.set_device_quota(&quota).await?;
    state.device_usage.set_quota(&quota);
    Ok(quota)
}

/// Clears the quota of one device or custom consumer of an enterprise app.
pub async fn clear_quota(
    state: &AppState,
    caller: &Caller,
    app_id: &str,
    kind: &str,
    subject: &str,
) -> ServiceResult<()> {
    let app = enterprise_app(state, caller, app_id).await?;
    let dim = subject_of(kind, subject)?;
    if !state
        .store
        .clear_device_quota(app.id, dim.as_str(), subject)
        .await?
    {
        return Err(ServiceError::not_found("Quota not found."));
    }
    state.device_usage.clear_quota(app.id, dim, subject);
    Ok(())
}
