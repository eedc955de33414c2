//! `/console/organizations` (personal space): the person's teams and enterprises
//! with their role and a way into each, creating a team (an enterprise too, for
//! the installation's super admins), and the invitations waiting for an answer.

use super::context::{Answer, Console, OrRefusal, Section};
use super::orgs_common::{field_errors, role_label};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::organizations::{self, NewOrganization};
use crate::service::{ServiceError, invitations};
use crate::web::form::{FieldErrors, PageForm};
use crate::web::i18n::Lang;
use crate::web::page::{Frame, render};
use crate::web::when::day;
use crate::web::{Key, refusal};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use buckle_core::OrgKind;
use serde::Deserialize;
use utoipa::ToSchema;

/// A team or enterprise the person belongs to.
struct OrgRow {
    name: String,
    kind: &'static str,
    role: &'static str,
    href: String,
}

/// An invitation waiting for the person's answer.
struct InvitationRow {
    accept: String,
    decline: String,
    org_name: String,
    kind: &'static str,
    role: &'static str,
    invited_by: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "console/organizations.html")]
struct OrganizationsPage {
    frame: Frame,
    csrf: String,
    action: String,
    orgs: Vec<OrgRow>,
    invitations: Vec<InvitationRow>,
    may_create_enterprise: bool,
    name: String,
    kind: String,
    id: String,
    errors: FieldErrors,
}

/// The create form: a name, and for an installation super admin the kind and an
/// enterprise's chosen id.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationForm {
    csrf: String,
    name: String,
    /// `team` (default) or `enterprise`.
    #[serde(default)]
    kind: Option<String>,
    /// An enterprise's chosen id (empty: generated).
    #[serde(default)]
    id: Option<String>,
}

fn kind_label(lang: Lang, kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Team => lang.t("orgs.kind.team"),
        OrgKind::Enterprise => lang.t("orgs.kind.enterprise"),
    }
}

async fn page(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    form: (&str, &str, &str),
    errors: FieldErrors,
) -> Answer {
    let lang = console.lang;
    let orgs = organizations::list(state, &console.caller)
        .await
        .or_refusal(console)?;
    let pending = invitations::mine(state, &console.caller)
        .await
        .or_refusal(console)?;
    let (name, kind, id) = form;
    Ok(render(
        status,
        &OrganizationsPage {
            frame: console.frame(Key("orgs.title"), Section::Organizations),
            csrf: console.csrf.clone(),
            action: console.href("/console/organizations"),
            orgs: orgs
                .into_iter()
                .map(|m| OrgRow {
                    href: format!("/?org={}", m.id),
                    name: m.name,
                    kind: kind_label(lang, m.kind),
                    role: role_label(lang, m.role),
                })
                .collect(),
            invitations: pending
                .into_iter()
                .map(|(i, by)| InvitationRow {
                    accept: console.href(&format!("/console/invitations/{}/accept", i.id)),
                    decline: console.href(&format!("/console/invitations/{}/decline", i.id)),
                    org_name: i.org_name,
                    kind: kind_label(lang, i.org_kind),
                    role: role_label(lang, i.role),
                    invited_by: by.map(|a| a.user_name).unwrap_or_default(),
                    expires: day(i.expires_at),
                })
                .collect(),
            may_create_enterprise: console.caller.account.is_super_admin,
            name: name.to_string(),
            kind: kind.to_string(),
            id: id.to_string(),
            errors,
        },
    ))
}

#[utoipa::path(
    get,
    path = "/console/organizations",
    summary = "The person's teams and enterprises, creating one, and their invitations",
    params(("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(State(state): State<AppState>, console: Console) -> Answer {
    page(
        &state,
        &console,
        StatusCode::OK,
        ("", "team", ""),
        FieldErrors::default(),
    )
    .await
}

#[utoipa::path(
    post,
    path = "/console/organizations",
    summary = "Create a team (or, for the installation's super admins, an enterprise)",
    params(("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition")),
    request_body(content = CreateOrganizationForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn create(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<CreateOrganizationForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let kind_raw = form.kind.as_deref().unwrap_or("team");
    let id = form.id.as_deref().map(str::trim).filter(|i| !i.is_empty());
    let typed = (form.name.as_str(), kind_raw, id.unwrap_or(""));
    let result = match OrgKind::parse(kind_raw) {
        Err(_) => Err(ServiceError::invalid(
            "kind",
            "kind must be team or enterprise.",
        )),
        Ok(kind) => {
            let req = NewOrganization {
                name: form.name.clone(),
                kind,
                id: id.map(str::to_string),
            };
            organizations::create(&state, &console.caller, req).await
        }
    };
    match result {
        Ok(_) => Ok(console.see_other("/console/organizations")),
        Err(e) => {
            let status = refusal::status_for(&e);
            let errors = field_errors(
                &e,
                console.lang,
                "name",
                &[("kind", Key("orgs.field.kind"))],
            );
            page(&state, &console, status, typed, errors).await
        }
    }
}
