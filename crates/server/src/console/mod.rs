//! The console's pages. Each page group is one file; every page extracts a
//! [`context::Console`] (signed-in person, space, navigation), calls services and
//! renders a template through `crate::web`.

pub mod context;
pub mod home;
pub mod login;
pub mod logout;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home::show))
        .routes(routes!(login::show, login::submit))
        .routes(routes!(logout::submit))
}
