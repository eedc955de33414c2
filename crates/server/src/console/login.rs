//! The sign-in page. A successful sign-in sets the console session cookie and
//! returns to the page that asked for it (a local path only).

use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::manage::cookie;
use crate::peer::PeerAddress;
use crate::service::ServiceError;
use crate::service::sessions;
use crate::web::form::{PageForm, PageQuery};
use crate::web::page::{Frame, render, safe_next};
use crate::web::pre_session_csrf::{PreSessionCsrf, SIGN_IN};
use crate::web::{Key, Visitor};
use askama::Template;
use axum::extract::State;
use axum::http::header::{LOCATION, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    frame: Frame,
    next: &'a str,
    csrf: &'a str,
    /// What the person typed, kept after a failure.
    user_name: &'a str,
    error: Option<String>,
    /// Where a person without an account makes one, when the operator allows it.
    sign_up: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowParams {
    next: Option<String>,
}

fn page(
    state: &AppState,
    visitor: &Visitor,
    next: &str,
    user_name: &str,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let csrf = PreSessionCsrf::token();
    let mut resp = render(
        status,
        &SignInPage {
            frame: Frame::new(visitor, Key("sign_in.title")),
            next,
            csrf: &csrf,
            user_name,
            error,
            sign_up: state
                .config
                .allow_sign_up
                .then(|| with_next("/signup", next)),
        },
    );
    SIGN_IN.set(state, &mut resp, &csrf);
    resp
}

/// On to `next`, signed in with the new `session` (and any other cookie).
pub fn signed_in(
    state: &AppState,
    next: String,
    session: &str,
    other_cookie: Option<String>,
) -> Response {
    let mut resp = (StatusCode::SEE_OTHER, [(LOCATION, next)]).into_response();
    for c in std::iter::once(crate::manage::session_cookie(state, session)).chain(other_cookie) {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(SET_COOKIE, v);
        }
    }
    resp
}

/// A throttled form's page says when to try again in `Retry-After` too.
pub fn tell_retry_after(resp: &mut Response, seconds: i64) {
    if let Ok(v) = seconds.to_string().parse() {
        resp.headers_mut().insert(RETRY_AFTER, v);
    }
}

/// `path` carrying `next` along, unless it is the console home.
pub fn with_next(path: &str, next: &str) -> String {
    if next == "/" {
        path.to_string()
    } else {
        format!("{path}?next={}", buckle_core::redirect::encode(next))
    }
}

/// `GET /login`.
#[utoipa::path(
    get,
    path = "/login",
    summary = "Sign-in page; next",
    params(ShowParams),
    security(()),
    responses(PageAnswers)
)]
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(q): PageQuery<ShowParams>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    page(&state, &visitor, &next, "", StatusCode::OK, None)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = SignInForm)]
pub struct LoginForm {
    user_name: String,
    password: String,
    next: Option<String>,
    csrf: String,
}

/// `POST /login`.
#[utoipa::path(
    post,
    path = "/login",
    summary = "Sign-in form",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(PageAnswers)
)]
pub async fn submit(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    visitor: Visitor,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let lang = visitor.lang;
    let next = safe_next(f.next.as_deref());
    if !SIGN_IN.matches(&headers, &f.csrf) {
        let msg = lang.t("sign_in.expired").to_string();
        return page(
            &state,
            &visitor,
            &next,
            &f.user_name,
            StatusCode::FORBIDDEN,
            Some(msg),
        );
    }
    let known_device = cookie(&headers, crate::known_device::KNOWN_DEVICE_COOKIE);
    match sessions::sign_in(&state, &f.user_name, &f.password, address, known_device).await {
        Ok(signed) => signed_in(&state, next, &signed.session, signed.known_device_cookie),
        Err(ServiceError::Throttled { retry_after, .. }) => {
            let wait = lang.seconds(retry_after);
            let msg = lang.fill(Key("sign_in.throttled"), &[("wait", &wait)]);
            let mut resp = page(
                &state,
                &visitor,
                &next,
                &f.user_name,
                StatusCode::TOO_MANY_REQUESTS,
                Some(msg),
            );
            tell_retry_after(&mut resp, retry_after);
            resp
        }
        Err(ServiceError::Unauthenticated(_)) => page(
            &state,
            &visitor,
            &next,
            &f.user_name,
            StatusCode::UNAUTHORIZED,
            Some(lang.t("sign_in.wrong").to_string()),
        ),
        // Input the database cannot store (a NUL on PostgreSQL) names no account.
        Err(ServiceError::Store(buckle_store::StoreError::InvalidInput)) => page(
            &state,
            &visitor,
            &next,
            &f.user_name,
            StatusCode::BAD_REQUEST,
            Some(lang.t("sign_in.wrong").to_string()),
        ),
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed on this side");
            page(
                &state,
                &visitor,
                &next,
                &f.user_name,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(lang.t("common.internal").to_string()),
            )
        }
    }
}
