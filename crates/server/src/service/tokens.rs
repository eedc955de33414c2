//! Personal access tokens (`pat_`) and service access tokens (`sat_`): making,
//! listing, editing and deleting them, within the grant policy.

use super::{Caller, ServiceError, ServiceResult, clean_name, edition_workspaces, workspaces_of};
use crate::AppState;
use crate::audit::AuditEvent;
use crate::credential_change::CredentialChange;
use buckle_core::audit::AuditKind;
use buckle_core::expiry::{Expiry, ExpiryPolicy, parse_duration};
use buckle_core::policy::{Extent, Made};
use buckle_core::secret::{hash_secret, hint};
use buckle_core::{OrgId, PermissionSet, Role, TokenKind, WorkspaceId};
use buckle_store::{AccessToken, TokenChanges};

/// What a credential grants, as asked for (workspace ids as the caller wrote them).
#[derive(Debug, Clone, Default)]
pub struct GrantAsk {
    pub permissions: Vec<String>,
    pub all_workspaces: bool,
    pub workspace_ids: Vec<String>,
}

/// A token to make. Give exactly one of `expires_in` and `expires_at`.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    pub name: String,
    pub grant: GrantAsk,
    /// `1h`, `1d`, `7d`, `30d`, ... or `permanent`.
    pub expires_in: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

/// A token just made, with its secret: shown once, never stored. No `Debug`.
pub struct Issued {
    pub secret: String,
    pub token: AccessToken,
}

/// An edit of a token; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct TokenEdit {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub all_workspaces: Option<bool>,
    pub workspace_ids: Option<Vec<String>>,
}

/// What a stored token reaches and until when.
pub fn extent_of(t: &AccessToken) -> Extent {
    Extent {
        points: PermissionSet::decode(&t.permissions),
        workspaces: workspaces_of(t.all_workspaces, &t.workspace_ids),
        edition: t.org_id.as_ref().map(OrgId::to_string),
        expires_at: t.expires_at,
    }
}

/// An audit event about a token: what it grants, never its secret.
fn audited(caller: &Caller, kind: AuditKind, t: &AccessToken) -> AuditEvent {
    caller
        .audit(kind)
        .in_org(t.org_id.as_ref())
        .target(t.id.to_string())
        .detail(serde_json::json!({
            "token_kind": t.kind.stored(),
            "name": t.name,
            "permissions": PermissionSet::decode(&t.permissions).names(),
            "all_workspaces": t.all_workspaces,
            "workspace_ids": t.workspace_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "expires_at": t.expires_at,
        }))
}

/// Known, non-empty permission points.
pub fn parse_points(state: &AppState, names: &[String]) -> ServiceResult<PermissionSet> {
    state
        .catalog
        .parse_set(names)
        .map_err(|e| ServiceError::invalid("permissions", format!("permissions: {e}.")))
}

/// Checks a grant against the catalog, the grant policy's rules for who may
/// hold what, and the edition's workspaces. `role` is the caller's role in `org`
/// (None in the personal edition).
async fn check_grant(
    state: &AppState,
    caller: &Caller,
    made: Made,
    org: Option<&OrgId>,
    role: Option<Role>,
    g: &GrantAsk,
) -> ServiceResult<(PermissionSet, bool, Vec<WorkspaceId>)> {
    let points = parse_points(state, &g.permissions)?;
    // Refused before looking anything up: a token learns nothing of another edition.
    caller
        .grantor(role)
        .may_ask(&state.catalog, made, org.map(OrgId::as_str), &points)?;
    let member = (made == Made::PersonalToken).then_some(caller.account.id);
    let ids = edition_workspaces(state, g.all_workspaces, &g.workspace_ids, org, member).await?;
    Ok((points, g.all_workspaces, ids))
}

fn read_expiry(
    expires_in: Option<&str>,
    expires_at: Option<i64>,
    policy: ExpiryPolicy,
    now: i64,
) -> ServiceResult<Expiry> {
    let e = match (expires_in, expires_at) {
        (Some(d), None) => parse_duration(d, now)
            .map_err(|e| ServiceError::invalid("expires_in", e.to_string()))?,
        (None, Some(t)) => Expiry::At(t),
        _ => {
            return Err(ServiceError::bad(
                "Give exactly one of expires_in (1h, 1d, 7d, 30d, or permanent) and expires_at (Unix seconds).",
            ));
        }
    };
    let field = if expires_in.is_some() {
        "expires_in"
    } else {
        "expires_at"
    };
    policy
        .check(e, now)
        .map_err(|e| ServiceError::invalid(field, format!("{e}.")))
}

/// Makes a token after every check, stores it and records it.
#[allow(clippy::too_many_arguments)]
async fn issue(
    state: &AppState,
    caller: &Caller,
    made: Made,
    org: Option<OrgId>,
    role: Option<Role>,
    policy: ExpiryPolicy,
    name: String,
    req: NewToken,
) -> ServiceResult<Issued> {
    let (points, all, ids) =
        check_grant(state, caller, made, org.as_ref(), role, &req.grant).await?;
    let now = state.clock.now();
    let expiry = read_expiry(req.expires_in.as_deref(), req.expires_at, policy, now)?;
    caller.grantor(role).decide(
        &state.catalog,
        made,
        &Extent {
            points: points.clone(),
            workspaces: workspaces_of(all, &ids),
            edition: org.as_ref().map(OrgId::to_string),
            expires_at: expiry.to_stored(),
        },
    )?;
    let (kind, account_id) = match made {
        Made::ServiceToken => (TokenKind::Service, None),
        _ => (TokenKind::Personal, Some(caller.account.id)),
    };
    let secret = kind.generate();
    let t = AccessToken {
        id: buckle_core::ids::new_id(),
        kind,
        token_hash: hash_secret(&secret),
        hint: hint(&secret),
        name,
        account_id,
        org_id: org,
        created_by: caller.account.id,
        permissions: points.encode(),
        all_workspaces: all,
        workspace_ids: ids,
        created_at: now,
        expires_at: expiry.to_stored(),
        last_used_at: None,
    };
    state.store.insert_token(&t).await?;
    state.credentials.issued(&t.token_hash);
    audited(caller, AuditKind::TokenCreated, &t)
        .record(state)
        .await;
    Ok(Issued { secret, token: t })
}

/// Makes a personal access token for the caller, in the personal edition or in
/// `organization_id`; returns the secret once.
pub async fn create_personal(
    state: &AppState,
    caller: &Caller,
    organization_id: Option<String>,
    req: NewToken,
) -> ServiceResult<Issued> {
    let name = clean_name(&req.name, "name", 100)?;
    let organization_id = organization_id
        .as_deref()
        .map(super::organizations::org_of)
        .transpose()?;
    let (role, policy) = match &organization_id {
        Some(org_id) => {
            let role = caller.role_in(state, org_id).await?;
            let org = state
                .store
                .organization(org_id)
                .await?
                .ok_or_else(|| ServiceError::not_found("Organization not found."))?;
            (Some(role), ExpiryPolicy::organization(org.token_max_days))
        }
        None => (
            None,
            ExpiryPolicy {
                max_seconds: Some(state.config.personal_token_max),
            },
        ),
    };
    issue(
        state,
        caller,
        Made::PersonalToken,
        organization_id,
        role,
        policy,
        name,
        req,
    )
    .await
}

/// The caller's personal access tokens of one edition; never the secrets.
pub async fn list_personal(
    state: &AppState,
    caller: &Caller,
    organization_id: Option<&str>,
) -> ServiceResult<Vec<AccessToken>> {
    let org = match organization_id.map(OrgId::parse) {
        // Nothing is stored under an id that could not name an organization.
        Some(None) => return Ok(Vec::new()),
        Some(Some(org)) => Some(org),
        None => None,
    };
    Ok(state
        .store
        .personal_tokens_of(caller.account.id, org.as_ref())
        .await?)
}

fn token_not_found() -> ServiceError {
    ServiceError::not_found("Token not found.")
}

/// One of the caller's own personal access tokens.
pub async fn get_personal(
    state: &AppState,
    caller: &Caller,
    token_id: i64,
) -> ServiceResult<AccessToken> {
    state
        .store
        .token_by_id(token_id)
        .await?
        .filter(|t| t.kind == TokenKind::Personal && t.account_id == Some(caller.account.id))
        .ok_or_else(token_not_found)
}

/// Applies an edit (name, permissions, workspaces) with the same checks as creation.
async fn edit(
    state: &AppState,
    caller: &Caller,
    made: Made,
    role: Option<Role>,
    t: &AccessToken,
    body: TokenEdit,
) -> ServiceResult<AccessToken> {
    // Editing a token is a power over it: a token may edit only tokens within it.
    caller.may_change(&extent_of(t))?;
    let name = body
        .name
        .as_deref()
        .map(|n| clean_name(n, "name", 100))
        .transpose()?;
    let ws_changed = body.all_workspaces.is_some() || body.workspace_ids.is_some();
    let grant = GrantAsk {
        permissions: body
            .permissions
            .clone()
            .unwrap_or_else(|| PermissionSet::decode(&t.permissions).names().to_vec()),
        all_workspaces: body
            .all_workspaces
            .unwrap_or(t.all_workspaces && body.workspace_ids.is_none()),
        workspace_ids: match &body.workspace_ids {
            Some(ids) => ids.clone(),
            None if body.all_workspaces == Some(true) => Vec::new(),
            None => t.workspace_ids.iter().map(ToString::to_string).collect(),
        },
    };
    let (points, all, ids) =
        check_grant(state, caller, made, t.org_id.as_ref(), role, &grant).await?;
    caller.grantor(role).decide(
        &state.catalog,
        made,
        &Extent {
            points: points.clone(),
            workspaces: workspaces_of(all, &ids),
            edition: t.org_id.as_ref().map(OrgId::to_string),
            expires_at: t.expires_at,
        },
    )?;
    let changes = TokenChanges {
        name,
        permissions: body.permissions.is_some().then(|| points.encode()),
        workspaces: ws_changed.then_some((all, ids)),
    };
    state.store.update_token(t.id, &changes).await?;
    state
        .credentials
        .forget(CredentialChange::AccessToken { id: t.id });
    let t = state
        .store
        .token_by_id(t.id)
        .await?
        .ok_or_else(token_not_found)?;
    audited(caller, AuditKind::TokenEdited, &t)
        .record(state)
        .await;
    Ok(t)
}

/// Edits one of the caller's personal access tokens.
pub async fn update_personal(
    state: &AppState,
    caller: &Caller,
    token_id: i64,
    body: TokenEdit,
) -> ServiceResult<AccessToken> {
    let t = get_personal(state, caller, token_id).await?;
    let role = match &t.org_id {
        Some(org) => Some(caller.role_in(state, org).await?),
        None => None,
    };
    edit(state, caller, Made::PersonalToken, role, &t, body).await
}

/// Deletes a token (it stops working at once) that the caller may change.
async fn delete(state: &AppState, caller: &Caller, t: &AccessToken) -> ServiceResult<()> {
    caller.may_change(&extent_of(t))?;
    state.store.delete_token(t.id).await?;
    state
        .credentials
        .forget(CredentialChange::AccessToken { id: t.id });
    audited(caller, AuditKind::TokenDeleted, t)
        .record(state)
        .await;
    Ok(())
}

/// Deletes one of the caller's personal access tokens.
pub async fn delete_personal(
    state: &AppState,
    caller: &Caller,
    token_id: i64,
) -> ServiceResult<()> {
    let t = get_personal(state, caller, token_id).await?;
    delete(state, caller, &t).await
}

/// Makes a service access token of an organization the caller administers.
pub async fn create_service(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
    req: NewToken,
) -> ServiceResult<Issued> {
    let role = caller.require_org_admin(state, org_id).await?;
    let name = clean_name(&req.name, "name", 100)?;
    issue(
        state,
        caller,
        Made::ServiceToken,
        Some(org_id.clone()),
        Some(role),
        ExpiryPolicy::UNLIMITED,
        name,
        req,
    )
    .await
}

/// An organization's service access tokens (its admins).
pub async fn list_service(
    state: &AppState,
    caller: &Caller,
    org_id: &OrgId,
) -> ServiceResult<Vec<AccessToken>> {
    caller.require_org_admin(state, org_id).await?;
    Ok(state.store.service_tokens_of(org_id).await?)
}

/// A service token of an organization the caller administers, with that role.
pub async fn get_service(
    state: &AppState,
    caller: &Caller,
    token_id: i64,
) -> ServiceResult<(AccessToken, Role)> {
    let t = state
        .store
        .token_by_id(token_id)
        .await?
        .filter(|t| t.kind == TokenKind::Service)
        .ok_or_else(token_not_found)?;
    let org = t.org_id.clone().ok_or_else(token_not_found)?;
    let role = caller
        .role_in(state, &org)
        .await
        .map_err(|_| token_not_found())?;
    if !role.is_admin() {
        return Err(ServiceError::forbidden(
            "Only a super admin or admin of the team/enterprise may do this.",
        ));
    }
    Ok((t, role))
}

/// Edits a service token of an organization the caller administers.
pub async fn update_service(
    state: &AppState,
    caller: &Caller,
    token_id: i64,
    body: TokenEdit,
) -> ServiceResult<AccessToken> {
    let (t, role) = get_service(state, caller, token_id).await?;
    edit(state, caller, Made::ServiceToken, Some(role), &t, body).await
}

/// Deletes a service token of an organization the caller administers.
pub async fn delete_service(state: &AppState, caller: &Caller, token_id: i64) -> ServiceResult<()> {
    let (t, _) = get_service(state, caller, token_id).await?;
    delete(state, caller, &t).await
}
