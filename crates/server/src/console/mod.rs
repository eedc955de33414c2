//! The console's pages: sign-in and, for now, a home page. They render through
//! `crate::web` (templates, catalogs, the session extractor).

pub mod home;
pub mod login;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home::show))
        .routes(routes!(login::show, login::submit))
}
