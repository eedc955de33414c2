//! App installation in teams and enterprises: installed AppAuth apps, installed OBO
//! apps, and OBO apps members asked for (install requests). Admins install
//! (approve) or uninstall; uninstalling deletes every token the app holds there.

use super::Actor;
use super::apps::POINT;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::Path;
use crate::service::installations as service;
use crate::service::organizations::org_of;
use axum::extract::State;
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
            client_type: i.client_type.to_string(),
            status: i.status.to_string(),
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
    let all = service::list(&state, &actor, &org_of(&org_id)?).await?;
    let out = |v: Vec<Installation>| v.into_iter().map(Into::into).collect();
    ok(InstallationsOut {
        installed_appauth: out(all.installed_appauth),
        installed_obo: out(all.installed_obo),
        not_installed_obo: out(all.not_installed_obo),
    })
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
    let row = service::install(&state, &actor, &org_of(&org_id)?, &app_id).await?;
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
    service::uninstall(&state, &actor, &org_of(&org_id)?, &app_id).await?;
    ok(Empty {})
}
