//! A service app's public keys: the list (key id = fingerprint, the JWT's
//! `kid`), "Create key" (static/keys.js makes the RSA-2048 pair in the browser,
//! posts only the SPKI public key and downloads `private_key.pem`; the private
//! key never reaches the server), uploading a PEM public key without script, and
//! deleting a key after a confirmation.

use super::apps::{AppInPath, SpaceQuery};
use super::apps::{app_href, app_in_space, app_path, manageable_app, may_manage};
use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::{ServiceError, keys};
use crate::web::Key;
use crate::web::form::{FieldErrors, PageForm, PageQuery};
use crate::web::page::render;
use crate::web::refusal;
use crate::web::when::moment;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use buckle_core::Role;
use buckle_store::OAuthApp;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// domain.md: at most 3 public keys per app.
const KEY_LIMIT: usize = 3;

struct KeyRow {
    fingerprint: String,
    created: String,
    delete_href: String,
}

#[derive(Template)]
#[template(path = "console/apps_keys.html")]
struct KeysPage {
    frame: crate::web::Frame,
    csrf: String,
    app_name: String,
    app_href: String,
    keys: Vec<KeyRow>,
    added: Option<String>,
    may_manage: bool,
    full: bool,
    action: String,
    keys_js: &'static str,
    public_key: String,
    error: Option<String>,
    general: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KeysQuery {
    /// The team or enterprise; absent: the personal edition.
    #[serde(default)]
    org: Option<String>,
    /// A key just added, to point out.
    #[serde(default)]
    added: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn keys_page(
    state: &AppState,
    console: &Console,
    app: &OAuthApp,
    role: Option<Role>,
    status: StatusCode,
    added: Option<String>,
    public_key: String,
    errors: FieldErrors,
) -> Response {
    let found = match keys::list(state, &console.caller, &app.client_id).await {
        Ok(k) => k,
        Err(e) => return refusal::page(&e, console.lang),
    };
    let added = added.filter(|a| found.iter().any(|k| &k.fingerprint == a));
    let page = KeysPage {
        frame: console.frame(Key("apps.keys_title"), Section::Apps),
        csrf: console.csrf.clone(),
        app_name: app.name.clone(),
        app_href: app_href(console, &app.client_id, ""),
        full: found.len() >= KEY_LIMIT,
        keys: found
            .into_iter()
            .map(|k| KeyRow {
                delete_href: app_href(
                    console,
                    &app.client_id,
                    &format!(
                        "/keys/{}/delete",
                        buckle_core::redirect::encode(&k.fingerprint)
                    ),
                ),
                created: moment(k.created_at),
                fingerprint: k.fingerprint,
            })
            .collect(),
        added,
        may_manage: may_manage(role),
        action: app_href(console, &app.client_id, "/keys"),
        keys_js: crate::web::assets::path_of("keys.js"),
        public_key,
        error: errors.get("public_key").map(str::to_string),
        general: errors
            .general(&["public_key"])
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    render(status, &page)
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/keys",
    summary = "A service app's public keys: create in the browser, upload, delete",
    params(("client_id" = String, Path, description = "The app's client id"), KeysQuery),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn list(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageQuery(q): PageQuery<KeysQuery>,
) -> Answer {
    let _ = q.org;
    let (app, role) = app_in_space(&state, &console, &client_id).await?;
    Ok(keys_page(
        &state,
        &console,
        &app,
        role,
        StatusCode::OK,
        q.added,
        String::new(),
        FieldErrors::default(),
    )
    .await)
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = AppKeyForm)]
#[serde(deny_unknown_fields)]
pub struct AddKeyForm {
    csrf: String,
    /// An RSA public key in PEM (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`).
    #[serde(default)]
    public_key: String,
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/keys",
    summary = "Add a public key to a service app (made in the browser or pasted)",
    params(AppInPath, SpaceQuery),
    request_body(content = AddKeyForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn add(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<AddKeyForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let (app, role) = app_in_space(&state, &console, &client_id).await?;
    match keys::add(&state, &console.caller, &app.client_id, &form.public_key).await {
        Ok(k) => Ok(console.see_other(&app_path(
            &app.client_id,
            &format!(
                "/keys?added={}",
                buckle_core::redirect::encode(&k.fingerprint)
            ),
        ))),
        Err(e) => {
            let mut errors = FieldErrors::default();
            match &e {
                ServiceError::Invalid {
                    field: Some("public_key"),
                    ..
                } => errors.add("public_key", console.t(Key("apps.keys.bad_pem"))),
                ServiceError::Conflict(_) => {
                    errors.add("public_key", console.t(Key("apps.keys.duplicate")))
                }
                _ => errors = FieldErrors::from_service(&e, console.lang),
            }
            // A private key pasted by mistake is not shown back.
            Ok(keys_page(
                &state,
                &console,
                &app,
                role,
                refusal::status_for(&e),
                None,
                String::new(),
                errors,
            )
            .await)
        }
    }
}

/// The app and key, when the person may delete it here.
async fn deletable(
    state: &AppState,
    console: &Console,
    client_id: &str,
    fingerprint: &str,
) -> Result<OAuthApp, Response> {
    let app = manageable_app(state, console, client_id).await?;
    let found = keys::list(state, &console.caller, &app.client_id)
        .await
        .or_refusal(console)?;
    if !found.iter().any(|k| k.fingerprint == fingerprint) {
        return Err(console.refused(&ServiceError::not_found("Key not found.")));
    }
    Ok(app)
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/keys/{fingerprint}/delete",
    summary = "Confirm deleting a public key (JWTs signed with it are refused)",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("fingerprint" = String, Path, description = "The key id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete_confirm(
    State(state): State<AppState>,
    console: Console,
    Path((client_id, fingerprint)): Path<(String, String)>,
) -> Answer {
    let app = deletable(&state, &console, &client_id, &fingerprint).await?;
    let lang = console.lang;
    let rest = format!(
        "/keys/{}/delete",
        buckle_core::redirect::encode(&fingerprint)
    );
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("apps.keys.delete_title"),
            section: Section::Apps,
            question: lang.fill(
                Key("apps.keys.delete_question"),
                &[("key", &fingerprint), ("name", &app.name)],
            ),
            warning: Some(lang.t("apps.keys.delete_warning").to_string()),
            undoable: false,
            button: Key("console.delete"),
            action: app_path(&app.client_id, &rest),
            back: app_path(&app.client_id, "/keys"),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/keys/{fingerprint}/delete",
    summary = "Delete a public key of a service app",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("fingerprint" = String, Path, description = "The key id"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path((client_id, fingerprint)): Path<(String, String)>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let app = deletable(&state, &console, &client_id, &fingerprint).await?;
    keys::delete(&state, &console.caller, &app.client_id, &fingerprint)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other(&app_path(&app.client_id, "/keys")))
}
