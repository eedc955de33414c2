//! `/console/members?org=`: an organization's members with their role. Admins
//! invite by user name, change roles (only super admins touch super admins, see
//! `service::organizations::may_assign`), remove members and cancel pending
//! invitations, each removal after a confirmation page. Members read the list.

use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section, Space};
use super::orgs_common::{field_errors, id_in_path, role_label};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::organizations::may_assign;
use crate::service::{ServiceError, invitations, organizations};
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::{Frame, render};
use crate::web::when::day;
use crate::web::{Key, refusal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use buckle_core::Role;
use serde::Deserialize;
use utoipa::ToSchema;

/// A role the person may hand out, for a `<select>`.
struct RoleChoice {
    value: &'static str,
    label: &'static str,
}

struct MemberRow {
    account_id: i64,
    is_me: bool,
    user_name: String,
    nick_name: String,
    role: &'static str,
    role_value: &'static str,
    joined: String,
    /// Where the role form posts, when the person may change this member's role.
    role_action: Option<String>,
    /// The confirmation page of removing them, when the person may.
    remove_href: Option<String>,
    /// Why the last role change of this row was refused.
    error: Option<String>,
}

struct PendingRow {
    user_name: String,
    role: &'static str,
    invited_by: String,
    expires: String,
    cancel_href: Option<String>,
}

#[derive(Template)]
#[template(path = "console/members.html")]
struct MembersPage {
    frame: Frame,
    csrf: String,
    is_admin: bool,
    members: Vec<MemberRow>,
    pending: Vec<PendingRow>,
    choices: Vec<RoleChoice>,
    invite_action: String,
    user_name: String,
    role: String,
    errors: FieldErrors,
    /// The confirmation page of leaving the organization.
    leave_href: String,
}

/// Inviting a user name with a role.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteForm {
    csrf: String,
    user_name: String,
    /// `super_admin`, `admin` or `member`.
    role: String,
}

/// A member's new role.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleForm {
    csrf: String,
    /// `super_admin`, `admin` or `member`.
    role: String,
}

/// What the page shows besides the lists: the invite form as typed, its errors,
/// and a refused role change (the row's account id and why).
#[derive(Default)]
struct Typed {
    user_name: String,
    role: String,
    errors: FieldErrors,
    row_error: Option<(i64, String)>,
}

fn caller_role(console: &Console) -> Option<Role> {
    match &console.space {
        Space::Organization { role, .. } => Some(*role),
        Space::Personal => None,
    }
}

async fn page(state: &AppState, console: &Console, status: StatusCode, typed: Typed) -> Answer {
    let lang = console.lang;
    let org = console.require_org()?;
    let Some(mine) = caller_role(console) else {
        return Err(console.refused(&ServiceError::Internal));
    };
    let is_admin = mine.is_admin();
    let list = organizations::members(state, &console.caller, org)
        .await
        .or_refusal(console)?;
    let pending = if is_admin {
        invitations::of_organization(state, &console.caller, org)
            .await
            .or_refusal(console)?
    } else {
        Vec::new()
    };
    let me = console.caller.account.id;
    let may = |r: Role| is_admin && may_assign(mine, r).is_ok();
    let members = list
        .into_iter()
        .map(|m| {
            let others = m.account_id != me && may(m.role);
            MemberRow {
                role_action: others
                    .then(|| console.href(&format!("/console/members/{}/role", m.account_id))),
                remove_href: others
                    .then(|| console.href(&format!("/console/members/{}/delete", m.account_id))),
                error: typed
                    .row_error
                    .as_ref()
                    .filter(|(id, _)| *id == m.account_id.get())
                    .map(|(_, e)| e.clone()),
                account_id: m.account_id.get(),
                is_me: m.account_id == me,
                user_name: m.user_name,
                nick_name: m.nick_name,
                role: role_label(lang, m.role),
                role_value: m.role.as_str(),
                joined: day(m.joined_at),
            }
        })
        .collect();
    let pending = pending
        .into_iter()
        .map(|(i, by)| PendingRow {
            cancel_href: may(i.role)
                .then(|| console.href(&format!("/console/members/invitations/{}/cancel", i.id))),
            user_name: i.user_name,
            role: role_label(lang, i.role),
            invited_by: by.map(|a| a.user_name).unwrap_or_default(),
            expires: day(i.expires_at),
        })
        .collect();
    let choices = [Role::Member, Role::Admin, Role::SuperAdmin]
        .into_iter()
        .filter(|r| may_assign(mine, *r).is_ok())
        .map(|r| RoleChoice {
            value: r.as_str(),
            label: role_label(lang, r),
        })
        .collect();
    Ok(render(
        status,
        &MembersPage {
            frame: console.frame(Key("orgs.members_title"), Section::Members),
            csrf: console.csrf.clone(),
            is_admin,
            members,
            pending,
            choices,
            invite_action: console.href("/console/members"),
            user_name: typed.user_name,
            role: if typed.role.is_empty() {
                "member".to_string()
            } else {
                typed.role
            },
            errors: typed.errors,
            leave_href: console.href("/console/members/leave"),
        },
    ))
}

#[utoipa::path(
    get,
    path = "/console/members",
    summary = "An organization's members and pending invitations",
    params(("org" = Option<String>, Query, description = "The team or enterprise whose members these are")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(State(state): State<AppState>, console: Console) -> Answer {
    page(&state, &console, StatusCode::OK, Typed::default()).await
}

#[utoipa::path(
    post,
    path = "/console/members",
    summary = "Invite a user name to the organization with a role (admins)",
    params(("org" = Option<String>, Query, description = "The team or enterprise to invite to")),
    request_body(content = InviteForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn invite(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<InviteForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?;
    match invitations::invite(&state, &console.caller, org, &form.user_name, &form.role).await {
        Ok(_) => Ok(console.see_other("/console/members")),
        Err(e) => {
            let typed = Typed {
                errors: field_errors(
                    &e,
                    console.lang,
                    "user_name",
                    &[
                        ("user_name", Key("orgs.field.user_name")),
                        ("role", Key("orgs.field.role")),
                    ],
                ),
                user_name: form.user_name,
                role: form.role,
                row_error: None,
            };
            page(&state, &console, refusal::status_for(&e), typed).await
        }
    }
}

#[utoipa::path(
    post,
    path = "/console/members/{account_id}/role",
    summary = "Change a member's role (admins; super admins for super admins)",
    params(
        ("account_id" = String, Path, description = "The member's account id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = RoleForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn set_role(
    State(state): State<AppState>,
    console: Console,
    Path(account_id): Path<String>,
    PageForm(form): PageForm<RoleForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?;
    match organizations::set_role(&state, &console.caller, org, &account_id, &form.role).await {
        Ok(_) => Ok(console.see_other("/console/members")),
        Err(e) => {
            let Some(id) = id_in_path(&account_id) else {
                return Err(console.refused(&e));
            };
            let typed = Typed {
                row_error: Some((id, refusal::localized(&e, console.lang))),
                ..Typed::default()
            };
            page(&state, &console, refusal::status_for(&e), typed).await
        }
    }
}

fn not_a_member() -> ServiceError {
    ServiceError::not_found("That account is not a member.")
}

#[utoipa::path(
    get,
    path = "/console/members/{account_id}/delete",
    summary = "Confirm removing a member from the organization (admins)",
    params(
        ("account_id" = String, Path, description = "The member's account id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn confirm_remove(
    State(state): State<AppState>,
    console: Console,
    Path(account_id): Path<String>,
) -> Answer {
    let lang = console.lang;
    let org = console.require_org()?;
    if !console.space.is_admin() {
        return Err(console.refused(&ServiceError::forbidden(
            "Only a super admin or admin of the team/enterprise may do this.",
        )));
    }
    let members = organizations::members(&state, &console.caller, org)
        .await
        .or_refusal(&console)?;
    let Some(m) = id_in_path(&account_id)
        .and_then(|id| members.into_iter().find(|m| m.account_id.get() == id))
    else {
        return Err(console.refused(&not_a_member()));
    };
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("orgs.remove_member_title"),
            section: Section::Members,
            question: lang.fill(
                Key("orgs.remove_member_question"),
                &[("name", &m.user_name)],
            ),
            warning: Some(lang.t("orgs.remove_member_warning").to_string()),
            undoable: false,
            button: Key("orgs.remove"),
            action: format!("/console/members/{}/delete", m.account_id),
            back: "/console/members".to_string(),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/members/{account_id}/delete",
    summary = "Remove a member from the organization (admins)",
    params(
        ("account_id" = String, Path, description = "The member's account id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn remove(
    State(state): State<AppState>,
    console: Console,
    Path(account_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?;
    let Some(id) = id_in_path(&account_id) else {
        return Err(console.refused(&not_a_member()));
    };
    match organizations::remove_member(&state, &console.caller, org, buckle_core::AccountId(id))
        .await
    {
        Ok(()) => Ok(console.see_other("/console/members")),
        Err(e) => Err(console.refused(&e)),
    }
}

fn no_such_invitation() -> ServiceError {
    ServiceError::not_found("Invitation not found.")
}

#[utoipa::path(
    get,
    path = "/console/members/invitations/{id}/cancel",
    summary = "Confirm cancelling a pending invitation (admins)",
    params(
        ("id" = String, Path, description = "The invitation's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn confirm_cancel(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
) -> Answer {
    let lang = console.lang;
    let org = console.require_org()?;
    let pending = invitations::of_organization(&state, &console.caller, org)
        .await
        .or_refusal(&console)?;
    let Some((i, _)) = id_in_path(&id).and_then(|id| pending.into_iter().find(|(i, _)| i.id == id))
    else {
        return Err(console.refused(&no_such_invitation()));
    };
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("orgs.cancel_invitation_title"),
            section: Section::Members,
            question: lang.fill(
                Key("orgs.cancel_invitation_question"),
                &[("name", &i.user_name)],
            ),
            warning: None,
            undoable: false,
            button: Key("orgs.cancel_invitation"),
            action: format!("/console/members/invitations/{}/cancel", i.id),
            back: "/console/members".to_string(),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/members/invitations/{id}/cancel",
    summary = "Cancel a pending invitation (admins)",
    params(
        ("id" = String, Path, description = "The invitation's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn cancel(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?;
    invitations::cancel(&state, &console.caller, org, &id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/members"))
}

#[utoipa::path(
    get,
    path = "/console/members/leave",
    summary = "Confirm leaving the organization (the tokens made there are deleted)",
    params(("org" = Option<String>, Query, description = "The team or enterprise to leave")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn confirm_leave(console: Console) -> Answer {
    console.require_org()?;
    let lang = console.lang;
    let name = match &console.space {
        Space::Organization { name, .. } => name.as_str(),
        Space::Personal => "",
    };
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("orgs.leave_title"),
            section: Section::Members,
            question: lang.fill(Key("orgs.leave_question"), &[("name", name)]),
            warning: Some(lang.t("orgs.leave_warning").to_string()),
            undoable: false,
            button: Key("orgs.leave"),
            action: "/console/members/leave".to_string(),
            back: "/console/members".to_string(),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/members/leave",
    summary = "Leave the organization (its last super admin cannot)",
    params(("org" = Option<String>, Query, description = "The team or enterprise to leave")),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn leave(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.require_org()?;
    organizations::remove_member(&state, &console.caller, org, console.caller.account.id)
        .await
        .or_refusal(&console)?;
    // The organization is no longer theirs to be in: back to the personal edition.
    Ok(console.see_other_outside("/console/organizations"))
}
