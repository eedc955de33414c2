//! `/console/account`: who is signed in, and changing the password. A changed
//! password ends every session of the account, this one included, so the page
//! then sends the person to sign in again.

use super::context::{Console, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::manage::cookie;
use crate::peer::PeerAddress;
use crate::service::{ServiceError, sessions};
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::render;
use crate::web::session::SESSION_COOKIE;
use crate::web::{Frame, Key, refusal};
use askama::Template;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    frame: Frame,
    csrf: String,
    user_name: String,
    errors: FieldErrors,
    general: Vec<String>,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

const FIELDS: [&str; 3] = ["current_password", "new_password", "new_password_again"];

fn page(console: &Console, status: StatusCode, errors: FieldErrors) -> Response {
    let general = errors
        .general(&FIELDS)
        .into_iter()
        .map(str::to_string)
        .collect();
    render(
        status,
        &AccountPage {
            frame: console.frame(Key("account.title"), Section::Account),
            csrf: console.csrf.clone(),
            user_name: console.caller.account.user_name.clone(),
            errors,
            general,
        },
    )
}

#[utoipa::path(get, path = "/console/account", summary = "Console: your account and password",
    security(("session" = [])), responses(PageAnswers))]
pub async fn show(console: Console) -> Response {
    page(&console, StatusCode::OK, FieldErrors::default())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    new_password_again: String,
}

#[utoipa::path(post, path = "/console/account/password", summary = "Console: change your password (ends every session)",
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])), responses(PageAnswers))]
pub async fn change_password(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    console: Console,
    headers: HeaderMap,
    PageForm(form): PageForm<PasswordForm>,
) -> Response {
    if let Err(refused) = console.check_csrf(&form.csrf) {
        return refused;
    }
    let lang = console.lang;
    if form.new_password != form.new_password_again {
        let mut errors = FieldErrors::default();
        errors.add("new_password_again", lang.t("account.mismatch"));
        return page(&console, StatusCode::BAD_REQUEST, errors);
    }
    let known_device = cookie(&headers, crate::known_device::KNOWN_DEVICE_COOKIE);
    match sessions::change_password(
        &state,
        &console.caller,
        form.current_password,
        form.new_password,
        address,
        known_device,
    )
    .await
    {
        Ok(()) => {
            let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
            (
                StatusCode::SEE_OTHER,
                [(LOCATION, "/login?next=/".to_string()), (SET_COOKIE, clear)],
            )
                .into_response()
        }
        Err(e @ ServiceError::Forbidden(_)) => {
            let mut errors = FieldErrors::default();
            errors.add("current_password", lang.t("account.wrong_current"));
            page(&console, refusal::status_for(&e), errors)
        }
        Err(e) => {
            let status = refusal::status_for(&e);
            page(&console, status, FieldErrors::from_service(&e, lang))
        }
    }
}
