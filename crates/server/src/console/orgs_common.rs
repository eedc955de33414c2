//! What the organization pages (organizations, members, workspaces, installations,
//! authorized apps) share: the confirmation page before a destructive action, the
//! redirect after a done one, dates as days, and ids read from the address.

use super::context::{Console, Section};
use crate::service::ServiceError;
use crate::web::Key;
use crate::web::form::FieldErrors;
use crate::web::i18n::Lang;
use crate::web::page::{Frame, Notice, render};
use askama::Template;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use buckle_core::{Role, WorkspaceRole};

/// The page that asks before a destructive action: what will happen, the
/// warning, a red button posting to `action`, and a way back.
#[derive(Template)]
#[template(path = "console/organizations_confirm.html")]
pub struct Confirm {
    pub frame: Frame,
    pub csrf: String,
    pub question: String,
    pub warning: Option<String>,
    pub action: String,
    pub button: &'static str,
    pub back: String,
}

impl Confirm {
    /// A confirmation page titled `title`, in `section`, posting to `action`
    /// (a path in the current space) and going back to `back`.
    pub fn page(
        console: &Console,
        title: Key,
        section: Section,
        question: String,
        warning: Option<String>,
        button: Key,
        (action, back): (&str, &str),
    ) -> Response {
        render(
            StatusCode::OK,
            &Confirm {
                frame: console.frame(title, section),
                csrf: console.csrf.clone(),
                question,
                warning,
                action: console.href(action),
                button: console.t(button),
                back: console.href(back),
            },
        )
    }
}

/// After a done action: back to `path` in the current space.
pub fn done(console: &Console, path: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, console.href(path))]).into_response()
}

/// A role in the page's language.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => lang.t("console.role.super_admin"),
        Role::Admin => lang.t("console.role.admin"),
        Role::Member => lang.t("console.role.member"),
    }
}

/// A workspace role in the page's language.
pub fn workspace_role_label(lang: Lang, role: WorkspaceRole) -> &'static str {
    match role {
        WorkspaceRole::Owner => lang.t("orgs.ws_role.owner"),
        WorkspaceRole::Admin => lang.t("orgs.ws_role.admin"),
        WorkspaceRole::Member => lang.t("orgs.ws_role.member"),
    }
}

/// A refused service call next to its field; a refusal about no field in
/// particular goes next to `fallback` (the field the person acted on). `worded`
/// names the fields whose every refusal the page words itself (a catalog key),
/// so they read well in each language.
pub fn field_errors(
    e: &ServiceError,
    lang: Lang,
    fallback: &'static str,
    worded: &[(&str, Key)],
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let own = e
        .field()
        .and_then(|f| worded.iter().find(|(w, _)| *w == f))
        .map(|(_, key)| lang.t(key.0));
    let field = e.field().unwrap_or(fallback);
    match own {
        Some(text) => errors.add(field, text),
        None => errors.add(field, crate::web::refusal::localized(e, lang)),
    }
    errors
}

/// The answer of an organization's page opened in the personal edition.
pub fn organization_only(console: &Console) -> Response {
    Notice::text(
        StatusCode::NOT_FOUND,
        console.lang,
        Key("orgs.org_only_title"),
        console.t(Key("orgs.org_only")).to_string(),
    )
}

/// A form that carries only the session's CSRF token (confirmations, buttons).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ButtonForm {
    pub csrf: String,
}

/// An id from the address; anything else names nothing.
pub fn id_in_path(raw: &str) -> Option<i64> {
    buckle_core::ids::parse_id(raw)
}

/// A Unix time as its UTC day, `2026-11-30` (dates read alike in both languages).
pub fn day(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::day;

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(86_399), "1970-01-01");
        assert_eq!(day(951_782_400), "2000-02-29");
        assert_eq!(day(1_796_083_199), "2026-11-30");
        assert_eq!(day(-1), "1969-12-31");
    }
}
