//! `GET /console/apps`: the OAuth apps of the current space, and what every app
//! page shares: finding an app of this space, the words for its types, the
//! permission picker, the forms whose checkboxes repeat a field, dates.

use super::context::{Console, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::apps;
use crate::web::Key;
use crate::web::form::FieldErrors;
use crate::web::i18n::Lang;
use crate::web::page::render;
use crate::web::refusal;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use buckle_core::catalog::{Grant, Level};
use buckle_core::{AppType, ClientType, Role};
use buckle_store::OAuthApp;

/// The words for a client type, as the Coze docs name them.
pub fn client_type_key(c: ClientType) -> &'static str {
    match c {
        ClientType::Web => "apps.client.web",
        ClientType::Pkce => "apps.client.pkce",
        ClientType::Device => "apps.client.device",
        ClientType::Service => "apps.client.service",
    }
}

pub fn app_type_key(t: AppType) -> &'static str {
    match t {
        AppType::Normal => "apps.type.normal",
        AppType::Channel => "apps.type.channel",
    }
}

/// `2026-11-30 22:40 UTC` from Unix seconds (the console shows UTC).
pub fn date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// An app of the current space the person may see, with their role (`None`: a
/// personal app, theirs). An app of another space is "not found" here: every
/// page's address says which space it is in.
pub async fn app_in_space(
    state: &AppState,
    console: &Console,
    client_id: &str,
) -> Result<(OAuthApp, Option<Role>), Response> {
    let (app, role) = apps::visible(state, &console.caller, client_id)
        .await
        .map_err(|e| refusal::page(&e, console.lang))?;
    if app.org_id.as_ref() != console.space.org() {
        return Err(refusal::page(&apps::app_not_found(), console.lang));
    }
    Ok((app, role))
}

/// Whether the person may change apps in this space (owner, or admin).
pub fn may_manage(role: Option<Role>) -> bool {
    role.is_none_or(Role::is_admin)
}

/// `/console/apps/{client_id}{rest}` in the console's space.
pub fn app_href(console: &Console, client_id: &str, rest: &str) -> String {
    console.href(&format!(
        "/console/apps/{}{rest}",
        buckle_core::redirect::encode(client_id)
    ))
}

/// A 303 to `to`.
pub fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// One checkbox of the permission picker.
pub struct PointChoice {
    pub name: String,
    pub description: String,
    pub checked: bool,
    /// Why it cannot be chosen (then it is disabled), if so.
    pub locked: Option<&'static str>,
}

/// The points of one level.
pub struct PointGroup {
    pub legend: &'static str,
    pub hint: &'static str,
    pub points: Vec<PointChoice>,
}

/// The catalog grouped by level, `selected` checked. Operator points are for
/// installation super admins only; an app may declare team/enterprise points
/// anywhere (the refusal comes when a non-admin authorizes it).
pub fn point_groups(state: &AppState, console: &Console, selected: &[String]) -> Vec<PointGroup> {
    let lang = console.lang;
    let operator = console.caller.account.is_super_admin;
    [
        (
            Level::Account,
            "apps.level.account",
            "apps.level.account_hint",
        ),
        (
            Level::Workspace,
            "apps.level.workspace",
            "apps.level.workspace_hint",
        ),
        (
            Level::Organization,
            "apps.level.organization",
            "apps.level.organization_hint",
        ),
    ]
    .into_iter()
    .map(|(level, legend, hint)| PointGroup {
        legend: lang.t(legend),
        hint: lang.t(hint),
        points: state
            .catalog
            .iter()
            .filter(|p| p.level == level)
            .map(|p| PointChoice {
                name: p.name.clone(),
                description: match lang {
                    Lang::En => p.description.clone(),
                    Lang::ZhCn if p.description_zh.is_empty() => p.description.clone(),
                    Lang::ZhCn => p.description_zh.clone(),
                },
                checked: selected.contains(&p.name),
                locked: (p.grant == Grant::Operator && !operator)
                    .then(|| lang.t("apps.points.operator_only")),
            })
            .collect(),
    })
    .filter(|g| !g.points.is_empty())
    .collect()
}

/// Permission names sent by the picker (one per line once merged).
pub fn split_lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A refused app form's errors, each next to its field; an empty permission
/// picker and a taken name said in the page's own words.
pub fn app_form_errors(
    e: &crate::service::ServiceError,
    lang: Lang,
    points: &[String],
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    match e {
        crate::service::ServiceError::Conflict(_) => errors.add("name", lang.t("apps.name_taken")),
        _ if e.field() == Some("permissions") && points.is_empty() => {
            errors.add("permissions", lang.t("apps.points.choose"))
        }
        _ => return FieldErrors::from_service(e, lang),
    }
    errors
}

/// The errors of a form for the template: one per field, and the rest on top.
pub struct Errors {
    pub errors: FieldErrors,
    pub general: Vec<String>,
}

impl Errors {
    pub fn none() -> Errors {
        Errors {
            errors: FieldErrors::default(),
            general: Vec::new(),
        }
    }

    pub fn of(errors: FieldErrors, shown: &[&str]) -> Errors {
        let general = errors
            .general(shown)
            .into_iter()
            .map(str::to_string)
            .collect();
        Errors { errors, general }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    /// Whether any field has an error (the page then says so above the form).
    pub fn any(&self) -> bool {
        !self.errors.is_empty()
    }
}

struct AppRow {
    name: String,
    href: String,
    client_id: String,
    client_type: &'static str,
    app_type: &'static str,
    enabled: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "console/apps.html")]
struct ListPage {
    frame: crate::web::Frame,
    apps: Vec<AppRow>,
    may_create: bool,
    new_href: String,
}

#[utoipa::path(
    get,
    path = "/console/apps",
    summary = "OAuth apps of the current space",
    params(("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn list(State(state): State<AppState>, console: Console) -> Response {
    let lang = console.lang;
    let found = match apps::list(&state, &console.caller, console.space.org()).await {
        Ok(a) => a,
        Err(e) => return refusal::page(&e, lang),
    };
    let apps = found
        .into_iter()
        .map(|a| AppRow {
            href: app_href(&console, &a.client_id, ""),
            client_type: lang.t(client_type_key(a.client_type)),
            app_type: lang.t(app_type_key(a.app_type)),
            enabled: a.enabled,
            created: date(a.created_at),
            name: a.name,
            client_id: a.client_id,
        })
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            frame: console.frame(Key("apps.title"), Section::Apps),
            apps,
            may_create: console.space.is_admin(),
            new_href: console.href("/console/apps/new"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::date;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01 00:00 UTC");
        assert_eq!(date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(date(1_796_071_200), "2026-11-30 20:40 UTC");
        assert_eq!(date(-86_400), "1969-12-31 00:00 UTC");
    }
}
