//! An app's page: its details, the edit form (same checks as creation, errors
//! next to the fields), enabling and disabling (disabling confirms first: its
//! tokens stop working), deletion (confirms first: its tokens and authorizations
//! go) and a web app's new client secret (confirms, then shows it once).

use super::apps::{AppInPath, SpaceQuery};
use super::apps::{
    Errors, app_form_errors, app_href, app_in_space, app_path, app_type_key, client_type_key,
    manageable_app, may_manage, point_groups, split_lines,
};
use super::apps_authorize::{AuthSection, auth_section};
use super::apps_create::SecretPage;
use super::apps_samples::{Chosen, SampleSection, sample_section};
use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section};
use super::permission_picker::PointGroup;
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::apps::{self, AppEdit};
use crate::service::{ServiceError, keys};
use crate::web::Key;
use crate::web::form::PageForm;
use crate::web::page::render;
use crate::web::refusal;
use crate::web::when::moment;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
    sample: SampleSection,
}

/// How an app's page answers: plainly, or after a refused edit (what was typed,
/// its errors) or a refused authorization.
pub struct Outcome {
    pub status: StatusCode,
    pub values: Option<EditValues>,
    pub errors: Errors,
    pub auth_error: Option<String>,
    /// The sample section after a refused download (what was chosen, the error).
    pub sample: Option<SampleSection>,
}

impl Outcome {
    pub fn plain() -> Outcome {
        Outcome {
            status: StatusCode::OK,
            values: None,
            errors: Errors::none(),
            auth_error: None,
            sample: None,
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
) -> Answer {
    let Outcome {
        status,
        values,
        errors,
        auth_error,
        sample,
    } = outcome;
    let lang = console.lang;
    let manage = may_manage(role);
    let values = values.unwrap_or_else(|| EditValues::of(app));
    let key_count = match app.client_type {
        ClientType::Service => Some(keys::of_app(state, app).await.or_refusal(console)?.len()),
        _ => None,
    };
    let auth = auth_section(state, console, app, role, auth_error)
        .await
        .or_refusal(console)?;
    let sample = match sample {
        Some(s) => s,
        None => sample_section(state, console, app, role, Chosen::default(), None)
            .await
            .or_refusal(console)?,
    };
    let page = ShowPage {
        frame: console.frame(Key("apps.app_title"), Section::Apps),
        csrf: console.csrf.clone(),
        client_id: app.client_id.clone(),
        app_type: lang.t(app_type_key(app.app_type)),
        client_type: lang.t(client_type_key(app.client_type)),
        enabled: app.enabled,
        created: moment(app.created_at),
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
        sample,
    };
    Ok(render(status, &page))
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}",
    summary = "An OAuth app: details, edit form, state, keys, authorizations",
    params(AppInPath, SpaceQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Answer {
    let (app, role) = app_in_space(&state, &console, &client_id).await?;
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
    params(AppInPath, SpaceQuery),
    request_body(content = EditForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn update(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<EditForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let (app, role) = app_in_space(&state, &console, &client_id).await?;
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
        Ok(app) => Ok(console.see_other(&app_path(&app.client_id, ""))),
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
                sample: None,
            };
            show_page(&state, &console, &app, role, outcome).await
        }
    }
}

/// What one of an app's confirmation pages says (catalog keys; each takes the
/// app's `name`) and where its button posts (`rest`, a path under the app).
struct AppAsk {
    title: Key,
    question: Key,
    warning: Key,
    button: Key,
    rest: &'static str,
    undoable: bool,
}

const DISABLE: AppAsk = AppAsk {
    title: Key("apps.disable_title"),
    question: Key("apps.disable_question"),
    warning: Key("apps.disable_warning"),
    button: Key("apps.disable"),
    rest: "/disable",
    undoable: true,
};

const DELETE: AppAsk = AppAsk {
    title: Key("apps.delete_title"),
    question: Key("apps.delete_question"),
    warning: Key("apps.delete_warning"),
    button: Key("console.delete"),
    rest: "/delete",
    undoable: false,
};

const NEW_SECRET: AppAsk = AppAsk {
    title: Key("apps.secret_title"),
    question: Key("apps.secret_question"),
    warning: Key("apps.secret_warning"),
    button: Key("apps.secret_reset"),
    rest: "/secret",
    undoable: false,
};

/// The confirmation page of an action on an app the person may change.
async fn ask(state: &AppState, console: &Console, client_id: &str, ask: AppAsk) -> Answer {
    let app = manageable_app(state, console, client_id).await?;
    let name = [("name", app.name.as_str())];
    Ok(confirm::page(
        console,
        Ask {
            title: ask.title,
            section: Section::Apps,
            question: console.lang.fill(ask.question, &name),
            warning: Some(console.lang.fill(ask.warning, &name)),
            undoable: ask.undoable,
            button: ask.button,
            action: app_path(&app.client_id, ask.rest),
            back: app_path(&app.client_id, ""),
        },
    ))
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/disable",
    summary = "Confirm disabling an OAuth app (its tokens stop working)",
    params(AppInPath, SpaceQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn disable_confirm(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Answer {
    ask(&state, &console, &client_id, DISABLE).await
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/delete",
    summary = "Confirm deleting an OAuth app (its tokens and authorizations go)",
    params(AppInPath, SpaceQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete_confirm(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Answer {
    ask(&state, &console, &client_id, DELETE).await
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/secret",
    summary = "Confirm making a new client secret for a web app",
    params(AppInPath, SpaceQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn secret_confirm(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Answer {
    ask(&state, &console, &client_id, NEW_SECRET).await
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/disable",
    summary = "Disable an OAuth app: every token of it is suspended",
    params(AppInPath, SpaceQuery),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn disable(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    set_enabled(&state, &console, &client_id, form, false).await
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/enable",
    summary = "Enable an OAuth app: its unexpired tokens work again",
    params(AppInPath, SpaceQuery),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn enable(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    set_enabled(&state, &console, &client_id, form, true).await
}

async fn set_enabled(
    state: &AppState,
    console: &Console,
    client_id: &str,
    form: ButtonForm,
    enabled: bool,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let app = manageable_app(state, console, client_id).await?;
    let app = apps::set_enabled(state, &console.caller, &app.client_id, enabled)
        .await
        .or_refusal(console)?;
    Ok(console.see_other(&app_path(&app.client_id, "")))
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/delete",
    summary = "Delete an OAuth app with every authorization and token of it",
    params(AppInPath, SpaceQuery),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let app = manageable_app(&state, &console, &client_id).await?;
    apps::delete(&state, &console.caller, &app.client_id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/apps"))
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/secret",
    summary = "Make a new client secret for a web app (shown once; the old one stops working)",
    params(AppInPath, SpaceQuery),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn reset_secret(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let app = manageable_app(&state, &console, &client_id).await?;
    let lang = console.lang;
    let made = apps::reset_secret(&state, &console.caller, &app.client_id)
        .await
        .or_refusal(&console)?;
    let Some(secret) = made.client_secret else {
        return Err(console.refused(&ServiceError::Internal));
    };
    Ok(render(
        StatusCode::OK,
        &SecretPage {
            frame: console.frame(Key("apps.secret_title"), Section::Apps),
            intro: lang.fill(Key("apps.secret_made"), &[("name", &made.app.name)]),
            app_href: app_href(&console, &made.app.client_id, ""),
            client_id: made.app.client_id,
            secret,
        },
    ))
}
