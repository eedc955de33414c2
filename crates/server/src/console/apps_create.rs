//! Creating an OAuth app in two steps, as the Coze console does: basic
//! information (name, description, app type, client type), then the
//! configuration of that client type (permission points, redirect URIs). Step 1
//! travels to step 2 in hidden fields (no state on the server) and the final
//! POST checks everything again. A web app's client secret is shown once.

use super::apps::SpaceQuery;
use super::apps::{
    Errors, app_form_errors, app_href, app_path, app_type_key, client_type_key, point_groups,
    split_lines,
};
use super::context::{Answer, Console, Section};
use super::permission_picker::PointGroup;
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::apps::{self, NewApp};
use crate::service::{ServiceError, clean_name};
use crate::web::Key;
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::render;
use crate::web::refusal;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use buckle_core::{AppType, ClientType};
use serde::Deserialize;
use utoipa::ToSchema;

const MAX_DESCRIPTION: usize = 1000;
const STEP1_FIELDS: [&str; 4] = ["name", "description", "app_type", "client_type"];

/// Step 1's answers, as typed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = AppBasicForm)]
#[serde(deny_unknown_fields)]
pub struct BasicForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    app_type: String,
    #[serde(default)]
    client_type: String,
    /// Set by step 2's "Back" button: show step 1 again, filled in.
    #[serde(default)]
    back: Option<String>,
}

/// Step 1 carried along, plus step 2's configuration.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = AppCreateForm)]
#[serde(deny_unknown_fields)]
pub struct CreateForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    app_type: String,
    #[serde(default)]
    client_type: String,
    /// The chosen permission points (repeated checkboxes).
    #[serde(default)]
    permissions: Vec<String>,
    /// One redirect URI per line (web and PKCE apps).
    #[serde(default)]
    redirect_uris: String,
}

/// A radio choice.
struct Choice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "console/apps_new.html")]
struct BasicPage {
    frame: crate::web::Frame,
    csrf: String,
    action: String,
    cancel: String,
    name: String,
    description: String,
    app_types: Vec<Choice>,
    client_types: Vec<Choice>,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "console/apps_configure.html")]
struct ConfigurePage {
    frame: crate::web::Frame,
    csrf: String,
    action: String,
    back: String,
    name: String,
    description: String,
    app_type: &'static str,
    client_type: &'static str,
    app_type_label: &'static str,
    client_type_label: &'static str,
    uses_redirects: bool,
    is_service: bool,
    redirect_uris: String,
    groups: Vec<PointGroup>,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "console/apps_secret.html")]
pub struct SecretPage {
    pub frame: crate::web::Frame,
    pub intro: String,
    pub client_id: String,
    pub secret: String,
    pub app_href: String,
}

fn basic_page(console: &Console, form: &BasicForm, errors: Errors) -> BasicPage {
    let lang = console.lang;
    let app_types = AppType::ALL
        .iter()
        .map(|t| Choice {
            value: t.as_str(),
            label: lang.t(app_type_key(*t)),
            hint: lang.t(match t {
                AppType::Normal => "apps.type.normal_hint",
                AppType::Channel => "apps.type.channel_hint",
            }),
            checked: form.app_type == t.as_str()
                || (form.app_type.is_empty() && *t == AppType::Normal),
        })
        .collect();
    let client_types = ClientType::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str(),
            label: lang.t(client_type_key(*c)),
            hint: lang.t(match c {
                ClientType::Web => "apps.client.web_hint",
                ClientType::Pkce => "apps.client.pkce_hint",
                ClientType::Device => "apps.client.device_hint",
                ClientType::Service => "apps.client.service_hint",
            }),
            checked: form.client_type == c.as_str(),
        })
        .collect();
    BasicPage {
        frame: console.frame(Key("apps.new_title"), Section::Apps),
        csrf: console.csrf.clone(),
        action: console.href("/console/apps/new"),
        cancel: console.href("/console/apps"),
        name: form.name.clone(),
        description: form.description.clone(),
        app_types,
        client_types,
        errors,
    }
}

/// Step 1's checks (the final POST makes them again through the service).
fn check_basic(console: &Console, form: &BasicForm) -> Result<(AppType, ClientType), FieldErrors> {
    let lang = console.lang;
    let mut errors = FieldErrors::default();
    if let Err(e) = clean_name(&form.name, "name", 100) {
        errors.add("name", refusal::localized(&e, lang));
    }
    if form.description.trim().chars().count() > MAX_DESCRIPTION {
        errors.add("description", lang.t("apps.description_too_long"));
    }
    let app_type = AppType::parse(&form.app_type).ok();
    if app_type.is_none() {
        errors.add("app_type", lang.t("apps.choose_app_type"));
    }
    let client_type = ClientType::parse(&form.client_type).ok();
    match (app_type, client_type) {
        (_, None) => errors.add("client_type", lang.t("apps.choose_client_type")),
        (Some(AppType::Channel), Some(c)) if c != ClientType::Service => {
            errors.add("client_type", lang.t("apps.channel_is_service"))
        }
        _ => {}
    }
    match (app_type, client_type) {
        (Some(a), Some(c)) if errors.is_empty() => Ok((a, c)),
        _ => Err(errors),
    }
}

/// Only the space's admins create apps (everyone in their personal edition).
fn require_admin(console: &Console) -> Result<(), Response> {
    if console.space.is_admin() {
        Ok(())
    } else {
        Err(console.refused(&ServiceError::forbidden(console.t(Key("apps.admins_only")))))
    }
}

#[utoipa::path(
    get,
    path = "/console/apps/new",
    summary = "Create an OAuth app, step 1: basic information",
    params(SpaceQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn start(console: Console) -> Answer {
    require_admin(&console)?;
    Ok(render(
        StatusCode::OK,
        &basic_page(&console, &BasicForm::default(), Errors::none()),
    ))
}

#[utoipa::path(
    post,
    path = "/console/apps/new",
    summary = "Create an OAuth app: step 1 sent, step 2 (configuration) shown",
    params(SpaceQuery),
    request_body(content = BasicForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn basic(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<BasicForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    require_admin(&console)?;
    if form.back.is_some() {
        return Ok(render(
            StatusCode::OK,
            &basic_page(&console, &form, Errors::none()),
        ));
    }
    Ok(match check_basic(&console, &form) {
        Err(errors) => render(
            StatusCode::BAD_REQUEST,
            &basic_page(&console, &form, Errors::of(errors, &STEP1_FIELDS)),
        ),
        Ok((app_type, client_type)) => render(
            StatusCode::OK,
            &configure_page(
                &state,
                &console,
                &form.name,
                &form.description,
                app_type,
                client_type,
                &[],
                "",
                Errors::none(),
            ),
        ),
    })
}

#[allow(clippy::too_many_arguments)]
fn configure_page(
    state: &AppState,
    console: &Console,
    name: &str,
    description: &str,
    app_type: AppType,
    client_type: ClientType,
    points: &[String],
    redirect_uris: &str,
    errors: Errors,
) -> ConfigurePage {
    let lang = console.lang;
    ConfigurePage {
        frame: console.frame(Key("apps.new_title"), Section::Apps),
        csrf: console.csrf.clone(),
        action: console.href("/console/apps"),
        back: console.href("/console/apps/new"),
        name: name.to_string(),
        description: description.to_string(),
        app_type: app_type.as_str(),
        client_type: client_type.as_str(),
        app_type_label: lang.t(app_type_key(app_type)),
        client_type_label: lang.t(client_type_key(client_type)),
        uses_redirects: client_type.uses_redirects(),
        is_service: client_type == ClientType::Service,
        redirect_uris: redirect_uris.to_string(),
        groups: point_groups(state, console, points),
        errors,
    }
}

#[utoipa::path(
    post,
    path = "/console/apps",
    summary = "Create an OAuth app (both steps' fields); a web app's secret is shown once",
    params(SpaceQuery),
    request_body(content = CreateForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn create(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<CreateForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    require_admin(&console)?;
    let lang = console.lang;
    let basic = BasicForm {
        csrf: form.csrf.clone(),
        name: form.name.clone(),
        description: form.description.clone(),
        app_type: form.app_type.clone(),
        client_type: form.client_type.clone(),
        back: None,
    };
    let (app_type, client_type) = match check_basic(&console, &basic) {
        Ok(types) => types,
        Err(errors) => {
            return Ok(render(
                StatusCode::BAD_REQUEST,
                &basic_page(&console, &basic, Errors::of(errors, &STEP1_FIELDS)),
            ));
        }
    };
    let points = form.permissions.clone();
    let redirect_uris = split_lines(&form.redirect_uris);
    let req = NewApp {
        name: form.name.clone(),
        description: Some(form.description.clone()),
        app_type,
        client_type,
        organization_id: console.space.org_id().map(str::to_string),
        permissions: points.clone(),
        redirect_uris,
    };
    Ok(match apps::create(&state, &console.caller, req).await {
        Ok(made) => match made.client_secret {
            Some(secret) => render(
                StatusCode::OK,
                &SecretPage {
                    frame: console.frame(Key("apps.created_title"), Section::Apps),
                    intro: lang.fill(Key("apps.created_secret"), &[("name", &made.app.name)]),
                    app_href: app_href(&console, &made.app.client_id, ""),
                    client_id: made.app.client_id,
                    secret,
                },
            ),
            None => console.see_other(&app_path(&made.app.client_id, "")),
        },
        Err(e) => {
            let status = refusal::status_for(&e);
            let on_step1 = e.field().is_some_and(|f| STEP1_FIELDS.contains(&f))
                || matches!(e, ServiceError::Conflict(_));
            let errors = app_form_errors(&e, lang, &points);
            if on_step1 {
                return Ok(render(
                    status,
                    &basic_page(&console, &basic, Errors::of(errors, &STEP1_FIELDS)),
                ));
            }
            render(
                status,
                &configure_page(
                    &state,
                    &console,
                    &form.name,
                    &form.description,
                    app_type,
                    client_type,
                    &points,
                    &form.redirect_uris,
                    Errors::of(errors, &["permissions", "redirect_uris"]),
                ),
            )
        }
    })
}
