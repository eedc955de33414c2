//! Consent to an OBO app (authorization code, PKCE, device): the rules shared by
//! the consent page and the device verification page.

use crate::AppState;
use crate::audit::AuditEvent;
use crate::web::Key;
use buckle_core::audit::AuditKind;
use buckle_core::{Level, PermissionSet, Role};
use buckle_store::{Account, Grant, OAuthApp};

/// Why a consent cannot be given: the page's message key.
pub struct Refusal(pub Key);

fn refuse(key: &'static str) -> Refusal {
    Refusal(Key(key))
}

/// A workspace pinned by the request, when `user` is a member of it. Unknown and
/// not-a-member are refused alike, so the pages tell nobody else's workspace
/// names, or even that an id exists.
pub(super) async fn member_workspace(
    state: &AppState,
    ws: i64,
    user: &Account,
) -> Result<buckle_store::Workspace, Refusal> {
    match state.store.workspace_for(ws, user.id).await {
        Ok(Some((w, true))) => Ok(w),
        Ok(_) => Err(refuse("consent.not_workspace_member")),
        Err(_) => Err(refuse("common.internal")),
    }
}

/// Records the user's consent: the grant (app, user, edition, workspaces) and, in an
/// organization, the installation (admins install; members request). Returns the grant.
pub async fn grant(
    state: &AppState,
    app: &OAuthApp,
    user: &Account,
    edition: Option<&str>,
    pinned_workspace: Option<i64>,
) -> Result<Grant, Refusal> {
    let store_err = |_| refuse("common.internal");
    let edition = match pinned_workspace {
        Some(ws) => member_workspace(state, ws, user).await?.org_id,
        None => edition.filter(|e| !e.is_empty()).map(str::to_string),
    };
    let role = match &edition {
        Some(org) => Some(
            state
                .store
                .role_in(org, user.id)
                .await
                .map_err(store_err)?
                .ok_or_else(|| refuse("consent.not_org_member"))?,
        ),
        None => None,
    };
    let points = PermissionSet::decode(&app.permissions);
    if state.catalog.highest_level(&points) == Some(Level::Organization)
        && !role.is_some_and(Role::is_admin)
    {
        return Err(refuse("consent.team_level"));
    }
    if state.catalog.needs_operator(&points) && !user.is_super_admin {
        return Err(refuse("consent.operator"));
    }
    let now = state.clock.now();
    let mut g = Grant {
        id: buckle_core::ids::new_id(),
        app_id: app.id,
        kind: "obo".into(),
        account_id: user.id,
        org_id: edition.clone().unwrap_or_default(),
        permissions: points.encode(),
        all_workspaces: pinned_workspace.is_none(),
        workspace_ids: pinned_workspace.map(|w| w.to_string()).unwrap_or_default(),
        created_by: user.id,
        created_at: now,
    };
    g.id = state.store.upsert_grant(&g).await.map_err(store_err)?;
    if let Some(org) = &edition
        && app.org_id.as_deref() != Some(org.as_str())
    {
        let status = if role.is_some_and(Role::is_admin) {
            "installed"
        } else {
            "requested"
        };
        state
            .store
            .upsert_installation(app.id, org, status, user.id, now)
            .await
            .map_err(store_err)?;
    }
    AuditEvent::new(AuditKind::AuthorizationGranted)
        .by(user.id, None)
        .in_org(edition.as_deref())
        .target(app.client_id.clone())
        .detail(serde_json::json!({
            "name": app.name,
            "kind": "obo",
            "authorization_id": g.id.to_string(),
            "permissions": PermissionSet::decode(&g.permissions).names(),
            "all_workspaces": g.all_workspaces,
            "workspace_ids": g.workspace_ids.split_whitespace().collect::<Vec<_>>(),
        }))
        .record(state)
        .await;
    Ok(g)
}
