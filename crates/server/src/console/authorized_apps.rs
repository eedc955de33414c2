//! `/console/authorized-apps` (personal space): the apps the person let act for
//! them (OBO consents), one row per app with the editions it reaches, and
//! revoking one after a confirmation page warning that its tokens go too.

use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::{ServiceError, grants, organizations};
use crate::web::Key;
use crate::web::form::PageForm;
use crate::web::page::{Frame, render};
use crate::web::when::day;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
pub async fn show(State(state): State<AppState>, console: Console) -> Answer {
    let list = by_app(&state, &console).await.or_refusal(&console)?;
    Ok(render(
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
    ))
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
) -> Answer {
    let lang = console.lang;
    let list = by_app(&state, &console).await.or_refusal(&console)?;
    let Some((client_id, name, _, _)) = list.into_iter().find(|a| a.0 == client_id) else {
        return Err(console.refused(&not_authorized()));
    };
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("orgs.revoke_title"),
            section: Section::AuthorizedApps,
            question: lang.fill(Key("orgs.revoke_question"), &[("app", &name)]),
            warning: Some(lang.t("orgs.revoke_warning").to_string()),
            undoable: false,
            button: Key("orgs.revoke"),
            action: format!(
                "/console/authorized-apps/{}/delete",
                buckle_core::redirect::encode(&client_id)
            ),
            back: "/console/authorized-apps".to_string(),
        },
    ))
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
) -> Answer {
    console.check_csrf(&form.csrf)?;
    grants::revoke_authorized_app(&state, &console.caller, &client_id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/authorized-apps"))
}
