//! The page that asks before a destructive action, and the form its button posts.

use super::context::{Console, Section};
use crate::web::Key;
use crate::web::page::{Frame, render};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

/// What a confirmation page asks and where its buttons lead.
pub struct Ask {
    pub title: Key,
    pub section: Section,
    /// The question, naming what the action is done to.
    pub question: String,
    /// What else happens (tokens deleted, sign-ins ended...).
    pub warning: Option<String>,
    /// Whether the action can be taken back (disabling can; deleting cannot).
    pub undoable: bool,
    /// The red button's label.
    pub button: Key,
    /// Where the button posts, a path in the current space.
    pub action: String,
    /// Where "Cancel" goes, a path in the current space.
    pub back: String,
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct ConfirmPage {
    frame: Frame,
    csrf: String,
    question: String,
    warning: Option<String>,
    undoable: bool,
    button: &'static str,
    action: String,
    back: String,
}

/// The confirmation page for `ask`.
pub fn page(console: &Console, ask: Ask) -> Response {
    render(
        StatusCode::OK,
        &ConfirmPage {
            frame: console.frame(ask.title, ask.section),
            csrf: console.csrf.clone(),
            question: ask.question,
            warning: ask.warning,
            undoable: ask.undoable,
            button: console.t(ask.button),
            action: console.href(&ask.action),
            back: console.href(&ask.back),
        },
    )
}

/// A form that carries only the session's CSRF token (confirmations, buttons).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ButtonForm {
    pub csrf: String,
}
