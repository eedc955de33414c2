//! `/v1/...`: the OpenAPI every credential is checked on.

mod bots;
mod organization;
mod users;
mod workspaces;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/users/me", get(users::me))
        .route("/v1/workspaces", get(workspaces::list))
        .route(
            "/v1/workspaces/{workspace_id}/members",
            get(workspaces::members),
        )
        .route("/v1/organization/members", get(organization::members))
        .route("/v1/bot/create", post(bots::create))
        .route("/v1/bots", get(bots::list))
        .route("/v1/bots/{bot_id}", get(bots::get))
}
