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
pub mod session;

pub use i18n::{Key, Lang};
pub use page::{Frame, Notice};
pub use session::Visitor;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(assets::serve))
        .route("/lang/{tag}", get(i18n::switch))
}
