//! App installation in teams and enterprises: installed AppAuth apps, installed OBO
//! apps, and OBO apps members asked for (install requests). Admins install
//! (approve) or uninstall; uninstalling deletes every token the app holds there.

use super::Actor;
use super::apps::POINT;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::Path;
use axum::extract::State;
use buckle_core::PermissionSet;
use buckle_core::audit::AuditKind;
use buckle_store::Installation;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct InstallationOut {
    /// The app's client id.
    app_id: String,
    name: String,
    client_type: String,
    /// `installed` or `requested`.
    status: String,
    /// The account that asked for (or made) the installation.
    requested_by: String,
    updated_at: i64,
}

impl From<Installation> for InstallationOut {
    fn from(i: Installation) -> InstallationOut {
        InstallationOut {
            app_id: i.client_id,
            name: i.app_name,
            client_type: i.client_type,
            status: i.status,
            requested_by: i.requested_by.to_string(),
            updated_at: i.updated_at,
        }
    }
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct InstallationsOut {
    installed_appauth: Vec<InstallationOut>,
    installed_obo: Vec<InstallationOut>,
    not_installed_obo: Vec<InstallationOut>,
}

/// `GET /api/manage/organizations/{org_id}/installations` (admins).
#[utoipa::path(
    get,
    path = "/api/manage/organizations/{org_id}/installations",
    summary = "Installed AppAuth apps, installed OBO apps, install requests (admins)",
    params(("org_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<InstallationsOut>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
) -> ApiResult<InstallationsOut> {
    actor.require(POINT)?;
    actor.require_org_admin(&state, &org_id).await?;
    let mut out = InstallationsOut::default();
    for i in state.store.installations_of(&org_id).await? {
        let appauth = i.client_type == "service";
        let installed = i.status == "installed";
        match (appauth, installed) {
            (true, true) => out.installed_appauth.push(i.into()),
            (false, true) => out.installed_obo.push(i.into()),
            (false, false) => out.not_installed_obo.push(i.into()),
            // Service apps are installed by being authorized; nobody requests them.
            (true, false) => {}
        }
    }
    ok(out)
}

async fn app_of(state: &AppState, client_id: &str) -> Result<buckle_store::OAuthApp, ApiError> {
    let not_found = || ApiError::not_found("App not found.");
    if client_id.is_empty() || client_id.len() > 100 {
        return Err(not_found());
    }
    state
        .store
        .app_by_client_id(client_id)
        .await?
        .ok_or_else(not_found)
}

/// `POST /api/manage/organizations/{org_id}/installations/{app_id}` (admins):
/// installs an OBO app, approving members' requests; its tokens reach the
/// organization from now on.
#[utoipa::path(
    post,
    path = "/api/manage/organizations/{org_id}/installations/{app_id}",
    summary = "Install (approve) an OBO app in the organization (admins)",
    params(("org_id" = String, Path), ("app_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<InstallationOut>), EnvelopeErrors)
)]
pub async fn install(
    State(state): State<AppState>,
    actor: Actor,
    Path((org_id, app_id)): Path<(String, String)>,
) -> ApiResult<InstallationOut> {
    actor.require(POINT)?;
    actor.require_org_admin(&state, &org_id).await?;
    let app = app_of(&state, &app_id).await?;
    // Installing lets the app's tokens reach the organization: a token may do it
    // only within its own edition and points.
    actor.may_manage_app(Some(&org_id), &PermissionSet::decode(&app.permissions))?;
    if app.client_type == "service" {
        return Err(ApiError::bad_request(
            "A service app is installed by authorizing it for the team/enterprise (POST /api/manage/apps/{app_id}/authorizations).",
        ));
    }
    state
        .store
        .upsert_installation(
            app.id,
            &org_id,
            "installed",
            actor.account.id,
            state.clock.now(),
        )
        .await?;
    let row = state
        .store
        .installations_of(&org_id)
        .await?
        .into_iter()
        .find(|i| i.app_id == app.id)
        .ok_or_else(ApiError::internal)?;
    actor
        .audit(AuditKind::AppInstalled)
        .in_org(Some(&org_id))
        .target(app.client_id.clone())
        .detail(serde_json::json!({"name": app.name}))
        .record(&state)
        .await;
    ok(row.into())
}

/// `DELETE /api/manage/organizations/{org_id}/installations/{app_id}` (admins):
/// uninstalls (or refuses a request); every grant, so every token, the app holds
/// in the organization is deleted.
#[utoipa::path(
    delete,
    path = "/api/manage/organizations/{org_id}/installations/{app_id}",
    summary = "Uninstall an app; deletes every token it holds in the organization (admins)",
    params(("org_id" = String, Path), ("app_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn uninstall(
    State(state): State<AppState>,
    actor: Actor,
    Path((org_id, app_id)): Path<(String, String)>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    actor.require_org_admin(&state, &org_id).await?;
    let app = app_of(&state, &app_id).await?;
    actor.may_manage_app(Some(&org_id), &PermissionSet::decode(&app.permissions))?;
    if !state.store.uninstall(app.id, &org_id).await? {
        return Err(ApiError::not_found(
            "The app is not installed in this team/enterprise.",
        ));
    }
    actor
        .audit(AuditKind::AppUninstalled)
        .in_org(Some(&org_id))
        .target(app.client_id.clone())
        .detail(serde_json::json!({"name": app.name}))
        .record(&state)
        .await;
    ok(Empty {})
}
