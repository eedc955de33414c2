//! The invitee's answer to an invitation, from `/console/organizations`:
//! accepting joins the team or enterprise, declining drops the invitation.

use super::confirm::ButtonForm;
use super::context::{Answer, Console, OrRefusal};
use super::orgs_common::id_in_path;
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::{ServiceError, invitations};
use crate::web::form::PageForm;
use axum::extract::{Path, State};

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
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn accept(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let id = id_in_path(&id).ok_or_else(|| console.refused(&no_such_invitation()))?;
    invitations::accept(&state, &console.caller, id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/organizations"))
}

#[utoipa::path(
    post,
    path = "/console/invitations/{id}/decline",
    summary = "Decline an invitation to a team or enterprise",
    params(
        ("id" = String, Path, description = "The invitation's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn decline(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let id = id_in_path(&id).ok_or_else(|| console.refused(&no_such_invitation()))?;
    invitations::decline(&state, &console.caller, id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/organizations"))
}
