//! The service layer: every operation a person or a script performs (sign in,
//! make a token, create an app, authorize, install...), callable from any edge.
//! The JSON management API, the OAuth endpoints, the pages and the CLI are edges:
//! each parses its input, calls a service with a [`Caller`], and maps the
//! [`ServiceError`] once, in its own format (the OpenAPI envelope in `error.rs`,
//! the OAuth dual-field error, a message key on a page, a line for the CLI).
//!
//! Services never see HTTP: no status codes, no headers, no wire envelopes.

mod caller;
mod error;
pub mod sessions;

pub use caller::Caller;
pub use error::ServiceError;

/// What every service returns.
pub type ServiceResult<T> = Result<T, ServiceError>;
