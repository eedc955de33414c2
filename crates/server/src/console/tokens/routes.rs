//! The token pages' handlers, one per path and method (each documented in the
//! OpenAPI document); the work is in `list`, `form` and `delete`, shared by both kinds.

use super::delete;
use super::form::{self, TokenForm};
use super::{Kind, list};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::console::confirm::ButtonForm;
use crate::console::context::{Answer, Console};
use crate::web::form::PageForm;
use axum::extract::{Path, State};

#[utoipa::path(get, path = "/console/tokens", summary = "Console: the personal access tokens of the space",
    params(("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_list(State(state): State<AppState>, console: Console) -> Answer {
    list::show(&state, console, Kind::Personal).await
}

#[utoipa::path(get, path = "/console/tokens/new", summary = "Console: the form making a personal access token",
    params(("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_new(State(state): State<AppState>, console: Console) -> Answer {
    form::new(&state, console, Kind::Personal).await
}

#[utoipa::path(post, path = "/console/tokens/new", summary = "Console: make a personal access token (its secret is shown once)",
    params(("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_create(
    State(state): State<AppState>,
    console: Console,
    PageForm(f): PageForm<TokenForm>,
) -> Answer {
    form::create(&state, console, Kind::Personal, f).await
}

#[utoipa::path(get, path = "/console/tokens/{token_id}/edit", summary = "Console: the form editing a personal access token",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_edit(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
) -> Answer {
    form::edit(&state, console, Kind::Personal, &token_id).await
}

#[utoipa::path(post, path = "/console/tokens/{token_id}/edit", summary = "Console: save a personal access token's name, workspaces and permissions",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_update(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
    PageForm(f): PageForm<TokenForm>,
) -> Answer {
    form::update(&state, console, Kind::Personal, &token_id, f).await
}

#[utoipa::path(get, path = "/console/tokens/{token_id}/delete", summary = "Console: confirm deleting a personal access token",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_confirm_delete(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
) -> Answer {
    delete::confirm(&state, console, Kind::Personal, &token_id).await
}

#[utoipa::path(post, path = "/console/tokens/{token_id}/delete", summary = "Console: delete a personal access token",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_delete(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
    PageForm(f): PageForm<ButtonForm>,
) -> Answer {
    delete::delete(&state, console, Kind::Personal, &token_id, f).await
}

#[utoipa::path(get, path = "/console/service-tokens", summary = "Console: the service access tokens of the space",
    params(("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn service_list(State(state): State<AppState>, console: Console) -> Answer {
    list::show(&state, console, Kind::Service).await
}

#[utoipa::path(get, path = "/console/service-tokens/new", summary = "Console: the form making a service access token",
    params(("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn service_new(State(state): State<AppState>, console: Console) -> Answer {
    form::new(&state, console, Kind::Service).await
}

#[utoipa::path(post, path = "/console/service-tokens/new", summary = "Console: make a service access token (its secret is shown once)",
    params(("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn service_create(
    State(state): State<AppState>,
    console: Console,
    PageForm(f): PageForm<TokenForm>,
) -> Answer {
    form::create(&state, console, Kind::Service, f).await
}

#[utoipa::path(get, path = "/console/service-tokens/{token_id}/edit", summary = "Console: the form editing a service access token",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn service_edit(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
) -> Answer {
    form::edit(&state, console, Kind::Service, &token_id).await
}

#[utoipa::path(post, path = "/console/service-tokens/{token_id}/edit", summary = "Console: save a service access token's name, workspaces and permissions",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn service_update(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
    PageForm(f): PageForm<TokenForm>,
) -> Answer {
    form::update(&state, console, Kind::Service, &token_id, f).await
}

#[utoipa::path(get, path = "/console/service-tokens/{token_id}/delete", summary = "Console: confirm deleting a service access token",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    security(("session" = [])), responses(PageAnswers))]
pub async fn service_confirm_delete(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
) -> Answer {
    delete::confirm(&state, console, Kind::Service, &token_id).await
}

#[utoipa::path(post, path = "/console/service-tokens/{token_id}/delete", summary = "Console: delete a service access token",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "Team or enterprise; absent: personal edition")),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn service_delete(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
    PageForm(f): PageForm<ButtonForm>,
) -> Answer {
    delete::delete(&state, console, Kind::Service, &token_id, f).await
}

#[utoipa::path(post, path = "/console/tokens/{token_id}/personal-access", summary = "Console: let an organization PAT reach (or stop reaching) its admin's personal account-level resources",
    params(("token_id" = String, Path, description = "Token id"),
        ("org" = Option<String>, Query, description = "The team or enterprise of the token")),
    request_body(content = crate::console::workspace_moves::PersonalAccessForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn personal_access(
    State(state): State<AppState>,
    console: Console,
    Path(token_id): Path<String>,
    PageForm(f): PageForm<crate::console::workspace_moves::PersonalAccessForm>,
) -> Answer {
    use crate::console::context::OrRefusal;
    use crate::service::ServiceError;
    console.check_csrf(&f.csrf)?;
    let enabled = f.enabled(&console)?;
    let id = token_id
        .parse::<i64>()
        .map_err(|_| console.refused(&ServiceError::not_found("Token not found.")))?;
    crate::service::workspace_moves::set_token_personal_access(
        &state,
        &console.caller,
        id,
        enabled,
    )
    .await
    .or_refusal(&console)?;
    Ok(console.see_other("/console/tokens"))
}
