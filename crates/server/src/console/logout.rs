//! `POST /logout`: the console's sign-out button. It ends this session (the
//! stored session goes, the cookie is cleared) and shows the sign-in page.

use super::context::Console;
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::manage::cookie;
use crate::web::form::PageForm;
use crate::web::session::SESSION_COOKIE;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use buckle_core::audit::AuditKind;
use buckle_core::secret::hash_secret;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOutForm {
    csrf: String,
}

#[utoipa::path(
    post,
    path = "/logout",
    summary = "Sign-out button of the console",
    request_body(content = SignOutForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn submit(
    State(state): State<AppState>,
    console: Console,
    headers: HeaderMap,
    PageForm(form): PageForm<SignOutForm>,
) -> Response {
    if let Err(refused) = console.check_csrf(&form.csrf) {
        return refused;
    }
    if let Some(s) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.store.delete_session(&hash_secret(s)).await {
            tracing::error!(error = %e, "could not end a console session");
            return crate::web::refusal::page(&e.into(), console.lang);
        }
        console
            .caller
            .audit(AuditKind::SignOut)
            .record(&state)
            .await;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, "/login".to_string()), (SET_COOKIE, clear)],
    )
        .into_response()
}
