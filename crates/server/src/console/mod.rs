//! Browser pages: sign-in now; the consent and device pages render through here too.
//! Plain server-rendered HTML, English and Simplified Chinese side by side.

pub mod form;
pub mod login;
pub mod page;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::show).post(login::submit))
        .route(page::STYLESHEET_PATH, get(page::stylesheet))
}
