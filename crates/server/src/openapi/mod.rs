//! `/v1/...`: the OpenAPI every credential is checked on.

mod bots;
mod conversations;
mod organization;
mod users;
mod workspaces;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::me))
        .routes(routes!(workspaces::list))
        .routes(routes!(workspaces::members))
        .routes(routes!(organization::members))
        .routes(routes!(bots::create))
        .routes(routes!(bots::list))
        .routes(routes!(bots::get))
        .routes(routes!(conversations::create))
        .routes(routes!(conversations::retrieve))
}
