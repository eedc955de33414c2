//! `/console/workspaces/{id}/move`: moving one of the person's personal
//! workspaces into a team or enterprise they administer. First the choice of
//! organization, then the preview (what stops reaching the workspace, what
//! already covers it), then the move itself, a POST from the preview page.

use super::context::{Answer, Console, OrRefusal, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::workspace_moves::{self, CredentialKind, PreviewItem};
use crate::service::{ServiceError, organizations};
use crate::web::Key;
use crate::web::form::PageForm;
use crate::web::i18n::Lang;
use crate::web::page::{Frame, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

struct OrgChoice {
    id: String,
    name: String,
}

struct CredentialRow {
    kind: &'static str,
    name: String,
}

#[derive(Template)]
#[template(path = "console/workspace_move.html")]
struct MovePage {
    frame: Frame,
    csrf: String,
    workspace: String,
    back: String,
    /// The organizations the person may move it into (the choice step).
    choices: Vec<OrgChoice>,
    /// The chosen organization's name (the preview step).
    organization: Option<String>,
    organization_id: String,
    stop_reaching: Vec<CredentialRow>,
    already_covering: Vec<CredentialRow>,
    action: String,
    choose_action: String,
}

/// The organization chosen for the preview.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MoveParams {
    /// The team or enterprise to move the workspace into.
    to: Option<String>,
}

/// The move, confirmed on the preview page.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveForm {
    csrf: String,
    organization_id: String,
}

fn kind_label(lang: Lang, kind: CredentialKind) -> &'static str {
    lang.t(match kind {
        CredentialKind::PersonalAccessToken => "orgs.move_kind_pat",
        CredentialKind::ServiceAccessToken => "orgs.move_kind_sat",
        CredentialKind::OboGrant => "orgs.move_kind_obo",
        CredentialKind::AppAuth => "orgs.move_kind_appauth",
    })
}

fn rows(lang: Lang, items: Vec<PreviewItem>) -> Vec<CredentialRow> {
    items
        .into_iter()
        .map(|i| CredentialRow {
            kind: kind_label(lang, i.kind),
            name: i.name,
        })
        .collect()
}

#[utoipa::path(
    get,
    path = "/console/workspaces/{id}/move",
    summary = "Move a personal workspace into a team or enterprise: choose one, then preview",
    params(("id" = String, Path, description = "The personal workspace's id"), MoveParams),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    Query(q): Query<MoveParams>,
) -> Answer {
    if !console.space.is_personal() {
        return Err(console.refused(&ServiceError::not_found("Workspace not found.")));
    }
    let lang = console.lang;
    let back = format!("/console/workspaces/{id}");
    let action = format!("/console/workspaces/{id}/move");
    match q.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(to) => {
            let p = workspace_moves::preview(&state, &console.caller, &id, to)
                .await
                .or_refusal(&console)?;
            Ok(render(
                StatusCode::OK,
                &MovePage {
                    frame: console.frame(Key("orgs.move_title"), Section::Workspaces),
                    csrf: console.csrf.clone(),
                    workspace: p.workspace.name,
                    back,
                    choices: Vec::new(),
                    organization: Some(p.organization_name),
                    organization_id: p.organization_id.into_string(),
                    stop_reaching: rows(lang, p.stop_reaching),
                    already_covering: rows(lang, p.already_covering),
                    choose_action: action.clone(),
                    action,
                },
            ))
        }
        None => {
            // The workspace must be one the person may move; each organization
            // is checked again when chosen.
            let w = crate::service::workspaces::visible(
                &state,
                &console.caller,
                super::orgs_common::id_in_path(&id)
                    .map(buckle_core::WorkspaceId)
                    .ok_or_else(|| {
                        console.refused(&ServiceError::not_found("Workspace not found."))
                    })?,
            )
            .await
            .or_refusal(&console)?
            .0;
            if w.org_id.is_some() || w.owner_account_id != console.caller.account.id {
                return Err(console.refused(&ServiceError::not_found("Workspace not found.")));
            }
            let choices = organizations::list(&state, &console.caller)
                .await
                .or_refusal(&console)?
                .into_iter()
                .filter(|m| m.role.is_admin())
                .map(|m| OrgChoice {
                    id: m.id.into_string(),
                    name: m.name,
                })
                .collect();
            Ok(render(
                StatusCode::OK,
                &MovePage {
                    frame: console.frame(Key("orgs.move_title"), Section::Workspaces),
                    csrf: console.csrf.clone(),
                    workspace: w.name,
                    back,
                    choices,
                    organization: None,
                    organization_id: String::new(),
                    stop_reaching: Vec::new(),
                    already_covering: Vec::new(),
                    choose_action: action.clone(),
                    action,
                },
            ))
        }
    }
}

#[utoipa::path(
    post,
    path = "/console/workspaces/{id}/move",
    summary = "Move a personal workspace into a team or enterprise",
    params(("id" = String, Path, description = "The personal workspace's id")),
    request_body(content = MoveForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn move_into(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    PageForm(form): PageForm<MoveForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let w = workspace_moves::move_into(&state, &console.caller, &id, &form.organization_id)
        .await
        .or_refusal(&console)?;
    let org = w
        .org_id
        .map(buckle_core::OrgId::into_string)
        .unwrap_or_default();
    Ok(console.see_other_outside(&format!("/console/workspaces/{}?org={org}", w.id)))
}

/// The personal account access switch of a team credential (a PAT on the tokens
/// page, an AppAuth authorization on the installations page).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalAccessForm {
    pub csrf: String,
    /// `true` or `false`.
    pub enabled: String,
}

impl PersonalAccessForm {
    /// The switch's new position; anything but `true` or `false` is refused.
    pub fn enabled(&self, console: &Console) -> Result<bool, axum::response::Response> {
        match self.enabled.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(console.refused(&ServiceError::invalid(
                "enabled",
                "enabled must be true or false.",
            ))),
        }
    }
}
