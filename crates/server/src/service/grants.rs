//! Authorizations: AppAuth (a service app acting as itself, authorized by its
//! owner or an organization's admins) and OBO consent (a person lets an app act
//! for them), their listing and revocation, within the grant policy.

use super::apps::{app_event, app_not_found, by_client_id, managed, require_service};
use super::{Caller, ServiceError, ServiceResult, edition_workspaces, workspaces_of};
use crate::AppState;
use crate::audit::AuditEvent;
use crate::credential_change::CredentialChange;
use buckle_core::audit::AuditKind;
use buckle_core::policy::{Extent, Made};
use buckle_core::{
    ClientType, GrantKind, GrantOwner, InstallStatus, OrgId, PermissionSet, Role, WorkspaceId,
};
use buckle_store::{Grant, GrantWithApp, OAuthApp};

/// The wire protocol's answer when an app is used with a flow its type does not have.
const INVALID_APP_TYPE: &str = "invalid app type";

/// Where an AppAuth authorization is for, and which workspaces.
#[derive(Debug, Clone, Default)]
pub struct AppAuthRequest {
    /// The team or enterprise; `None` for the owner's personal edition.
    pub organization_id: Option<String>,
    pub all_workspaces: bool,
    pub workspace_ids: Vec<String>,
}

/// An audit event about an authorization.
fn grant_event(caller: &Caller, kind: AuditKind, app: &OAuthApp, g: &Grant) -> AuditEvent {
    caller
        .audit(kind)
        .in_org(g.org())
        .target(app.client_id.clone())
        .detail(serde_json::json!({
            "name": app.name,
            "kind": g.kind,
            "authorization_id": g.id.to_string(),
            "permissions": PermissionSet::decode(&g.permissions).names(),
            "all_workspaces": g.all_workspaces,
            "workspace_ids": g.workspace_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))
}

/// What a stored authorization reaches: it lasts until revoked.
fn grant_extent(
    permissions: &str,
    all: bool,
    workspace_ids: &[WorkspaceId],
    org: Option<&OrgId>,
) -> Extent {
    Extent {
        points: PermissionSet::decode(permissions),
        workspaces: workspaces_of(all, workspace_ids),
        edition: org.map(OrgId::to_string),
        expires_at: None,
    }
}

/// AppAuth: authorizes a service app to act as itself, in its owner's personal
/// edition or for an organization the caller administers (the shareable link's
/// case for someone else's personal app).
pub async fn authorize_app(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    req: AppAuthRequest,
) -> ServiceResult<(OAuthApp, Grant)> {
    let app = by_client_id(state, client_id).await?;
    // An organization's app stays invisible to outsiders.
    if let Some(owner_org) = &app.org_id
        && state
            .store
            .role_in(owner_org, caller.account.id)
            .await?
            .is_none()
    {
        return Err(app_not_found());
    }
    if app.client_type != ClientType::Service {
        return Err(ServiceError::bad(INVALID_APP_TYPE));
    }
    let (org_id, role) = match &req.organization_id {
        Some(org) => {
            if app.org_id.as_ref().is_some_and(|o| o.as_str() != org) {
                return Err(ServiceError::invalid(
                    "organization_id",
                    "An app of a team/enterprise can be authorized only in that team/enterprise.",
                ));
            }
            let org = super::organizations::org_of(org)?;
            let role = caller.require_org_admin(state, &org).await?;
            (Some(org), Some(role))
        }
        None => {
            if app.org_id.is_some() {
                return Err(ServiceError::invalid(
                    "organization_id",
                    "An app of a team/enterprise is authorized in that team/enterprise: give its organization_id.",
                ));
            }
            if app.owner_account_id != Some(caller.account.id) {
                return Err(ServiceError::forbidden(
                    "Only the app's owner can authorize it in their personal edition; a super admin or admin of a team/enterprise can authorize it for the team/enterprise.",
                ));
            }
            (None, None)
        }
    };
    let points = PermissionSet::decode(&app.permissions);
    let grantor = caller.grantor(role);
    grantor.may_ask(
        &state.catalog,
        Made::Authorization,
        org_id.as_ref().map(OrgId::as_str),
        &points,
    )?;
    let ids = edition_workspaces(
        state,
        req.all_workspaces,
        &req.workspace_ids,
        org_id.as_ref(),
        org_id.is_none().then_some(caller.account.id),
    )
    .await?;
    // An authorization lasts until revoked: a token may not make one that outlives it.
    grantor.decide(
        &state.catalog,
        Made::Authorization,
        &Extent {
            points: points.clone(),
            workspaces: workspaces_of(req.all_workspaces, &ids),
            edition: org_id.as_ref().map(OrgId::to_string),
            expires_at: None,
        },
    )?;
    let now = state.clock.now();
    let edition_id = org_id.clone();
    let grant = Grant {
        id: buckle_core::ids::new_id(),
        app_id: app.id,
        kind: GrantKind::AppAuth,
        owner: match &edition_id {
            Some(org) => GrantOwner::Organization(org.clone()),
            None => GrantOwner::Account(caller.account.id),
        },
        edition: edition_id.clone(),
        permissions: points.encode(),
        all_workspaces: req.all_workspaces,
        workspace_ids: ids.clone(),
        created_by: caller.account.id,
        created_at: now,
    };
    let grant_id = state.store.upsert_grant(&grant).await?;
    if let Some(org) = &org_id {
        state
            .store
            .upsert_installation(
                app.id,
                org,
                InstallStatus::Installed,
                caller.account.id,
                now,
            )
            .await?;
        state
            .credentials
            .forget(CredentialChange::AppInOrganization {
                app_id: app.id,
                org_id: org.clone(),
            });
    }
    let g = state
        .store
        .grant(grant_id)
        .await?
        .ok_or(ServiceError::Internal)?;
    grant_event(caller, AuditKind::AuthorizationGranted, &app, &g)
        .record(state)
        .await;
    Ok((app, g))
}

/// A service app's AppAuth authorizations, for its owner or the owning
/// organization's admins.
pub async fn list_app_authorizations(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<(OAuthApp, Vec<Grant>)> {
    let (app, _) = managed(state, caller, client_id).await?;
    if app.client_type != ClientType::Service {
        return Err(ServiceError::bad(INVALID_APP_TYPE));
    }
    let grants = state
        .store
        .grants_of_app(app.id)
        .await?
        .into_iter()
        .filter(|g| g.kind == GrantKind::AppAuth)
        .collect();
    Ok((app, grants))
}

/// Removes an AppAuth authorization: the owner a personal-edition one, an
/// organization's admins the organization's (which also uninstalls the app
/// there). Its tokens die with it. A token removes only one within itself.
pub async fn delete_app_authorization(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    authorization_id: i64,
) -> ServiceResult<()> {
    let app = by_client_id(state, client_id).await?;
    let not_found = || ServiceError::not_found("Authorization not found.");
    let g = state
        .store
        .grant(authorization_id)
        .await?
        .filter(|g| g.app_id == app.id && g.kind == GrantKind::AppAuth)
        .ok_or_else(not_found)?;
    caller.may_change(&grant_extent(
        &g.permissions,
        g.all_workspaces,
        &g.workspace_ids,
        g.org(),
    ))?;
    match g.org() {
        Some(org) => {
            let role = state
                .store
                .role_in(org, caller.account.id)
                .await?
                .ok_or_else(not_found)?;
            if !role.is_admin() {
                return Err(ServiceError::forbidden(
                    "Only a super admin or admin of the team/enterprise may remove its authorizations.",
                ));
            }
            // A service app holds nothing else there: this removes the grant and
            // the installation row, so the app no longer shows as installed.
            state.store.delete_grant(g.id).await?;
            state.store.uninstall(app.id, org).await?;
            state
                .credentials
                .forget(CredentialChange::AppInOrganization {
                    app_id: app.id,
                    org_id: org.clone(),
                });
        }
        None => {
            if g.account() != Some(caller.account.id) {
                return Err(not_found());
            }
            state.store.delete_grant(g.id).await?;
        }
    }
    state
        .credentials
        .forget(CredentialChange::Grant { grant_id: g.id });
    grant_event(caller, AuditKind::AuthorizationRevoked, &app, &g)
        .record(state)
        .await;
    Ok(())
}

/// The link an organization's admin opens to authorize a service app for the
/// organization.
pub async fn share_link(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<String> {
    let (app, _) = managed(state, caller, client_id).await?;
    require_service(&app, "an authorization link")?;
    Ok(format!(
        "{}/oauth/authorize-app?client_id={}",
        state.config.public_url,
        buckle_core::redirect::encode(&app.client_id)
    ))
}

/// The apps the caller authorized to act for them (OBO).
pub async fn authorized_apps(
    state: &AppState,
    caller: &Caller,
) -> ServiceResult<Vec<GrantWithApp>> {
    Ok(state.store.obo_grants_of(caller.account.id).await?)
}

/// Revokes the caller's authorizations of an app, and with them every token it
/// holds for them. A token revokes only authorizations within itself.
pub async fn revoke_authorized_app(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<()> {
    let not_found = || ServiceError::not_found("You have not authorized that app.");
    if client_id.is_empty() || client_id.len() > 100 {
        return Err(not_found());
    }
    let app = state
        .store
        .app_by_client_id(client_id)
        .await?
        .ok_or_else(not_found)?;
    if caller.token.is_some() {
        for g in state.store.obo_grants_of(caller.account.id).await? {
            if g.app_id == app.id {
                let org = g.org();
                caller.may_change(&grant_extent(
                    &g.permissions,
                    g.all_workspaces,
                    &g.workspace_ids,
                    org,
                ))?;
            }
        }
    }
    if state
        .store
        .delete_obo_grants(app.id, caller.account.id)
        .await?
        == 0
    {
        return Err(not_found());
    }
    state.credentials.forget(CredentialChange::AppForAccount {
        app_id: app.id,
        account_id: caller.account.id,
    });
    app_event(caller, AuditKind::AuthorizationRevoked, &app)
        .detail(serde_json::json!({"name": app.name, "kind": GrantKind::Obo.as_str()}))
        .record(state)
        .await;
    Ok(())
}

/// Why an OBO consent cannot be recorded; each page words it in its language.
#[derive(Debug)]
pub enum ConsentRefusal {
    /// The pinned workspace does not exist, or the person is not a member of it
    /// (told alike, so nobody learns another's workspace ids).
    NotAMemberOfWorkspace,
    /// The edition chosen is an organization the person does not belong to.
    NotAMemberOfOrganization,
    /// The grant policy's refusal (team-level or operator points).
    Policy(buckle_core::policy::Refusal),
    Service(ServiceError),
}

impl From<buckle_store::StoreError> for ConsentRefusal {
    fn from(e: buckle_store::StoreError) -> ConsentRefusal {
        ConsentRefusal::Service(e.into())
    }
}

/// A workspace pinned by a request, when `caller` is a member of it.
pub async fn member_workspace(
    state: &AppState,
    caller: &Caller,
    ws: WorkspaceId,
) -> Result<buckle_store::Workspace, ConsentRefusal> {
    match state.store.workspace_for(ws, caller.account.id).await? {
        Some((w, true)) => Ok(w),
        _ => Err(ConsentRefusal::NotAMemberOfWorkspace),
    }
}

/// Records a person's consent to an OBO app: the grant (app, person, edition,
/// workspaces) and, in an organization, the installation (admins install;
/// members request). `edition` is ignored when a workspace is pinned.
pub async fn consent(
    state: &AppState,
    caller: &Caller,
    app: &OAuthApp,
    edition: Option<&str>,
    pinned_workspace: Option<WorkspaceId>,
) -> Result<Grant, ConsentRefusal> {
    let user = &caller.account;
    let edition = match pinned_workspace {
        Some(ws) => member_workspace(state, caller, ws).await?.org_id,
        // An id that could not name an organization has no members.
        None => edition
            .filter(|e| !e.is_empty())
            .map(|e| OrgId::parse(e).ok_or(ConsentRefusal::NotAMemberOfOrganization))
            .transpose()?,
    };
    let role: Option<Role> = match &edition {
        Some(org) => Some(
            state
                .store
                .role_in(org, user.id)
                .await?
                .ok_or(ConsentRefusal::NotAMemberOfOrganization)?,
        ),
        None => None,
    };
    let points = PermissionSet::decode(&app.permissions);
    caller
        .grantor(role)
        .may_ask(
            &state.catalog,
            Made::Authorization,
            edition.as_ref().map(OrgId::as_str),
            &points,
        )
        .map_err(ConsentRefusal::Policy)?;
    let now = state.clock.now();
    let mut g = Grant {
        id: buckle_core::ids::new_id(),
        app_id: app.id,
        kind: GrantKind::Obo,
        owner: GrantOwner::Account(user.id),
        edition: edition.clone(),
        permissions: points.encode(),
        all_workspaces: pinned_workspace.is_none(),
        workspace_ids: pinned_workspace.into_iter().collect(),
        created_by: user.id,
        created_at: now,
    };
    g.id = state.store.upsert_grant(&g).await?;
    if let Some(org) = &edition
        && app.org_id.as_ref() != Some(org)
    {
        let status = if role.is_some_and(Role::is_admin) {
            InstallStatus::Installed
        } else {
            InstallStatus::Requested
        };
        state
            .store
            .upsert_installation(app.id, org, status, user.id, now)
            .await?;
        state
            .credentials
            .forget(CredentialChange::AppInOrganization {
                app_id: app.id,
                org_id: org.clone(),
            });
    }
    grant_event(caller, AuditKind::AuthorizationGranted, app, &g)
        .record(state)
        .await;
    Ok(g)
}
