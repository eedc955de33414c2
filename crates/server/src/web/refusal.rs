//! A refused service call on a page: its status and the words shown for it.

use super::i18n::Lang;
use crate::service::ServiceError;
use axum::http::StatusCode;
use buckle_store::StoreError;

/// The status a page answers a refused service call with. The page shows the
/// service's reason in words; the status only tells browsers and scripts the kind.
pub fn status_for(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid { .. } | ServiceError::Store(StoreError::InvalidInput) => {
            StatusCode::BAD_REQUEST
        }
        ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) | ServiceError::Exceeds(_) | ServiceError::Refused(_) => {
            StatusCode::FORBIDDEN
        }
        ServiceError::NotFound(_) | ServiceError::Store(StoreError::NotFound) => {
            StatusCode::NOT_FOUND
        }
        ServiceError::Conflict(_) | ServiceError::Store(StoreError::Conflict) => {
            StatusCode::CONFLICT
        }
        ServiceError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Internal | ServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The words a page shows for a refused service call: the service's own reason,
/// except for failures on this side, which never show their details.
pub fn reason_for(e: &ServiceError, lang: Lang) -> String {
    match e {
        ServiceError::Internal | ServiceError::Store(_) => lang.t("common.internal").to_string(),
        refused => refused.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_on_this_side_show_no_details() {
        let e = ServiceError::Store(StoreError::Corrupt {
            table: "apps",
            column: "client_type",
            value: "10.0.0.5".into(),
        });
        assert_eq!(status_for(&e), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!reason_for(&e, Lang::En).contains("10.0.0.5"));
        let e = ServiceError::forbidden("Only admins.");
        assert_eq!(status_for(&e), StatusCode::FORBIDDEN);
        assert_eq!(reason_for(&e, Lang::En), "Only admins.");
    }
}
