//! Deleting a token: a page says what will happen, its button does it.

use super::{Kind, token_id};
use crate::AppState;
use crate::console::context::Console;
use crate::web::page::render;
use crate::web::{Frame, Key, refusal};
use askama::Template;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Template)]
#[template(path = "console/tokens_delete.html")]
struct ConfirmPage {
    frame: Frame,
    name: String,
    hint: String,
    action: String,
    back: String,
    csrf: String,
}

/// `GET .../{token_id}/delete`.
pub async fn confirm(state: &AppState, console: Console, kind: Kind, raw_id: &str) -> Response {
    if let Some(page) = kind.refusal_in(&console) {
        return page;
    }
    let found = match token_id(raw_id) {
        Ok(id) => kind.get(state, &console, id).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(t) => render(
            StatusCode::OK,
            &ConfirmPage {
                frame: console.frame(Key("tokens.delete_title"), kind.section()),
                action: console.href(&format!("{}/{}/delete", kind.base(), t.id)),
                back: console.href(kind.base()),
                csrf: console.csrf.clone(),
                name: t.name,
                hint: t.hint,
            },
        ),
        Err(e) => refusal::page(&e, console.lang),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteForm {
    csrf: String,
}

/// `POST .../{token_id}/delete`: the token stops working at once.
pub async fn delete(
    state: &AppState,
    console: Console,
    kind: Kind,
    raw_id: &str,
    form: DeleteForm,
) -> Response {
    if let Some(page) = kind.refusal_in(&console) {
        return page;
    }
    if !console.csrf_ok(&form.csrf) {
        return console.csrf_refused();
    }
    let done = match token_id(raw_id) {
        Ok(id) => kind.delete(state, &console, id).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => (
            StatusCode::SEE_OTHER,
            [(LOCATION, console.href(kind.base()))],
        )
            .into_response(),
        Err(e) => refusal::page(&e, console.lang),
    }
}
