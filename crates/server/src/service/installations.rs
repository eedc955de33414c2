//! App installation in teams and enterprises: admins install (approve) OBO apps
//! or uninstall any app; uninstalling deletes every token the app holds there.

use super::{Caller, ServiceError, ServiceResult};
use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_core::audit::AuditKind;
use buckle_core::{ClientType, InstallStatus, OrgId, PermissionSet};
use buckle_store::{Installation, OAuthApp};

/// An organization's installations and install requests, grouped.
#[derive(Debug, Default)]
pub struct Installations {
    pub installed_appauth: Vec<Installation>,
    pub installed_obo: Vec<Installation>,
    pub not_installed_obo: Vec<Installation>,
}

/// An organization's installations (admins).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
) -> ServiceResult<Installations> {
    caller.require_org_admin(state, org_id).await?;
    let mut out = Installations::default();
    for i in state.store.installations_of(org_id).await? {
        let appauth = i.client_type == ClientType::Service;
        let installed = i.status == InstallStatus::Installed;
        match (appauth, installed) {
            (true, true) => out.installed_appauth.push(i),
            (false, true) => out.installed_obo.push(i),
            (false, false) => out.not_installed_obo.push(i),
            // Service apps are installed by being authorized; nobody requests them.
            (true, false) => {}
        }
    }
    Ok(out)
}

async fn app_of(state: &AppState, client_id: &str) -> ServiceResult<OAuthApp> {
    super::apps::by_client_id(state, client_id).await
}

/// Installs an OBO app, approving members' requests; its tokens reach the
/// organization from now on.
pub async fn install(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    client_id: &str,
) -> ServiceResult<Installation> {
    caller.require_org_admin(state, org_id).await?;
    let app = app_of(state, client_id).await?;
    // Installing lets the app's tokens reach the organization: a token may do it
    // only within its own edition and points.
    caller.may_change_app(Some(org_id), &PermissionSet::decode(&app.permissions))?;
    if app.client_type == ClientType::Service {
        return Err(ServiceError::bad(
            "A service app is installed by authorizing it for the team/enterprise (POST /api/manage/apps/{app_id}/authorizations).",
        ));
    }
    state
        .store
        .upsert_installation(
            app.id,
            org_id,
            InstallStatus::Installed,
            caller.account.id,
            state.clock.now(),
        )
        .await?;
    state
        .credentials
        .forget(CredentialChange::AppInOrganization {
            app_id: app.id,
            org_id: org_id.clone(),
        });
    let row = state
        .store
        .installations_of(org_id)
        .await?
        .into_iter()
        .find(|i| i.app_id == app.id)
        .ok_or(ServiceError::Internal)?;
    caller
        .audit(AuditKind::AppInstalled)
        .in_org(Some(org_id))
        .target(app.client_id.clone())
        .detail(serde_json::json!({"name": app.name}))
        .record(state)
        .await;
    Ok(row)
}

/// Uninstalls (or refuses a request): every grant, so every token, the app
/// holds in the organization is deleted.
pub async fn uninstall(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    client_id: &str,
) -> ServiceResult<()> {
    caller.require_org_admin(state, org_id).await?;
    let app = app_of(state, client_id).await?;
    caller.may_change_app(Some(org_id), &PermissionSet::decode(&app.permissions))?;
    if !state.store.uninstall(app.id, org_id).await? {
        return Err(ServiceError::not_found(
            "The app is not installed in this team/enterprise.",
        ));
    }
    state
        .credentials
        .forget(CredentialChange::AppInOrganization {
            app_id: app.id,
            org_id: org_id.clone(),
        });
    caller
        .audit(AuditKind::AppUninstalled)
        .in_org(Some(org_id))
        .target(app.client_id.clone())
        .detail(serde_json::json!({"name": app.name}))
        .record(state)
        .await;
    Ok(())
}
