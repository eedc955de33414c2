//! The console's pages. Each page group is one file; every page extracts a
//! [`context::Console`] (signed-in person, space, navigation), calls services and
//! renders a template through `crate::web`.

pub mod context;
pub mod home;
pub mod login;
pub mod logout;
pub mod tokens;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home::show))
        .routes(routes!(login::show, login::submit))
        .routes(routes!(logout::submit))
        .merge(token_routes())
}

fn token_routes() -> OpenApiRouter<AppState> {
    use tokens::routes::*;
    OpenApiRouter::new()
        .routes(routes!(personal_list))
        .routes(routes!(personal_new, personal_create))
        .routes(routes!(personal_edit, personal_update))
        .routes(routes!(personal_confirm_delete, personal_delete))
        .routes(routes!(service_list))
        .routes(routes!(service_new, service_create))
        .routes(routes!(service_edit, service_update))
        .routes(routes!(service_confirm_delete, service_delete))
}
