//! A service app's AppAuth authorizations on its page: who authorized it where,
//! the button that authorizes it in the current space (the owner in their
//! personal edition, so the JWT flow does not dead-end; an admin for the
//! organization), revoking one (confirmed first: its tokens go), and the share
//! link an organization's admin opens to authorize the app there.

use super::apps::{AppInPath, SpaceQuery};
use super::apps::{app_href, app_in_space, app_path, may_manage};
use super::apps_edit::{Outcome, show_page};
use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::grants::{self, AppAuthRequest};
use crate::service::{ServiceResult, workspaces};
use crate::web::Key;
use crate::web::form::PageForm;
use crate::web::refusal;
use crate::web::when::moment;
use axum::extract::{Path, State};
use axum::response::Response;
use buckle_core::{ClientType, Role};
use buckle_store::OAuthApp;
use serde::Deserialize;
use utoipa::ToSchema;

/// One authorization of the app.
pub struct AuthRow {
    pub place: String,
    pub workspaces: String,
    pub created: String,
    pub revoke_href: Option<String>,
}

/// A workspace checkbox of the authorize form.
pub struct WsChoice {
    pub id: String,
    pub name: String,
}

/// The authorizations part of a service app's page.
pub struct AuthSection {
    pub rows: Vec<AuthRow>,
    /// The authorize form, when the person may authorize here.
    pub authorize: Option<AuthorizeForm>,
    /// Why there is no form (a member of an organization).
    pub note: Option<&'static str>,
    pub share_link: Option<String>,
    pub error: Option<String>,
}

/// The form that authorizes the app in the current space.
pub struct AuthorizeForm {
    pub action: String,
    pub label: String,
    pub authorized_here: bool,
    pub workspaces: Vec<WsChoice>,
}

/// The section of `app`'s page, for service apps only.
pub async fn auth_section(
    state: &AppState,
    console: &Console,
    app: &OAuthApp,
    role: Option<Role>,
    error: Option<String>,
) -> ServiceResult<Option<AuthSection>> {
    if app.client_type != ClientType::Service {
        return Ok(None);
    }
    let lang = console.lang;
    if !may_manage(role) {
        return Ok(Some(AuthSection {
            rows: Vec::new(),
            authorize: None,
            note: Some(lang.t("apps.auth.admins_only")),
            share_link: None,
            error,
        }));
    }
    let caller = &console.caller;
    let (_, found) = grants::list_app_authorizations(state, caller, &app.client_id).await?;
    let here = console.space.org_id();
    // Organizations by name: the person's own from the switcher, others (an app
    // owner sees where admins authorized it) from the store; an id if it is gone.
    let mut names = std::collections::HashMap::new();
    for org in found.iter().filter_map(|g| g.org()) {
        if names.contains_key(org) {
            continue;
        }
        let name = match console.org_name(org) {
            Some(n) => n.to_string(),
            None => state
                .store
                .organization(org)
                .await?
                .map_or_else(|| org.to_string(), |o| o.name),
        };
        names.insert(org.clone(), name);
    }
    let mut authorized_here = false;
    let rows = found
        .iter()
        .map(|g| {
            let mine_here = match g.org() {
                None => here.is_none() && g.account() == Some(caller.account.id),
                Some(org) => here == Some(org.as_str()),
            };
            authorized_here |= mine_here;
            AuthRow {
                place: match g.org() {
                    None => lang.t("apps.auth.personal").to_string(),
                    Some(org) => lang.fill(
                        Key("apps.auth.organization"),
                        &[("name", names.get(org).map_or(org.as_str(), String::as_str))],
                    ),
                },
                workspaces: if g.all_workspaces {
                    lang.t("apps.auth.all_workspaces").to_string()
                } else {
                    lang.fill(
                        Key("apps.auth.some_workspaces"),
                        &[("n", &g.workspace_ids.len().to_string())],
                    )
                },
                created: moment(g.created_at),
                revoke_href: mine_here.then(|| {
                    app_href(
                        console,
                        &app.client_id,
                        &format!("/authorizations/{}/delete", g.id),
                    )
                }),
            }
        })
        .collect();
    let workspaces = workspaces::list(state, caller, here)
        .await?
        .into_iter()
        .map(|w| WsChoice {
            id: w.id.to_string(),
            name: w.name,
        })
        .collect();
    let label = match &console.space {
        super::context::Space::Personal => lang.t("apps.auth.authorize_personal").to_string(),
        super::context::Space::Organization { name, .. } => {
            lang.fill(Key("apps.auth.authorize_org"), &[("name", name)])
        }
    };
    Ok(Some(AuthSection {
        rows,
        authorize: Some(AuthorizeForm {
            action: app_href(console, &app.client_id, "/authorize"),
            label,
            authorized_here,
            workspaces,
        }),
        note: None,
        share_link: Some(grants::share_link(state, caller, &app.client_id).await?),
        error,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = AppAuthorizeForm)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeAppForm {
    csrf: String,
    /// `all` (every workspace, later ones too) or `some` (those checked).
    #[serde(default)]
    scope: String,
    /// The chosen workspaces (repeated checkboxes) when `scope` is `some`.
    #[serde(default)]
    workspace_ids: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/authorize",
    summary = "Authorize a service app (AppAuth) in the current space",
    params(AppInPath, SpaceQuery),
    request_body(content = AuthorizeAppForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn authorize(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<AuthorizeAppForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let (app, role) = app_in_space(&state, &console, &client_id).await?;
    let all = form.scope != "some";
    let req = AppAuthRequest {
        organization_id: console.space.org_id().map(str::to_string),
        all_workspaces: all,
        workspace_ids: if all {
            Vec::new()
        } else {
            form.workspace_ids.clone()
        },
    };
    match grants::authorize_app(&state, &console.caller, &app.client_id, req).await {
        Ok(_) => Ok(console.see_other(&app_path(&app.client_id, ""))),
        Err(e) => {
            let status = refusal::status_for(&e);
            let message = refusal::localized(&e, console.lang);
            let outcome = Outcome {
                status,
                auth_error: Some(message),
                ..Outcome::plain()
            };
            show_page(&state, &console, &app, role, outcome).await
        }
    }
}

/// The authorization `raw_id` of the app, when the person may revoke it here.
async fn revocable(
    state: &AppState,
    console: &Console,
    client_id: &str,
    raw_id: &str,
) -> Result<OAuthApp, Response> {
    let (app, _) = app_in_space(state, console, client_id).await?;
    let (_, found) = grants::list_app_authorizations(state, &console.caller, &app.client_id)
        .await
        .or_refusal(console)?;
    let here = console.space.org_id();
    let exists = found.iter().any(|g| {
        g.id.to_string() == raw_id
            && match g.org() {
                None => here.is_none() && g.account() == Some(console.caller.account.id),
                Some(org) => here == Some(org.as_str()),
            }
    });
    if !exists {
        return Err(console.refused(&crate::service::ServiceError::not_found(
            "Authorization not found.",
        )));
    }
    Ok(app)
}

#[utoipa::path(
    get,
    path = "/console/apps/{client_id}/authorizations/{authorization_id}/delete",
    summary = "Confirm revoking an AppAuth authorization (its tokens go)",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("authorization_id" = String, Path, description = "The authorization"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn revoke_confirm(
    State(state): State<AppState>,
    console: Console,
    Path((client_id, authorization_id)): Path<(String, String)>,
) -> Answer {
    let app = revocable(&state, &console, &client_id, &authorization_id).await?;
    let lang = console.lang;
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("apps.auth.revoke_title"),
            section: Section::Apps,
            question: lang.fill(Key("apps.auth.revoke_question"), &[("name", &app.name)]),
            warning: Some(lang.t("apps.auth.revoke_warning").to_string()),
            undoable: false,
            button: Key("apps.auth.revoke"),
            action: app_path(
                &app.client_id,
                &format!("/authorizations/{authorization_id}/delete"),
            ),
            back: app_path(&app.client_id, ""),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/authorizations/{authorization_id}/delete",
    summary = "Revoke an AppAuth authorization and every token it gave",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("authorization_id" = String, Path, description = "The authorization"),
        ("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn revoke(
    State(state): State<AppState>,
    console: Console,
    Path((client_id, authorization_id)): Path<(String, String)>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let app = revocable(&state, &console, &client_id, &authorization_id).await?;
    let Ok(id) = authorization_id.parse::<i64>() else {
        return Err(console.refused(&crate::service::apps::app_not_found()));
    };
    grants::delete_app_authorization(&state, &console.caller, &app.client_id, id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other(&app_path(&app.client_id, "")))
}
