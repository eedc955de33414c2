//! `/console/authorized-apps` (personal space): the apps the person let act for
//! them (OBO consents), one row per app with the editions it reaches, and
//! revoking one after a confirmation page warning that its tokens go too.

use super::context::{Console, Section};
use super::orgs_common::{ButtonForm, Confirm, day, done};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::{ServiceError, grants, organizations};
use crate::web::form::PageForm;
use crate::web::page::{Frame, render};
use crate::web::{Key, refusal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use buckle_store::GrantWithApp;
use std::collections::BTreeMap;

struct AuthorizedRow {
    name: String,
    client_id: String,
    editions: String,
    since: String,
    revoke_href: String,
}

#[derive(Template)]
#[template(path = "console/authorized_apps.html")]
struct AuthorizedAppsPage {
    frame: Frame,
    apps: Vec<AuthorizedRow>,
}

/// The caller's consents, one entry per app (name, editions, first consent).
async fn by_app(
    state: &AppState,
    console: &Console,
) -> Result<Vec<(String, String, Vec<String>, i64)>, ServiceError> {
    let grants = grants::authorized_apps(state, &console.caller).await?;
    let orgs = organizations::list(state, &console.caller).await?;
    let edition_name = |g: &GrantWithApp| match g.org() {
        None => console.t(Key("console.personal")).to_string(),
        Some(id) => orgs
            .iter()
            .find(|m| &m.id == id)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| id.to_string()),
    };
    let mut apps: BTreeMap<String, (String, Vec<String>, i64)> = BTreeMap::new();
    for g in &grants {
        let entry = apps
            .entry(g.client_id.clone())
            .or_insert_with(|| (g.app_name.clone(), Vec::new(), g.created_at));
        let edition = edition_name(g);
        if !entry.1.contains(&edition) {
            entry.1.push(edition);
        }
        entry.2 = entry.2.min(g.created_at);
    }
    let mut list: Vec<_> = apps
        .into_iter()
        .map(|(client_id, (name, editions, since))| (client_id, name, editions, since))
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(list)
}

#[utoipa::path(
    get,
    path = "/console/authorized-apps",
    summary = "The apps the person authorized to act for them",
    params(("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(State(state): State<AppState>, console: Console) -> Response {
    let list = match by_app(&state, &console).await {
        Ok(l) => l,
        Err(e) => return refusal::page(&e, console.lang),
    };
    render(
        StatusCode::OK,
        &AuthorizedAppsPage {
            frame: console.frame(Key("orgs.authorized_title"), Section::AuthorizedApps),
            apps: list
                .into_iter()
                .map(|(client_id, name, editions, since)| AuthorizedRow {
                    revoke_href: console.href(&format!(
                        "/console/authorized-apps/{}/delete",
                        buckle_core::redirect::encode(&client_id)
                    )),
                    client_id,
                    name,
                    editions: editions.join(", "),
                    since: day(since),
                })
                .collect(),
        },
    )
}

fn not_authorized() -> ServiceError {
    ServiceError::not_found("You have not authorized that app.")
}

#[utoipa::path(
    get,
    path = "/console/authorized-apps/{client_id}/delete",
    summary = "Confirm revoking an app's authorization: its tokens are deleted",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition"),
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn confirm_revoke(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
) -> Response {
    let lang = console.lang;
    let list = match by_app(&state, &console).await {
        Ok(l) => l,
        Err(e) => return refusal::page(&e, lang),
    };
    let Some((client_id, name, _, _)) = list.into_iter().find(|a| a.0 == client_id) else {
        return refusal::page(&not_authorized(), lang);
    };
    Confirm::page(
        &console,
        Key("orgs.revoke_title"),
        Section::AuthorizedApps,
        lang.fill(Key("orgs.revoke_question"), &[("app", &name)]),
        Some(lang.t("orgs.revoke_warning").to_string()),
        Key("orgs.revoke"),
        (
            &format!(
                "/console/authorized-apps/{}/delete",
                buckle_core::redirect::encode(&client_id)
            ),
            "/console/authorized-apps",
        ),
    )
}

#[utoipa::path(
    post,
    path = "/console/authorized-apps/{client_id}/delete",
    summary = "Revoke an app's authorization; its tokens for the person are deleted",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn revoke(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    match grants::revoke_authorized_app(&state, &console.caller, &client_id).await {
        Ok(()) => done(&console, "/console/authorized-apps"),
        Err(e) => refusal::page(&e, console.lang),
    }
}
