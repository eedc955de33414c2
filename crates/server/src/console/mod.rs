//! The console's pages: sign-in and, for now, a home page. They render through
//! `crate::web` (templates, catalogs, the session extractor).

pub mod home;
pub mod login;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::show).post(login::submit))
}
