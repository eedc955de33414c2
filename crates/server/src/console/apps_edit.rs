//! An app's page: its details, the edit form (same checks as creation, errors
//! next to the fields), enabling and disabling (disabling confirms first: its
//! tokens stop working), deletion (confirms first: its tokens and authorizations
//! go) and a web app's new client secret (confirms, then shows it once).

use super::apps::{
    Errors, PointGroup, app_form_errors, app_href, app_in_space, app_type_key, client_type_key,
    date, may_manage, point_groups, see_other, split_lines,
};
use super::apps_authorize::{AuthSection, auth_section};
use super::apps_create::SecretPage;
use super::context::{Console, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::apps::{self, AppEdit};
use crate::service::{ServiceError, keys};
use crate::web::Key;
use crate::web::form::PageForm;
use crate::web::page::render;
use crate::web::refusal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use buckle_core::{ClientType, PermissionSet, Role};
use buckle_store::OAuthApp;
use serde::Deserialize;
use utoipa::ToSchema;

const EDIT_FIELDS: [&str; 4] = ["name", "description", "permissions", "redirect_uris"];

/// What the edit form shows: the app's values, or what the person typed.
pub struct EditValues {
    pub name: String,
    pub description: String,
    pub points: Vec<String>,
    pub redirect_uris: String,
}

impl EditValues {
    fn of(app: &OAuthApp) -> EditValues {
        EditValues {
            name: app.name.clone(),
            description: app.description.clone(),
            points: PermissionSet::decode(&app.permissions).names().to_vec(),
            redirect_uris: app.redirect_uri_list().join("\n"),
        }
    }
}

#[derive(Template)]
#[template(path = "console/apps_show.html")]
struct ShowPage {
    frame: crate::web::Frame,
    csrf: String,
    client_id: String,
    app_type: &'static str,
    client_type: &'static str,
    enabled: bool,
    created: String,
    secret_hint: Option<String>,
    key_count: Option<usize>,
    may_manage: bool,
    action: String,
    enable_action: String,
    disable_href: String,
    delete_href: String,
    secret_href: String,
    keys_href: String,
    list_href: String,
    name: String,
    description: String,
    redirect_uris: String,
    uses_redirects: bool,
    groups: Vec<PointGroup>,
    errors: Errors,
    auth: Option<AuthSection>,
}

/// How an app's page answers: plainly, or after a refused edit (what was typed,
/// its errors) or a refused authorization.
pub struct Outcome {
    pub status: StatusCode,
    pub values: Option<EditValues>,
    pub errors: Errors,
    pub auth_error: Option<String>,
}

impl Outcome {
    pub fn plain() -> Outcome {
        Outcome {
            status: StatusCode::OK,
            values: None,
            errors: Errors::none(),
            auth_error: None,
        }
    }
}

/// Renders an app's page.
pub async fn show_page(
    state: &AppState,
    console: &Console,
    app: &OAuthApp,
    role: Option<Role>,
    outcome: Outcome,
) -> Response {
    let Outcome {
        status,
        values,
        errors,
        auth_error,
    } = outcome;
    let lang = console.lang;
    let manage = may_manage(role);
    let values = values.unwrap_or_else(|| EditValues::of(app));
    let key_count = match app.client_type {
        ClientType::Service => match keys::of_app(state, app).await {
            Ok(k) => Some(k.len()),
            Err(e) => return refusal::page(&e, lang),
        },
        _ => None,
    };
    let auth = match auth_section(state, console, app, role, auth_error).await {
        Ok(a) => a,
        Err(e) => return refusal::page(&e, lang),
    };
    let page = ShowPage {
        frame: console.frame(Key("apps.app_title"), Section::Apps),
        csrf: console.csrf.clone(),
        client_id: app.client_id.clone(),
        app_type: lang.t(app_type_key(app.app_type)),
        client_type: lang.t(client_type_key(app.client_type)),
        enabled: app.enabled,
        created: date(app.created_at),
        secret_hint: app
            .client_type
            .has_secret()
            .then(|| format!("…{}", app.secret_hint)),
        key_count,
        may_manage: manage,
        action: app_href(console, &app.client_id, ""),
        enable_action: app_href(console, &app.client_id, "/enable"),
        disable_href: app_href(console, &app.client_id, "/disable"),
        delete_href: app_href(console, &app.client_id, "/delete"),
        secret_href: app_href(console, &app.client_id, "/secret"),
        keys_href: app_href(console, &app.client_id, "/keys"),
        list_href: console.href("/console/apps"),
        name: values.name,
        description: values.description,
        redirect_uris: values.redirect_uris,
        uses_redirects: app.client_type.uses_redirects(),
        groups: point_groups(state, console, &values.points),
        errors,
        auth,
    };
    render(status, &page)
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}",
    summary = "An OAuth app: details, edit form, state, keys, authorizations",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Response {
    let (app, role) = match app_in_space(&state, &console, &client_id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    show_page(&state, &console, &app, role, Outcome::plain()).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = AppEditForm)]
#[serde(deny_unknown_fields)]
pub struct EditForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// The chosen permission points (repeated checkboxes).
    #[serde(default)]
    permissions: Vec<String>,
    /// One redirect URI per line (web and PKCE apps only).
    #[serde(default)]
    redirect_uris: Option<String>,
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}",
    summary = "Edit an OAuth app (name, description, permission points, redirect URIs)",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    request_body(content = EditForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn update(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<EditForm>,
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let (app, role) = match app_in_space(&state, &console, &client_id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let points = form.permissions.clone();
    let edit = AppEdit {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        permissions: Some(points.clone()),
        redirect_uris: form
            .redirect_uris
            .as_deref()
            .filter(|_| app.client_type.uses_redirects())
            .map(split_lines),
    };
    match apps::update(&state, &console.caller, &app.client_id, edit).await {
        Ok(app) => see_other(app_href(&console, &app.client_id, "")),
        Err(e) => {
            let errors = app_form_errors(&e, console.lang, &points);
            let values = EditValues {
                name: form.name,
                description: form.description,
                points,
                redirect_uris: form.redirect_uris.unwrap_or_default(),
            };
            let outcome = Outcome {
                status: refusal::status_for(&e),
                values: Some(values),
                errors: Errors::of(errors, &EDIT_FIELDS),
                auth_error: None,
            };
            show_page(&state, &console, &app, role, outcome).await
        }
    }
}

/// A form that only carries the CSRF token (confirmations, enable).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = AppCsrfForm)]
#[serde(deny_unknown_fields)]
pub struct CsrfForm {
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "console/apps_confirm.html")]
pub struct ConfirmPage {
    pub frame: crate::web::Frame,
    pub csrf: String,
    pub question: String,
    pub warning: String,
    pub action: String,
    pub button: &'static str,
    pub cancel: String,
}

/// The confirmation page of a destructive action on `app`.
pub fn confirm(
    console: &Console,
    app: &OAuthApp,
    title: Key,
    question: Key,
    warning: Key,
    rest: &str,
    button: Key,
) -> Response {
    let lang = console.lang;
    render(
        StatusCode::OK,
        &ConfirmPage {
            frame: console.frame(title, Section::Apps),
            csrf: console.csrf.clone(),
            question: lang.fill(question, &[("name", &app.name)]),
            warning: lang.fill(warning, &[("name", &app.name)]),
            action: app_href(console, &app.client_id, rest),
            button: lang.t(button.0),
            cancel: app_href(console, &app.client_id, ""),
        },
    )
}

/// The app, when the person may change it (else the refusal page).
async fn changeable(
    state: &AppState,
    console: &Console,
    client_id: &str,
) -> Result<OAuthApp, Response> {
    let (app, role) = app_in_space(state, console, client_id).await?;
    if !may_manage(role) {
        return Err(refusal::page(
            &ServiceError::forbidden(console.t(Key("apps.admins_only"))),
            console.lang,
        ));
    }
    Ok(app)
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/disable",
    summary = "Confirm disabling an OAuth app (its tokens stop working)",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn disable_confirm(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Response {
    match changeable(&state, &console, &client_id).await {
        Ok(app) => confirm(
            &console,
            &app,
            Key("apps.disable_title"),
            Key("apps.disable_question"),
            Key("apps.disable_warning"),
            "/disable",
            Key("apps.disable"),
        ),
        Err(r) => r,
    }
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/delete",
    summary = "Confirm deleting an OAuth app (its tokens and authorizations go)",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete_confirm(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Response {
    match changeable(&state, &console, &client_id).await {
        Ok(app) => confirm(
            &console,
            &app,
            Key("apps.delete_title"),
            Key("apps.delete_question"),
            Key("apps.delete_warning"),
            "/delete",
            Key("console.delete"),
        ),
        Err(r) => r,
    }
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/secret",
    summary = "Confirm making a new client secret for a web app",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn secret_confirm(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Response {
    match changeable(&state, &console, &client_id).await {
        Ok(app) => confirm(
            &console,
            &app,
            Key("apps.secret_title"),
            Key("apps.secret_question"),
            Key("apps.secret_warning"),
            "/secret",
            Key("apps.secret_reset"),
        ),
        Err(r) => r,
    }
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/disable",
    summary = "Disable an OAuth app: every token of it is suspended",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    request_body(content = CsrfForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn disable(
    state: State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    set_enabled(state, console, client_id, form, false).await
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/enable",
    summary = "Enable an OAuth app: its unexpired tokens work again",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    request_body(content = CsrfForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn enable(
    state: State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    set_enabled(state, console, client_id, form, true).await
}

async fn set_enabled(
    State(state): State<AppState>,
    console: Console,
    client_id: String,
    form: CsrfForm,
    enabled: bool,
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let app = match changeable(&state, &console, &client_id).await {
        Ok(app) => app,
        Err(r) => return r,
    };
    match apps::set_enabled(&state, &console.caller, &app.client_id, enabled).await {
        Ok(app) => see_other(app_href(&console, &app.client_id, "")),
        Err(e) => refusal::page(&e, console.lang),
    }
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/delete",
    summary = "Delete an OAuth app with every authorization and token of it",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    request_body(content = CsrfForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let app = match changeable(&state, &console, &client_id).await {
        Ok(app) => app,
        Err(r) => return r,
    };
    match apps::delete(&state, &console.caller, &app.client_id).await {
        Ok(()) => see_other(console.href("/console/apps")),
        Err(e) => refusal::page(&e, console.lang),
    }
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/secret",
    summary = "Make a new client secret for a web app (shown once; the old one stops working)",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    request_body(content = CsrfForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn reset_secret(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let app = match changeable(&state, &console, &client_id).await {
        Ok(app) => app,
        Err(r) => return r,
    };
    let lang = console.lang;
    match apps::reset_secret(&state, &console.caller, &app.client_id).await {
        Ok(made) => match made.client_secret {
            Some(secret) => render(
                StatusCode::OK,
                &SecretPage {
                    frame: console.frame(Key("apps.secret_title"), Section::Apps),
                    intro: lang.fill(Key("apps.secret_made"), &[("name", &made.app.name)]),
                    app_href: app_href(&console, &made.app.client_id, ""),
                    client_id: made.app.client_id,
                    secret,
                },
            ),
            None => refusal::page(&ServiceError::Internal, lang),
        },
        Err(e) => refusal::page(&e, lang),
    }
}
