//! `/console/workspaces?org=`: the workspaces of the space the person is in, and
//! each workspace's members. Organization admins create workspaces; a
//! workspace's managers (its owner and admins, and the organization's admins) add
//! organization members to it and remove them, after a confirmation page.

use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section};
use super::orgs_common::{field_errors, id_in_path, workspace_role_label};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::ServiceError;
use crate::service::workspaces::{self, Standing};
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::{Frame, render};
use crate::web::{Key, refusal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use buckle_core::WorkspaceRole;
use buckle_store::Workspace;
use serde::Deserialize;
use utoipa::ToSchema;

struct WorkspaceRow {
    id: i64,
    name: String,
    role: &'static str,
    href: String,
}

#[derive(Template)]
#[template(path = "console/workspaces.html")]
struct WorkspacesPage {
    frame: Frame,
    csrf: String,
    may_create: bool,
    workspaces: Vec<WorkspaceRow>,
    action: String,
    name: String,
    errors: FieldErrors,
}

struct WorkspaceMemberRow {
    user_name: String,
    role: &'static str,
    remove_href: Option<String>,
}

#[derive(Template)]
#[template(path = "console/workspaces_members.html")]
struct WorkspaceMembersPage {
    frame: Frame,
    csrf: String,
    workspace: String,
    in_organization: bool,
    manages: bool,
    members: Vec<WorkspaceMemberRow>,
    action: String,
    back: String,
    user_name: String,
    role: String,
    errors: FieldErrors,
    /// The owner's own personal workspace may move into an organization.
    move_href: Option<String>,
}

/// A new workspace's name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspaceForm {
    csrf: String,
    name: String,
}

/// A member of the organization to add to the workspace.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberForm {
    csrf: String,
    user_name: String,
    /// `admin` or `member`.
    role: String,
}

async fn list_page(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    name: String,
    errors: FieldErrors,
) -> Answer {
    let lang = console.lang;
    let org = console.space.org_id();
    let list = workspaces::list(state, &console.caller, org)
        .await
        .or_refusal(console)?;
    Ok(render(
        status,
        &WorkspacesPage {
            frame: console.frame(Key("orgs.workspaces_title"), Section::Workspaces),
            csrf: console.csrf.clone(),
            may_create: console.space.is_admin(),
            workspaces: list
                .into_iter()
                .map(|w| WorkspaceRow {
                    href: console.href(&format!("/console/workspaces/{}", w.id)),
                    id: w.id.get(),
                    name: w.name,
                    role: workspace_role_label(lang, w.role),
                })
                .collect(),
            action: console.href("/console/workspaces"),
            name,
            errors,
        },
    ))
}

#[utoipa::path(
    get,
    path = "/console/workspaces",
    summary = "The workspaces of the space the person works in",
    params(("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(State(state): State<AppState>, console: Console) -> Answer {
    list_page(
        &state,
        &console,
        StatusCode::OK,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

#[utoipa::path(
    post,
    path = "/console/workspaces",
    summary = "Create a workspace (an organization's: its admins)",
    params(("org" = Option<String>, Query, description = "The team or enterprise; absent: the personal edition")),
    request_body(content = CreateWorkspaceForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn create(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<CreateWorkspaceForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.space.org_id().map(str::to_string);
    match workspaces::create(&state, &console.caller, &form.name, org).await {
        Ok(_) => Ok(console.see_other("/console/workspaces")),
        Err(e) => {
            let errors = field_errors(&e, console.lang, "name", &[]);
            list_page(&state, &console, refusal::status_for(&e), form.name, errors).await
        }
    }
}

fn no_such_workspace() -> ServiceError {
    ServiceError::not_found("Workspace not found.")
}

/// The workspace named by the address, if the person may see it and it belongs
/// to the space they are in, with how they stand towards it.
async fn workspace_here(
    state: &AppState,
    console: &Console,
    raw: &str,
) -> Result<(Workspace, Standing), ServiceError> {
    let id = id_in_path(raw).ok_or_else(no_such_workspace)?;
    let (w, standing) =
        workspaces::visible(state, &console.caller, buckle_core::WorkspaceId(id)).await?;
    if w.org_id.as_ref() != console.space.org() {
        return Err(no_such_workspace());
    }
    Ok((w, standing))
}

fn manages(standing: Standing) -> bool {
    !matches!(standing, Standing::Member(WorkspaceRole::Member))
}

async fn members_page(
    state: &AppState,
    console: &Console,
    raw_id: &str,
    status: StatusCode,
    typed: (String, String),
    errors: FieldErrors,
) -> Answer {
    let lang = console.lang;
    let (w, standing) = workspace_here(state, console, raw_id)
        .await
        .or_refusal(console)?;
    let list = workspaces::members(state, &console.caller, w.id)
        .await
        .or_refusal(console)?;
    let manages = manages(standing);
    let in_organization = w.org_id.is_some();
    let me = console.caller.account.id;
    let (user_name, role) = typed;
    Ok(render(
        status,
        &WorkspaceMembersPage {
            frame: console.frame(Key("orgs.workspace_members_title"), Section::Workspaces),
            csrf: console.csrf.clone(),
            members: list
                .into_iter()
                .map(|m| WorkspaceMemberRow {
                    remove_href: (manages
                        && m.account_id != w.owner_account_id
                        && m.account_id != me)
                        .then(|| {
                            console.href(&format!(
                                "/console/workspaces/{}/members/{}/delete",
                                w.id, m.account_id
                            ))
                        }),
                    user_name: m.user_name,
                    role: workspace_role_label(lang, m.role),
                })
                .collect(),
            action: console.href(&format!("/console/workspaces/{}", w.id)),
            back: console.href("/console/workspaces"),
            move_href: (w.org_id.is_none() && w.owner_account_id == me)
                .then(|| format!("/console/workspaces/{}/move", w.id)),
            workspace: w.name,
            in_organization,
            manages,
            user_name,
            role: if role.is_empty() {
                "member".into()
            } else {
                role
            },
            errors,
        },
    ))
}

#[utoipa::path(
    get,
    path = "/console/workspaces/{id}",
    summary = "A workspace's members",
    params(
        ("id" = String, Path, description = "The workspace's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise owning it; absent: the personal edition"),
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn members(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
) -> Answer {
    members_page(
        &state,
        &console,
        &id,
        StatusCode::OK,
        Default::default(),
        FieldErrors::default(),
    )
    .await
}

#[utoipa::path(
    post,
    path = "/console/workspaces/{id}",
    summary = "Add a member of the organization to the workspace (its managers)",
    params(
        ("id" = String, Path, description = "The workspace's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise owning it"),
    ),
    request_body(content = AddMemberForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn add_member(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    PageForm(form): PageForm<AddMemberForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let (w, _) = workspace_here(&state, &console, &id)
        .await
        .or_refusal(&console)?;
    match workspaces::add_member(&state, &console.caller, w.id, &form.user_name, &form.role).await {
        Ok(_) => Ok(console.see_other(&format!("/console/workspaces/{}", w.id))),
        Err(e) => {
            let errors = field_errors(
                &e,
                console.lang,
                "user_name",
                &[
                    ("user_name", Key("orgs.field.ws_user_name")),
                    ("role", Key("orgs.field.role")),
                ],
            );
            let status = refusal::status_for(&e);
            members_page(
                &state,
                &console,
                &id,
                status,
                (form.user_name, form.role),
                errors,
            )
            .await
        }
    }
}

#[utoipa::path(
    get,
    path = "/console/workspaces/{id}/members/{account_id}/delete",
    summary = "Confirm removing a member from a workspace",
    params(
        ("id" = String, Path, description = "The workspace's id"),
        ("account_id" = String, Path, description = "The member's account id"),
        ("org" = Option<String>, Query, description = "The team or enterprise owning it"),
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn confirm_remove(
    State(state): State<AppState>,
    console: Console,
    Path((id, account_id)): Path<(String, String)>,
) -> Answer {
    let lang = console.lang;
    let (w, standing) = workspace_here(&state, &console, &id)
        .await
        .or_refusal(&console)?;
    if !manages(standing) {
        return Err(console.refused(&ServiceError::forbidden(
            "Only the workspace's owner or admins may do this.",
        )));
    }
    let list = workspaces::members(&state, &console.caller, w.id)
        .await
        .or_refusal(&console)?;
    let Some(m) =
        id_in_path(&account_id).and_then(|a| list.into_iter().find(|m| m.account_id.get() == a))
    else {
        return Err(console.refused(&ServiceError::not_found("That account is not a member.")));
    };
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("orgs.remove_ws_member_title"),
            section: Section::Workspaces,
            question: lang.fill(
                Key("orgs.remove_ws_member_question"),
                &[("name", &m.user_name), ("workspace", &w.name)],
            ),
            warning: Some(lang.t("orgs.remove_ws_member_warning").to_string()),
            undoable: false,
            button: Key("orgs.remove"),
            action: format!(
                "/console/workspaces/{}/members/{}/delete",
                w.id, m.account_id
            ),
            back: format!("/console/workspaces/{}", w.id),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/workspaces/{id}/members/{account_id}/delete",
    summary = "Remove a member from a workspace",
    params(
        ("id" = String, Path, description = "The workspace's id"),
        ("account_id" = String, Path, description = "The member's account id"),
        ("org" = Option<String>, Query, description = "The team or enterprise owning it"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn remove(
    State(state): State<AppState>,
    console: Console,
    Path((id, account_id)): Path<(String, String)>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let (w, _) = workspace_here(&state, &console, &id)
        .await
        .or_refusal(&console)?;
    workspaces::remove_member(&state, &console.caller, w.id, &account_id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other(&format!("/console/workspaces/{}", w.id)))
}
