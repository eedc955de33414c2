//! `/console/installations?org=`: the apps installed in an organization (AppAuth
//! and OBO) and its members' install requests. Admins install an app by its
//! client id or from a request, and uninstall one after a confirmation page
//! warning that the app's tokens in the organization will be deleted.

use super::context::{Console, Section};
use super::orgs_common::{ButtonForm, Confirm, day, done, organization_only};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::ServiceError;
use crate::service::installations;
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::{Frame, render};
use crate::web::{Key, refusal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
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
) -> Response {
    let Some(org) = console.space.org() else {
        return organization_only(console);
    };
    let is_admin = console.space.is_admin();
    let lists = if is_admin {
        match installations::list(state, &console.caller, org).await {
            Ok(l) => l,
            Err(e) => return refusal::page(&e, console.lang),
        }
    } else {
        installations::Installations::default()
    };
    render(
        status,
        &InstallationsPage {
            frame: console.frame(Key("orgs.installations_title"), Section::Installations),
            csrf: console.csrf.clone(),
            is_admin,
            installed: vec![
                InstalledGroup {
                    title: console.t(Key("orgs.installed_appauth")),
                    id: "installed-appauth",
                    rows: rows(console, lists.installed_appauth),
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
    )
}

#[utoipa::path(
    get,
    path = "/console/installations",
    summary = "The apps installed in an organization and its install requests",
    params(("org" = Option<String>, Query, description = "The team or enterprise")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(State(state): State<AppState>, console: Console) -> Response {
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
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let Some(org) = console.space.org() else {
        return organization_only(&console);
    };
    let client_id = form.client_id.trim();
    match installations::install(&state, &console.caller, org, client_id).await {
        Ok(_) => done(&console, "/console/installations"),
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
) -> Response {
    let lang = console.lang;
    let Some(org) = console.space.org() else {
        return organization_only(&console);
    };
    let lists = match installations::list(&state, &console.caller, org).await {
        Ok(l) => l,
        Err(e) => return refusal::page(&e, lang),
    };
    let Some(i) = lists
        .installed_appauth
        .into_iter()
        .chain(lists.installed_obo)
        .chain(lists.not_installed_obo)
        .find(|i| i.client_id == client_id)
    else {
        return refusal::page(&not_installed(), lang);
    };
    Confirm::page(
        &console,
        Key("orgs.uninstall_title"),
        Section::Installations,
        lang.fill(Key("orgs.uninstall_question"), &[("app", &i.app_name)]),
        Some(lang.t("orgs.uninstall_warning").to_string()),
        Key("orgs.uninstall"),
        (
            &format!(
                "/console/installations/{}/delete",
                buckle_core::redirect::encode(&i.client_id)
            ),
            "/console/installations",
        ),
    )
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
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let Some(org) = console.space.org() else {
        return organization_only(&console);
    };
    match installations::uninstall(&state, &console.caller, org, &client_id).await {
        Ok(()) => done(&console, "/console/installations"),
        Err(e) => refusal::page(&e, console.lang),
    }
}
