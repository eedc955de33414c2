//! A refused service call on a page: its status and the words shown for it.

use super::i18n::{Key, Lang};
use super::page::Notice;
use crate::service::ServiceError;
use axum::http::StatusCode;
use axum::response::Response;
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

/// The catalog key saying what kind of refusal this is, in the page's language.
fn kind_key(e: &ServiceError) -> &'static str {
    match status_for(e) {
        StatusCode::BAD_REQUEST => "refusal.invalid",
        StatusCode::UNAUTHORIZED => "refusal.unauthenticated",
        StatusCode::FORBIDDEN => "refusal.forbidden",
        StatusCode::NOT_FOUND => "refusal.not_found",
        StatusCode::CONFLICT => "refusal.conflict",
        StatusCode::TOO_MANY_REQUESTS => "refusal.throttled",
        _ => "common.internal",
    }
}

/// A refusal in the page's language. The services word their reasons in English;
/// a Chinese page says the kind of refusal in Chinese and keeps the service's
/// precise reason beside it. A field's own catalog text (`field.<name>`) wins.
pub fn localized(e: &ServiceError, lang: Lang) -> String {
    if let Some(text) = e.field().and_then(|f| lang.get(&format!("field.{f}"))) {
        return text.to_string();
    }
    let reason = reason_for(e, lang);
    match (lang, e) {
        (_, ServiceError::Internal | ServiceError::Store(_)) => reason,
        (Lang::En, _) => reason,
        (_, _) => lang.fill(Key(kind_key(e)), &[]) + "（" + &reason + "）",
    }
}

/// A page that only tells a refused service call.
pub fn page(e: &ServiceError, lang: Lang) -> Response {
    Notice::text(
        status_for(e),
        lang,
        Key("refusal.title"),
        localized(e, lang),
    )
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

    #[test]
    fn chinese_pages_say_the_kind_in_chinese_and_keep_the_reason() {
        let e = ServiceError::forbidden("Only admins.");
        assert_eq!(localized(&e, Lang::En), "Only admins.");
        let zh = localized(&e, Lang::ZhCn);
        assert!(zh.starts_with(Lang::ZhCn.t("refusal.forbidden")), "{zh}");
        assert!(zh.contains("Only admins."), "{zh}");
        let internal = ServiceError::Internal;
        assert_eq!(
            localized(&internal, Lang::ZhCn),
            Lang::ZhCn.t("common.internal")
        );
        // A field with its own catalog text shows that text in both languages.
        let e = ServiceError::invalid("name", "name must be 1 to 100 characters.");
        assert_eq!(localized(&e, Lang::ZhCn), Lang::ZhCn.t("field.name"));
        assert_eq!(localized(&e, Lang::En), Lang::En.t("field.name"));
    }
}
