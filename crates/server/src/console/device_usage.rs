//! `/console/device-usage?org=`: an enterprise's device usage. For the OAuth app
//! chosen (one the admin manages), a chart of calls per UTC day stacked by its
//! top devices, the top devices, each day's calls per device and consumer, and
//! the calls-per-day quotas with forms to set and clear them. The rules are in
//! `service::device_usage`.

use super::context::{Answer, Console, OrRefusal, Section, Space};
use super::orgs_common::field_errors;
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::device_usage::{self as service, DEFAULT_DAYS, Usage};
use crate::service::{ServiceError, apps};
use crate::web::Key;
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::{Frame, render};
use crate::web::when::moment;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use buckle_core::OrgKind;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The ranges the page offers, in days.
const RANGES: [i64; 3] = [7, 30, 90];
/// The devices that get their own colour in the chart; the rest are "other".
const CHART_DEVICES: usize = 5;
/// The chart's drawing, in SVG units: bars between `CHART_TOP` and
/// `CHART_BOTTOM`, dates below.
const CHART_WIDTH: f64 = 720.0;
const CHART_TOP: f64 = 16.0;
const CHART_BOTTOM: f64 = 176.0;
/// The share of a day's slot its bar fills.
const BAR_FILL: f64 = 0.7;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// The enterprise (read by the console's frame).
    #[allow(dead_code)]
    org: Option<String>,
    /// The app's client id; absent: the first app of the enterprise.
    app: Option<String>,
    /// 7, 30 or 90 UTC days ending today; default 7.
    days: Option<i64>,
}

/// A quota to set, from the page's form.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuotaForm {
    csrf: String,
    app_id: String,
    /// `device` or `consumer`.
    kind: String,
    subject: String,
    /// Text, so a mistyped number is shown next to its field.
    calls_per_day: String,
}

/// A quota to clear.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearQuotaForm {
    csrf: String,
    app_id: String,
    kind: String,
    subject: String,
}

struct AppChoice {
    client_id: String,
    name: String,
    selected: bool,
}

struct RangeLink {
    label: String,
    href: String,
    current: bool,
}

/// One coloured piece of a day's bar.
struct Segment {
    y: String,
    height: String,
    /// `s0`..`s4` for the top devices, `other` for the rest.
    class: &'static str,
    title: String,
}

struct Bar {
    x: String,
    width: String,
    /// The middle of the day's slot, where its date is written.
    center: String,
    /// `MM-DD` under the bar, for some of the days.
    label: Option<String>,
    date: String,
    calls: i64,
    segments: Vec<Segment>,
}

struct LegendEntry {
    class: &'static str,
    label: String,
}

struct DayRow {
    date: String,
    device_id: String,
    custom_consumer: String,
    calls: i64,
}

struct QuotaRow {
    kind: String,
    kind_label: &'static str,
    subject: String,
    calls_per_day: i64,
    updated: String,
}

/// What was typed into the quota form, shown again beside its errors.
#[derive(Default)]
struct QuotaTyped {
    kind: String,
    subject: String,
    calls_per_day: String,
}

#[derive(Template)]
#[template(path = "console/device_usage.html")]
struct UsagePage {
    frame: Frame,
    csrf: String,
    /// Why there is nothing to show (not an enterprise, not an admin, no app).
    notice: Option<&'static str>,
    /// The enterprise, for the app chooser's form.
    org: String,
    apps: Vec<AppChoice>,
    app_id: String,
    ranges: Vec<RangeLink>,
    days: i64,
    total: i64,
    /// The height of the largest bar, in calls (the chart's top line).
    max_calls: i64,
    chart_label: String,
    bars: Vec<Bar>,
    legend: Vec<LegendEntry>,
    top_devices: Vec<(String, i64)>,
    day_rows: Vec<DayRow>,
    quotas: Vec<QuotaRow>,
    set_action: String,
    clear_action: String,
    typed: QuotaTyped,
    errors: FieldErrors,
}

fn kind_label(console: &Console, kind: &str) -> &'static str {
    if kind == "consumer" {
        console.t(Key("usage.kind_consumer"))
    } else {
        console.t(Key("usage.kind_device"))
    }
}

/// The stacked bars of `usage`: each day's calls split between the top devices
/// (one colour each) and everything else.
fn chart(console: &Console, usage: &Usage) -> (Vec<Bar>, Vec<LegendEntry>, i64) {
    const CLASSES: [&str; CHART_DEVICES] = ["s0", "s1", "s2", "s3", "s4"];
    let coloured: Vec<&str> = usage
        .top_devices
        .iter()
        .take(CHART_DEVICES)
        .map(|t| t.device_id.as_str())
        .collect();
    let max_calls = usage.days.iter().map(|d| d.calls).max().unwrap_or(0);
    let scale = if max_calls > 0 {
        (CHART_BOTTOM - CHART_TOP) / max_calls as f64
    } else {
        0.0
    };
    let days = usage.days.len().max(1);
    let pitch = CHART_WIDTH / days as f64;
    let width = pitch * BAR_FILL;
    let bars = usage
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let mut per_class = [0i64; CHART_DEVICES + 1];
            for d in &day.devices {
                let slot = coloured
                    .iter()
                    .position(|c| *c == d.device_id)
                    .unwrap_or(CHART_DEVICES);
                per_class[slot] += d.calls;
            }
            let mut top = CHART_BOTTOM;
            let segments = per_class
                .iter()
                .enumerate()
                .filter(|(_, calls)| **calls > 0)
                .map(|(slot, calls)| {
                    let height = *calls as f64 * scale;
                    top -= height;
                    let (class, who) = match CLASSES.get(slot) {
                        Some(class) => (*class, coloured[slot].to_string()),
                        None => ("other", console.t(Key("usage.other")).to_string()),
                    };
                    Segment {
                        y: format!("{top:.2}"),
                        height: format!("{height:.2}"),
                        class,
                        title: format!("{} · {who}: {calls}", day.date),
                    }
                })
                .collect();
            Bar {
                x: format!("{:.2}", i as f64 * pitch + (pitch - width) / 2.0),
                width: format!("{width:.2}"),
                center: format!("{:.2}", (i as f64 + 0.5) * pitch),
                // Every date under a week; else about seven of them, today's included.
                label: (days <= 7 || (days - 1 - i).is_multiple_of(days / 7))
                    .then(|| day.date.get(5..).unwrap_or_default().to_string()),
                date: day.date.clone(),
                calls: day.calls,
                segments,
            }
        })
        .collect();
    let mut legend: Vec<LegendEntry> = coloured
        .iter()
        .zip(CLASSES)
        .map(|(device, class)| LegendEntry {
            class,
            label: device.to_string(),
        })
        .collect();
    if usage
        .days
        .iter()
        .flat_map(|d| &d.devices)
        .any(|d| !coloured.contains(&d.device_id.as_str()))
    {
        legend.push(LegendEntry {
            class: "other",
            label: console.t(Key("usage.other")).to_string(),
        });
    }
    (bars, legend, max_calls)
}

/// Why the page has nothing to show in this space, if so.
fn unavailable(console: &Console) -> Option<&'static str> {
    match &console.space {
        Space::Organization {
            kind: OrgKind::Enterprise,
            ..
        } if console.space.is_admin() => None,
        Space::Organization {
            kind: OrgKind::Enterprise,
            ..
        } => Some("usage.admins_only"),
        _ => Some("usage.enterprise_only"),
    }
}

async fn page(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    query: UsageQuery,
    typed: QuotaTyped,
    errors: FieldErrors,
) -> Answer {
    let days = query.days.unwrap_or(DEFAULT_DAYS);
    if !RANGES.contains(&days) {
        return Err(console.refused(&ServiceError::invalid("days", "days must be 7, 30 or 90.")));
    }
    let frame = console.frame(Key("usage.title"), Section::DeviceUsage);
    let mut view = UsagePage {
        frame,
        csrf: console.csrf.clone(),
        notice: unavailable(console),
        org: console.space.org_id().unwrap_or_default().to_string(),
        apps: Vec::new(),
        app_id: String::new(),
        ranges: Vec::new(),
        days,
        total: 0,
        max_calls: 0,
        chart_label: String::new(),
        bars: Vec::new(),
        legend: Vec::new(),
        top_devices: Vec::new(),
        day_rows: Vec::new(),
        quotas: Vec::new(),
        set_action: console.href("/console/device-usage/quotas"),
        clear_action: console.href("/console/device-usage/quotas/clear"),
        typed,
        errors,
    };
    if view.notice.is_some() {
        return Ok(render(status, &view));
    }
    let list = apps::list(state, &console.caller, console.space.org())
        .await
        .or_refusal(console)?;
    let Some(chosen) = (match &query.app {
        Some(id) => list.iter().find(|a| &a.client_id == id),
        None => list.first(),
    }) else {
        view.notice = Some(if query.app.is_some() {
            "usage.no_such_app"
        } else {
            "usage.no_apps"
        });
        let status = if query.app.is_some() {
            StatusCode::NOT_FOUND
        } else {
            status
        };
        return Ok(render(status, &view));
    };
    let app_id = chosen.client_id.clone();
    let usage = service::usage(state, &console.caller, &app_id, days)
        .await
        .or_refusal(console)?;
    let quotas = service::quotas(state, &console.caller, &app_id)
        .await
        .or_refusal(console)?;
    let (bars, legend, max_calls) = chart(console, &usage);
    view.apps = list
        .iter()
        .map(|a| AppChoice {
            client_id: a.client_id.clone(),
            name: a.name.clone(),
            selected: a.client_id == app_id,
        })
        .collect();
    view.ranges = RANGES
        .iter()
        .map(|&d| RangeLink {
            label: console
                .lang
                .fill(Key("usage.days"), &[("days", &d.to_string())]),
            href: console.href(&format!("/console/device-usage?app={app_id}&days={d}")),
            current: d == days,
        })
        .collect();
    view.total = usage.days.iter().map(|d| d.calls).sum();
    view.max_calls = max_calls;
    view.chart_label = console.lang.fill(
        Key("usage.chart_label"),
        &[("days", &days.to_string()), ("max", &max_calls.to_string())],
    );
    view.bars = bars;
    view.legend = legend;
    view.top_devices = usage
        .top_devices
        .iter()
        .map(|t| (t.device_id.clone(), t.calls))
        .collect();
    view.day_rows = usage
        .days
        .iter()
        .rev()
        .flat_map(|d| {
            d.devices.iter().map(|c| DayRow {
                date: d.date.clone(),
                device_id: c.device_id.clone(),
                custom_consumer: c.custom_consumer.clone(),
                calls: c.calls,
            })
        })
        .collect();
    view.quotas = quotas
        .into_iter()
        .map(|q| QuotaRow {
            kind_label: kind_label(console, &q.subject_kind),
            kind: q.subject_kind,
            subject: q.subject,
            calls_per_day: q.calls_per_day,
            updated: moment(q.updated_at),
        })
        .collect();
    view.app_id = app_id;
    Ok(render(status, &view))
}

#[utoipa::path(
    get,
    path = "/console/device-usage",
    summary = "An enterprise app's calls per day per device, its top devices and its quotas (admins)",
    params(UsageQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Query(query): Query<UsageQuery>,
) -> Answer {
    page(
        &state,
        &console,
        StatusCode::OK,
        query,
        QuotaTyped::default(),
        FieldErrors::default(),
    )
    .await
}

/// Back to the usage of `app_id` after a quota changed.
fn back_to(console: &Console, app_id: &str) -> axum::response::Response {
    console.see_other(&format!(
        "/console/device-usage?app={}#quotas",
        buckle_core::redirect::encode(app_id)
    ))
}

#[utoipa::path(
    post,
    path = "/console/device-usage/quotas",
    summary = "Set the calls-per-day quota of one device or custom consumer of an enterprise app",
    params(("org" = Option<String>, Query, description = "The enterprise")),
    request_body(content = SetQuotaForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn set_quota(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<SetQuotaForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let subject = form.subject.trim();
    let result = match form.calls_per_day.trim().parse::<i64>() {
        Ok(calls) => service::set_quota(
            &state,
            &console.caller,
            &form.app_id,
            &form.kind,
            subject,
            calls,
        )
        .await
        .map(|_| ()),
        Err(_) => Err(ServiceError::invalid(
            "calls_per_day",
            "calls_per_day must be a whole number, 0 or more.",
        )),
    };
    match result {
        Ok(()) => Ok(back_to(&console, &form.app_id)),
        Err(e @ ServiceError::Invalid { .. }) => {
            let errors = field_errors(
                &e,
                console.lang,
                "subject",
                &[
                    ("calls_per_day", Key("usage.calls_per_day_invalid")),
                    ("subject", Key("usage.subject_invalid")),
                ],
            );
            let query = UsageQuery {
                org: None,
                app: Some(form.app_id.clone()),
                days: None,
            };
            let typed = QuotaTyped {
                kind: form.kind,
                subject: form.subject,
                calls_per_day: form.calls_per_day,
            };
            page(
                &state,
                &console,
                StatusCode::BAD_REQUEST,
                query,
                typed,
                errors,
            )
            .await
        }
        Err(e) => Err(console.refused(&e)),
    }
}

#[utoipa::path(
    post,
    path = "/console/device-usage/quotas/clear",
    summary = "Clear the quota of one device or custom consumer of an enterprise app",
    params(("org" = Option<String>, Query, description = "The enterprise")),
    request_body(content = ClearQuotaForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn clear_quota(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<ClearQuotaForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    service::clear_quota(
        &state,
        &console.caller,
        &form.app_id,
        &form.kind,
        &form.subject,
    )
    .await
    .or_refusal(&console)?;
    Ok(back_to(&console, &form.app_id))
}
