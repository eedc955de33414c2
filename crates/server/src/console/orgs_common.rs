//! What the organization pages (organizations, members, workspaces, installations,
//! authorized apps) share: roles in words, refusals next to their field, ids read
//! from the address.

use crate::service::ServiceError;
use crate::web::Key;
use crate::web::form::FieldErrors;
use crate::web::i18n::Lang;
use buckle_core::{Role, WorkspaceRole};

/// A role in the page's language.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => lang.t("console.role.super_admin"),
        Role::Admin => lang.t("console.role.admin"),
        Role::Member => lang.t("console.role.member"),
    }
}

/// A workspace role in the page's language.
pub fn workspace_role_label(lang: Lang, role: WorkspaceRole) -> &'static str {
    match role {
        WorkspaceRole::Owner => lang.t("orgs.ws_role.owner"),
        WorkspaceRole::Admin => lang.t("orgs.ws_role.admin"),
        WorkspaceRole::Member => lang.t("orgs.ws_role.member"),
    }
}

/// A refused service call next to its field; a refusal about no field in
/// particular goes next to `fallback` (the field the person acted on). `worded`
/// names the fields whose every refusal the page words itself (a catalog key),
/// so they read well in each language.
pub fn field_errors(
    e: &ServiceError,
    lang: Lang,
    fallback: &'static str,
    worded: &[(&str, Key)],
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let own = e
        .field()
        .and_then(|f| worded.iter().find(|(w, _)| *w == f))
        .map(|(_, key)| lang.t(key.0));
    let field = e.field().unwrap_or(fallback);
    match own {
        Some(text) => errors.add(field, text),
        None => errors.add(field, crate::web::refusal::localized(e, lang)),
    }
    errors
}

/// An id from the address; anything else names nothing.
pub fn id_in_path(raw: &str) -> Option<i64> {
    buckle_core::ids::parse_id(raw)
}
