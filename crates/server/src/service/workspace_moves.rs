//! Moving a personal workspace into a team or enterprise, and the switch that
//! lets an organization credential reach its admin's own personal account-level
//! resources.
//!
//! A move changes only the workspace's edition: its members (the owner), bots
//! and everything inside stay with it, conversations (account level) stay with
//! the person. Personal-edition credentials stop reaching it by the reach rule
//! that a credential reaches only workspaces of its own edition (4101), so the
//! preview tells which of them will stop, and which organization credentials
//! already cover every workspace there.

use super::{Caller, ServiceError, ServiceResult, id_of};
use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_core::audit::AuditKind;
use buckle_core::{GrantKind, OrgId, TokenKind, WorkspaceId};
use buckle_store::{AccessHolder, Workspace};

/// What one credential is, in a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A personal access token (`pat_`).
    PersonalAccessToken,
    /// A service access token of the organization (`sat_`).
    ServiceAccessToken,
    /// An app acting for the person (OBO: `czu_`).
    OboGrant,
    /// An app acting as itself (AppAuth: `czs_`).
    AppAuth,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::PersonalAccessToken => "personal_access_token",
            CredentialKind::ServiceAccessToken => "service_access_token",
            CredentialKind::OboGrant => "obo",
            CredentialKind::AppAuth => "app_auth",
        }
    }
}

/// One credential a move breaks or that already covers the workspace.
#[derive(Debug, Clone)]
pub struct PreviewItem {
    pub kind: CredentialKind,
    /// The token's or the authorization's id.
    pub id: i64,
    /// The token's name, or the app's.
    pub name: String,
    /// The app's client id, for OBO and AppAuth.
    pub client_id: Option<String>,
    /// Whether it reaches every workspace of its edition (else a list naming this one).
    pub all_workspaces: bool,
}

/// What moving a workspace into an organization will change.
#[derive(Debug, Clone)]
pub struct Preview {
    pub workspace: Workspace,
    pub organization_id: OrgId,
    pub organization_name: String,
    /// Personal-edition credentials that reach the workspace now and will get
    /// 4100/4101 for it afterwards.
    pub stop_reaching: Vec<PreviewItem>,
    /// Organization credentials that reach every workspace there, this one too
    /// once it has moved.
    pub already_covering: Vec<PreviewItem>,
}

/// The workspace and organization of a move, after every check a move makes:
/// a personal workspace the caller owns, an organization they administer.
async fn checked(
    state: &AppState,
    caller: &Caller,
    workspace_id: &str,
    organization_id: &str,
) -> ServiceResult<(Workspace, OrgId, String)> {
    caller.require("Manage.workspaces")?;
    let ws_id = id_of(
        workspace_id,
        "workspace_id",
        "workspace_id",
        WorkspaceId::parse,
    )?;
    let not_found = || ServiceError::not_found("Workspace not found.");
    let w = state.store.workspace(ws_id).await?.ok_or_else(not_found)?;
    if w.owner_account_id != caller.account.id {
        // Someone else's personal workspace stays invisible; an organization's
        // workspace the caller sees is refused plainly below.
        if w.org_id.is_none()
            || state
                .store
                .workspace_role(ws_id, caller.account.id)
                .await?
                .is_none()
        {
            return Err(not_found());
        }
        return Err(ServiceError::forbidden(
            "Only the workspace's owner may move it.",
        ));
    }
    if w.org_id.is_some() {
        return Err(ServiceError::conflict(
            "The workspace already belongs to a team or enterprise.",
        ));
    }
    let org = super::organizations::org_of(organization_id.trim())?;
    let role = caller.require_org_admin(state, &org).await?;
    debug_assert!(role.is_admin());
    let organization = state
        .store
        .organization(&org)
        .await?
        .ok_or_else(|| ServiceError::not_found("Organization not found."))?;
    // A token moves a workspace only if it may reach both editions' workspaces.
    if let Some(t) = &caller.token {
        let personal = t.edition.is_none();
        if !personal {
            return Err(ServiceError::forbidden(
                "Only a personal-edition token or a signed-in session may move a personal workspace.",
            ));
        }
        if !t.workspaces.includes(w.id) {
            return Err(ServiceError::forbidden(
                "The token does not cover this workspace.",
            ));
        }
    }
    Ok((w, org, organization.name))
}

/// What moving the workspace into the organization would break and what already
/// covers it; changes nothing.
pub async fn preview(
    state: &AppState,
    caller: &Caller,
    workspace_id: &str,
    organization_id: &str,
) -> ServiceResult<Preview> {
    let (w, org, org_name) = checked(state, caller, workspace_id, organization_id).await?;
    let owner = w.owner_account_id;
    let mut stop_reaching = Vec::new();
    for t in state.store.personal_tokens_of(owner, None).await? {
        if t.all_workspaces || t.workspace_ids.contains(&w.id) {
            stop_reaching.push(PreviewItem {
                kind: CredentialKind::PersonalAccessToken,
                id: t.id,
                name: t.name,
                client_id: None,
                all_workspaces: t.all_workspaces,
            });
        }
    }
    for g in state.store.personal_grants_of(owner).await? {
        if g.all_workspaces || g.workspace_ids.contains(&w.id) {
            stop_reaching.push(PreviewItem {
                kind: match g.kind {
                    GrantKind::Obo => CredentialKind::OboGrant,
                    GrantKind::AppAuth => CredentialKind::AppAuth,
                },
                id: g.id,
                name: g.app_name,
                client_id: Some(g.client_id),
                all_workspaces: g.all_workspaces,
            });
        }
    }
    let mut already_covering = Vec::new();
    // A person's organization PAT reaches the workspace as its owner stays a
    // member of it; another member's would not.
    let org_tokens = state.store.personal_tokens_of(owner, Some(&org)).await?;
    let service_tokens = state.store.service_tokens_of(&org).await?;
    for t in org_tokens.into_iter().chain(service_tokens) {
        if t.all_workspaces {
            already_covering.push(PreviewItem {
                kind: if t.kind == TokenKind::Service {
                    CredentialKind::ServiceAccessToken
                } else {
                    CredentialKind::PersonalAccessToken
                },
                id: t.id,
                name: t.name,
                client_id: None,
                all_workspaces: true,
            });
        }
    }
    for g in state.store.appauth_grants_of_organization(&org).await? {
        if g.all_workspaces {
            already_covering.push(PreviewItem {
                kind: CredentialKind::AppAuth,
                id: g.id,
                name: g.app_name,
                client_id: Some(g.client_id),
                all_workspaces: true,
            });
        }
    }
    Ok(Preview {
        workspace: w,
        organization_id: org,
        organization_name: org_name,
        stop_reaching,
        already_covering,
    })
}

/// Moves the workspace into the organization (one statement that re-checks
/// owner, edition and admin role at commit), tells every node's credential
/// cache, and records the move.
pub async fn move_into(
    state: &AppState,
    caller: &Caller,
    workspace_id: &str,
    organization_id: &str,
) -> ServiceResult<Workspace> {
    let (w, org, _) = checked(state, caller, workspace_id, organization_id).await?;
    if !state
        .store
        .move_workspace_into(w.id, caller.account.id, &org)
        .await?
    {
        // Something changed between the checks and the move (another move, a
        // lost role): nothing moved.
        return Err(ServiceError::conflict(
            "The workspace or your role changed meanwhile; nothing was moved. Try again.",
        ));
    }
    state.credentials.forget(CredentialChange::WorkspaceMoved {
        workspace_id: w.id,
        org_id: org.clone(),
    });
    caller
        .audit(AuditKind::WorkspaceMoved)
        .in_org(Some(&org))
        .target(w.id.to_string())
        .detail(serde_json::json!({
            "name": w.name,
            "from": "personal",
            "organization_id": org.as_str(),
        }))
        .record(state)
        .await;
    Ok(Workspace {
        org_id: Some(org),
        ..w
    })
}

/// Turns on or off whether one of the caller's organization PATs reaches their
/// own personal account-level resources. Admins of the token's organization only.
pub async fn set_token_personal_access(
    state: &AppState,
    caller: &Caller,
    token_id: i64,
    enabled: bool,
) -> ServiceResult<()> {
    let t = super::tokens::get_personal(state, caller, token_id).await?;
    let Some(org) = &t.org_id else {
        return Err(ServiceError::bad(
            "A personal-edition token already reaches your own account-level resources.",
        ));
    };
    caller.require_org_admin(state, org).await?;
    caller.may_change(&super::tokens::extent_of(&t))?;
    let changed = state
        .store
        .set_personal_access(
            AccessHolder::Token(t.id),
            enabled.then_some(caller.account.id),
            state.clock.now(),
        )
        .await?;
    if changed {
        caller
            .audit(AuditKind::TokenEdited)
            .in_org(Some(org))
            .target(t.id.to_string())
            .detail(serde_json::json!({
                "name": t.name,
                "personal_account_access": enabled,
            }))
            .record(state)
            .await;
    }
    Ok(())
}

/// Whether an organization PAT of the caller reaches their personal account-level resources.
pub async fn token_personal_access(
    state: &AppState,
    caller: &Caller,
    token_id: i64,
) -> ServiceResult<bool> {
    let t = super::tokens::get_personal(state, caller, token_id).await?;
    Ok(t.org_id.is_some()
        && state
            .store
            .personal_access(AccessHolder::Token(t.id))
            .await?
            == Some(caller.account.id))
}

/// The organization's AppAuth authorization of an app, for its admins.
async fn org_appauth_grant(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    org: &OrgId,
) -> ServiceResult<(buckle_store::OAuthApp, buckle_store::Grant)> {
    caller.require_org_admin(state, org).await?;
    let app = super::apps::by_client_id(state, client_id).await?;
    let g = state
        .store
        .find_grant(
            app.id,
            GrantKind::AppAuth,
            &buckle_core::GrantOwner::Organization(org.clone()),
            Some(org),
        )
        .await?
        .ok_or_else(|| {
            ServiceError::not_found("The app is not authorized in this team/enterprise.")
        })?;
    Ok((app, g))
}

/// Whether the app's AppAuth authorization in the organization reaches the
/// calling admin's own personal account-level resources.
pub async fn grant_personal_access(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    org: &OrgId,
) -> ServiceResult<bool> {
    let (_, g) = org_appauth_grant(state, caller, client_id, org).await?;
    Ok(state
        .store
        .personal_access(AccessHolder::Grant(g.id))
        .await?
        == Some(caller.account.id))
}

/// Turns on or off whether an app's AppAuth authorization in an organization
/// reaches the calling admin's own personal account-level resources (its
/// `czs_` tokens then act for that admin on account-level points only).
pub async fn set_grant_personal_access(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    organization_id: &str,
    enabled: bool,
) -> ServiceResult<()> {
    let org = super::organizations::org_of(organization_id.trim())?;
    let (app, g) = org_appauth_grant(state, caller, client_id, &org).await?;
    let now = state.clock.now();
    let current = state
        .store
        .personal_access(AccessHolder::Grant(g.id))
        .await?;
    // Another admin's switch is theirs: one turns off only their own.
    if !enabled && current.is_some_and(|a| a != caller.account.id) {
        return Err(ServiceError::forbidden(
            "Another admin let this authorization reach their personal resources; only they may turn it off.",
        ));
    }
    let changed = state
        .store
        .set_personal_access(
            AccessHolder::Grant(g.id),
            enabled.then_some(caller.account.id),
            now,
        )
        .await?;
    if changed {
        caller
            .audit(AuditKind::AuthorizationGranted)
            .in_org(Some(&org))
            .target(app.client_id.clone())
            .detail(serde_json::json!({
                "name": app.name,
                "authorization_id": g.id.to_string(),
                "personal_account_access": enabled,
            }))
            .record(state)
            .await;
    }
    Ok(())
}
