//! What the consent, device-verification and share pages show about an app: its
//! name, description and permissions (in the page's language), and the editions
//! the person may authorize it in.

use super::i18n::Lang;
use crate::AppState;
use buckle_core::PermissionSet;
use buckle_store::{Account, OAuthApp};

/// One permission point with the catalog's description.
pub struct PermissionLine {
    pub name: String,
    pub description: String,
}

/// An organization offered as the edition to authorize in.
pub struct EditionChoice {
    pub id: String,
    pub label: String,
}

/// The app part of a consent page.
pub struct AppView {
    pub name: String,
    pub description: String,
    pub permissions: Vec<PermissionLine>,
    /// The workspace the request pins, by name; else `editions` are offered.
    pub pinned_workspace: Option<String>,
    pub editions: Vec<EditionChoice>,
}

/// The app's permission points, described in `lang`.
pub fn permission_lines(state: &AppState, app: &OAuthApp, lang: Lang) -> Vec<PermissionLine> {
    PermissionSet::decode(&app.permissions)
        .iter()
        .map(|name| {
            let description = state
                .catalog
                .get(name)
                .map(|p| match lang {
                    Lang::En => p.description.clone(),
                    Lang::ZhCn => p.description_zh.clone(),
                })
                .unwrap_or_default();
            PermissionLine {
                name: name.to_string(),
                description,
            }
        })
        .collect()
}

/// The app part of the consent and device pages for `user`. `pinned_workspace`
/// is the name of a workspace the request pins (already checked to be `user`'s).
pub async fn app_view(
    state: &AppState,
    app: &OAuthApp,
    user: &Account,
    pinned_workspace: Option<String>,
    lang: Lang,
) -> AppView {
    let editions = if pinned_workspace.is_some() {
        Vec::new()
    } else {
        state
            .store
            .organizations_of(user.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|o| EditionChoice {
                label: format!("{} ({})", o.name, o.kind),
                id: o.id.into_string(),
            })
            .collect()
    };
    AppView {
        name: app.name.clone(),
        description: app.description.clone(),
        permissions: permission_lines(state, app, lang),
        pinned_workspace,
        editions,
    }
}
