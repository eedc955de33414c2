//! `GET /console/apps`: the OAuth apps of the current space, and what every app
//! page shares: finding an app of this space, the words for its types, the
//! permission picker, the forms whose checkboxes repeat a field, dates.

use super::context::{Answer, Console, OrRefusal, Section};
use super::permission_picker::{self, PointGroup};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::{ServiceError, apps};
use crate::web::Key;
use crate::web::form::FieldErrors;
use crate::web::i18n::Lang;
use crate::web::page::render;
use crate::web::when::moment;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use buckle_core::catalog::Grant;
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
        .or_refusal(console)?;
    if app.org_id.as_ref() != console.space.org() {
        return Err(console.refused(&apps::app_not_found()));
    }
    Ok((app, role))
}

/// Whether the person may change apps in this space (owner, or admin).
pub fn may_manage(role: Option<Role>) -> bool {
    role.is_none_or(Role::is_admin)
}

/// The app an app page is about, for the OpenAPI document.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AppInPath {
    /// The app's client id
    #[allow(dead_code)]
    client_id: String,
}

/// The space a console page works in, for the OpenAPI document.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpaceQuery {
    /// The team or enterprise; absent: the personal edition
    #[allow(dead_code)]
    org: Option<String>,
}

/// The app, when the person may change it here (else the refusal page).
pub async fn manageable_app(
    state: &AppState,
    console: &Console,
    client_id: &str,
) -> Result<OAuthApp, Response> {
    let (app, role) = app_in_space(state, console, client_id).await?;
    if !may_manage(role) {
        return Err(console.refused(&ServiceError::forbidden(console.t(Key("apps.admins_only")))));
    }
    Ok(app)
}

/// `/console/apps/{client_id}{rest}`.
pub fn app_path(client_id: &str, rest: &str) -> String {
    format!(
        "/console/apps/{}{rest}",
        buckle_core::redirect::encode(client_id)
    )
}

/// `/console/apps/{client_id}{rest}` in the console's space.
pub fn app_href(console: &Console, client_id: &str, rest: &str) -> String {
    console.href(&app_path(client_id, rest))
}

/// The permission picker of an app's forms. Operator points are for
/// installation super admins only; an app may declare team/enterprise points
/// anywhere (the refusal comes when a non-admin authorizes it).
pub fn point_groups(state: &AppState, console: &Console, selected: &[String]) -> Vec<PointGroup> {
    let operator = console.caller.account.is_super_admin;
    let operator_only = console.t(Key("apps.points.operator_only"));
    permission_picker::groups(state, console.lang, selected, |p| {
        (p.grant == Grant::Operator && !operator).then_some(operator_only)
    })
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
    params(SpaceQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn list(State(state): State<AppState>, console: Console) -> Answer {
    let lang = console.lang;
    let found = apps::list(&state, &console.caller, console.space.org())
        .await
        .or_refusal(&console)?;
    let apps = found
        .into_iter()
        .map(|a| AppRow {
            href: app_href(&console, &a.client_id, ""),
            client_type: lang.t(client_type_key(a.client_type)),
            app_type: lang.t(app_type_key(a.app_type)),
            enabled: a.enabled,
            created: moment(a.created_at),
            name: a.name,
            client_id: a.client_id,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            frame: console.frame(Key("apps.title"), Section::Apps),
            apps,
            may_create: console.space.is_admin(),
            new_href: console.href("/console/apps/new"),
        },
    ))
}
