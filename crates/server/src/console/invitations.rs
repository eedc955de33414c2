//! The invitee's answer to an invitation, from `/console/organizations`:
//! accepting joins the team or enterprise, declining drops the invitation.

use super::context::Console;
use super::orgs_common::{done, id_in_path};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::{ServiceError, invitations};
use crate::web::form::PageForm;
use crate::web::refusal;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

/// A form that carries only the session's CSRF token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerForm {
    csrf: String,
}

fn no_such_invitation() -> ServiceError {
    ServiceError::not_found("Invitation not found.")
}

#[utoipa::path(
    post,
    path = "/console/invitations/{id}/accept",
    summary = "Accept an invitation to a team or enterprise",
    params(
        ("id" = String, Path, description = "The invitation's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition"),
    ),
    request_body(content = AnswerForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn accept(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    PageForm(form): PageForm<AnswerForm>,
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let Some(id) = id_in_path(&id) else {
        return refusal::page(&no_such_invitation(), console.lang);
    };
    match invitations::accept(&state, &console.caller, id).await {
        Ok(_) => done(&console, "/console/organizations"),
        Err(e) => refusal::page(&e, console.lang),
    }
}

#[utoipa::path(
    post,
    path = "/console/invitations/{id}/decline",
    summary = "Decline an invitation to a team or enterprise",
    params(
        ("id" = String, Path, description = "The invitation's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition"),
    ),
    request_body(content = AnswerForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn decline(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    PageForm(form): PageForm<AnswerForm>,
) -> Response {
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let Some(id) = id_in_path(&id) else {
        return refusal::page(&no_such_invitation(), console.lang);
    };
    match invitations::decline(&state, &console.caller, id).await {
        Ok(()) => done(&console, "/console/organizations"),
        Err(e) => refusal::page(&e, console.lang),
    }
}
