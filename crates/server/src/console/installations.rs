//! `/console/installations?org=`: the apps installed in an organization (AppAuth
//! and OBO) and its members' install requests. Admins install an app by its
//! client id or from a request, and uninstall one after a confirmation page
//! warning that the app's tokens in the organization will be deleted.

use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::ServiceError;
use crate::service::{installations, workspace_moves};
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::{Frame, render};
use crate::web::when::day;
use crate::web::{Key, refusal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use buckle_core::ClientType;
use buckle_store::Installation;
use serde::Deserialize;
use utoipa::ToSchema;

struct InstallRow {
    name: String,
    client_id: String,
    client_type: &'static str,
    since: String,
    uninstall_href: String,
    /// An AppAuth app: whether its authorization here reaches the admin's own
    /// personal account-level resources, and where the switch posts.
    personal_access: Option<(bool, String)>,
}

/// Installed apps of one kind (AppAuth, OBO), a table of its own.
struct InstalledGroup {
    title: &'static str,
    id: &'static str,
    rows: Vec<InstallRow>,
}

#[derive(Template)]
#[template(path = "console/installations.html")]
struct InstallationsPage {
    frame: Frame,
    csrf: String,
    is_admin: bool,
    installed: Vec<InstalledGroup>,
    requests: Vec<InstallRow>,
    action: String,
    client_id: String,
    errors: FieldErrors,
}

/// The app to install, by its client id.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallForm {
    csrf: String,
    client_id: String,
}

fn client_type_label(console: &Console, t: ClientType) -> &'static str {
    match t {
        ClientType::Web => console.t(Key("orgs.client.web")),
        ClientType::Pkce => console.t(Key("orgs.client.pkce")),
        ClientType::Device => console.t(Key("orgs.client.device")),
        ClientType::Service => console.t(Key("orgs.client.service")),
    }
}

fn rows(console: &Console, list: Vec<Installation>) -> Vec<InstallRow> {
    list.into_iter()
        .map(|i| InstallRow {
            uninstall_href: console.href(&format!(
                "/console/installations/{}/delete",
                buckle_core::redirect::encode(&i.client_id)
            )),
            client_type: client_type_label(console, i.client_type),
            since: day(i.updated_at),
            personal_access: None,
            name: i.app_name,
            client_id: i.client_id,
        })
        .collect()
}

async fn page(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    client_id: String,
    errors: FieldErrors,
) -> Answer {
    let org = console.require_org()?;
    let is_admin = console.space.is_admin();
    let lists = if is_admin {
        installations::list(state, &console.caller, org)
            .await
            .or_refusal(console)?
    } else {
        installations::Installations::default()
    };
    let mut appauth = rows(console, lists.installed_appauth);
    for r in &mut appauth {
        let on = workspace_moves::grant_personal_access(state, &console.caller, &r.client_id, org)
            .await
            .or_refusal(console)?;
        r.personal_access = Some((
            on,
            console.href(&format!(
                "/console/installations/{}/personal-access",
                buckle_core::redirect::encode(&r.client_id)
            )),
        ));
    }
    Ok(render(
        status,
        &InstallationsPage {
            frame: console.frame(Key("orgs.installations_title"), Section::Installations),
            csrf: console.csrf.clone(),
            is_admin,
            installed: vec![
                InstalledGroup {
                    title: console.t(Key("orgs.installed_appauth")),
                    id: "installed-appauth",
                    rows: appauth,
                },
                InstalledGroup {
                    title: console.t(Key("orgs.installed_obo")),
                    id: "installed-obo",
                    rows: rows(console, lists.installed_obo),
                },
            ],
            requests: rows(console, lists.not_installed_obo),
            action: console.href("/console/installations"),
            client_id,
            errors,
        },
    ))
}

#[utoipa::path(
    get,
    path = "/console/installations",
    summary = "The apps installed in an organization and its install requests",
    params(("org" = Option<String>, Query, description = "The team or enterprise")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(State(state): State<AppState>, console: Console) -> Answer {
    page(
        &state,
        &console,
        StatusCode::OK,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

#[utoipa::path(
    post,
    path = "/console/installations",
    summary = "Install an OBO app in the organization, approving its requests (admins)",
    params(("org" = Option<String>, Query, description = "The team or enterprise")),
    request_body(content = InstallForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn install(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<InstallForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?;
    let client_id = form.client_id.trim();
    match installations::install(&state, &console.caller, org, client_id).await {
        Ok(_) => Ok(console.see_other("/console/installations")),
        Err(e) => {
            // Whatever is refused is about the app named in the one field.
            let mut errors = FieldErrors::default();
            errors.add("client_id", refusal::localized(&e, console.lang));
            page(
                &state,
                &console,
                refusal::status_for(&e),
                form.client_id,
                errors,
            )
            .await
        }
    }
}

fn not_installed() -> ServiceError {
    ServiceError::not_found("The app is not installed in this team/enterprise.")
}

#[utoipa::path(
    get,
    path = "/console/installations/{client_id}/delete",
    summary = "Confirm uninstalling an app (or refusing its request): its tokens here are deleted",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn confirm_uninstall(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Answer {
    let lang = console.lang;
    let org = console.require_org()?;
    let lists = installations::list(&state, &console.caller, org)
        .await
        .or_refusal(&console)?;
    let Some(i) = lists
        .installed_appauth
        .into_iter()
        .chain(lists.installed_obo)
        .chain(lists.not_installed_obo)
        .find(|i| i.client_id == client_id)
    else {
        return Err(console.refused(&not_installed()));
    };
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("orgs.uninstall_title"),
            section: Section::Installations,
            question: lang.fill(Key("orgs.uninstall_question"), &[("app", &i.app_name)]),
            warning: Some(lang.t("orgs.uninstall_warning").to_string()),
            undoable: false,
            button: Key("orgs.uninstall"),
            action: format!(
                "/console/installations/{}/delete",
                buckle_core::redirect::encode(&i.client_id)
            ),
            back: "/console/installations".to_string(),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/installations/{client_id}/delete",
    summary = "Uninstall an app (or refuse its request); its tokens here are deleted (admins)",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn uninstall(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?;
    installations::uninstall(&state, &console.caller, org, &client_id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/installations"))
}

#[utoipa::path(
    post,
    path = "/console/installations/{client_id}/personal-access",
    summary = "Let the app's AppAuth authorization reach (or stop reaching) the admin's personal account-level resources",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = crate::console::workspace_moves::PersonalAccessForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn personal_access(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<crate::console::workspace_moves::PersonalAccessForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?.clone();
    let enabled = form.enabled(&console)?;
    workspace_moves::set_grant_personal_access(
        &state,
        &console.caller,
        &client_id,
        org.as_str(),
        enabled,
    )
    .await
    .or_refusal(&console)?;
    Ok(console.see_other("/console/installations"))
}
