//! The shareable authorization link of a service app: an organization's super
//! admin or admin opens it to authorize the app (AppAuth) for their organization,
//! and the owner of a personal app also in their own personal edition (so the
//! JWT flow's "owner's authorization" is one click from the link).

use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::Caller;
use crate::service::grants::{self, AppAuthRequest};
use crate::web::consent::{EditionChoice, PermissionLine, permission_lines};
use crate::web::form::{PageForm, PageQuery};
use crate::web::page::{Frame, Notice, redirect_to_login, render};
use crate::web::refusal::{reason_for, status_for};
use crate::web::{Key, Visitor};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use buckle_core::ClientType;
use buckle_core::secret::constant_time_eq;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

pub const PAGE: &str = "/oauth/authorize-app";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    client_id: Option<String>,
}

#[derive(Template)]
#[template(path = "share.html")]
struct SharePage<'a> {
    frame: Frame,
    /// Who is signed in (the page acts for them).
    user_name: &'a str,
    app_name: &'a str,
    app_description: &'a str,
    permissions: Vec<PermissionLine>,
    client_id: &'a str,
    csrf: &'a str,
    /// The first is the owner's personal edition (empty id) when offered.
    editions: Vec<EditionChoice>,
    /// What the page asks, and the label of the edition picker: they name the
    /// personal edition only when it is offered.
    asks: &'static str,
    where_label: &'static str,
}

/// The form's `organization_id` for the owner's personal edition.
const PERSONAL: &str = "";

fn not_found(visitor: &Visitor) -> Response {
    Notice::show(
        StatusCode::NOT_FOUND,
        visitor,
        Key("share.title"),
        Key("share.no_app"),
    )
}

/// `GET /oauth/authorize-app?client_id=`.
#[utoipa::path(
    get,
    path = "/oauth/authorize-app",
    summary = "Shareable AppAuth authorization link for organization admins and, for a personal app, its owner; client_id",
    params(PageParams),
    security(()),
    responses(PageAnswers)
)]
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(q): PageQuery<PageParams>,
) -> Response {
    let Some(session) = &visitor.session else {
        return redirect_to_login(&visitor.here);
    };
    let user = &session.account;
    let Some(client_id) = q.client_id.filter(|c| !c.is_empty() && c.len() <= 128) else {
        return not_found(&visitor);
    };
    let app = match state.store.app_by_client_id(&client_id).await {
        Ok(Some(a)) if a.client_type == ClientType::Service => a,
        _ => return not_found(&visitor),
    };
    let organizations = state
        .store
        .organizations_of(user.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|o| o.role.is_admin())
        .filter(|o| app.org_id.as_ref().is_none_or(|owner| *owner == o.id))
        .map(|o| EditionChoice {
            id: o.id.into_string(),
            label: o.name,
        });
    // The owner of a personal app authorizes it in their own personal edition.
    let owner = app.org_id.is_none() && app.owner_account_id == Some(user.id);
    let personal = owner.then(|| EditionChoice {
        id: PERSONAL.to_string(),
        label: visitor.lang.t("share.personal").to_string(),
    });
    let editions: Vec<_> = personal.into_iter().chain(organizations).collect();
    if editions.is_empty() {
        return Notice::show(
            StatusCode::FORBIDDEN,
            &visitor,
            Key("share.title"),
            Key("share.admins_only"),
        );
    }
    let (asks, where_label) = if owner {
        ("share.asks_owner", "share.edition")
    } else {
        ("share.asks", "share.organization")
    };
    let page = SharePage {
        frame: Frame::new(&visitor, Key("share.title")),
        user_name: &user.user_name,
        app_name: &app.name,
        app_description: &app.description,
        permissions: permission_lines(&state, &app, visitor.lang),
        client_id: &app.client_id,
        csrf: &session.csrf_token,
        editions,
        asks,
        where_label,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = AuthorizeAppForm)]
pub struct DecisionForm {
    client_id: String,
    /// Empty for the owner's personal edition.
    organization_id: String,
    csrf: String,
}

/// `POST /oauth/authorize-app`.
#[utoipa::path(
    post,
    path = "/oauth/authorize-app",
    summary = "AppAuth authorization decision",
    request_body(content = DecisionForm, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(PageAnswers)
)]
pub async fn decide(
    State(state): State<AppState>,
    visitor: Visitor,
    PageForm(f): PageForm<DecisionForm>,
) -> Response {
    let Some(session) = &visitor.session else {
        return redirect_to_login(PAGE);
    };
    if !constant_time_eq(&f.csrf, &session.csrf_token) {
        return Notice::show(
            StatusCode::FORBIDDEN,
            &visitor,
            Key("share.title"),
            Key("share.form_mismatch"),
        );
    }
    let caller = Caller::person(session.account.clone());
    let organization_id = (f.organization_id != PERSONAL).then_some(f.organization_id);
    let done = if organization_id.is_some() {
        Key("share.done_text")
    } else {
        Key("share.done_personal")
    };
    let req = AppAuthRequest {
        organization_id,
        all_workspaces: true,
        workspace_ids: Vec::new(),
    };
    let lang = visitor.lang;
    // The service decides: only the owner may authorize in a personal edition.
    match grants::authorize_app(&state, &caller, &f.client_id, req).await {
        Ok((app, _)) => Notice::text(
            StatusCode::OK,
            lang,
            Key("share.done_title"),
            lang.fill(done, &[("app", &app.name)]),
        ),
        Err(e) => Notice::text(
            status_for(&e),
            lang,
            Key("share.title"),
            lang.fill(Key("share.failed"), &[("reason", &reason_for(&e, lang))]),
        ),
    }
}
