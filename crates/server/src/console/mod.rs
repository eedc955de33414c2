//! Browser pages: sign-in now; the consent and device pages render through here too.
//! Plain server-rendered HTML, English and Simplified Chinese side by side.

pub mod form;
pub mod login;
pub mod page;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login::show, login::submit))
        .routes(routes!(page::stylesheet))
}
