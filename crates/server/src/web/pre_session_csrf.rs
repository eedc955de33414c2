//! CSRF protection for the forms shown before there is a session (sign-in,
//! sign-up): a double-submit cookie, scoped to the form's path, whose value the
//! form sends back. It stops a page elsewhere from signing a victim in to (or up
//! for) an account of the attacker's choosing.

use crate::AppState;
use crate::manage::cookie;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::Response;
use buckle_core::TokenKind;
use buckle_core::secret::constant_time_eq;

pub struct PreSessionCsrf {
    cookie: &'static str,
    path: &'static str,
}

pub const SIGN_IN: PreSessionCsrf = PreSessionCsrf {
    cookie: "buckle_login",
    path: "/login",
};

pub const SIGN_UP: PreSessionCsrf = PreSessionCsrf {
    cookie: "buckle_signup",
    path: "/signup",
};

impl PreSessionCsrf {
    /// A fresh token for a form about to be shown.
    pub fn token() -> String {
        TokenKind::Session.generate()
    }

    /// Sets the cookie holding `token` on the page showing the form.
    pub fn set(&self, state: &AppState, resp: &mut Response, token: &str) {
        let c = format!(
            "{}={token}; Path={}; HttpOnly; SameSite=Strict; Max-Age=3600{}",
            self.cookie,
            self.path,
            if state.config.secure_cookies() {
                "; Secure"
            } else {
                ""
            }
        );
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(SET_COOKIE, v);
        }
    }

    /// Whether the form sent back the token of this browser's cookie.
    pub fn matches(&self, headers: &HeaderMap, sent: &str) -> bool {
        let held = cookie(headers, self.cookie).unwrap_or("");
        !held.is_empty() && constant_time_eq(held, sent)
    }
}
