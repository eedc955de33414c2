//! The shareable authorization link of a service app: an organization's super
//! admin or admin opens it to authorize the app (AppAuth) for their organization.

use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::console::form::{PageForm, PageQuery};
use crate::console::login::{redirect_to_login, session_account};
use crate::console::page::{both, esc, hidden, message, render};
use crate::manage::{Actor, Authorize, authorize_app};
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use buckle_core::Role;
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

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Authorize app",
        "授权应用",
        "This link names no service app.",
        "该链接没有指向服务类应用。",
    )
}

/// `GET /oauth/authorize-app?client_id=`.
#[utoipa::path(
    get,
    path = "/oauth/authorize-app",
    summary = "Shareable AppAuth authorization link for organization admins; client_id",
    params(PageParams),
    security(()),
    responses(PageAnswers)
)]
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    PageQuery(q): PageQuery<PageParams>,
) -> Response {
    let Some((user, csrf)) = session_account(&state, &headers).await else {
        return redirect_to_login(&uri.to_string());
    };
    let Some(client_id) = q.client_id.filter(|c| !c.is_empty() && c.len() <= 128) else {
        return not_found();
    };
    let app = match state.store.app_by_client_id(&client_id).await {
        Ok(Some(a)) if a.client_type == "service" => a,
        _ => return not_found(),
    };
    let admin_of: Vec<_> = state
        .store
        .organizations_of(user.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|o| Role::parse(&o.role).is_some_and(Role::is_admin))
        .filter(|o| app.org_id.as_deref().is_none_or(|owner| owner == o.id))
        .collect();
    if admin_of.is_empty() {
        return message(
            StatusCode::FORBIDDEN,
            "Authorize app",
            "授权应用",
            "Only a super admin or admin of a team/enterprise can authorize this app for it.",
            "只有团队/企业的超级管理员或管理员可以为其授权该应用。",
        );
    }
    let mut body = format!(
        "<p>{} <strong>{}</strong></p><p>{}</p><ul>",
        both(
            "This app asks to act as itself in your team/enterprise:",
            "该应用请求以自身身份访问你的团队/企业："
        ),
        esc(&app.name),
        both("Permissions", "权限"),
    );
    body.push_str(&super::obo::permission_items(&state, &app));
    body.push_str(&format!(
        "</ul><form method=\"post\" action=\"{PAGE}\">{}{}<label for=\"org\">{}</label><select id=\"org\" name=\"organization_id\">",
        hidden("client_id", &app.client_id),
        hidden("csrf", &csrf),
        both("Team/enterprise (all its workspaces)", "团队/企业（全部工作空间）"),
    ));
    for o in &admin_of {
        body.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            esc(&o.id),
            esc(&o.name)
        ));
    }
    body.push_str(&format!(
        "</select><button type=\"submit\">{}</button></form>",
        both("Authorize", "授权")
    ));
    render(StatusCode::OK, "Authorize app", "授权应用", &body)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = AuthorizeAppForm)]
pub struct DecisionForm {
    client_id: String,
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
    headers: HeaderMap,
    PageForm(f): PageForm<DecisionForm>,
) -> Response {
    let Some((user, csrf)) = session_account(&state, &headers).await else {
        return redirect_to_login(PAGE);
    };
    if !constant_time_eq(&f.csrf, &csrf) {
        return message(
            StatusCode::FORBIDDEN,
            "Authorize app",
            "授权应用",
            "The form is not from this session; open the link again.",
            "表单与当前会话不符，请重新打开链接。",
        );
    }
    let actor = Actor {
        account: user,
        token: None,
        token_id: None,
    };
    let req = Authorize {
        organization_id: Some(f.organization_id),
        all_workspaces: true,
        workspace_ids: Vec::new(),
    };
    match authorize_app(&state, &actor, &f.client_id, req).await {
        Ok((app, _)) => message(
            StatusCode::OK,
            "App authorized",
            "已授权",
            &format!(
                "{} may now act as itself in your team/enterprise.",
                app.name
            ),
            &format!("{} 现在可以以自身身份访问你的团队/企业。", app.name),
        ),
        Err(e) => message(
            e.status,
            "Authorize app",
            "授权应用",
            &e.msg,
            "无法完成授权。",
        ),
    }
}
