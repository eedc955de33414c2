//! The sign-in page. A successful sign-in sets the console session cookie and
//! returns to the page that asked for it (a local path only).

use super::form::{PageForm, PageQuery};
use super::page::{both, hidden, render};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::manage::{SESSION_COOKIE, cookie};
use crate::peer::PeerAddress;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use buckle_core::TokenKind;
use buckle_core::secret::{constant_time_eq, hash_secret};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// Double-submit cookie against login CSRF (signing a victim into another account).
const LOGIN_CSRF_COOKIE: &str = "buckle_login";

/// Where to go after signing in: a local absolute path, never another origin.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Redirect to the sign-in page, coming back to `next` afterwards.
pub fn redirect_to_login(next: &str) -> Response {
    let to = format!("/login?next={}", buckle_core::redirect::encode(next));
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowParams {
    next: Option<String>,
}

fn form(next: &str, csrf: &str, error: Option<&str>) -> String {
    format!(
        "{}<form method=\"post\" action=\"/login\">{}{}\
         <label for=\"u\">{}</label><input id=\"u\" type=\"text\" name=\"user_name\" autocomplete=\"username\" required autofocus>\
         <label for=\"p\">{}</label><input id=\"p\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">{}</button></form>",
        error
            .map(|e| format!("<p class=\"error\">{e}</p>"))
            .unwrap_or_default(),
        hidden("next", next),
        hidden("csrf", csrf),
        both("User name", "用户名"),
        both("Password", "密码"),
        both("Sign in", "登录"),
    )
}

fn page(state: &AppState, next: &str, status: StatusCode, error: Option<&str>) -> Response {
    let csrf = TokenKind::Session.generate();
    let mut resp = render(status, "Sign in", "登录", &form(next, &csrf, error));
    let c = format!(
        "{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if state.config.secure_cookies() {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(v) = c.parse() {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
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
pub async fn show(State(state): State<AppState>, PageQuery(q): PageQuery<ShowParams>) -> Response {
    page(&state, &safe_next(q.next.as_deref()), StatusCode::OK, None)
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
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let sent = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if sent.is_empty() || !constant_time_eq(sent, &f.csrf) {
        let msg = both(
            "The sign-in form expired; please try again.",
            "登录表单已过期，请重试。",
        );
        return page(&state, &next, StatusCode::FORBIDDEN, Some(&msg));
    }
    match crate::manage::sign_in(&state, &f.user_name, &f.password, address, &headers).await {
        Ok(signed) => {
            let mut resp = (StatusCode::SEE_OTHER, [(LOCATION, next)]).into_response();
            for c in std::iter::once(crate::manage::session_cookie(&state, &signed.session))
                .chain(signed.known_device_cookie)
            {
                if let Ok(v) = c.parse() {
                    resp.headers_mut().append(SET_COOKIE, v);
                }
            }
            resp
        }
        Err(e) => {
            let msg = if e.code == 4013 {
                both(&e.msg, "密码错误次数过多，请稍后再试。")
            } else {
                both("Wrong user name or password.", "用户名或密码错误。")
            };
            page(&state, &next, e.status, Some(&msg))
        }
    }
}

/// The signed-in account of a browser request, if any.
pub async fn session_account(
    state: &AppState,
    headers: &HeaderMap,
) -> Option<(buckle_store::Account, String)> {
    let token = cookie(headers, SESSION_COOKIE)?;
    let account = state
        .store
        .session_account(&hash_secret(token), state.clock.now())
        .await
        .ok()??;
    Some((account, crate::manage::csrf_token_for(token)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_origin() {
        use super::safe_next;
        assert_eq!(
            safe_next(Some("/api/permission/oauth2/authorize?x=1")),
            "/api/permission/oauth2/authorize?x=1"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
