//! Browser concerns, shared by the console and the OAuth pages: who is looking
//! (session, CSRF token, language), the message catalogs, askama templates
//! rendered with the pages' headers, the pages' form extractors and static files.
//! Pages call services and map their errors to message keys here, never to the
//! management API's envelope.

pub mod assets;
pub mod consent;
pub mod form;
pub mod i18n;
pub mod page;
pub mod pre_session_csrf;
pub mod refusal;
pub mod session;
pub mod when;

pub use i18n::{Key, Lang};
pub use page::{Frame, Notice};
pub use session::Visitor;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(assets::serve))
        .routes(routes!(i18n::switch))
}
