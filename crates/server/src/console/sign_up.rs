//! The sign-up page, where the operator enables it (`allow_sign_up`): a person
//! picks a user name and password, the account is made and signed in, and they
//! land on the console home. Where sign-up is off, the page does not exist (404).

use super::login::{signed_in, tell_retry_after, with_next};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::peer::PeerAddress;
use crate::service::ServiceError;
use crate::service::sign_up::{sign_up, sign_up_disabled};
use crate::web::form::{FieldErrors, PageForm, PageQuery};
use crate::web::page::{Frame, render, safe_next};
use crate::web::pre_session_csrf::{PreSessionCsrf, SIGN_UP};
use crate::web::{Key, Visitor, refusal};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

const FIELDS: [&str; 3] = ["user_name", "password", "password_again"];

#[derive(Template)]
#[template(path = "sign_up.html")]
struct SignUpPage<'a> {
    frame: Frame,
    next: &'a str,
    csrf: &'a str,
    /// What the person typed, kept after a refusal (never the passwords).
    user_name: &'a str,
    sign_in: String,
    errors: FieldErrors,
    general: Vec<String>,
}

impl SignUpPage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn page(
    state: &AppState,
    visitor: &Visitor,
    next: &str,
    user_name: &str,
    status: StatusCode,
    errors: FieldErrors,
) -> Response {
    let csrf = PreSessionCsrf::token();
    let general = errors
        .general(&FIELDS)
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut resp = render(
        status,
        &SignUpPage {
            frame: Frame::new(visitor, Key("sign_up.title")),
            next,
            csrf: &csrf,
            user_name,
            sign_in: with_next("/login", next),
            errors,
            general,
        },
    );
    SIGN_UP.set(state, &mut resp, &csrf);
    resp
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowParams {
    /// Where to go once signed up (a local path).
    next: Option<String>,
}

/// `GET /signup`.
#[utoipa::path(
    get,
    path = "/signup",
    summary = "Sign-up page (where the operator enables it)",
    params(ShowParams),
    security(()),
    responses(PageAnswers)
)]
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(q): PageQuery<ShowParams>,
) -> Response {
    if !state.config.allow_sign_up {
        return refusal::page(&sign_up_disabled(), visitor.lang);
    }
    let next = safe_next(q.next.as_deref());
    page(
        &state,
        &visitor,
        &next,
        "",
        StatusCode::OK,
        FieldErrors::default(),
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpForm {
    csrf: String,
    user_name: String,
    password: String,
    password_again: String,
    next: Option<String>,
}

/// `POST /signup`.
#[utoipa::path(
    post,
    path = "/signup",
    summary = "Sign-up form: makes the account and signs it in",
    request_body(content = SignUpForm, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(PageAnswers)
)]
pub async fn submit(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    visitor: Visitor,
    headers: HeaderMap,
    PageForm(f): PageForm<SignUpForm>,
) -> Response {
    let lang = visitor.lang;
    if !state.config.allow_sign_up {
        return refusal::page(&sign_up_disabled(), lang);
    }
    let next = safe_next(f.next.as_deref());
    let refuse = |status, errors| page(&state, &visitor, &next, &f.user_name, status, errors);
    if !SIGN_UP.matches(&headers, &f.csrf) {
        let mut errors = FieldErrors::default();
        errors.add("", lang.t("sign_up.expired"));
        return refuse(StatusCode::FORBIDDEN, errors);
    }
    if f.password != f.password_again {
        let mut errors = FieldErrors::default();
        errors.add("password_again", lang.t("sign_up.mismatch"));
        return refuse(StatusCode::BAD_REQUEST, errors);
    }
    match sign_up(&state, &f.user_name, &f.password, address).await {
        Ok(made) => signed_in(&state, next.clone(), &made.session, None),
        Err(e) => {
            let mut errors = FieldErrors::default();
            match &e {
                ServiceError::Conflict(_) => errors.add("user_name", lang.t("sign_up.taken")),
                // Input the database cannot store (a NUL on PostgreSQL).
                ServiceError::Store(buckle_store::StoreError::InvalidInput) => {
                    errors.add("user_name", lang.t("field.user_name"))
                }
                _ => errors = FieldErrors::from_service(&e, lang),
            }
            let mut resp = refuse(refusal::status_for(&e), errors);
            if let ServiceError::Throttled { retry_after, .. } = e {
                tell_retry_after(&mut resp, retry_after);
            }
            resp
        }
    }
}
