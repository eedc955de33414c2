//! The service layer: every operation a person or a script performs (make a
//! token, create an app, authorize, install...), callable from any edge.
//! The JSON management API, the OAuth endpoints, the pages and the CLI are edges:
//! each parses its input, calls a service with a [`Caller`], and maps the
//! [`ServiceError`] once, in its own format (the OpenAPI envelope in `error.rs`,
//! the OAuth dual-field error, a message key on a page, a line for the CLI).
//!
//! Services never see HTTP: no status codes, no headers, no wire envelopes.

pub mod accounts;
pub mod apps;
pub mod audit;
mod caller;
pub mod channels;
pub mod device_usage;
mod edition;
mod error;
pub mod grants;
pub mod installations;
pub mod invitations;
pub mod keys;
pub mod organizations;
pub mod samples;
pub mod sessions;
pub mod sign_up;
pub mod tokens;
pub mod workspace_moves;
pub mod workspaces;

pub use caller::Caller;
pub use edition::{MAX_WORKSPACE_IDS, clean_name, edition_workspaces, id_of, workspaces_of};
pub use error::ServiceError;

/// What every service returns.
pub type ServiceResult<T> = Result<T, ServiceError>;
