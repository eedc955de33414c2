//! `GET /`: where a signed-in person lands; the console's pages grow from here.

use crate::web::page::{Frame, redirect_to_login, render};
use crate::web::{Key, Visitor};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    frame: Frame,
    welcome: String,
}

#[utoipa::path(
    get,
    path = "/",
    summary = "Console home page (signed-out visitors go to sign-in)",
    security(()),
    responses(crate::api_doc::PageAnswers)
)]
pub async fn show(visitor: Visitor) -> Response {
    let Some(session) = &visitor.session else {
        return redirect_to_login(&visitor.here);
    };
    let welcome = visitor.lang.fill(
        Key("home.welcome"),
        &[("name", session.account.user_name.as_str())],
    );
    render(
        StatusCode::OK,
        &Home {
            frame: Frame::new(&visitor, Key("home.title")),
            welcome,
        },
    )
}
