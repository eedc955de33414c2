//! What can go wrong in a service, in domain terms. Each edge maps this once.

use buckle_core::policy::{Exceeds, Refusal};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is wrong; `field` names the form field or JSON member when one is
    /// to blame, so a page can show the message next to it.
    #[error("{message}")]
    Invalid {
        field: Option<&'static str>,
        message: String,
    },
    /// No valid credential or session.
    #[error("{0}")]
    Unauthenticated(String),
    /// A valid caller who may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The grant policy refused: what is asked reaches more than the caller holds.
    #[error("{0}")]
    Exceeds(Exceeds),
    /// The grant policy refused for who the caller is (operator-only or
    /// team-level points).
    #[error("{0}")]
    Refused(Refusal),
    /// The thing does not exist, or the caller may not know it does.
    #[error("{0}")]
    NotFound(String),
    /// It conflicts with what exists (a taken name, a second first admin).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; try again after this many seconds.
    #[error("{message}")]
    Throttled { message: String, retry_after: i64 },
    /// Something on this side failed (a worker thread died); never the caller's fault.
    #[error("Service internal error.")]
    Internal,
    /// The store failed; never the caller's fault.
    #[error(transparent)]
    Store(#[from] buckle_store::StoreError),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn bad(message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            field: None,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> ServiceError {
        ServiceError::Forbidden(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> ServiceError {
        ServiceError::NotFound(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> ServiceError {
        ServiceError::Conflict(message.into())
    }
}

impl ServiceError {
    /// The field a page should show the message next to, if one is to blame.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ServiceError::Invalid { field, .. } => *field,
            _ => None,
        }
    }
}

/// A refusal for asking a point the grantee may not hold is a mistake in the
/// request (the `permissions` field); the others are a lack of power.
impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> ServiceError {
        match r {
            Refusal::Exceeds(e) => ServiceError::Exceeds(e),
            Refusal::AccountPointForService => ServiceError::invalid("permissions", r.to_string()),
            other => ServiceError::Refused(other),
        }
    }
}

impl From<Exceeds> for ServiceError {
    fn from(e: Exceeds) -> ServiceError {
        ServiceError::Exceeds(e)
    }
}

/// The management API's and OpenAPI's envelope (see the wire protocol's codes).
impl From<ServiceError> for crate::error::ApiError {
    fn from(e: ServiceError) -> crate::error::ApiError {
        use crate::error::ApiError;
        match e {
            ServiceError::Invalid { message, .. } => ApiError::bad_request(message),
            ServiceError::Unauthenticated(m) => ApiError::unauthenticated(m),
            ServiceError::Forbidden(m) => ApiError::forbidden(m),
            ServiceError::Exceeds(x) => ApiError::forbidden(x.to_string()),
            ServiceError::Refused(r) => ApiError::forbidden(r.to_string()),
            ServiceError::Internal => ApiError::internal(),
            ServiceError::NotFound(m) => ApiError::not_found(m),
            ServiceError::Conflict(m) => ApiError::conflict(m),
            ServiceError::Throttled {
                message,
                retry_after,
            } => ApiError::rate_limited(message).with_retry_after(retry_after),
            ServiceError::Store(s) => s.into(),
        }
    }
}
